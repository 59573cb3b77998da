import { type EventEntry, endpoint, endpointTemplate, event, eventTemplate } from './catalogue-types.js';
import { AssignmentReply, StopTask, SupervisorAssignment, WorkerAssignment } from './schemas/assignment.js';
import { type BroadcastName, BroadcastSchemas } from './schemas/broadcasts.js';
import { Empty, StatusOk, Task } from './schemas/common.js';
import {
  DesktopWorkerRemove,
  DesktopWorkerUpdate,
  DesktopWorkerUpsert,
  SshReply,
  SshRequest,
  SupervisorsList,
  TelnetReply,
  TelnetRequest,
  TicketReply,
  TicketRequest,
  VncReply,
  VncRequest,
  WorkersList,
} from './schemas/desktops.js';
import { GatewayRegister, GatewaySend, GatewayTask } from './schemas/gateway.js';
import { HelpRequest, HelpResponse } from './schemas/help.js';
import {
  BlobGetReply,
  BlobGetRequest,
  BlobPutReply,
  BlobPutRequest,
  HelpActionReply,
  HelpDismissRequest,
  HelpRequestsListReply,
  HelpRequestsListRequest,
  HelpRespondRequest,
  Memory,
  MemoryDeleteReply,
  MemoryDeleteRequest,
  MemoryListReply,
  MemoryListRequest,
  MemorySaveRequest,
  MemorySearchReply,
  MemorySearchRequest,
  TokenCreateReply,
  TokenCreateRequest,
  TokenListReply,
  TokenRevokeRequest,
} from './schemas/misc-api.js';
import { Deregister, Heartbeat, RegisterSupervisor, RegisterWorker } from './schemas/presence.js';
import {
  ScheduleCreateRequest,
  ScheduleDeleteReply,
  ScheduledTask,
  ScheduleIdRequest,
  ScheduleListReply,
  ScheduleListRequest,
  ScheduleRollbackRequest,
  ScheduleToggleRequest,
  ScheduleTriggerReply,
  ScheduleUpdateRequest,
  ScheduleVersionsReply,
} from './schemas/schedules.js';
import {
  TaskAssignedEvent,
  TaskCompleteEvent,
  TaskErrorEvent,
  TaskInput,
  TaskMessageEvent,
  TaskProgressEvent,
} from './schemas/task-events.js';
import {
  CreateTaskRequest,
  DelegateReply,
  DelegateRequest,
  GetTaskRequest,
  ListTasksReply,
  ListTasksRequest,
  SearchTasksReply,
  SearchTasksRequest,
  StopTaskReply,
  StopTaskRequest,
  TaskWithMessages,
} from './schemas/tasks-api.js';

const api = (name: string) => `figaro.api.${name}`;

/**
 * Every request/reply endpoint of the protocol: subject, request and reply schemas, the error codes
 * a caller should handle, and the default timeout. Handlers and clients are typed from here.
 */
export const Api = {
  // Presence and assignment (agents ↔ orchestrator)
  registerWorker: endpoint('register.worker', 'figaro.register.worker', {
    request: RegisterWorker,
    reply: StatusOk,
  }),
  registerSupervisor: endpoint('register.supervisor', 'figaro.register.supervisor', {
    request: RegisterSupervisor,
    reply: StatusOk,
  }),
  workerTask: endpointTemplate<[workerId: string]>()('worker.task', 'figaro.worker.{id}.task', {
    request: WorkerAssignment,
    reply: AssignmentReply,
    errors: ['busy'],
  }),
  supervisorTask: endpointTemplate<[supervisorId: string]>()(
    'supervisor.task',
    'figaro.supervisor.{id}.task',
    {
      request: SupervisorAssignment,
      reply: AssignmentReply,
      errors: ['busy'],
    },
  ),
  taskInput: endpointTemplate<[taskId: string]>()('task.input', 'figaro.task.{id}.input', {
    request: TaskInput,
    reply: StatusOk,
    errors: ['not_found', 'conflict'],
  }),
  helpRequest: endpoint('help.request', 'figaro.help.request', {
    request: HelpRequest,
    reply: StatusOk,
    errors: ['not_found'],
  }),

  // Tasks
  tasksCreate: endpoint('tasks.create', api('tasks.create'), {
    request: CreateTaskRequest,
    reply: Task,
    errors: ['conflict', 'not_found'],
  }),
  tasksList: endpoint('tasks', api('tasks'), { request: ListTasksRequest, reply: ListTasksReply }),
  tasksGet: endpoint('tasks.get', api('tasks.get'), {
    request: GetTaskRequest,
    reply: TaskWithMessages,
    errors: ['not_found'],
  }),
  tasksSearch: endpoint('tasks.search', api('tasks.search'), {
    request: SearchTasksRequest,
    reply: SearchTasksReply,
  }),
  tasksStop: endpoint('tasks.stop', api('tasks.stop'), {
    request: StopTaskRequest,
    reply: StopTaskReply,
    errors: ['not_found', 'conflict'],
  }),
  delegate: endpoint('delegate', api('delegate'), {
    request: DelegateRequest,
    reply: DelegateReply,
    errors: ['not_found', 'conflict', 'forbidden'],
  }),

  // Fleet
  workers: endpoint('workers', api('workers'), { request: Empty, reply: WorkersList }),
  supervisorStatus: endpoint('supervisor.status', api('supervisor.status'), {
    request: Empty,
    reply: SupervisorsList,
  }),
  desktopWorkersRegister: endpoint('desktop-workers.register', api('desktop-workers.register'), {
    request: DesktopWorkerUpsert,
    reply: StatusOk,
    errors: ['conflict'],
  }),
  desktopWorkersUpdate: endpoint('desktop-workers.update', api('desktop-workers.update'), {
    request: DesktopWorkerUpdate,
    reply: StatusOk,
    errors: ['not_found', 'conflict'],
  }),
  desktopWorkersRemove: endpoint('desktop-workers.remove', api('desktop-workers.remove'), {
    request: DesktopWorkerRemove,
    reply: StatusOk,
    errors: ['not_found', 'conflict'],
  }),
  desktopsTicket: endpoint('desktops.ticket', api('desktops.ticket'), {
    request: TicketRequest,
    reply: TicketReply,
    errors: ['not_found', 'forbidden'],
  }),

  // Desktop operations
  vnc: endpoint('vnc', api('vnc'), {
    request: VncRequest,
    reply: VncReply,
    errors: ['not_found', 'unavailable', 'unauthorized'],
    timeoutMs: 30_000,
  }),
  ssh: endpoint('ssh', api('ssh'), {
    request: SshRequest,
    reply: SshReply,
    errors: ['not_found', 'unavailable', 'unauthorized'],
    // The caller adds the command's own timeout (+ 5 s) when it sends.
    timeoutMs: 35_000,
  }),
  telnet: endpoint('telnet', api('telnet'), {
    request: TelnetRequest,
    reply: TelnetReply,
    errors: ['not_found', 'unavailable', 'unauthorized'],
    timeoutMs: 15_000,
  }),

  // Help requests
  helpRequestsList: endpoint('help-requests.list', api('help-requests.list'), {
    request: HelpRequestsListRequest,
    reply: HelpRequestsListReply,
  }),
  helpRequestsRespond: endpoint('help-requests.respond', api('help-requests.respond'), {
    request: HelpRespondRequest,
    reply: HelpActionReply,
    errors: ['not_found', 'conflict'],
  }),
  helpRequestsDismiss: endpoint('help-requests.dismiss', api('help-requests.dismiss'), {
    request: HelpDismissRequest,
    reply: HelpActionReply,
    errors: ['not_found', 'conflict'],
  }),

  // Scheduled tasks
  schedulesList: endpoint('scheduled-tasks', api('scheduled-tasks'), {
    request: ScheduleListRequest,
    reply: ScheduleListReply,
  }),
  schedulesGet: endpoint('scheduled-tasks.get', api('scheduled-tasks.get'), {
    request: ScheduleIdRequest,
    reply: ScheduledTask,
    errors: ['not_found'],
  }),
  schedulesCreate: endpoint('scheduled-tasks.create', api('scheduled-tasks.create'), {
    request: ScheduleCreateRequest,
    reply: ScheduledTask,
  }),
  schedulesUpdate: endpoint('scheduled-tasks.update', api('scheduled-tasks.update'), {
    request: ScheduleUpdateRequest,
    reply: ScheduledTask,
    errors: ['not_found'],
  }),
  schedulesDelete: endpoint('scheduled-tasks.delete', api('scheduled-tasks.delete'), {
    request: ScheduleIdRequest,
    reply: ScheduleDeleteReply,
    errors: ['not_found'],
  }),
  schedulesToggle: endpoint('scheduled-tasks.toggle', api('scheduled-tasks.toggle'), {
    request: ScheduleToggleRequest,
    reply: ScheduledTask,
    errors: ['not_found'],
  }),
  schedulesTrigger: endpoint('scheduled-tasks.trigger', api('scheduled-tasks.trigger'), {
    request: ScheduleIdRequest,
    reply: ScheduleTriggerReply,
    errors: ['not_found'],
  }),
  schedulesVersions: endpoint('scheduled-tasks.versions', api('scheduled-tasks.versions'), {
    request: ScheduleIdRequest,
    reply: ScheduleVersionsReply,
    errors: ['not_found'],
  }),
  schedulesRollback: endpoint('scheduled-tasks.rollback', api('scheduled-tasks.rollback'), {
    request: ScheduleRollbackRequest,
    reply: ScheduledTask,
    errors: ['not_found'],
  }),

  // Blobs
  blobsPut: endpoint('blobs.put', api('blobs.put'), {
    request: BlobPutRequest,
    reply: BlobPutReply,
    errors: ['conflict'],
  }),
  blobsGet: endpoint('blobs.get', api('blobs.get'), {
    request: BlobGetRequest,
    reply: BlobGetReply,
    errors: ['not_found'],
  }),

  // Memory
  memoriesSave: endpoint('memories.save', api('memories.save'), {
    request: MemorySaveRequest,
    reply: Memory,
  }),
  memoriesSearch: endpoint('memories.search', api('memories.search'), {
    request: MemorySearchRequest,
    reply: MemorySearchReply,
  }),
  memoriesList: endpoint('memories.list', api('memories.list'), {
    request: MemoryListRequest,
    reply: MemoryListReply,
  }),
  memoriesDelete: endpoint('memories.delete', api('memories.delete'), {
    request: MemoryDeleteRequest,
    reply: MemoryDeleteReply,
  }),

  // API tokens
  tokensCreate: endpoint('tokens.create', api('tokens.create'), {
    request: TokenCreateRequest,
    reply: TokenCreateReply,
    errors: ['forbidden'],
  }),
  tokensList: endpoint('tokens.list', api('tokens.list'), {
    request: Empty,
    reply: TokenListReply,
    errors: ['forbidden'],
  }),
  tokensRevoke: endpoint('tokens.revoke', api('tokens.revoke'), {
    request: TokenRevokeRequest,
    reply: StatusOk,
    errors: ['not_found', 'forbidden'],
  }),
} as const;

/** Every published (not request/reply) message of the protocol. */
export const Events = {
  heartbeat: eventTemplate<[kind: 'worker' | 'supervisor', id: string]>()(
    'heartbeat',
    'figaro.heartbeat.{type}.{id}',
    Heartbeat,
  ),
  deregister: eventTemplate<[kind: 'worker' | 'supervisor', id: string]>()(
    'deregister',
    'figaro.deregister.{type}.{id}',
    Deregister,
  ),
  workerStop: eventTemplate<[workerId: string]>()('worker.stop', 'figaro.worker.{id}.stop', StopTask),
  supervisorStop: eventTemplate<[supervisorId: string]>()(
    'supervisor.stop',
    'figaro.supervisor.{id}.stop',
    StopTask,
  ),
  taskAssigned: eventTemplate<[taskId: string]>()(
    'task.assigned',
    'figaro.task.{id}.assigned',
    TaskAssignedEvent,
  ),
  taskMessage: eventTemplate<[taskId: string]>()(
    'task.message',
    'figaro.task.{id}.message',
    TaskMessageEvent,
  ),
  taskProgress: eventTemplate<[taskId: string]>()(
    'task.progress',
    'figaro.task.{id}.progress',
    TaskProgressEvent,
  ),
  taskComplete: eventTemplate<[taskId: string]>()(
    'task.complete',
    'figaro.task.{id}.complete',
    TaskCompleteEvent,
  ),
  taskError: eventTemplate<[taskId: string]>()('task.error', 'figaro.task.{id}.error', TaskErrorEvent),
  helpResponse: eventTemplate<[requestId: string]>()(
    'help.response',
    'figaro.help.{request_id}.response',
    HelpResponse,
  ),
  gatewayTask: eventTemplate<[channel: string]>()(
    'gateway.task',
    'figaro.gateway.{channel}.task',
    GatewayTask,
  ),
  gatewaySend: eventTemplate<[channel: string]>()(
    'gateway.send',
    'figaro.gateway.{channel}.send',
    GatewaySend,
  ),
  gatewayRegister: eventTemplate<[channel: string]>()(
    'gateway.register',
    'figaro.gateway.{channel}.register',
    GatewayRegister,
  ),
} as const;

type BroadcastEntries = { readonly [K in BroadcastName]: EventEntry<(typeof BroadcastSchemas)[K]> };

/** `figaro.broadcast.{name}` entries, one per broadcast kind. */
export const Broadcasts: BroadcastEntries = (() => {
  const entries: Record<string, EventEntry> = {};
  for (const [name, schema] of Object.entries(BroadcastSchemas)) {
    entries[name] = event(`broadcast.${name}`, `figaro.broadcast.${name}`, schema);
  }
  // Built from BroadcastSchemas key by key above, so every key of the mapped type is present.
  return Object.freeze(entries) as BroadcastEntries;
})();

/** Subject patterns used by subscribers that listen to a whole family. */
export const Patterns = {
  allTaskEvents: 'figaro.task.>',
  allHelpResponses: 'figaro.help.*.response',
  allBroadcasts: 'figaro.broadcast.>',
  allHeartbeats: 'figaro.heartbeat.>',
  allDeregisters: 'figaro.deregister.>',
  allGatewayTasks: 'figaro.gateway.*.task',
  allApi: 'figaro.api.>',
} as const;

/** Durable streams (JetStream in NATS mode, in-memory in embedded mode). */
export const Streams = {
  TASKS: {
    name: 'TASKS',
    subjects: [Patterns.allTaskEvents],
    maxAgeMs: 7 * 24 * 3600_000,
    duplicateWindowMs: 120_000,
  },
  HELP: {
    name: 'HELP',
    subjects: [Patterns.allHelpResponses],
    maxAgeMs: 24 * 3600_000,
    duplicateWindowMs: 120_000,
  },
} as const;
export type StreamName = keyof typeof Streams;

/** The queue group in which orchestrator replicas answer API requests. */
export const ORCHESTRATOR_QUEUE = 'orchestrator';

/** Payload schema of the figaro.task.{id}.{kind} subject, by kind. */
export const TaskEventSchemas = {
  assigned: TaskAssignedEvent,
  message: TaskMessageEvent,
  progress: TaskProgressEvent,
  complete: TaskCompleteEvent,
  error: TaskErrorEvent,
} as const;

/** Parses the `{id}` and `{kind}` tokens of a `figaro.task.{id}.{kind}` subject. */
export function parseTaskSubject(subject: string): { taskId: string; kind: string } | null {
  const parts = subject.split('.');
  if (parts.length !== 4 || parts[0] !== 'figaro' || parts[1] !== 'task') return null;
  const [, , taskId, kind] = parts;
  return taskId && kind ? { taskId, kind } : null;
}
