DROP INDEX events_user;
ALTER TABLE events DROP COLUMN user_id;
