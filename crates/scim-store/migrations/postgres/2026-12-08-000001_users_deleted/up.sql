-- The users the identity provider deleted, for the admin search's "deleted"
-- filter: without it a page of them (often none) reads along its order through
-- the whole tenant. Partial, so live users' writes never touch it. Keep in step
-- with the other backend's migration of the same name.
CREATE INDEX users_deleted ON users (tenant_id, id) WHERE deleted_at IS NOT NULL;
