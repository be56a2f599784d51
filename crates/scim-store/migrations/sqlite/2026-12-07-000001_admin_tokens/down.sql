DROP INDEX tokens_kind_prefix;
ALTER TABLE tokens DROP COLUMN kind;
