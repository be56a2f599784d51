ALTER TABLE tenants DROP COLUMN version;
