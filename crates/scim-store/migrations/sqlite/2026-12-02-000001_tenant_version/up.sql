-- A tenant's version goes up with every change to its row, so that caches of
-- the settings, catalogue and rules compare one number instead of their JSON.
-- Keep in step with the other backend's migration of the same name.
ALTER TABLE tenants ADD COLUMN version BIGINT NOT NULL DEFAULT 1;
