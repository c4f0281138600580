-- What the request that created a run under an Idempotency-Key asked for:
-- the SHA-256 of its validated body (priority, timeout, retries, seed and
-- asof_date as given). The key reused with a body asking for something
-- else is refused (422) instead of answered with the first run, as the
-- IETF Idempotency-Key draft has it. Runs created before have none and
-- match any body under their key.
ALTER TABLE scenario_run ADD COLUMN idempotency_fingerprint text;
