CREATE TABLE IF NOT EXISTS events (
    seq BIGINT PRIMARY KEY,
    ts BIGINT NOT NULL,
    type TEXT NOT NULL,
    account TEXT,
    coid TEXT,
    parent TEXT,
    payload BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS events_coid ON events (coid);
CREATE INDEX IF NOT EXISTS events_parent ON events (parent);
CREATE INDEX IF NOT EXISTS events_account_ts ON events (account, ts);
CREATE TABLE IF NOT EXISTS audit (
    id BIGSERIAL PRIMARY KEY,
    seq BIGINT NOT NULL,
    ts BIGINT NOT NULL,
    type TEXT NOT NULL,
    account TEXT,
    coid TEXT,
    payload BYTEA NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_coid ON audit (coid);
CREATE INDEX IF NOT EXISTS audit_account_ts ON audit (account, ts);
CREATE TABLE IF NOT EXISTS snapshots (
    seq BIGINT PRIMARY KEY,
    ts BIGINT NOT NULL,
    payload BYTEA NOT NULL
);
