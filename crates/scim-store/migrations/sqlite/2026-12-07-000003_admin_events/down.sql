DROP INDEX events_kind;
DELETE FROM sqlite_stat1 WHERE idx = 'events_kind';
