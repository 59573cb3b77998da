/** Tunables of an orchestrator; every duration in milliseconds. */
export interface OrchestratorConfig {
  /** An agent silent for this long is lost (`FIGARO_HEARTBEAT_TIMEOUT`). Default 60,000. */
  heartbeatTimeoutMs: number;
  /** How long an agent has to reply to an assignment request. Default 5,000. */
  acceptTimeoutMs: number;
  /** How long a cancelled task keeps its agent busy at most, waiting for its final event. Default 10,000. */
  stopGraceMs: number;
  /** How often deadlines are swept and the queue drained on every replica. Default 5,000. */
  sweepIntervalMs: number;
  /** How often the outbox relay looks for rows missed by a kick. Default 1,000. */
  outboxIntervalMs: number;
  /** Durable consumer name of the task-event ingestor (shared by replicas). Default `orchestrator`. */
  eventsDurable: string;
  /** Task events processed at once (different tasks; one task's events stay in order). Default 16. */
  eventConcurrency: number;
  /** Un-acked events are redelivered after this. Default 30,000. */
  eventAckWaitMs: number;
  /** Deliveries of a failing event before it becomes a dead letter. Default 20. */
  eventMaxDeliver: number;
}

export const defaultOrchestratorConfig: OrchestratorConfig = {
  heartbeatTimeoutMs: 60_000,
  acceptTimeoutMs: 5_000,
  stopGraceMs: 10_000,
  sweepIntervalMs: 5_000,
  outboxIntervalMs: 1_000,
  eventsDurable: 'orchestrator',
  eventConcurrency: 16,
  eventAckWaitMs: 30_000,
  eventMaxDeliver: 20,
};
