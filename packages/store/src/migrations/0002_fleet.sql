-- 0002_fleet: desktops, agent sessions, help requests, users/sessions/api tokens, settings; the stop grace
-- and delegate idempotency of tasks; the session start of agents.
--
-- Runs on PostgreSQL 15 and on PGlite (PostgreSQL 18): no syntax newer than 15. Timestamps are
-- timestamptz(3) (see 0001). Secrets are stored only sealed (`*_sealed`, see SecretBox) or hashed.

-- The only home of desktop endpoints. Each endpoint's credentials are bound to its scheme, host and
-- port: the repository clears them when that changes, and they are sealed with the endpoint as
-- authenticated context, so a ciphertext moved to another endpoint does not open.
CREATE TABLE desktops (
  id                   text PRIMARY KEY,
  os                   text NOT NULL DEFAULT 'linux',
  metadata             jsonb NOT NULL DEFAULT '{}'::jsonb,
  vnc_url              text,
  ssh_url              text,
  telnet_url           text,
  rdp_url              text,
  vnc_username         text,
  vnc_password_sealed  text,
  ssh_secret_sealed    text,
  telnet_secret_sealed text,
  rdp_secret_sealed    text,
  source               text NOT NULL CHECK (source IN ('env', 'api', 'agent')),
  version              integer NOT NULL DEFAULT 1,
  created_at           timestamptz(3) NOT NULL DEFAULT now(),
  updated_at           timestamptz(3) NOT NULL DEFAULT now()
);

-- Connect/disconnect history of agents. No foreign key: the history outlives a removed agent.
CREATE TABLE agent_sessions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  agent_id        text NOT NULL,
  kind            text NOT NULL CHECK (kind IN ('worker', 'supervisor')),
  connected_at    timestamptz(3) NOT NULL DEFAULT now(),
  disconnected_at timestamptz(3),
  reason          text,
  completed       integer NOT NULL DEFAULT 0 CHECK (completed >= 0),
  failed          integer NOT NULL DEFAULT 0 CHECK (failed >= 0)
);
CREATE INDEX agent_sessions_agent_idx ON agent_sessions (agent_id, id);

ALTER TABLE agents ADD COLUMN session_started_at timestamptz(3);

CREATE TABLE help_requests (
  id              text PRIMARY KEY,
  task_id         uuid NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
  agent_id        text NOT NULL,
  supervisor_id   text,
  questions       jsonb NOT NULL,
  status          text NOT NULL DEFAULT 'pending'
                  CHECK (status IN ('pending', 'answered', 'timeout', 'dismissed', 'cancelled')),
  answers         jsonb,
  source          text,
  channel_refs    jsonb NOT NULL DEFAULT '[]'::jsonb,
  timeout_seconds integer NOT NULL CHECK (timeout_seconds > 0),
  deadline        timestamptz(3) NOT NULL,
  created_at      timestamptz(3) NOT NULL DEFAULT now(),
  responded_at    timestamptz(3),
  version         integer NOT NULL DEFAULT 1,
  -- A request is resolved exactly once, and carries when.
  CHECK ((status = 'pending') = (responded_at IS NULL))
);
CREATE INDEX help_requests_status_deadline_idx ON help_requests (status, deadline);
CREATE INDEX help_requests_task_idx ON help_requests (task_id);
CREATE INDEX help_requests_agent_idx ON help_requests (agent_id) WHERE status = 'pending';

CREATE TABLE users (
  id            uuid PRIMARY KEY,
  username      text NOT NULL UNIQUE,
  password_hash text NOT NULL,
  created_at    timestamptz(3) NOT NULL DEFAULT now(),
  updated_at    timestamptz(3) NOT NULL DEFAULT now()
);

-- Dashboard sessions by SHA-256 of their id: the plaintext id exists only in the browser's cookie.
CREATE TABLE sessions (
  id_hash      text PRIMARY KEY,
  user_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  expires_at   timestamptz(3) NOT NULL,
  last_seen_at timestamptz(3) NOT NULL DEFAULT now()
);
CREATE INDEX sessions_expires_idx ON sessions (expires_at);
CREATE INDEX sessions_user_idx ON sessions (user_id);

-- API tokens by SHA-256: the plaintext is shown once, at creation.
CREATE TABLE api_tokens (
  id           uuid PRIMARY KEY,
  name         text NOT NULL,
  token_hash   text NOT NULL UNIQUE,
  scopes       text[] NOT NULL DEFAULT '{}',
  created_at   timestamptz(3) NOT NULL DEFAULT now(),
  last_used_at timestamptz(3),
  revoked_at   timestamptz(3)
);

-- Run-time settings (default VNC credentials, generated keys ...), one json value per key.
CREATE TABLE settings (
  key        text PRIMARY KEY,
  value      jsonb NOT NULL,
  updated_at timestamptz(3) NOT NULL DEFAULT now()
);

-- Stop grace: a cancelled task keeps its agent busy until the agent's final `.error {cancelled}`, a
-- heartbeat without the task, or this deadline, whichever comes first; then it is set back to NULL.
ALTER TABLE tasks ADD COLUMN release_deadline timestamptz(3);
CREATE INDEX tasks_release_deadline_idx ON tasks (release_deadline) WHERE release_deadline IS NOT NULL;

-- Delegate idempotency: the supervisor's tool_use id (NULLs are distinct, so most tasks have none).
ALTER TABLE tasks ADD COLUMN idempotency_key text;
CREATE UNIQUE INDEX tasks_idempotency_key_idx ON tasks (idempotency_key);
