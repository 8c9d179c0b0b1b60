-- Hyperparameter studies and their trials.
CREATE TABLE studies (
    id           TEXT PRIMARY KEY,
    state        TEXT NOT NULL,
    spec_json    TEXT NOT NULL,
    create_time  TEXT NOT NULL,
    end_time     TEXT
);

CREATE TABLE trials (
    study        TEXT NOT NULL REFERENCES studies (id),
    number       INTEGER NOT NULL,
    state        TEXT NOT NULL,
    params_json  TEXT NOT NULL,
    objective    DOUBLE PRECISION,
    PRIMARY KEY (study, number)
);
