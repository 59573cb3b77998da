-- 0004_blobs: content-addressed binary data (screenshots, attachments, recordings) and the chunks of
-- uploads in progress (`figaro.api.blobs.put` sends a blob in chunks of at most 192 KiB).
--
-- Blob bytes are stored EXTERNAL (out of line, uncompressed): images are compressed already, and
-- chunked reads (`substring(bytes FROM … FOR …)`) then fetch only the TOAST chunks they need.
-- `ALTER … SET STORAGE` rather than a column option: the column form needs PostgreSQL 16.

CREATE TABLE blobs (
  sha256     text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  media_type text NOT NULL CHECK (length(media_type) BETWEEN 1 AND 255),
  bytes      bytea NOT NULL,
  size       integer NOT NULL CHECK (size >= 0),
  -- The task the blob belongs to, for retention (blobs of long-finished tasks become thumbnails).
  task_id    uuid REFERENCES tasks (id) ON DELETE SET NULL,
  created_at timestamptz(3) NOT NULL DEFAULT now()
);
ALTER TABLE blobs ALTER COLUMN bytes SET STORAGE EXTERNAL;
CREATE INDEX blobs_task_idx ON blobs (task_id) WHERE task_id IS NOT NULL;

-- Chunks of uploads not yet complete. When all `total` chunks of a sha256 are present they are
-- concatenated in index order, checked against the hash, moved into `blobs` and deleted. task_id
-- has no foreign key: it is only carried over (when the task exists) once the blob is complete.
CREATE TABLE blob_uploads (
  sha256     text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
  index      integer NOT NULL CHECK (index >= 0),
  total      integer NOT NULL CHECK (total > 0 AND index < total),
  media_type text NOT NULL CHECK (length(media_type) BETWEEN 1 AND 255),
  data       bytea NOT NULL,
  task_id    uuid,
  created_at timestamptz(3) NOT NULL DEFAULT now(),
  PRIMARY KEY (sha256, index)
);
ALTER TABLE blob_uploads ALTER COLUMN data SET STORAGE EXTERNAL;
