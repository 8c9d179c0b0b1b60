-- Continual-learning policies. policy_json is the Policy as created (proto JSON, without its runs).
CREATE TABLE training_policies (
    id           TEXT PRIMARY KEY,
    dataset      TEXT NOT NULL,            -- datasets/{dataset} it follows
    policy_json  TEXT NOT NULL,
    create_time  TEXT NOT NULL
);

CREATE INDEX training_policies_dataset ON training_policies (dataset);

-- One row per policy and arrival: the key makes a redelivered DatasetVersionCreated find the run it started.
-- training_job is chosen before the job is submitted, so a run always names its job.
CREATE TABLE policy_runs (
    policy           TEXT NOT NULL,
    dataset_version  TEXT NOT NULL,
    event_id         TEXT NOT NULL,
    state            TEXT NOT NULL,        -- RUNNING, PROMOTED, REGISTERED, FAILED
    training_job     TEXT NOT NULL,
    run_json         TEXT NOT NULL,        -- PolicyRun
    start_time       TEXT NOT NULL,
    PRIMARY KEY (policy, dataset_version)
);

CREATE INDEX policy_runs_job ON policy_runs (training_job);
