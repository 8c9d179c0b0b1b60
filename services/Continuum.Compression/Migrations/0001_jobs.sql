-- Compression jobs: the spec, the state and the before/after report.
CREATE TABLE compression_jobs (
    id           TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    spec_json    TEXT NOT NULL,
    report_json  TEXT,
    error_json   TEXT,
    create_time  TEXT NOT NULL,
    end_time     TEXT
);
