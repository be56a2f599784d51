ALTER TABLE tenants ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;
UPDATE tenants SET event_seq = COALESCE((SELECT MAX(seq) FROM events e WHERE e.tenant_id = tenants.id), 0);

CREATE TABLE events_keyed (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    time TIMESTAMP NOT NULL,
    kind TEXT NOT NULL,
    resource_type TEXT,
    resource_id TEXT,
    before_state TEXT,
    after_state TEXT,
    cause TEXT,
    request_id TEXT,
    PRIMARY KEY (tenant_id, seq)
);
INSERT INTO events_keyed (tenant_id, seq, time, kind, resource_type, resource_id,
    before_state, after_state, cause, request_id)
SELECT tenant_id, seq, time, kind, resource_type, resource_id, before_state, after_state,
    cause, request_id
FROM events ORDER BY id;
DROP TABLE events;
ALTER TABLE events_keyed RENAME TO events;
CREATE INDEX events_resource ON events (tenant_id, resource_id, seq);

DELETE FROM sqlite_stat1 WHERE tbl = 'events';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('events', 'sqlite_autoindex_events_1', '1000000 100000 1'),
    ('events', 'events_resource', '1000000 100000 10 1');
