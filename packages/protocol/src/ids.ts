import { z } from 'zod';

const SUBJECT_TOKEN = /^[a-z0-9][a-z0-9_-]{0,62}$/;
const subjectToken = () => z.string().regex(SUBJECT_TOKEN, `must match ${SUBJECT_TOKEN.source}`);

/** Ids used as subject tokens: lowercase, digits, `_` and `-`, at most 63 characters. */
export const AgentId = subjectToken();
export type AgentId = z.infer<typeof AgentId>;

/** Task ids are UUIDs (lowercase), which are also valid subject tokens. */
export const TaskId = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/, 'must be a lowercase uuid');
export type TaskId = z.infer<typeof TaskId>;

/** Any id that may stand as one subject token (help request ids, desktop ids, ...). */
export const SubjectToken = subjectToken();

/** Turns a hostname into a valid agent id: its first label, lowercased, other characters replaced. */
export function sanitizeAgentId(hostname: string): string {
  const label = (hostname.split('.')[0] ?? '').toLowerCase().replace(/[^a-z0-9_-]/g, '-');
  const trimmed = label.replace(/^[^a-z0-9]+/, '').slice(0, 63);
  return trimmed.length > 0 ? trimmed : 'agent';
}
