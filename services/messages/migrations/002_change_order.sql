-- Exact catch-up (docs/api.md, catch-up): `updated_at` comes from the clock, and rows can commit
-- out of clock order. Every write also records its transaction id, whatever instance (old or new)
-- made it; a reader returns only rows whose transaction is older than every transaction still
-- running, in transaction order, so a later commit can never land behind a reader's cursor.
-- Expand-only: old instances keep writing as before and the trigger fills the column for them.
ALTER TABLE messages ADD COLUMN changed_xid xid8;

CREATE FUNCTION messages_record_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  NEW.changed_xid := pg_current_xact_id();
  RETURN NEW;
END
$$;

CREATE TRIGGER messages_record_change BEFORE INSERT OR UPDATE ON messages
  FOR EACH ROW EXECUTE FUNCTION messages_record_change();

-- Rows written before this migration keep a NULL: every cursor is handed out after it, when
-- those rows were already visible to the reader that got the cursor.
CREATE INDEX messages_changed_xid ON messages (changed_xid, id);
