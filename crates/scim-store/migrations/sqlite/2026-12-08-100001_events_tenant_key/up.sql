-- PostgreSQL's migration of this name drops the foreign key from events to
-- tenants (a trigger per appended event). SQLite checks it in-process, at a
-- cost that does not matter, and dropping it would rebuild the table: kept.
SELECT 1;
