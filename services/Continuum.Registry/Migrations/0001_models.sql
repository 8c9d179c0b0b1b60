-- Registered models, their numbered versions and aliases. A version row is READY only once its artifact
-- blob is stored and verified.
CREATE TABLE models (
    name         TEXT PRIMARY KEY,
    description  TEXT NOT NULL,
    tags_json    TEXT NOT NULL,
    create_time  TEXT NOT NULL,
    update_time  TEXT NOT NULL
);

CREATE TABLE model_versions (
    model            TEXT NOT NULL REFERENCES models (name),
    version          INTEGER NOT NULL,
    state            TEXT NOT NULL,
    artifact_sha256  TEXT NOT NULL,
    artifact_size    BIGINT NOT NULL,
    metadata_json    TEXT NOT NULL,
    create_time      TEXT NOT NULL,
    PRIMARY KEY (model, version)
);

CREATE TABLE model_aliases (
    model        TEXT NOT NULL REFERENCES models (name),
    alias        TEXT NOT NULL,
    version      INTEGER NOT NULL,
    update_time  TEXT NOT NULL,
    PRIMARY KEY (model, alias),
    FOREIGN KEY (model, version) REFERENCES model_versions (model, version)
);
