import { fleetBackend } from './support/harness.js';
import { serverContract } from './support/server-contract.js';

serverContract(fleetBackend());
