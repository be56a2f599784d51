-- Initial schema, PostgreSQL flavour. Keep in step with ../../sqlite (same folder names,
-- same tables and columns); a test compares the two.
-- Text columns use the "C" collation so that comparisons and ORDER BY follow code-point
-- order, as SQLite's BINARY collation and the in-memory filter evaluator do.
-- TIMESTAMP holds UTC.

CREATE TABLE tenants (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    slug TEXT COLLATE "C" NOT NULL,
    display_name TEXT COLLATE "C" NOT NULL,
    settings TEXT COLLATE "C" NOT NULL,
    role_catalogue TEXT COLLATE "C" NOT NULL,
    rule_set TEXT COLLATE "C" NOT NULL,
    -- Last event sequence number handed out; incremented inside write transactions.
    event_seq BIGINT NOT NULL DEFAULT 0,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tenants_slug ON tenants (slug);

CREATE TABLE tokens (
    id TEXT COLLATE "C" PRIMARY KEY NOT NULL,
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    prefix TEXT COLLATE "C" NOT NULL,
    hash TEXT COLLATE "C" NOT NULL,
    label TEXT COLLATE "C" NOT NULL,
    created TIMESTAMP NOT NULL,
    last_used TIMESTAMP,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX tokens_tenant_prefix ON tokens (tenant_id, prefix);

-- Users and groups are keyed by (tenant, id): one index serves lookups by id
-- and a tenant's listing in id order, and ids need only be unique per tenant.
CREATE TABLE users (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    user_name TEXT COLLATE "C" NOT NULL,
    user_name_folded TEXT COLLATE "C" NOT NULL,
    external_id TEXT COLLATE "C",
    display_name TEXT COLLATE "C",
    display_name_folded TEXT COLLATE "C",
    active BOOLEAN,
    resource TEXT COLLATE "C" NOT NULL,
    filter_doc TEXT COLLATE "C" NOT NULL,
    filter_exact BOOLEAN NOT NULL,
    -- The filter document parsed once, for the JSON operators of filter queries.
    filter_jsonb JSONB GENERATED ALWAYS AS (filter_doc::jsonb) STORED,
    version BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_modified TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    -- '' while the user is live, its id once soft-deleted: the unique index below
    -- then applies to live users only, without a partial index (SQLite re-prepares
    -- statements whose parameters it must compare with a partial index's WHERE).
    deletion_key TEXT COLLATE "C" NOT NULL DEFAULT '',
    role TEXT COLLATE "C",
    role_reason TEXT COLLATE "C",
    lock_role TEXT COLLATE "C",
    lock_by TEXT COLLATE "C",
    lock_at TIMESTAMP,
    lock_reason TEXT COLLATE "C",
    PRIMARY KEY (tenant_id, id)
);
-- userName is unique per tenant among live users, compared after Rust's to_lowercase.
CREATE UNIQUE INDEX users_user_name ON users (tenant_id, user_name_folded, deletion_key);
CREATE INDEX users_external_id ON users (tenant_id, external_id);
CREATE INDEX users_display_name ON users (tenant_id, display_name_folded);
CREATE INDEX users_active ON users (tenant_id, active);
CREATE INDEX users_last_modified ON users (tenant_id, last_modified);

-- The folded emails.value strings of users, for indexed emails.value filters,
-- keyed by what filters look up. A user's rows are found through the values kept
-- in its body, so no second index by user is needed (one B-tree per row written).
CREATE TABLE user_emails (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    value_folded TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, value_folded, user_id)
);

CREATE TABLE groups (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT COLLATE "C" NOT NULL,
    display_name TEXT COLLATE "C" NOT NULL,
    display_name_folded TEXT COLLATE "C" NOT NULL,
    external_id TEXT COLLATE "C",
    resource TEXT COLLATE "C" NOT NULL,
    filter_doc TEXT COLLATE "C" NOT NULL,
    filter_exact BOOLEAN NOT NULL,
    filter_jsonb JSONB GENERATED ALWAYS AS (filter_doc::jsonb) STORED,
    version BIGINT NOT NULL,
    -- Kept with every membership change (same UPDATE as the version bump), so a
    -- member page knows its total without counting.
    member_count BIGINT NOT NULL DEFAULT 0,
    created TIMESTAMP NOT NULL,
    last_modified TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX groups_display_name ON groups (tenant_id, display_name_folded);
CREATE INDEX groups_external_id ON groups (tenant_id, external_id);
CREATE INDEX groups_last_modified ON groups (tenant_id, last_modified);

CREATE TABLE memberships (
    tenant_id TEXT COLLATE "C" NOT NULL,
    group_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX memberships_user ON memberships (tenant_id, user_id, group_id);

-- The users and groups stored with filter_exact = false (see src/doc.rs): filters
-- are evaluated in Rust for exactly these rows. Almost always empty.
CREATE TABLE inexact_resources (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT COLLATE "C" NOT NULL,
    resource_id TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (tenant_id, kind, resource_id)
);

CREATE TABLE events (
    tenant_id TEXT COLLATE "C" NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    seq BIGINT NOT NULL,
    time TIMESTAMP NOT NULL,
    kind TEXT COLLATE "C" NOT NULL,
    resource_type TEXT COLLATE "C",
    resource_id TEXT COLLATE "C",
    before_state TEXT COLLATE "C",
    after_state TEXT COLLATE "C",
    cause TEXT COLLATE "C",
    request_id TEXT COLLATE "C",
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX events_resource ON events (tenant_id, resource_id, seq);
