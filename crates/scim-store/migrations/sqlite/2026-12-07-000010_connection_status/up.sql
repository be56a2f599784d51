-- The connection status of a tenant's identity provider. Each server process
-- counts SCIM requests in memory and adds its counts to the hour's row every
-- few seconds (an upsert that adds, so several processes sum up); rows older
-- than a week are pruned by the same writes. Keep in step with the other
-- backend's migration of the same name.
CREATE TABLE connection_hours (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    hour TIMESTAMP NOT NULL,
    requests BIGINT NOT NULL,
    errors BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, hour)
);

-- The tenant's latest request of each sort ('request': any, 'error': 4xx or
-- 5xx, 'recognised': from a client recognised as Entra ID or Okta); a write
-- replaces a row only with a later request.
CREATE TABLE connection_requests (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    sort TEXT NOT NULL,
    at TIMESTAMP NOT NULL,
    method TEXT NOT NULL,
    route TEXT NOT NULL,
    status BIGINT NOT NULL,
    client TEXT NOT NULL,
    request_id TEXT NOT NULL,
    scim_type TEXT,
    detail TEXT,
    PRIMARY KEY (tenant_id, sort)
);
