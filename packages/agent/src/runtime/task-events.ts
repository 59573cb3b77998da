import { appendEvent, type Bus } from '@figaro/bus';
import {
  type ContentBlock,
  Events,
  type Logger,
  type ProgressState,
  type TaskResult,
  type Usage,
} from '@figaro/protocol';

/** Which agent publishes, on which task attempt. */
export interface TaskIdentity {
  taskId: string;
  attempt: number;
  workerId: string;
  supervisorId?: string;
}

/** One model turn or tool result as the agent publishes it. */
export interface AgentMessage {
  type: 'AssistantMessage' | 'UserMessage' | 'ResultMessage' | 'SystemMessage';
  content: ContentBlock[];
  model?: string;
  usage?: Usage;
  costUsd?: number;
}

const RETRY_DELAYS_MS = [100, 250, 500, 1_000, 2_000, 5_000];

/**
 * Publishes one task attempt's events on the TASKS stream: `seq` counts from 1 without gaps, each
 * event carries `Nats-Msg-Id: {task}:{attempt}:{seq}` and is retried until the stream acknowledges it
 * (a retry of a stored event is dropped as a duplicate), so the orchestrator sees every event once.
 * Events are sent one at a time, in order.
 */
export class TaskEventPublisher {
  readonly #bus: Bus;
  readonly #id: TaskIdentity;
  readonly #logger: Logger;
  #seq = 0;
  #chain: Promise<void> = Promise.resolve();

  constructor(bus: Bus, identity: TaskIdentity, logger: Logger) {
    this.#bus = bus;
    this.#id = identity;
    this.#logger = logger;
  }

  message(message: AgentMessage): Promise<void> {
    return this.#send((seq) =>
      appendEvent(
        this.#bus,
        Events.taskMessage.at(this.#id.taskId),
        {
          ...this.#base(),
          seq,
          worker_id: this.#id.workerId,
          __type__: message.type,
          content: message.content,
          ...(message.model ? { model: message.model } : {}),
          ...(message.usage ? { usage: message.usage } : {}),
          ...(message.costUsd !== undefined ? { cost_usd: message.costUsd } : {}),
        },
        { msgId: this.#msgId(seq) },
      ),
    );
  }

  /** Progress is not a sequenced event; it is published plainly (and stored on the task). */
  async progress(state: ProgressState, since: Date): Promise<void> {
    await this.#bus
      .publish(Events.taskProgress.at(this.#id.taskId).subject, {
        task_id: this.#id.taskId,
        attempt: this.#id.attempt,
        state,
        since: since.toISOString(),
      })
      .catch((err: unknown) => this.#logger.debug({ err: String(err) }, 'progress not published'));
  }

  complete(result: TaskResult): Promise<void> {
    return this.#send((seq) =>
      appendEvent(
        this.#bus,
        Events.taskComplete.at(this.#id.taskId),
        { ...this.#base(), seq, worker_id: this.#id.workerId, result },
        { msgId: this.#msgId(seq) },
      ),
    );
  }

  error(error: string, cancelled = false): Promise<void> {
    return this.#send((seq) =>
      appendEvent(
        this.#bus,
        Events.taskError.at(this.#id.taskId),
        {
          ...this.#base(),
          seq,
          worker_id: this.#id.workerId,
          error,
          ...(cancelled ? { cancelled: true as const } : {}),
        },
        { msgId: this.#msgId(seq) },
      ),
    );
  }

  #base() {
    return {
      task_id: this.#id.taskId,
      attempt: this.#id.attempt,
      ...(this.#id.supervisorId ? { supervisor_id: this.#id.supervisorId } : {}),
    };
  }

  #msgId(seq: number): string {
    return `${this.#id.taskId}:${this.#id.attempt}:${seq}`;
  }

  #send(append: (seq: number) => Promise<unknown>): Promise<void> {
    const seq = ++this.#seq;
    const sent = this.#chain.then(async () => {
      for (let attempt = 0; ; attempt++) {
        try {
          await append(seq);
          return;
        } catch (err) {
          const delay = RETRY_DELAYS_MS[Math.min(attempt, RETRY_DELAYS_MS.length - 1)] ?? 5_000;
          if (attempt >= 20) throw err;
          this.#logger.warn(
            { seq, err: String(err), retry_in_ms: delay },
            'task event not acknowledged; retrying',
          );
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    });
    this.#chain = sent.catch(() => {});
    return sent;
  }
}
