-- The users the identity provider deleted, for the admin search's "deleted"
-- filter: without it a page of them (often none) reads along its order through
-- the whole tenant. Partial, so live users' writes never touch it. Keep in step
-- with the other backend's migration of the same name.
CREATE INDEX users_deleted ON users (tenant_id, id) WHERE deleted_at IS NOT NULL;

-- Hand-written planner statistics (see the initial migration).
DELETE FROM sqlite_stat1 WHERE idx = 'users_deleted';
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('users', 'users_deleted', '1000 100 1');
