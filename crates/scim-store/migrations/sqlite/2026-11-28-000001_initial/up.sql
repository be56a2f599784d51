-- Initial schema, SQLite flavour. Keep in step with ../../postgres (same folder names,
-- same tables and columns); a test compares the two.
-- Types: TEXT for ids and JSON, BIGINT, BOOLEAN (0/1), TIMESTAMP (UTC, diesel's text form).

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

CREATE TABLE users (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
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
    role TEXT,
    role_reason TEXT,
    lock_role TEXT,
    lock_by TEXT,
    lock_at TIMESTAMP,
    lock_reason TEXT
);
-- userName is unique per tenant among live users, compared after Rust's to_lowercase.
CREATE UNIQUE INDEX users_user_name ON users (tenant_id, user_name_folded) WHERE deleted_at IS NULL;
CREATE INDEX users_tenant_id ON users (tenant_id, id);
CREATE INDEX users_external_id ON users (tenant_id, external_id);
CREATE INDEX users_display_name ON users (tenant_id, display_name_folded);
CREATE INDEX users_active ON users (tenant_id, active);
CREATE INDEX users_last_modified ON users (tenant_id, last_modified);
CREATE INDEX users_role ON users (tenant_id, role);
CREATE INDEX users_inexact ON users (tenant_id) WHERE NOT filter_exact;

CREATE TABLE user_emails (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    tenant_id TEXT NOT NULL,
    value_folded TEXT NOT NULL,
    PRIMARY KEY (user_id, position)
);
CREATE INDEX user_emails_value ON user_emails (tenant_id, value_folded);

CREATE TABLE groups (
    id TEXT PRIMARY KEY NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    display_name TEXT NOT NULL,
    display_name_folded TEXT NOT NULL,
    external_id TEXT,
    resource TEXT NOT NULL,
    filter_doc TEXT NOT NULL,
    filter_exact BOOLEAN NOT NULL,
    version BIGINT NOT NULL,
    created TIMESTAMP NOT NULL,
    last_modified TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX groups_display_name ON groups (tenant_id, display_name_folded);
CREATE INDEX groups_tenant_id ON groups (tenant_id, id);
CREATE INDEX groups_external_id ON groups (tenant_id, external_id);
CREATE INDEX groups_last_modified ON groups (tenant_id, last_modified);
CREATE INDEX groups_inexact ON groups (tenant_id) WHERE NOT filter_exact;

CREATE TABLE memberships (
    group_id TEXT NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX memberships_user ON memberships (user_id, group_id);

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
