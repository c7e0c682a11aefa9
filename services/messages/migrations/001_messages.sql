CREATE TABLE messages (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  user_id integer NOT NULL,
  source text NOT NULL,
  html text NOT NULL,
  deleted boolean NOT NULL DEFAULT false,
  -- Bumped on every edit so a late link preview never overwrites a newer text.
  revision integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
  updated_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Catch-up reads by updated_at; history pages walk the primary key.
CREATE INDEX messages_updated_at ON messages (updated_at, id);
