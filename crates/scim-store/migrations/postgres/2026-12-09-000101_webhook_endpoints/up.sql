-- A tenant's webhook endpoints (issue 14). The event log is the outbox: each
-- endpoint keeps the number of the last event it acknowledged (cursor_seq),
-- so nothing is lost when a process dies, and delivery follows the log's
-- order. batch_end_seq fixes the batch being tried until it is acknowledged,
-- so that a retry carries the same events and the same webhook-id. The
-- secrets are stored as they are: signing needs them. lease_owner and
-- lease_until let one server process at a time deliver an endpoint's events.
-- Keep in step with the other backend's migration of the same name.
CREATE TABLE webhook_endpoints (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    url TEXT NOT NULL,
    kinds TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until TIMESTAMP,
    state TEXT NOT NULL,
    cursor_seq BIGINT NOT NULL,
    batch_end_seq BIGINT,
    attempts BIGINT NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    lease_owner TEXT,
    lease_until TIMESTAMP,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- The delivery workers' poll: active endpoints whose next attempt is due.
CREATE INDEX webhook_endpoints_due ON webhook_endpoints (next_attempt_at)
    WHERE state = 'active';
