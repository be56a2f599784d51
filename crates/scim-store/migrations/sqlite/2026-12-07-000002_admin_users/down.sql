DROP INDEX users_last_modified;
CREATE INDEX users_last_modified ON users (tenant_id, last_modified);
DROP INDEX users_locked;
DROP INDEX users_admin_role;
DROP INDEX users_admin_display_name;
DROP INDEX users_external_id_folded;
ALTER TABLE users DROP COLUMN external_id_folded;
DELETE FROM sqlite_stat1 WHERE idx IN ('users_external_id_folded',
    'users_admin_display_name', 'users_admin_role', 'users_locked');
UPDATE sqlite_stat1 SET stat = '1000000 100000 2' WHERE idx = 'users_last_modified';
