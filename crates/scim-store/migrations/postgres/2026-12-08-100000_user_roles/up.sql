-- A user's app-side role and its explanation, in a narrow row of their own.
-- A rule save rewrites the roles of most of a tenant: on `users` each change
-- was a new version of the whole wide row with an entry in each of its indexes
-- (the role is indexed, so PostgreSQL could not update in place); here it is
-- a row of four columns and two index entries. Every user has exactly one
-- row, inserted with it and deleted with it. Keep in step with the other
-- backend's migration of the same name.
CREATE TABLE user_roles (
    tenant_id TEXT COLLATE "C" NOT NULL,
    user_id TEXT COLLATE "C" NOT NULL,
    role TEXT COLLATE "C",
    role_reason TEXT COLLATE "C",
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id) ON DELETE CASCADE
);
INSERT INTO user_roles (tenant_id, user_id, role, role_reason)
    SELECT tenant_id, id, role, role_reason FROM users;
-- The admin search's role filter and role order (was users_admin_role).
CREATE INDEX user_roles_role ON user_roles (tenant_id, (COALESCE(role, '')), user_id);
DROP INDEX users_admin_role;
ALTER TABLE users DROP COLUMN role, DROP COLUMN role_reason;
