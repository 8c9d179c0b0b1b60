-- The registry's change journal: every version creation and alias change, numbered in commit order. It is the
-- outbox the bus events are published from (at least once, after the commit) and the history that
-- WatchModelVersions replays from a cursor.
-- seq comes from change_counter, raised as the last statement of the writing transaction: the row lock
-- (PostgreSQL) or the write lock (SQLite) is held to the commit, so seq order is commit order with no gap, and a
-- reader that has seen seq N has seen everything before it.
CREATE TABLE model_changes (
    seq          BIGINT PRIMARY KEY,
    model        TEXT NOT NULL,
    event_type   TEXT NOT NULL,      -- the events.proto message: ModelVersionCreated or ModelAliasChanged
    event_json   TEXT NOT NULL,      -- that message as proto JSON, as streamed and published
    published    INTEGER NOT NULL,   -- 1 once the bus has taken it
    create_time  TEXT NOT NULL
);

CREATE INDEX model_changes_model ON model_changes (model, seq);
CREATE INDEX model_changes_unpublished ON model_changes (published, seq);

CREATE TABLE change_counter (
    id        INTEGER PRIMARY KEY,
    last_seq  BIGINT NOT NULL
);

INSERT INTO change_counter (id, last_seq) VALUES (1, 0);

-- The parent of each version that has one, so that descendants are an indexed lookup. The parent may be in
-- another model; the row goes when the child version goes.
CREATE TABLE model_version_parents (
    model           TEXT NOT NULL,
    version         BIGINT NOT NULL,
    parent_model    TEXT NOT NULL,
    parent_version  BIGINT NOT NULL,
    PRIMARY KEY (model, version)
);

CREATE INDEX model_version_parents_parent ON model_version_parents (parent_model, parent_version);

-- A model's promotion gate; a model without a row has the default gate.
CREATE TABLE promotion_gates (
    model        TEXT PRIMARY KEY REFERENCES models (id),
    gate_json    TEXT NOT NULL,      -- the PromotionGate message as proto JSON
    update_time  TEXT NOT NULL,
    updated_by   TEXT NOT NULL
);
