-- 0001 made a placeholder before any job could be created; the real table replaces it.
DROP TABLE training_jobs;

-- One row per job. spec_json is the resolved TrainingSpec (proto JSON), fixed at creation; the columns after it
-- are what changes, each written by one party: the API (cancel_requested, or state for a QUEUED job) or the
-- worker that runs the job (everything else), always with a condition on the state it expects.
CREATE TABLE training_jobs (
    id                 TEXT PRIMARY KEY,
    spec_json          TEXT NOT NULL,
    request_id         TEXT UNIQUE,
    policy             TEXT NOT NULL,
    trial              TEXT NOT NULL,
    created_by         TEXT NOT NULL,
    state              TEXT NOT NULL,      -- QUEUED, RUNNING, SUCCEEDED, FAILED, CANCELLED
    cancel_requested   INTEGER NOT NULL,
    attempt_count      INTEGER NOT NULL,
    worker             TEXT NOT NULL,      -- the worker running it, whose lease ends at lease_until
    lease_until        TEXT,               -- a worker renews it while alive; another may claim the job after it
    progress_json      TEXT NOT NULL,      -- TrainingProgress
    last_metric        BIGINT NOT NULL,    -- highest training_metrics.seq given, so a trimmed seq is not reused
    checkpoint_sha256  TEXT,               -- blob of the last epoch's checkpoint
    error_json         TEXT,               -- google.rpc.Status when FAILED or CANCELLED
    model_version      TEXT NOT NULL,
    metrics_json       TEXT,               -- ModelMetrics after the final evaluation
    create_time        TEXT NOT NULL,
    start_time         TEXT,
    end_time           TEXT
);

CREATE INDEX training_jobs_newest ON training_jobs (create_time, id);

-- The metric history: epoch points and sampled step points, in the order they were taken. A run resumed from a
-- checkpoint first drops the points its dead predecessor took after that checkpoint's step.
CREATE TABLE training_metrics (
    job         TEXT NOT NULL,
    seq         INTEGER NOT NULL,
    step        BIGINT NOT NULL,
    point_json  TEXT NOT NULL,             -- MetricPoint
    PRIMARY KEY (job, seq)
);
