-- The listing order as clients see it: updated_at in whole milliseconds (the API's unit), then
-- the nickname by code point whatever the database's locale (Docker's PostgreSQL defaults to
-- en_US, the local cluster to C.UTF-8). The catch-up filter compares the same milliseconds.
DROP INDEX users_updated_at_idx;
CREATE INDEX users_listing_idx ON users (unix_ms(updated_at), nickname COLLATE "C");
