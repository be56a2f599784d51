-- Initial schema, SQLite flavour. Keep in step with ../../postgres (same folder names,
-- same tables and columns); a test compares the two.
-- Types: TEXT for ids and JSON, BIGINT, BOOLEAN (0/1), TIMESTAMP (UTC, diesel's text form).
-- Small link tables are WITHOUT ROWID: one B-tree per table instead of two, so a
-- membership or e-mail row costs one page write less.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY NOT NULL,
    slug TEXT NOT NULL,
    display_name TEXT NOT NULL,
    settings TEXT NOT NULL,
    role_catalogue TEXT NOT NULL,
    rule_set TEXT NOT NULL,
    -- Last event sequence number handed out; incremented inside write transactions.
    event_seq BIGINT NOT NULL DEFAULT 0,
    created TIMESTAMP NOT NULL,
    updated TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX tenants_slug ON tenants (slug);

CREATE TABLE tokens (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    prefix TEXT NOT NULL,
    hash TEXT NOT NULL,
    label TEXT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_used TIMESTAMP,
    expires_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX tokens_tenant_prefix ON tokens (tenant_id, prefix);

-- Users and groups are keyed by (tenant, id): one index serves lookups by id
-- and a tenant's listing in id order, and ids need only be unique per tenant.
CREATE TABLE users (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    user_name_folded TEXT NOT NULL,
    external_id TEXT,
    display_name TEXT,
    display_name_folded TEXT,
    active BOOLEAN,
    resource TEXT NOT NULL,
    filter_doc TEXT NOT NULL,
    filter_exact BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_modified TIMESTAMP NOT NULL,
    deleted_at TIMESTAMP,
    -- '' while the user is live, its id once soft-deleted: the unique index below
    -- then applies to live users only, without a partial index (SQLite re-prepares
    -- statements whose parameters it must compare with a partial index's WHERE).
    deletion_key TEXT NOT NULL DEFAULT '',
    role TEXT,
    role_reason TEXT,
    lock_role TEXT,
    lock_by TEXT,
    lock_at TIMESTAMP,
    lock_reason TEXT,
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
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    value_folded TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, value_folded, user_id)
) WITHOUT ROWID;

CREATE TABLE groups (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id TEXT NOT NULL,
    display_name TEXT NOT NULL,
    display_name_folded TEXT NOT NULL,
    external_id TEXT,
    resource TEXT NOT NULL,
    filter_doc TEXT NOT NULL,
    filter_exact BOOLEAN NOT NULL,
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
    tenant_id TEXT NOT NULL,
    group_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, group_id, user_id),
    FOREIGN KEY (tenant_id, group_id) REFERENCES groups (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
CREATE INDEX memberships_user ON memberships (tenant_id, user_id, group_id);

-- The users and groups stored with filter_exact = false (see src/doc.rs): filters
-- are evaluated in Rust for exactly these rows. Almost always empty.
CREATE TABLE inexact_resources (
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    resource_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, resource_id)
) WITHOUT ROWID;

CREATE TABLE events (
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
CREATE INDEX events_resource ON events (tenant_id, resource_id, seq);

-- Query-planner statistics, written by hand (SQLite allows it) for a shape like
-- "1,000,000 users in 10 tenants, 10,000 groups": without them the planner
-- guesses that every index equality leaves about ten rows, and would then scan a
-- whole tenant in id order rather than look one userName up and sort one row.
-- ANALYZE first creates the statistics tables; it must not be run on live data,
-- since sample-based statistics make SQLite re-prepare statements.
ANALYZE;
DELETE FROM sqlite_stat1;
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('tenants', 'sqlite_autoindex_tenants_1', '10 1'),
    ('tenants', 'tenants_slug', '10 1'),
    ('tokens', 'sqlite_autoindex_tokens_1', '100 1'),
    ('tokens', 'tokens_tenant_prefix', '100 10 1'),
    ('users', 'sqlite_autoindex_users_1', '1000000 100000 1'),
    ('users', 'users_user_name', '1000000 100000 1 1'),
    ('users', 'users_external_id', '1000000 100000 1'),
    ('users', 'users_display_name', '1000000 100000 2'),
    ('users', 'users_active', '1000000 100000 50000'),
    ('users', 'users_last_modified', '1000000 100000 2'),
    ('user_emails', 'user_emails', '1000000 100000 1 1'),
    ('groups', 'sqlite_autoindex_groups_1', '10000 1000 1'),
    ('groups', 'groups_display_name', '10000 1000 1'),
    ('groups', 'groups_external_id', '10000 1000 1'),
    ('groups', 'groups_last_modified', '10000 1000 2'),
    ('memberships', 'memberships', '1000000 100000 100 1'),
    ('memberships', 'memberships_user', '1000000 100000 10 1'),
    ('inexact_resources', 'inexact_resources', '10 2 2 1'),
    ('events', 'sqlite_autoindex_events_1', '1000000 100000 1'),
    ('events', 'events_resource', '1000000 100000 10 1');
