DROP INDEX users_deleted;
DELETE FROM sqlite_stat1 WHERE idx = 'users_deleted';
