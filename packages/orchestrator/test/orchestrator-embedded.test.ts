import { embeddedBackend } from './support/harness.js';
import { orchestratorContract } from './support/orchestrator-contract.js';

orchestratorContract(embeddedBackend());
