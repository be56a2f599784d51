-- The admin API's event log filtered by kind (say, every guard violation) reads
-- the matching events in sequence order instead of the whole log. Keep in step
-- with the other backend's migration of the same name.
CREATE INDEX events_kind ON events (tenant_id, kind, seq);

-- Hand-written planner statistics (see the initial migration): about twenty kinds.
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('events', 'events_kind', '1000000 100000 5000 1');
