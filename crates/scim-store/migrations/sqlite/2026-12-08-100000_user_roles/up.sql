-- A user's app-side role and its explanation, in a narrow row of their own:
-- a rule save rewrites the roles of most of a tenant, and on `users` each
-- change rewrote the whole wide row and an index entry. Every user has exactly
-- one row, inserted with it and deleted with it. Keep in step with the other
-- backend's migration of the same name.
CREATE TABLE user_roles (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role TEXT,
    role_reason TEXT,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
) WITHOUT ROWID;
INSERT INTO user_roles (tenant_id, user_id, role, role_reason)
    SELECT tenant_id, id, role, role_reason FROM users;
-- The admin search's role filter and role order (was users_admin_role).
CREATE INDEX user_roles_role ON user_roles (tenant_id, COALESCE(role, ''), user_id);
DROP INDEX users_admin_role;
ALTER TABLE users DROP COLUMN role;
ALTER TABLE users DROP COLUMN role_reason;

-- Hand-written planner statistics (see the initial migration).
DELETE FROM sqlite_stat1 WHERE idx IN ('users_admin_role', 'user_roles', 'user_roles_role');
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES
    ('user_roles', 'user_roles', '1000000 100000 1'),
    ('user_roles', 'user_roles_role', '1000000 100000 20000 1');
