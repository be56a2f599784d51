ALTER TABLE users ADD COLUMN role TEXT;
ALTER TABLE users ADD COLUMN role_reason TEXT;
UPDATE users SET
    role = (SELECT r.role FROM user_roles r WHERE r.tenant_id = users.tenant_id AND r.user_id = users.id),
    role_reason = (SELECT r.role_reason FROM user_roles r WHERE r.tenant_id = users.tenant_id AND r.user_id = users.id);
CREATE INDEX users_admin_role ON users (tenant_id, COALESCE(role, ''), id);
DROP TABLE user_roles;
DELETE FROM sqlite_stat1 WHERE idx IN ('user_roles', 'user_roles_role');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('users', 'users_admin_role', '1000000 100000 20000 1');
