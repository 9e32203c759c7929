-- The audit log of changes (操作审计): every change an operator, dispatcher or other credential asked for through the
-- API (grids, squads and members, rosters and absences, responsibilities, liaisons, webhooks, credentials, reference
-- data, modules, templates), who asked, from where, when, what was sent and what the server answered, secrets masked
-- (grains/Domain/Audit/AuditLog.cs, silo/Access/AuditTrail.cs). Appended to only: the trigger below refuses every
-- UPDATE, DELETE and TRUNCATE, whoever asks, so a change cannot be hidden by editing its entry.

CREATE TABLE gridserver.audit_log (
    seq     bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at      timestamptz NOT NULL,
    actor   text COLLATE "C" NOT NULL,
    role    text NOT NULL,
    action  text NOT NULL,               -- the route: PUT /api/squads/{id}/leader
    target  text COLLATE "C" NOT NULL,   -- the path: /api/squads/SQ-1/leader
    status  smallint NOT NULL,
    request text,
    result  text,
    client  text
);
CREATE INDEX audit_log_target ON gridserver.audit_log (target text_pattern_ops, seq DESC);
CREATE INDEX audit_log_actor ON gridserver.audit_log (actor, seq DESC);
CREATE INDEX audit_log_at ON gridserver.audit_log (at);

CREATE FUNCTION gridserver.audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only: % is refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$;
CREATE TRIGGER audit_log_no_update BEFORE UPDATE OR DELETE ON gridserver.audit_log
    FOR EACH ROW EXECUTE FUNCTION gridserver.audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON gridserver.audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION gridserver.audit_log_append_only();
