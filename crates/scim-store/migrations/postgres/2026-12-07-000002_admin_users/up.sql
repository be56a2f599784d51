-- The admin API's user list: a search by prefix over userName, displayName, an
-- e-mail and externalId, and keyset pages in four orders, each walked along an
-- index of (tenant, sort key, tie-break) so that a page costs the same at any
-- depth. Keep in step with the other backend's migration of the same name.

-- externalId folded like userName (Rust's to_lowercase), written with the user.
-- Rows written before this migration are folded here by lower(), which folds
-- ASCII only under the "C" collation; such an id is folded fully when it changes.
ALTER TABLE users ADD COLUMN external_id_folded TEXT COLLATE "C";
UPDATE users SET external_id_folded = lower(external_id) WHERE external_id IS NOT NULL;
CREATE INDEX users_external_id_folded ON users (tenant_id, external_id_folded);

-- Sort orders. userName sorts by (user_name_folded, deletion_key), unique per
-- tenant, along the existing users_user_name; the nullable keys sort as ''.
CREATE INDEX users_admin_display_name ON users (tenant_id, (COALESCE(display_name_folded, '')), id);
CREATE INDEX users_admin_role ON users (tenant_id, (COALESCE(role, '')), id);
-- The few locked users, for the "locked" filter: without it a page of them
-- reads along its order until it has found enough.
CREATE INDEX users_locked ON users (tenant_id, id) WHERE lock_role IS NOT NULL;
-- Replaces (tenant_id, last_modified): the id makes it a total order, and filters
-- on meta.lastModified still find their range in it.
DROP INDEX users_last_modified;
CREATE INDEX users_last_modified ON users (tenant_id, last_modified, id);
