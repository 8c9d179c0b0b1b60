-- Datasets and their immutable versions. Times are ISO 8601 UTC text, which sorts correctly on both databases.
CREATE TABLE datasets (
    id           TEXT PRIMARY KEY,
    description  TEXT NOT NULL,
    input_shape  TEXT NOT NULL,   -- JSON array of positive integers
    class_count  INTEGER NOT NULL,
    class_names  TEXT NOT NULL,   -- JSON array of strings, empty or one per class
    create_time  TEXT NOT NULL,
    update_time  TEXT NOT NULL
);

-- A version row exists only once its blobs are stored: readers never see a half-written version.
-- version_json is the DatasetVersion message (proto JSON) as answered to clients. An uploaded version keeps
-- only its raw files and the recipe to decode them (decode_json); a derived version has no raw files, so its
-- decoded content is a blob of its own (content_blob). Exactly one of the two is set.
CREATE TABLE dataset_versions (
    dataset         TEXT NOT NULL REFERENCES datasets (id),
    version         INTEGER NOT NULL,
    content_sha256  TEXT NOT NULL,
    content_blob    TEXT,
    decode_json     TEXT,
    version_json    TEXT NOT NULL,
    create_time     TEXT NOT NULL,
    PRIMARY KEY (dataset, version),
    UNIQUE (dataset, content_sha256)
);

-- Every blob a version refers to (its raw files and its decoded content), so a blob is deleted only
-- when no version needs it any more.
CREATE TABLE dataset_blobs (
    dataset  TEXT NOT NULL,
    version  INTEGER NOT NULL,
    sha256   TEXT NOT NULL,
    PRIMARY KEY (dataset, version, sha256),
    FOREIGN KEY (dataset, version) REFERENCES dataset_versions (dataset, version)
);

CREATE INDEX dataset_blobs_sha256 ON dataset_blobs (sha256);
