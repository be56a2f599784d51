DROP INDEX events_kind;
