-- Registered models, their numbered versions and aliases. Times are ISO 8601 UTC text, which sorts correctly on
-- both databases.
-- last_version is the highest number ever given, so a number is never reused after a delete; taking the next
-- one is an UPDATE of this row, which serializes concurrent uploads of one model on both databases.
CREATE TABLE models (
    id            TEXT PRIMARY KEY,
    description   TEXT NOT NULL,
    tags_json     TEXT NOT NULL,   -- JSON object, as answered to clients
    last_version  BIGINT NOT NULL,
    create_time   TEXT NOT NULL,
    update_time   TEXT NOT NULL
);

-- The tags again, one row each, so that ListRegisteredModels can filter by them in SQL.
CREATE TABLE model_tags (
    model  TEXT NOT NULL REFERENCES models (id),
    tag    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (model, tag)
);

-- A version row is inserted only after its artifact blob is stored and verified, so every row is READY.
-- version_json is the ModelVersion message (proto JSON) without its aliases, which are read from model_aliases.
-- request_id makes a retried upload return the version the first one created.
CREATE TABLE model_versions (
    model            TEXT NOT NULL REFERENCES models (id),
    version          BIGINT NOT NULL,
    artifact_sha256  TEXT NOT NULL,
    artifact_size    BIGINT NOT NULL,
    request_id       TEXT,
    version_json     TEXT NOT NULL,
    create_time      TEXT NOT NULL,
    PRIMARY KEY (model, version),
    UNIQUE (model, request_id)
);

CREATE INDEX model_versions_artifact ON model_versions (artifact_sha256);

-- The foreign key keeps an alias from pointing to a deleted version even if a check were missed.
CREATE TABLE model_aliases (
    model        TEXT NOT NULL,
    alias        TEXT NOT NULL,
    version      BIGINT NOT NULL,
    update_time  TEXT NOT NULL,
    updated_by   TEXT NOT NULL,
    reason       TEXT NOT NULL,
    gated        INTEGER NOT NULL,   -- 1 when the last move passed the promotion gate
    PRIMARY KEY (model, alias),
    FOREIGN KEY (model, version) REFERENCES model_versions (model, version)
);
