-- What evaluation (考核评价) reads of a case after it has closed, when no deadline runs any more: every deadline that
-- ran and how it ended, and the case's evaluation facts, written by the case store with every step
-- (grains/Domain/Cases/CaseFile.cs PastDeadline, grains/Domain/Evaluation/CaseFacts.cs). The facts are columns, so that
-- a month of a city (80,000 cases and more) is read without parsing anything, and so that a bureau's own reporting
-- tools can read them too. The other facts are columns the case store has written since V003/V010: state, grid_code,
-- squad_id, officer_id, channel, reported_at, closed_at (when state is Closed), extension_count, rework_count, and the
-- running deadlines accept_by, handle_by, verify_by.
--
-- Rows written before this migration have past_deadlines NULL: the server fills them in the background from the
-- timeline (CaseHistory: replayed through the matter's rules as they stand), never over a newer step (the fill is
-- conditional on the row's version). past_deadlines NOT NULL means the facts are there.

ALTER TABLE gridserver.cases
    -- [{"kind":"Accept","due":...,"ended":...,"endedBy":"Accept"}, ...] in the order the deadlines ended.
    ADD COLUMN past_deadlines        jsonb,
    ADD COLUMN entered_by            text,          -- who entered the report: a channel, a collector, system
    ADD COLUMN dispatcher            text,          -- who dispatched it first (system: at intake)
    ADD COLUMN registered            boolean,
    ADD COLUMN dispatched_at         timestamptz,   -- the first dispatch
    ADD COLUMN accepted_at           timestamptz,   -- the first acceptance
    ADD COLUMN feedback_at           timestamptz,   -- the last final feedback
    ADD COLUMN verified_at           timestamptz,   -- the last verification decision (passed or rework)
    ADD COLUMN return_count          integer CHECK (return_count >= 0),
    -- Supervised for a missed deadline, or escalated at open for a repeat offence (kept after closing, unlike escalated_at).
    ADD COLUMN evaluation_supervised boolean,
    -- Which kinds of deadline the case ever let pass: 1 acceptance, 2 handling, 4 verification.
    ADD COLUMN late_kinds            smallint CHECK (late_kinds BETWEEN 0 AND 7);

-- The evaluation of a period reads the cases reported in it (cases_reported_at serves it; an officer's or a grid's
-- year their own indexes); the background fill finds the rows it has still to do.
CREATE INDEX cases_facts_missing ON gridserver.cases (case_id) WHERE past_deadlines IS NULL AND version IS NOT NULL;
