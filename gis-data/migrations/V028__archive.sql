-- Retention (GridServer:Retention): cases closed long ago, with their timelines, and old inbox notices move out of the
-- live tables into gridserver_archive, a bite at a time, each bite one transaction. Nothing is deleted: an archived case
-- is still read by its id (read only), counted by the evaluation of its period, and dumped with the database.
--
-- The archive's tables have the live tables' columns in the same order, so a row moves with INSERT ... SELECT *. A
-- migration that changes a live table changes its archive table the same way (ArchiveTests compares them).

CREATE SCHEMA IF NOT EXISTS gridserver_archive;

CREATE TABLE gridserver_archive.cases (LIKE gridserver.cases INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE gridserver_archive.cases ADD PRIMARY KEY (case_id);
-- The evaluation of a period reads archived cases by when they were reported, as it reads the live ones.
CREATE INDEX archive_cases_reported_at ON gridserver_archive.cases (reported_at);
COMMENT ON TABLE gridserver_archive.cases IS
    'Cases closed before the retention (GridServer:Retention:ClosedCasesAfter), moved whole from gridserver.cases; read only.';

CREATE TABLE gridserver_archive.case_events (LIKE gridserver.case_events INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE gridserver_archive.case_events ADD PRIMARY KEY (case_id, sequence);
COMMENT ON TABLE gridserver_archive.case_events IS 'The timelines of the archived cases, moved with them.';

CREATE TABLE gridserver_archive.notices (LIKE gridserver.notices INCLUDING DEFAULTS INCLUDING CONSTRAINTS);
ALTER TABLE gridserver_archive.notices ADD PRIMARY KEY (seq);
CREATE INDEX archive_notices_recipient ON gridserver_archive.notices (recipient, seq DESC);
COMMENT ON TABLE gridserver_archive.notices IS
    'Inbox notices older than the retention (GridServer:Retention:NoticesAfter), moved from gridserver.notices.';

-- What the archiver looks for, found without reading the live tables whole.
CREATE INDEX cases_closed_at ON gridserver.cases (closed_at) WHERE closed_at IS NOT NULL;
CREATE INDEX notices_at ON gridserver.notices USING brin (at);
