-- The admin API's event log filtered by kind (say, every guard violation) reads
-- the matching events in sequence order instead of the whole log. Keep in step
-- with the other backend's migration of the same name.
CREATE INDEX events_kind ON events (tenant_id, kind, seq);
