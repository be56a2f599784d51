-- A token opens either a tenant's SCIM routes or the tenant's part of the admin
-- API, never both; existing tokens are SCIM tokens. Admin requests name no
-- tenant before they are authenticated, so admin tokens are found by their
-- identifier across tenants. Keep in step with the other backend's migration
-- of the same name.
ALTER TABLE tokens ADD COLUMN kind TEXT NOT NULL DEFAULT 'scim';
CREATE INDEX tokens_kind_prefix ON tokens (kind, prefix);
