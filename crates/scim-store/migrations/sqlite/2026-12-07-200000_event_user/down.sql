DROP INDEX events_user;
DELETE FROM sqlite_stat1 WHERE idx = 'events_user';
ALTER TABLE events DROP COLUMN user_id;
