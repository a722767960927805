-- One row per request that reached the executor (lightweight runs and heavy jobs), keyed by
-- the id of its (owner, request id) pair. Portable DDL: SQLite and PostgreSQL read it alike
-- (timestamps are milliseconds since the Unix epoch; flags are 0/1).
CREATE TABLE executions (
    id TEXT PRIMARY KEY NOT NULL,
    request_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    source TEXT NOT NULL,
    tier TEXT,
    tier_reasons TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL,
    received_at BIGINT NOT NULL,
    started_at BIGINT,
    finished_at BIGINT,
    duration_ms DOUBLE PRECISION,
    cpu_ms DOUBLE PRECISION,
    peak_memory_kb BIGINT,
    exit_code BIGINT,
    term_signal BIGINT,
    stdout_bytes BIGINT,
    stderr_bytes BIGINT,
    stdout_truncated BIGINT NOT NULL DEFAULT 0,
    stderr_truncated BIGINT NOT NULL DEFAULT 0,
    result_location TEXT,
    findings TEXT NOT NULL DEFAULT '[]',
    attempts BIGINT,
    code_sha256 TEXT NOT NULL,
    code TEXT,
    error TEXT,
    job_id TEXT,
    traceparent TEXT,
    result TEXT
);

CREATE INDEX executions_by_time ON executions (received_at, id);
CREATE INDEX executions_by_owner ON executions (owner, received_at, id);
CREATE INDEX executions_by_job ON executions (job_id, received_at);
CREATE INDEX executions_by_status ON executions (status);
