export {
  DEFAULT_DELEGATION_INACTIVITY_TIMEOUT_MS,
  type DelegateToolOptions,
  type DelegationOutcome,
  delegateToWorkerTool,
  type FollowOptions,
  followDelegatedTask,
} from './delegation.js';
export { type DesktopToolsOptions, desktopTools } from './desktop-tools.js';
export { type BlobImageBlock, toEventContent, type UploadImage } from './event-content.js';
export {
  type AskHumanByKey,
  askHumanOverBusTool,
  type HumanChannel,
  helpRequestId,
  humanAsker,
} from './human.js';
export { supervisorSystemPrompt, taskText, workerSystemPrompt } from './prompts.js';
export {
  DEFAULT_ASK_HUMAN_TIMEOUT_S,
  limitsOf,
  type RoleOptions,
  type RoleRun,
  runRole,
  toAgentInput,
} from './run-role.js';
export { createSupervisorExecutor, type SupervisorExecutorOptions } from './supervisor.js';
export {
  getTaskTool,
  listTasksTool,
  listWorkersTool,
  searchTasksTool,
  taskSummary,
} from './task-tools.js';
export { createWorkerExecutor, type WorkerExecutorOptions } from './worker.js';
