import { InvalidRequestError } from '@figaro/protocol';
import { describe, expect, it } from 'vitest';
import { ConflictError, type NewHelpRequest, NotFoundError } from '../../src/index.js';
import { type ContractTarget, newAgentId, newId } from './target.js';

const newRequestId = (): string => `hr-${newId()}`;

export function describeHelpCases(target: ContractTarget): void {
  const store = () => target.store();
  const help = () => store().helpRequests;

  async function request(overrides: Partial<NewHelpRequest> = {}): Promise<NewHelpRequest> {
    const { task } = await store().tasks.create({ id: newId(), prompt: 'needs a human' });
    return {
      id: newRequestId(),
      task_id: task.id,
      agent_id: newAgentId(),
      questions: [{ question: 'Which account?', options: [{ label: 'work' }, { label: 'home' }] }],
      timeout_seconds: 300,
      ...overrides,
    };
  }

  describe('HelpRequestsRepo', () => {
    it('creates a pending request with a deadline, idempotently on its id', async () => {
      const input = await request();
      const { request: stored, created } = await help().create(input);
      expect(created).toBe(true);
      expect(stored).toMatchObject({
        id: input.id,
        status: 'pending',
        supervisor_id: null,
        answers: null,
        source: null,
        channel_refs: [],
        responded_at: null,
        version: 1,
        questions: [
          {
            question: 'Which account?',
            header: '',
            multiSelect: false,
            options: [
              { label: 'work', description: '' },
              { label: 'home', description: '' },
            ],
          },
        ],
      });
      expect(Date.parse(stored.deadline) - Date.parse(stored.created_at)).toBe(300_000);

      expect(await help().create(input)).toStrictEqual({ request: stored, created: false });
      await expect(help().create({ ...input, timeout_seconds: 60 })).rejects.toBeInstanceOf(ConflictError);
      await expect(help().create({ ...input, questions: [{ question: 'Other?' }] })).rejects.toBeInstanceOf(
        ConflictError,
      );
      await expect(help().create({ ...input, id: newRequestId(), task_id: newId() })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(help().create({ ...input, questions: [] })).rejects.toBeInstanceOf(InvalidRequestError);
    });

    it('lets exactly one of two concurrent responders win', async () => {
      const input = await request();
      await help().create(input);
      const [a, b] = await Promise.all([
        help().resolve(input.id, {
          status: 'answered',
          answers: { 'Which account?': 'work' },
          source: 'web',
        }),
        help().resolve(input.id, {
          status: 'answered',
          answers: { 'Which account?': 'home' },
          source: 'telegram',
        }),
      ]);
      const winners = [a, b].filter((r) => r !== null);
      expect(winners).toHaveLength(1);
      const stored = await help().get(input.id);
      expect(stored).toStrictEqual(winners[0]);
      expect(stored).toMatchObject({ status: 'answered', version: 2 });
      expect(stored?.responded_at).not.toBeNull();
      expect(await help().resolve(input.id, { status: 'timeout' })).toBeNull();
      expect(await help().resolve(newRequestId(), { status: 'dismissed' })).toBeNull();
      await expect(help().resolve(input.id, { status: 'answered' })).rejects.toBeInstanceOf(
        InvalidRequestError,
      );
    });

    it('finds due requests by deadline and lists them by status, task and agent', async () => {
      const soon = await request({ timeout_seconds: 1 });
      const later = await request({ timeout_seconds: 3_600, agent_id: soon.agent_id });
      await help().create(soon);
      await help().create(later);
      const mine = [soon.id, later.id];
      const due = (now?: Date) =>
        store().tx(async (repos) =>
          (await repos.helpRequests.due(now)).map((r) => r.id).filter((id) => mine.includes(id)),
        );
      expect(await due()).toEqual([]);
      expect(await due(new Date(Date.now() + 5_000))).toEqual([soon.id]);
      expect(await due(new Date(Date.now() + 7_200_000))).toEqual([soon.id, later.id]);

      // Both were created within the same millisecond at times: their order is not part of the contract.
      expect((await help().pendingForAgent(soon.agent_id)).map((r) => r.id).sort()).toEqual(
        [soon.id, later.id].sort(),
      );
      await help().resolve(soon.id, { status: 'timeout', source: 'orchestrator' });
      expect((await help().pendingForAgent(soon.agent_id)).map((r) => r.id)).toEqual([later.id]);
      expect(await due(new Date(Date.now() + 5_000))).toEqual([]);
      expect((await help().list({ task_id: soon.task_id })).map((r) => [r.id, r.status])).toEqual([
        [soon.id, 'timeout'],
      ]);
      const pending = await help().list({ status: 'pending' });
      expect(pending.map((r) => r.id)).toContain(later.id);
      expect(pending.every((r) => r.status === 'pending')).toBe(true);
    });

    it('records channel refs once each, whatever the status', async () => {
      const input = await request();
      await help().create(input);
      const ref = { channel: 'telegram', chat_id: '42', message_id: '7' };
      await help().addChannelRef(input.id, ref);
      await help().addChannelRef(input.id, { message_id: '7', chat_id: '42', channel: 'telegram' });
      await help().addChannelRef(input.id, { channel: 'telegram', chat_id: '42' });
      await help().resolve(input.id, { status: 'dismissed', source: 'web' });
      const last = await help().addChannelRef(input.id, { channel: 'slack', chat_id: 'C1' });
      expect(last?.channel_refs).toEqual([
        ref,
        { channel: 'telegram', chat_id: '42' },
        { channel: 'slack', chat_id: 'C1' },
      ]);
      expect(last?.version).toBe(5);
      expect(await help().addChannelRef(newRequestId(), ref)).toBeNull();
    });

    it('is deleted with its task', async () => {
      const input = await request();
      await help().create(input);
      await store().db.query('DELETE FROM tasks WHERE id = $1', [input.task_id]);
      expect(await help().get(input.id)).toBeNull();
    });
  });
}
