DROP TABLE events;
DROP TABLE inexact_resources;
DROP TABLE memberships;
DROP TABLE groups;
DROP TABLE user_emails;
DROP TABLE users;
DROP TABLE tokens;
DROP TABLE tenants;
