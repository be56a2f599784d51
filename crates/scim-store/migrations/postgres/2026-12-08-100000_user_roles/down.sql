ALTER TABLE users ADD COLUMN role TEXT COLLATE "C", ADD COLUMN role_reason TEXT COLLATE "C";
UPDATE users u SET role = r.role, role_reason = r.role_reason
    FROM user_roles r WHERE r.tenant_id = u.tenant_id AND r.user_id = u.id;
CREATE INDEX users_admin_role ON users (tenant_id, (COALESCE(role, '')), id);
DROP TABLE user_roles;
