DROP INDEX users_deleted;
