-- Numbers what the sequencer has not numbered yet, then restores the counter.
WITH last AS (
    SELECT tenant_id, COALESCE(MAX(seq), 0) AS seq FROM events GROUP BY tenant_id
), pending AS (
    SELECT id, tenant_id, row_number() OVER (PARTITION BY tenant_id ORDER BY id) AS n
    FROM events WHERE seq IS NULL
)
UPDATE events e SET seq = last.seq + pending.n
FROM pending JOIN last ON last.tenant_id = pending.tenant_id
WHERE e.id = pending.id;

ALTER TABLE tenants ADD COLUMN event_seq BIGINT NOT NULL DEFAULT 0;
UPDATE tenants t SET event_seq = COALESCE((SELECT MAX(seq) FROM events e WHERE e.tenant_id = t.id), 0);

DROP INDEX events_seq;
ALTER TABLE events ALTER COLUMN seq SET NOT NULL;
ALTER TABLE events DROP CONSTRAINT events_pkey;
ALTER TABLE events ADD CONSTRAINT events_pkey PRIMARY KEY (tenant_id, seq);
ALTER TABLE events DROP COLUMN id;
