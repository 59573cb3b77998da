import { createHash } from 'node:crypto';
import type { CallContext, Principal } from './handlers.js';

/** Namespace of the task ids derived from REST `Idempotency-Key` headers (a random uuid, fixed). */
const NAMESPACE = Buffer.from('6f1d1a4e8b2c4c0e9d3f5a7b1c2e4d6f', 'hex');

/** RFC 4122 version-5 (SHA-1, name-based) uuid of `name` in `namespace`. */
function uuidV5(name: string, namespace: Buffer = NAMESPACE): string {
  const hash = createHash('sha1').update(namespace).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = ((bytes[6] ?? 0) & 0x0f) | 0x50;
  bytes[8] = ((bytes[8] ?? 0) & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

function principalKey(principal: Principal): string {
  switch (principal.kind) {
    case 'user':
      return `user:${principal.userId}`;
    case 'token':
      return `token:${principal.tokenId}`;
    case 'bus':
      return 'bus';
  }
}

/**
 * The task id an `Idempotency-Key` stands for: a uuidv5 of the caller and the key, so that the same
 * caller repeating a create (even 50 times at once) hits the store's idempotency on `task_id` and gets
 * one task; the same key from another caller is another task. `undefined` without a key.
 */
export function idempotentTaskId(ctx: CallContext): string | undefined {
  if (ctx.idempotencyKey === undefined) return undefined;
  return uuidV5(`${principalKey(ctx.principal)}\n${ctx.idempotencyKey}`);
}
