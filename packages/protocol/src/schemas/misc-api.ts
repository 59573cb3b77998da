import { z } from 'zod';
import { AgentId, SubjectToken, TaskId } from '../ids.js';
import { Metadata, Timestamp } from './common.js';
import { HelpAnswers, HelpRequestRecord } from './help.js';

const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'must be a lowercase hex sha256');

/** `figaro.api.blobs.put`: one chunk of a blob upload (≤ 192 KiB before base64). */
export const BlobPutRequest = z.object({
  sha256: Sha256,
  media_type: z.string().min(1),
  index: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  data: z.base64(),
  task_id: TaskId.optional(),
});
export const BlobPutReply = z.object({ sha256: Sha256, complete: z.boolean() });
export const BlobGetRequest = z.object({ sha256: Sha256, index: z.number().int().nonnegative().default(0) });
export const BlobGetReply = z.object({
  sha256: Sha256,
  media_type: z.string(),
  index: z.number().int().nonnegative(),
  total: z.number().int().positive(),
  data: z.base64(),
});

/** `figaro.api.help-requests.*`. */
export const HelpRequestsListRequest = z.object({
  status: z.enum(['pending', 'answered', 'timeout', 'dismissed', 'cancelled']).optional(),
  task_id: TaskId.optional(),
});
export const HelpRequestsListReply = z.object({ help_requests: z.array(HelpRequestRecord) });
export const HelpRespondRequest = z.object({
  request_id: SubjectToken,
  answers: HelpAnswers,
  source: z.string().min(1),
});
export const HelpDismissRequest = z.object({
  request_id: SubjectToken,
  source: z.string().min(1).default('api'),
});
export const HelpActionReply = z.object({ success: z.boolean(), request_id: SubjectToken });

/** `figaro.api.memories.*`. */
export const Memory = z.object({
  memory_id: z.string(),
  content: z.string(),
  collection: z.string(),
  metadata: Metadata,
  created_at: Timestamp,
});
export const MemorySaveRequest = z.object({
  content: z.string().trim().min(1).max(50_000),
  collection: z.string().min(1).max(100).default('default'),
  metadata: Metadata.default({}),
});
export const MemorySearchRequest = z.object({
  query: z.string().min(1),
  limit: z.number().int().positive().max(200).default(10),
  collection: z.string().optional(),
});
export const MemorySearchReply = z.object({
  results: z.array(Memory.extend({ score: z.number() })),
  semantic: z.boolean(),
});
export const MemoryListRequest = z.object({
  collection: z.string().optional(),
  limit: z.number().int().positive().max(500).default(50),
});
export const MemoryListReply = z.object({ memories: z.array(Memory) });
export const MemoryDeleteRequest = z.object({ memory_id: z.string().min(1) });
export const MemoryDeleteReply = z.object({ status: z.literal('ok'), deleted: z.boolean() });

/** `figaro.api.tokens.*`. */
export const TokenScope = z.enum(['api', 'agent', 'metrics', 'admin']);
export const TokenCreateRequest = z.object({
  name: z.string().min(1).max(100),
  scopes: z.array(TokenScope).min(1),
});
export const TokenInfo = z.object({
  token_id: z.string(),
  name: z.string(),
  scopes: z.array(TokenScope),
  created_at: Timestamp,
  last_used_at: Timestamp.nullable(),
});
export const TokenCreateReply = TokenInfo.extend({ token: z.string() });
export const TokenListReply = z.object({ tokens: z.array(TokenInfo) });
export const TokenRevokeRequest = z.object({ token_id: z.string().min(1) });

/** A channel and chat to notify. */
export const NotifyTarget = z.object({ channel: z.string().min(1), chat_id: z.string().min(1) });

export { AgentId };
