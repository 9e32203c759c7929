-- Which cases Open311's public reads may show (GET /open311/v2/requests, requests/{id}, tokens/{token}).
-- Before this, the public read listed every case: also those staff entered through the API (a hotline
-- note with a citizen's name and phone number), sensor and check cases. Now a case is public only when it
-- came through a reporting channel (an Open311 api_key) that is not configured private and its report did
-- not ask to stay private; the case grain decides at intake and writes both columns with its row.
--
-- Rows projected before this migration (and the cases behind them) are not public: nothing recorded
-- which channel they came through, and guessing would publish what staff wrote.

ALTER TABLE gridserver.cases
    -- The reporting channel's credential subject; null for staff, sensors and scheduled checks.
    ADD COLUMN channel text COLLATE "C",
    ADD COLUMN public boolean NOT NULL DEFAULT false,
    -- A case nobody reported through a channel is never public, whatever a writer says.
    ADD CONSTRAINT cases_public_needs_channel CHECK (NOT public OR channel IS NOT NULL);

-- The public search: public cases, newest first, optionally by matter and reporting period.
CREATE INDEX cases_public_reported_at ON gridserver.cases (reported_at DESC) WHERE public;
