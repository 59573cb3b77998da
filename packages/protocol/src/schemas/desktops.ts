import { z } from 'zod';
import { AgentId } from '../ids.js';
import { AgentStatus, BlobRef, Metadata } from './common.js';

/** The mask that stands for a stored secret in every reply and broadcast. */
export const SECRET_MASK = '***';

/** A worker (or desktop-only entry) as broadcasts and `figaro.api.workers` show it. */
export const WorkerInfo = z.object({
  id: AgentId,
  status: AgentStatus,
  capabilities: z.array(z.string()),
  novnc_url: z.string().nullable(),
  vnc_username: z.string().nullable(),
  vnc_password: z.literal(SECRET_MASK).nullable(),
  agent_connected: z.boolean(),
  metadata: Metadata,
});
export type WorkerInfo = z.infer<typeof WorkerInfo>;

export const WorkersList = z.object({ workers: z.array(WorkerInfo) });

/** A supervisor as `figaro.api.supervisor.status` shows it. */
export const SupervisorInfo = z.object({
  id: AgentId,
  status: AgentStatus,
  capabilities: z.array(z.string()),
  current_task_ids: z.array(z.string()),
  max_concurrent: z.number().int().positive(),
  agent_connected: z.boolean(),
  metadata: Metadata,
});
export const SupervisorsList = z.object({ supervisors: z.array(SupervisorInfo) });

const DesktopUrl = z
  .string()
  .regex(/^(vnc|ws|wss|ssh|telnet|rdp):\/\//, 'must be a vnc://, ws(s)://, ssh://, telnet:// or rdp:// URL');

/** `figaro.api.desktop-workers.register` / `.update`. `vnc_password: "***"` keeps the stored one. */
export const DesktopWorkerUpsert = z.object({
  worker_id: AgentId,
  new_worker_id: AgentId.optional(),
  novnc_url: DesktopUrl,
  ssh_url: DesktopUrl.nullable().optional(),
  telnet_url: DesktopUrl.nullable().optional(),
  rdp_url: DesktopUrl.nullable().optional(),
  metadata: Metadata.default({}),
  vnc_username: z.string().nullable().optional(),
  vnc_password: z.string().nullable().optional(),
});
export type DesktopWorkerUpsert = z.infer<typeof DesktopWorkerUpsert>;

export const DesktopWorkerUpdate = DesktopWorkerUpsert.partial({ novnc_url: true });
export const DesktopWorkerRemove = z.object({ worker_id: AgentId });

/** Either the agent's id or the desktop's id names the target desktop. */
const DesktopTarget = z.object({ worker_id: AgentId.optional(), desktop_id: AgentId.optional() });

export const VncAction = z.enum([
  'screenshot',
  'type',
  'key',
  'click',
  'move',
  'scroll',
  'drag',
  'double_click',
  'unlock',
]);
export type VncAction = z.infer<typeof VncAction>;

/** `figaro.api.vnc` request. Coordinates are in real screen pixels unless `scaled_from` is given. */
export const VncRequest = DesktopTarget.extend({
  action: VncAction,
  x: z.number().int().nonnegative().optional(),
  y: z.number().int().nonnegative().optional(),
  button: z.enum(['left', 'middle', 'right']).optional(),
  text: z.string().optional(),
  keys: z.string().optional(),
  hold_ms: z.number().int().nonnegative().max(10_000).optional(),
  dx: z.number().int().optional(),
  dy: z.number().int().optional(),
  path: z.array(z.tuple([z.number().int(), z.number().int()])).optional(),
  max_width: z.number().int().positive().optional(),
  max_height: z.number().int().positive().optional(),
  format: z.enum(['png', 'jpeg']).optional(),
  inline: z.boolean().optional(),
  password: z.string().optional(),
  /** The image the coordinates refer to (a scaled screenshot); absent: real screen pixels. */
  scaled_from: z
    .object({ width: z.number().int().positive(), height: z.number().int().positive() })
    .optional(),
}).refine((r) => r.worker_id !== undefined || r.desktop_id !== undefined, {
  message: 'worker_id or desktop_id is required',
});
export type VncRequest = z.infer<typeof VncRequest>;

export const ScreenshotReply = z.object({
  image: z.union([BlobRef, z.string()]),
  mime_type: z.string(),
  original_width: z.number().int().positive(),
  original_height: z.number().int().positive(),
  width: z.number().int().positive(),
  height: z.number().int().positive(),
  settled: z.boolean(),
});
export const VncReply = z.union([ScreenshotReply, z.object({ ok: z.literal(true) })]);

/** `figaro.api.ssh` request. */
export const SshRequest = DesktopTarget.extend({
  action: z.literal('run_command'),
  command: z.string().min(1),
  timeout: z.number().positive().max(3_600).default(30),
});
export const SshReply = z.object({
  stdout: z.string(),
  stderr: z.string(),
  exit_code: z.number().int().nullable(),
});

/** `figaro.api.telnet` request. */
export const TelnetRequest = DesktopTarget.extend({
  action: z.literal('run_command'),
  command: z.string().min(1),
  timeout: z.number().positive().max(3_600).default(10),
});
export const TelnetReply = z.object({
  output: z.string(),
  exit_code: z.number().int().nullable().optional(),
});

/** `figaro.api.desktops.ticket`: a short-lived token for the dashboard's desktop proxies. */
export const TicketRequest = z.object({ desktop_id: AgentId, mode: z.enum(['view', 'control']) });
export const TicketReply = z.object({ ticket: z.string(), expires_at: z.iso.datetime({ offset: true }) });
