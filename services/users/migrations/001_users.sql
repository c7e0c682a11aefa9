-- Users and their presence. Timestamps come from the database clock so every instance agrees.
CREATE TABLE users (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  nickname text NOT NULL,
  password_hash text NOT NULL,
  online boolean NOT NULL DEFAULT false,
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  last_seen_at timestamptz NOT NULL DEFAULT now()
);

-- Case-insensitive uniqueness lives here, so racing registrations cannot both win.
CREATE UNIQUE INDEX users_nickname_key ON users (lower(nickname));

-- The listing order, and the catch-up filter on updated_at.
CREATE INDEX users_updated_at_idx ON users (updated_at, nickname);

-- The sweeper only ever looks at users who are online.
CREATE INDEX users_online_last_seen_idx ON users (last_seen_at) WHERE online;

-- Unix milliseconds, truncated: floor keeps "updated_at >= T" and "ms(updated_at) >= T" equivalent.
CREATE FUNCTION unix_ms(t timestamptz) RETURNS float8
  LANGUAGE sql IMMUTABLE STRICT
  RETURN floor(extract(epoch FROM t) * 1000);
