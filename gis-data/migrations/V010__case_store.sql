-- The case store: gridserver.cases and gridserver.case_events become the cases' own truth, written by the case
-- grains one step at a time (grains/Storage/Cases/PostgisCaseStore.cs), many steps of many cases in one
-- transaction (group commit). Until V010 the truth was each case's whole Orleans grain state, rewritten at every
-- step, and these tables a projection written after it; a row written that way has version NULL, and the server
-- reads such a case from its old grain state once and writes it here at its next step.
-- Inbox notices become rows too (gridserver.notices), written in the same transaction as the step that gives them,
-- and after-effects that must follow a durable step (a liaison's alerts to batch, a webhook's message) wait in
-- gridserver.notice_outbox until carried out.

ALTER TABLE gridserver.cases
    -- How many writes of the case store this row holds; a write must find the version before its own (another
    -- activation's write is refused, never overwritten). NULL: written by the projection before V010.
    ADD COLUMN version            integer CHECK (version >= 1),
    ADD COLUMN extension_count    integer NOT NULL DEFAULT 0 CHECK (extension_count >= 0),
    ADD COLUMN parked_remaining   interval,       -- while parked: what was left of the handling limit
    ADD COLUMN requested_deadline timestamptz,    -- a pending extension request's new deadline
    ADD COLUMN address            text,           -- the reporter's words for the place, as given
    ADD COLUMN media_url          text,
    ADD COLUMN attributes         jsonb,          -- matter-specific answers by attribute code: {"plate": "浙C12345"}
    ADD COLUMN matter_name        text,           -- the matter as people say it, for notices
    ADD COLUMN party              jsonb,          -- the party a duty module named: kind, id, name, reason, contact, repeats
    ADD COLUMN queue_reason       text,           -- non-NULL while the case waits in the command-center queue: why
    ADD COLUMN warned_for         timestamptz,    -- the deadline a warning was last given for
    ADD COLUMN escalated_at       timestamptz,    -- the latest escalation (missed deadline, repeat offence) and why
    ADD COLUMN escalation_reason  text,
    -- When the deadline clock must next look at the case (a warning, a deadline, a reminder); NULL when no deadline
    -- runs. The clock is split into shards (CaseShards in grains/Domain/Cases/CaseStore.cs), each swept by one grain.
    ADD COLUMN wake_at            timestamptz,
    ADD COLUMN shard              smallint CHECK (shard >= 0);

CREATE INDEX cases_wake ON gridserver.cases (shard, wake_at) WHERE wake_at IS NOT NULL;
-- The command center's lists are the open cases marked so, not lists kept (and rewritten) beside them.
CREATE INDEX cases_queue ON gridserver.cases (reported_at) WHERE queue_reason IS NOT NULL AND closed_at IS NULL;
CREATE INDEX cases_escalated ON gridserver.cases (escalated_at) WHERE escalated_at IS NOT NULL AND closed_at IS NULL;
-- An officer's cases in hand and a grid's open cases are the open rows with that officer or grid.
CREATE INDEX cases_officer_open ON gridserver.cases (officer_id) WHERE closed_at IS NULL;
CREATE INDEX cases_grid_open ON gridserver.cases (grid_code) WHERE closed_at IS NULL;

COMMENT ON TABLE gridserver.cases IS
    'The cases as they stand, written by the case grains (the truth since V010; rows with version NULL were projected before it).';
COMMENT ON TABLE gridserver.case_events IS
    'Every step of every case, appended by the case grains in the same transaction as the case row, never rewritten.';

-- One row per notice an inbox keeps; an inbox shows its newest 500. seq orders them and marks reading.
CREATE TABLE gridserver.notices (
    seq             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    notice_id       text COLLATE "C" NOT NULL UNIQUE,
    recipient       text COLLATE "C" NOT NULL,   -- the inbox key: officer:{id}, liaison:{id}, community:{code}, command-center, ...
    channel         text NOT NULL,               -- Inbox or Webhook (the domain's NoticeChannel names)
    kind            text NOT NULL,               -- the notice kind's file stem: dispatch, liaison-alert, ...
    case_ids        text[] NOT NULL,
    grid_codes      text[] NOT NULL,
    community_codes text[] NOT NULL,
    body            text NOT NULL,               -- the rendered text
    template        text NOT NULL,               -- the template that made it, by name
    at              timestamptz NOT NULL,
    delivery        text NOT NULL                -- recorded; a webhook message's queued, no-target, dead-lettered, failed
);
CREATE INDEX notices_recipient ON gridserver.notices (recipient, seq DESC);

-- Each inbox's read-up-to mark: every notice with a seq up to read_seq is read.
CREATE TABLE gridserver.inbox_reads (
    recipient text COLLATE "C" PRIMARY KEY,
    read_seq  bigint NOT NULL
);

-- Notices to carry out after the step that gave them is durable (a liaison's alert into its batch, ...). Written in
-- the step's transaction, deleted once carried out; a row older than a few seconds is a silo that died in between,
-- and any silo's relay claims it (leased_until) and carries it out again, which the receivers take once.
CREATE TABLE gridserver.notice_outbox (
    notice_id       text COLLATE "C" PRIMARY KEY,
    recipient       text COLLATE "C" NOT NULL,
    channel         text NOT NULL,
    kind            text NOT NULL,
    case_ids        text[] NOT NULL,
    grid_codes      text[] NOT NULL,
    community_codes text[] NOT NULL,
    body            text NOT NULL,
    template        text NOT NULL,
    at              timestamptz NOT NULL,
    written_at      timestamptz NOT NULL DEFAULT now(),
    leased_until    timestamptz NOT NULL DEFAULT '-infinity'
);
CREATE INDEX notice_outbox_written ON gridserver.notice_outbox (written_at);
