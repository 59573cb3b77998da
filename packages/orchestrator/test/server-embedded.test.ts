import { embeddedBackend } from './support/harness.js';
import { serverContract } from './support/server-contract.js';

serverContract(embeddedBackend());
