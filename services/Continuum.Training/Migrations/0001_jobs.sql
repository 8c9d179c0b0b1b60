-- Training jobs: the spec as submitted and the state machine the workers advance.
CREATE TABLE training_jobs (
    id           TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    spec_json    TEXT NOT NULL,
    error_json   TEXT,
    create_time  TEXT NOT NULL,
    start_time   TEXT,
    end_time     TEXT
);
