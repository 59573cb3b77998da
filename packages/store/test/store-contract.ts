import { describe, expect, it } from 'vitest';
import { describeAgentCases } from './contract/agent-cases.js';
import { describeAuthCases } from './contract/auth-cases.js';
import { describeBlobCases } from './contract/blob-cases.js';
import { describeDbCases } from './contract/db-cases.js';
import { describeDesktopCases } from './contract/desktop-cases.js';
import { describeEventCases } from './contract/event-cases.js';
import { describeHelpCases } from './contract/help-cases.js';
import { describeOutboxCases } from './contract/outbox-cases.js';
import { describeQueueCases } from './contract/queue-cases.js';
import type { ContractTarget } from './contract/target.js';
import { describeTaskCases } from './contract/task-cases.js';

export type { ContractTarget } from './contract/target.js';

/**
 * The Store contract: every behaviour both drivers must show identically, run once per driver by
 * `pglite-store.test.ts` and `postgres-store.test.ts`. Tests share the file's database and isolate
 * themselves by fresh ids.
 */
export function describeStoreContract(target: ContractTarget): void {
  describe(`Store contract on ${target.kind}`, () => {
    it('runs on the driver it says', () => {
      expect(target.store().kind).toBe(target.kind);
      expect(target.store().db.kind).toBe(target.kind);
    });
    describeDbCases(target);
    describeTaskCases(target);
    describeEventCases(target);
    describeDesktopCases(target);
    describeAgentCases(target);
    describeQueueCases(target);
    describeHelpCases(target);
    describeOutboxCases(target);
    describeAuthCases(target);
    describeBlobCases(target);
  });
}
