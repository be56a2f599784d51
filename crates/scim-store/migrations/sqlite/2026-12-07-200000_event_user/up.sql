-- The user an event concerns: the resource of a user's event, the member of a
-- membership event (whose resource is the group). A user's history (role,
-- activation, lock and group membership changes) then reads one index, newest
-- first, whatever the size of the log. Keep in step with the other backend's
-- migration of the same name.
ALTER TABLE events ADD COLUMN user_id TEXT;
UPDATE events SET user_id = resource_id WHERE resource_type = 'User';
UPDATE events SET user_id = json_extract(after_state, '$.user') WHERE kind = 'member.added';
UPDATE events SET user_id = json_extract(before_state, '$.user') WHERE kind = 'member.removed';
CREATE INDEX events_user ON events (tenant_id, user_id, seq);

-- Hand-written planner statistics (see the initial migration): a user has a
-- few events, like a resource.
INSERT INTO sqlite_stat1 (tbl, idx, stat) VALUES ('events', 'events_user', '1000000 100000 10 1');
