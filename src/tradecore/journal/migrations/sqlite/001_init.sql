CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    type TEXT NOT NULL,
    account TEXT,
    coid TEXT,
    parent TEXT,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS events_coid ON events (coid);
CREATE INDEX IF NOT EXISTS events_parent ON events (parent);
CREATE INDEX IF NOT EXISTS events_account_ts ON events (account, ts);
CREATE TABLE IF NOT EXISTS audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    seq INTEGER NOT NULL,
    ts INTEGER NOT NULL,
    type TEXT NOT NULL,
    account TEXT,
    coid TEXT,
    payload BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS audit_coid ON audit (coid);
CREATE INDEX IF NOT EXISTS audit_account_ts ON audit (account, ts);
CREATE TABLE IF NOT EXISTS snapshots (
    seq INTEGER PRIMARY KEY,
    ts INTEGER NOT NULL,
    payload BLOB NOT NULL
);
