import { randomUUID } from 'node:crypto';
import type { SecretBox, Store } from '../../src/index.js';

/** What a driver's test file hands the contract suite. */
export interface ContractTarget {
  kind: Store['kind'];
  /** The file's shared, migrated store (opened in beforeAll, closed in afterAll). */
  store(): Store;
  /** The SecretBox the store was opened with. */
  secrets: SecretBox;
}

/** A fresh task id, so that tests sharing one database never see each other's rows. */
export const newId = (): string => randomUUID();

/** A fresh agent id for the same reason. */
export const newAgentId = (): string => `w-${randomUUID().slice(0, 8)}`;
