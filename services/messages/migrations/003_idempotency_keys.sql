-- A retried post (same `Idempotency-Key`, same user) finds the first message instead of making a
-- second. The unique index settles concurrent retries. Expand-only: old instances insert NULL.
ALTER TABLE messages ADD COLUMN idempotency_key text;

CREATE UNIQUE INDEX messages_idempotency_key ON messages (user_id, idempotency_key)
  WHERE idempotency_key IS NOT NULL;
