DROP INDEX users_last_modified;
CREATE INDEX users_last_modified ON users (tenant_id, last_modified);
DROP INDEX users_locked;
DROP INDEX users_admin_role;
DROP INDEX users_admin_display_name;
DROP INDEX users_external_id_folded;
ALTER TABLE users DROP COLUMN external_id_folded;
