-- Datasets and their immutable versions. Times are ISO 8601 UTC text, which sorts correctly on both databases.
CREATE TABLE datasets (
    name         TEXT PRIMARY KEY,
    description  TEXT NOT NULL,
    schema_json  TEXT NOT NULL,
    create_time  TEXT NOT NULL,
    update_time  TEXT NOT NULL
);

CREATE TABLE dataset_versions (
    dataset         TEXT NOT NULL REFERENCES datasets (name),
    version         INTEGER NOT NULL,
    content_sha256  TEXT NOT NULL,
    format          TEXT NOT NULL,
    stats_json      TEXT NOT NULL,
    lineage_json    TEXT NOT NULL,
    create_time     TEXT NOT NULL,
    PRIMARY KEY (dataset, version),
    UNIQUE (dataset, content_sha256)
);
