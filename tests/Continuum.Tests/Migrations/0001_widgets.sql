CREATE TABLE widgets (
    id    TEXT PRIMARY KEY,
    size  INTEGER NOT NULL
);
