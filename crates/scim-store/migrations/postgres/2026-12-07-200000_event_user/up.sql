-- The user an event concerns: the resource of a user's event, the member of a
-- membership event (whose resource is the group). A user's history (role,
-- activation, lock and group membership changes) then reads one index, newest
-- first, whatever the size of the log. Keep in step with the other backend's
-- migration of the same name.
ALTER TABLE events ADD COLUMN user_id TEXT;
UPDATE events SET user_id = resource_id WHERE resource_type = 'User';
UPDATE events SET user_id = after_state::json ->> 'user' WHERE kind = 'member.added';
UPDATE events SET user_id = before_state::json ->> 'user' WHERE kind = 'member.removed';
CREATE INDEX events_user ON events (tenant_id, user_id, seq);
