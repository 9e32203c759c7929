-- The request that asked for a step, when it named itself (an Idempotency-Key, hashed with who sent it): an action sent
-- again over a weak connection finds its step by this key and is not applied twice (silo/Cases/CaseEndpoints.cs).
ALTER TABLE gridserver.case_events ADD COLUMN request_key text;
