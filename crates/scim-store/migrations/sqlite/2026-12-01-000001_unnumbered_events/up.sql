-- The events table gains an insertion-order id and a nullable sequence number, as on
-- PostgreSQL (see ../../postgres). SQLite still numbers each event when it is
-- inserted: its single writer commits in insertion order, so nothing is ever left
-- unnumbered here. Keep in step with ../../postgres.

CREATE TABLE events_numbered (
    id INTEGER PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq BIGINT,
    time TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    resource_type TEXT,
    resource_id TEXT,
    before_state TEXT,
    after_state TEXT,
    cause TEXT,
    request_id TEXT
);
INSERT INTO events_numbered (tenant_id, seq, time, kind, resource_type, resource_id,
    before_state, after_state, cause, request_id)
SELECT tenant_id, seq, time, kind, resource_type, resource_id, before_state, after_state,
    cause, request_id
FROM events ORDER BY rowid;
DROP TABLE events;
ALTER TABLE events_numbered RENAME TO events;
CREATE UNIQUE INDEX events_seq ON events (tenant_id, seq);
CREATE INDEX events_resource ON events (tenant_id, resource_id, seq);

-- The next number is the tenant's highest one plus one (read from events_seq).
ALTER TABLE tenants DROP COLUMN event_seq;

-- Hand-written planner statistics (see the initial migration) for the new indexes.
DELETE FROM sqlite_stat1 WHERE tbl = 'events';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('events', 'events_seq', '1000000 100000 1'),
    ('events', 'events_resource', '1000000 100000 10 1');
