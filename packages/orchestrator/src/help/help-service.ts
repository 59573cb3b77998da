import {
  type Api,
  Broadcasts,
  Events,
  FigaroError,
  type HelpRequestRecord,
  type ParsedRequestOf,
  type ReplyInputOf,
} from '@figaro/protocol';
import type { StoredHelpRequest, StoreRepos } from '@figaro/store';
import type { OrchestratorDeps } from '../deps.js';
import { addToOutbox } from '../outbox/outbox-writer.js';
import { TaskLifecycle } from '../tasks/task-lifecycle.js';

/** `figaro.help.request` as the handler receives it. */
export type AskRequest = ParsedRequestOf<typeof Api.helpRequest>;
/** `figaro.api.help-requests.list` request. */
export type ListHelpRequests = ParsedRequestOf<typeof Api.helpRequestsList>;
/** `figaro.api.help-requests.respond` request. */
export type RespondRequest = ParsedRequestOf<typeof Api.helpRequestsRespond>;
/** `figaro.api.help-requests.dismiss` request. */
export type DismissRequest = ParsedRequestOf<typeof Api.helpRequestsDismiss>;
/** `{success, request_id}`, the reply of respond and dismiss. */
export type HelpActionResult = ReplyInputOf<typeof Api.helpRequestsRespond>;

/** `source` of a timeout response: nobody answered, the orchestrator ended the wait. */
export const TIMEOUT_SOURCE = 'orchestrator';

/** Due requests resolved per sweep transaction. */
const SWEEP_BATCH = 100;

/** The wire view of a stored help request (`id` is `request_id` on the wire). */
function toHelpRequestRecord(stored: StoredHelpRequest): HelpRequestRecord {
  return {
    request_id: stored.id,
    task_id: stored.task_id,
    agent_id: stored.agent_id,
    questions: stored.questions,
    status: stored.status,
    answers: stored.answers,
    source: stored.source,
    channel_refs: stored.channel_refs,
    deadline: stored.deadline,
    created_at: stored.created_at,
    version: stored.version,
  };
}

/**
 * Human-in-the-loop questions of agents. A request is stored with its deadline and announced with the
 * `help_request` broadcast; it ends exactly once — answered (first responder wins), dismissed, timed
 * out or cancelled with its agent — by a conditional update in the store, and the transaction that
 * ends it writes the agent's `figaro.help.{id}.response` and the matching broadcast to the outbox.
 * The orchestrator is the only publisher of responses.
 *
 * Deadlines live in the store: `sweepDue()` (at start, then by the sweeper on every replica) resolves
 * the overdue ones; in-process timers armed for each pending request this replica created or loaded
 * make a short timeout fire on time rather than at the next sweep.
 */
export class HelpService {
  readonly #deps: OrchestratorDeps;
  readonly #afterCommit: () => void;
  readonly #lifecycle: TaskLifecycle;
  readonly #timers = new Map<string, { cancel(): void }>();
  /** Timer-fired expiries still running; `stop()` waits for them so the store is not closed under them. */
  readonly #expiring = new Set<Promise<void>>();
  #started = false;

  /**
   * `afterCommit` is called after each commit that wrote to the outbox (kicks the relay); the task's
   * `waiting_on` changes go through `lifecycle` (default: one over `deps`).
   */
  constructor(deps: OrchestratorDeps, hooks: { afterCommit: () => void; lifecycle?: TaskLifecycle }) {
    this.#deps = deps;
    this.#afterCommit = hooks.afterCommit;
    this.#lifecycle = hooks.lifecycle ?? new TaskLifecycle(deps);
  }

  /**
   * Times out what became overdue while no replica watched, and arms a timer for every request still
   * pending. `figaro.help.request` reaches `ask` through the API router (handler `helpRequest`).
   */
  async start(): Promise<void> {
    const { store } = this.#deps;
    this.#started = true;
    await this.sweepDue();
    for (const request of await store.helpRequests.list({ status: 'pending' })) this.#arm(request);
  }

  /** Stops serving, clears the timers and waits for expiries in flight. Pending requests stay stored. */
  async stop(): Promise<void> {
    this.#started = false;
    for (const timer of this.#timers.values()) timer.cancel();
    this.#timers.clear();
    await Promise.allSettled([...this.#expiring]);
  }

  /**
   * `figaro.help.request`: stores the request (deadline = now + `timeout_seconds`), broadcasts
   * `help_request` and marks the task `waiting_on: "human"`. Idempotent on `request_id`: the same
   * content answers ok again without a second broadcast; different content is `conflict`; an unknown
   * task is `not_found`.
   */
  async ask(req: AskRequest): Promise<{ status: 'ok' }> {
    const { request, created } = await this.#deps.store.tx(async (repos) => {
      const result = await repos.helpRequests.create({
        id: req.request_id,
        task_id: req.task_id,
        agent_id: req.worker_id,
        supervisor_id: req.supervisor_id ?? null,
        questions: req.questions,
        timeout_seconds: req.timeout_seconds,
      });
      if (result.created) {
        await addToOutbox(repos, Broadcasts.help_request, {
          help_request: toHelpRequestRecord(result.request),
        });
        // A running task whose agent waits for a human shows it (a new version, broadcast).
        await this.#lifecycle.markWaiting(repos, req.task_id, 'human');
      }
      return result;
    });
    if (created) {
      this.#deps.logger.info(
        {
          request_id: request.id,
          task_id: request.task_id,
          agent_id: request.agent_id,
          deadline: request.deadline,
        },
        'help requested',
      );
      this.#afterCommit();
    }
    // A retry that reached another replica arms a timer there too; the conditional resolve keeps one winner.
    if (request.status === 'pending') this.#arm(request);
    return { status: 'ok' };
  }

  /** `figaro.api.help-requests.list`: oldest first, optionally of one status and/or task. */
  async list(req: ListHelpRequests): Promise<ReplyInputOf<typeof Api.helpRequestsList>> {
    const stored = await this.#deps.store.helpRequests.list({
      ...(req.status ? { status: req.status } : {}),
      ...(req.task_id ? { task_id: req.task_id } : {}),
    });
    return { help_requests: stored.map(toHelpRequestRecord) };
  }

  /**
   * `figaro.api.help-requests.respond`: the first responder wins; the agent gets the answers on
   * `figaro.help.{id}.response`. A later answer to a request that already ended gets
   * `{success: false}` (issue 3: channels racing to answer is normal, not an error); an unknown
   * request is `not_found`.
   */
  async respond(req: RespondRequest): Promise<HelpActionResult> {
    if (
      !(await this.#endUnlessEnded(req.request_id, {
        status: 'answered',
        answers: req.answers,
        source: req.source,
      }))
    ) {
      return { success: false, request_id: req.request_id };
    }
    this.#deps.logger.info({ request_id: req.request_id, source: req.source }, 'help request answered');
    return { success: true, request_id: req.request_id };
  }

  /**
   * `figaro.api.help-requests.dismiss`: ends the request without answers; the agent gets
   * `{answers: null, error: "dismissed"}`. Same outcomes as `respond`.
   */
  async dismiss(req: DismissRequest): Promise<HelpActionResult> {
    if (
      !(await this.#endUnlessEnded(req.request_id, {
        status: 'dismissed',
        answers: null,
        source: req.source,
      }))
    ) {
      return { success: false, request_id: req.request_id };
    }
    this.#deps.logger.info({ request_id: req.request_id, source: req.source }, 'help request dismissed');
    return { success: true, request_id: req.request_id };
  }

  /** Ends a pending request; false when it had already ended (someone else won). */
  async #endUnlessEnded(
    requestId: string,
    resolution: { status: 'answered' | 'dismissed'; answers: Record<string, string> | null; source: string },
  ): Promise<boolean> {
    try {
      await this.#end(requestId, resolution);
      return true;
    } catch (err) {
      if (err instanceof FigaroError && err.code === 'conflict') return false;
      throw err;
    }
  }

  /**
   * Times out every pending request whose deadline (by the injected clock) has passed, locking them
   * `SKIP LOCKED` so replicas sweeping at once share them out. Returns how many this call resolved.
   */
  async sweepDue(): Promise<number> {
    let total = 0;
    for (;;) {
      const resolved = await this.#deps.store.tx(async (repos) => {
        const due = await repos.helpRequests.due(this.#deps.clock.now(), SWEEP_BATCH);
        const ids: string[] = [];
        for (const request of due) {
          const ended = await repos.helpRequests.resolve(request.id, { status: 'timeout' });
          if (!ended) continue;
          await this.#followUps(repos, ended);
          ids.push(ended.id);
        }
        return { ids, full: due.length === SWEEP_BATCH };
      });
      for (const id of resolved.ids) this.#disarm(id);
      total += resolved.ids.length;
      if (!resolved.full) break;
    }
    if (total > 0) {
      this.#deps.logger.info({ count: total }, 'help requests timed out');
      this.#afterCommit();
    }
    return total;
  }

  /**
   * Agent-lost hook (`registry.onAgentLost(help.onAgentLost)`), run inside the losing transaction: the
   * agent's pending requests become `cancelled` and are withdrawn with a `help_request_dismissed`
   * broadcast. No response is published: nobody is left to read it.
   */
  readonly onAgentLost = async (repos: StoreRepos, agentId: string): Promise<void> => {
    for (const request of await repos.helpRequests.pendingForAgent(agentId)) {
      const cancelled = await repos.helpRequests.resolve(request.id, { status: 'cancelled' });
      if (!cancelled) continue;
      await this.#followUps(repos, cancelled);
      // Harmless if the transaction rolls back: the request stays pending and the sweep still ends it.
      this.#disarm(request.id);
    }
  };

  /** Ends a pending request for a caller of the API; explains a refusal as not_found or conflict. */
  async #end(
    requestId: string,
    resolution: { status: 'answered' | 'dismissed'; answers: Record<string, string> | null; source: string },
  ): Promise<void> {
    await this.#deps.store.tx(async (repos) => {
      const ended = await repos.helpRequests.resolve(requestId, resolution);
      if (!ended) {
        const current = await repos.helpRequests.get(requestId);
        if (!current) throw new FigaroError('not_found', `help request ${requestId} not found`);
        throw new FigaroError('conflict', `help request ${requestId} ${alreadyText(current.status)}`);
      }
      await this.#followUps(repos, ended);
    });
    this.#disarm(requestId);
    this.#afterCommit();
  }

  /** Inside the resolving transaction: the agent's response, the broadcast, and the task's waiting_on. */
  async #followUps(repos: StoreRepos, ended: StoredHelpRequest): Promise<void> {
    const record = toHelpRequestRecord(ended);
    const response = Events.helpResponse.at(ended.id);
    const base = { request_id: ended.id, task_id: ended.task_id };
    switch (ended.status) {
      case 'answered':
        await addToOutbox(repos, response, {
          ...base,
          answers: ended.answers,
          source: ended.source ?? 'api',
        });
        await addToOutbox(repos, Broadcasts.help_request_responded, { help_request: record });
        break;
      case 'dismissed':
        await addToOutbox(repos, response, {
          ...base,
          answers: null,
          source: ended.source ?? 'api',
          error: 'dismissed',
        });
        await addToOutbox(repos, Broadcasts.help_request_dismissed, { help_request: record });
        break;
      case 'timeout':
        await addToOutbox(repos, response, {
          ...base,
          answers: null,
          source: TIMEOUT_SOURCE,
          error: 'timeout',
        });
        await addToOutbox(repos, Broadcasts.help_request_timeout, { help_request: record });
        break;
      case 'cancelled':
        await addToOutbox(repos, Broadcasts.help_request_dismissed, { help_request: record });
        break;
      case 'pending':
        throw new FigaroError('internal', `help request ${ended.id} is still pending after being resolved`);
    }
    // `waiting_on: "human"` ends once none of the task's requests is pending any more.
    await this.#lifecycle.markWaiting(repos, ended.task_id, null, { current: 'human', noPendingHelp: true });
  }

  /** Arms the in-process timer of a pending request (once per request, only while started). */
  #arm(request: StoredHelpRequest): void {
    if (!this.#started || this.#timers.has(request.id)) return;
    const delay = Math.max(0, Date.parse(request.deadline) - this.#deps.clock.now().getTime());
    const timer = this.#deps.clock.setTimeout(() => {
      this.#timers.delete(request.id);
      const expiry = this.#expire(request.id).finally(() => this.#expiring.delete(expiry));
      this.#expiring.add(expiry);
    }, delay);
    this.#timers.set(request.id, timer);
  }

  #disarm(requestId: string): void {
    this.#timers.get(requestId)?.cancel();
    this.#timers.delete(requestId);
  }

  /** A timer fired: times the request out unless someone ended it first (here or on another replica). */
  async #expire(requestId: string): Promise<void> {
    try {
      const ended = await this.#deps.store.tx(async (repos) => {
        const resolved = await repos.helpRequests.resolve(requestId, { status: 'timeout' });
        if (resolved) await this.#followUps(repos, resolved);
        return resolved;
      });
      if (!ended) return;
      this.#deps.logger.info({ request_id: requestId, task_id: ended.task_id }, 'help request timed out');
      this.#afterCommit();
    } catch (err) {
      // The deadline is stored: the next sweep ends the request instead.
      if (this.#started) {
        this.#deps.logger.error(
          { request_id: requestId, err: errorText(err) },
          'help request timeout failed',
        );
      }
    }
  }
}

function alreadyText(status: StoredHelpRequest['status']): string {
  switch (status) {
    case 'answered':
      return 'already answered';
    case 'timeout':
      return 'already timed out';
    case 'pending':
      return 'changed concurrently; try again';
    default:
      return `already ${status}`;
  }
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
