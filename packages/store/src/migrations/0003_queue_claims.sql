-- 0003_queue_claims: a claimed task keeps its queue row (and so its place in line) until its agent
-- accepts it; a requeue only clears the mark. This keeps FIFO order across failed assignments and
-- orchestrator crashes between a claim and the agent's reply.
ALTER TABLE task_queue ADD COLUMN claimed boolean NOT NULL DEFAULT false;
CREATE INDEX task_queue_unclaimed_idx ON task_queue (seq) WHERE NOT claimed;
