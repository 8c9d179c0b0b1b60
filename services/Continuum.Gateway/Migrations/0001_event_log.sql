-- The gateway's event log: every event the services publish on the bus, numbered in the order the gateway stored
-- them. WatchEvents replays it from a cursor (a seq) and then follows it.
-- seq comes from event_log_state.last_seq, raised by the appending transaction before its insert: the row lock
-- (PostgreSQL) or the write lock (SQLite) is held to the commit, so seq order is commit order with no gap, and a
-- reader that has seen seq N has seen everything before it (as the registry's change journal).
CREATE TABLE event_log (
    seq           BIGINT PRIMARY KEY,
    event_id      TEXT NOT NULL UNIQUE,   -- the event's own id: a redelivered event is stored once
    event_type    TEXT NOT NULL,          -- the events.proto message name, e.g. ModelAliasChanged
    event_json    TEXT NOT NULL,          -- that message as proto JSON, as streamed
    receive_time  TEXT NOT NULL           -- ISO 8601 UTC, when the gateway stored it; sorts as text
);

CREATE INDEX event_log_type ON event_log (event_type, seq);
CREATE INDEX event_log_receive_time ON event_log (receive_time);

-- One row. last_seq: the newest event's seq, 0 before the first. pruned_through: retention has deleted every event
-- up to it, so a cursor below it has lost events (CURSOR_EXPIRED) and one at it or above has not.
CREATE TABLE event_log_state (
    id              INTEGER PRIMARY KEY,
    last_seq        BIGINT NOT NULL,
    pruned_through  BIGINT NOT NULL
);

INSERT INTO event_log_state (id, last_seq, pruned_through) VALUES (1, 0, 0);
