-- Orleans' own state in PostgreSQL: cluster membership, grain state and reminders, for the ADO.NET
-- providers Microsoft.Orleans.{Clustering,Persistence,Reminders}.AdoNet 10.4.2 (Invariant "Npgsql").
--
-- How the providers use this (the contract this file keeps):
-- - At start each provider runs exactly `SELECT QueryKey, QueryText FROM OrleansQuery` (unqualified,
--   hard-coded) and refuses to start unless every key it knows is there. So the query catalogue is
--   `public.orleansquery`, found through the default search_path; everything else lives in schema
--   `orleans` and is named schema-qualified in the query texts.
-- - The texts bind parameters by name (@DeploymentId, @GrainIdHash, ...) and the providers read result
--   columns by name, case-insensitively: the SELECTs alias our snake_case columns to those names.
-- - Writes that must be atomic or version-checked are functions with typed arguments, so a NULL
--   parameter (no ETag yet, no key extension) gets its type from the signature.
-- - Version checks return a value instead of raising: Orleans turns "not applied" into its own
--   refusal (InconsistentStateException for grain state, a retried round for membership).
-- Times are timestamptz (UTC instants).

CREATE SCHEMA IF NOT EXISTS orleans;

CREATE TABLE public.orleansquery (
    querykey   varchar(64) PRIMARY KEY,
    querytext  text NOT NULL
);
COMMENT ON TABLE public.orleansquery IS
    'Named SQL texts the Orleans ADO.NET providers load at start (see gis-data/migrations/V002__orleans.sql).';

-- ---------------------------------------------------------------------------------------------
-- Clustering (membership)
-- ---------------------------------------------------------------------------------------------

-- One row per cluster (Orleans' "deployment id" is the ClusterId). Its version is the membership
-- table's ETag: every change to a member row must name the version it read and bumps it by one.
CREATE TABLE orleans.membership_version (
    deployment_id  text PRIMARY KEY,
    version        integer NOT NULL DEFAULT 0,
    changed_at     timestamptz NOT NULL DEFAULT now()
);

-- One row per silo incarnation (address, port and generation identify it).
CREATE TABLE orleans.membership (
    deployment_id   text NOT NULL REFERENCES orleans.membership_version (deployment_id) ON DELETE CASCADE,
    address         text NOT NULL,
    port            integer NOT NULL,
    generation      integer NOT NULL,
    silo_name       text NOT NULL,
    host_name       text NOT NULL,
    status          integer NOT NULL,   -- Orleans.Runtime.SiloStatus (3 = Active, 6 = Dead)
    proxy_port      integer NOT NULL,   -- gateway port, 0 when the silo is no gateway
    suspect_times   text,               -- "silo,date|silo,date" as Orleans formats it
    start_time      timestamptz NOT NULL,
    i_am_alive_time timestamptz NOT NULL,
    PRIMARY KEY (deployment_id, address, port, generation)
);

CREATE FUNCTION orleans.insert_membership_version(p_deployment_id text)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO orleans.membership_version (deployment_id) VALUES (p_deployment_id)
    ON CONFLICT (deployment_id) DO NOTHING;
    RETURN FOUND;
END
$$;

-- Adds a silo row and bumps the table version, both or neither: false when the version is not the
-- one the caller read, or the silo row exists already.
CREATE FUNCTION orleans.insert_member(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_silo_name text, p_host_name text, p_status integer, p_proxy_port integer,
    p_start_time timestamptz, p_i_am_alive_time timestamptz, p_version integer)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orleans.membership_version
    SET version = version + 1, changed_at = now()
    WHERE deployment_id = p_deployment_id AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    BEGIN
        INSERT INTO orleans.membership (deployment_id, address, port, generation, silo_name, host_name,
                                        status, proxy_port, start_time, i_am_alive_time)
        VALUES (p_deployment_id, p_address, p_port, p_generation, p_silo_name, p_host_name,
                p_status, p_proxy_port, p_start_time, p_i_am_alive_time)
        ON CONFLICT DO NOTHING;
        IF NOT FOUND THEN
            -- undoes the version bump above (this block is a subtransaction)
            RAISE EXCEPTION USING ERRCODE = 'GS001', MESSAGE = 'membership row exists';
        END IF;
    EXCEPTION WHEN SQLSTATE 'GS001' THEN
        RETURN false;
    END;
    RETURN true;
END
$$;

-- Changes a silo row and bumps the table version, both or neither.
CREATE FUNCTION orleans.update_member(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_status integer, p_suspect_times text, p_i_am_alive_time timestamptz, p_version integer)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE orleans.membership_version
    SET version = version + 1, changed_at = now()
    WHERE deployment_id = p_deployment_id AND version = p_version;
    IF NOT FOUND THEN
        RETURN false;
    END IF;
    BEGIN
        UPDATE orleans.membership
        SET status = p_status, suspect_times = p_suspect_times, i_am_alive_time = p_i_am_alive_time
        WHERE deployment_id = p_deployment_id AND address = p_address
          AND port = p_port AND generation = p_generation;
        IF NOT FOUND THEN
            RAISE EXCEPTION USING ERRCODE = 'GS001', MESSAGE = 'no such membership row';
        END IF;
    EXCEPTION WHEN SQLSTATE 'GS001' THEN
        RETURN false;
    END;
    RETURN true;
END
$$;

-- The heartbeat: not versioned (Orleans expects it never to conflict).
CREATE FUNCTION orleans.update_i_am_alive(
    p_deployment_id text, p_address text, p_port integer, p_generation integer, p_i_am_alive_time timestamptz)
RETURNS void
LANGUAGE sql AS $$
    UPDATE orleans.membership
    SET i_am_alive_time = p_i_am_alive_time
    WHERE deployment_id = p_deployment_id AND address = p_address
      AND port = p_port AND generation = p_generation;
$$;

-- Removes one dead silo row, but only if it is still exactly what the caller read (its start,
-- heartbeat and suspicions), so a row that changed meanwhile survives.
CREATE FUNCTION orleans.delete_defunct_member(
    p_deployment_id text, p_address text, p_port integer, p_generation integer,
    p_suspect_times text, p_start_time timestamptz, p_i_am_alive_time timestamptz)
RETURNS void
LANGUAGE sql AS $$
    DELETE FROM orleans.membership
    WHERE deployment_id = p_deployment_id AND address = p_address
      AND port = p_port AND generation = p_generation
      AND status = 6
      AND start_time = p_start_time AND i_am_alive_time = p_i_am_alive_time
      AND suspect_times IS NOT DISTINCT FROM p_suspect_times;
$$;

-- ---------------------------------------------------------------------------------------------
-- Grain state
-- ---------------------------------------------------------------------------------------------

-- One row per (service, grain type, grain id). grain_id_n0/n1 hold a Guid or integer key, the
-- extension a string key or key extension. The hashes are what the provider computes from them;
-- they are stored, not used for lookups (the unique key below is the lookup).
CREATE TABLE orleans.grain_state (
    service_id          text NOT NULL,
    grain_type          text NOT NULL,
    grain_id_n0         bigint NOT NULL,
    grain_id_n1         bigint NOT NULL,
    grain_id_extension  text,
    grain_id_hash       integer NOT NULL,
    grain_type_hash     integer NOT NULL,
    payload             bytea,            -- NULL after a clear
    version             integer NOT NULL CHECK (version >= 1),
    modified_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT grain_state_key UNIQUE NULLS NOT DISTINCT
        (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension)
);

-- Writes a grain's state if the caller's version (its ETag) is the stored one, or, with no version,
-- if there is no row yet. Returns the new version, or the caller's version (possibly NULL) when
-- nothing was written, which the provider reports as InconsistentStateException.
CREATE FUNCTION orleans.write_grain_state(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_grain_type_hash integer,
    p_grain_type text, p_grain_id_extension text, p_service_id text, p_version integer, p_payload bytea)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_new integer;
BEGIN
    IF p_version IS NULL THEN
        INSERT INTO orleans.grain_state (service_id, grain_type, grain_id_n0, grain_id_n1, grain_id_extension,
                                         grain_id_hash, grain_type_hash, payload, version)
        VALUES (p_service_id, p_grain_type, p_grain_id_n0, p_grain_id_n1, p_grain_id_extension,
                p_grain_id_hash, p_grain_type_hash, p_payload, 1)
        ON CONFLICT ON CONSTRAINT grain_state_key DO NOTHING
        RETURNING version INTO v_new;
    ELSE
        UPDATE orleans.grain_state
        SET payload = p_payload, version = version + 1, modified_at = now()
        WHERE service_id = p_service_id AND grain_type = p_grain_type
          AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
          AND grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
          AND version = p_version
        RETURNING version INTO v_new;
    END IF;
    RETURN coalesce(v_new, p_version);
END
$$;

-- Clears a grain's state (keeps the row and its version history). Same return contract as writing.
CREATE FUNCTION orleans.clear_grain_state(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_grain_type_hash integer,
    p_grain_type text, p_grain_id_extension text, p_service_id text, p_version integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_new integer;
BEGIN
    UPDATE orleans.grain_state
    SET payload = NULL, version = version + 1, modified_at = now()
    WHERE service_id = p_service_id AND grain_type = p_grain_type
      AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
      AND grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
      AND version = p_version
    RETURNING version INTO v_new;
    RETURN coalesce(v_new, p_version);
END
$$;

-- Deletes a grain's row (AdoNetGrainStorageOptions.DeleteStateOnClear). Returns the version after
-- the stored one when deleted, else the caller's version.
CREATE FUNCTION orleans.delete_grain_state(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_grain_type_hash integer,
    p_grain_type text, p_grain_id_extension text, p_service_id text, p_version integer)
RETURNS integer
LANGUAGE plpgsql AS $$
DECLARE
    v_new integer;
BEGIN
    DELETE FROM orleans.grain_state
    WHERE service_id = p_service_id AND grain_type = p_grain_type
      AND grain_id_n0 = p_grain_id_n0 AND grain_id_n1 = p_grain_id_n1
      AND grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension
      AND version = p_version
    RETURNING version + 1 INTO v_new;
    RETURN coalesce(v_new, p_version);
END
$$;

CREATE FUNCTION orleans.read_grain_state(
    p_grain_id_hash integer, p_grain_id_n0 bigint, p_grain_id_n1 bigint, p_grain_type_hash integer,
    p_grain_type text, p_grain_id_extension text, p_service_id text)
RETURNS TABLE (payload bytea, version integer)
LANGUAGE sql STABLE AS $$
    SELECT s.payload, s.version
    FROM orleans.grain_state s
    WHERE s.service_id = p_service_id AND s.grain_type = p_grain_type
      AND s.grain_id_n0 = p_grain_id_n0 AND s.grain_id_n1 = p_grain_id_n1
      AND s.grain_id_extension IS NOT DISTINCT FROM p_grain_id_extension;
$$;

-- ---------------------------------------------------------------------------------------------
-- Reminders
-- ---------------------------------------------------------------------------------------------

-- grain_hash is the grain's uniform hash as a signed int: silos read the reminders of their own
-- range of the hash ring.
CREATE TABLE orleans.reminders (
    service_id     text NOT NULL,
    grain_id       text NOT NULL,
    reminder_name  text NOT NULL,
    start_time     timestamptz NOT NULL,
    period_ms      bigint NOT NULL CHECK (period_ms >= 0),
    grain_hash     integer NOT NULL,
    version        integer NOT NULL,
    PRIMARY KEY (service_id, grain_id, reminder_name)
);
CREATE INDEX reminders_ring ON orleans.reminders (service_id, grain_hash);

-- Inserts or replaces a reminder; returns its new version (the reminder's ETag).
CREATE FUNCTION orleans.upsert_reminder(
    p_service_id text, p_grain_hash integer, p_grain_id text, p_reminder_name text,
    p_start_time timestamptz, p_period_ms bigint)
RETURNS integer
LANGUAGE sql AS $$
    INSERT INTO orleans.reminders AS r (service_id, grain_id, reminder_name, start_time, period_ms, grain_hash, version)
    VALUES (p_service_id, p_grain_id, p_reminder_name, p_start_time, p_period_ms, p_grain_hash, 0)
    ON CONFLICT (service_id, grain_id, reminder_name) DO UPDATE
    SET start_time = excluded.start_time, period_ms = excluded.period_ms,
        grain_hash = excluded.grain_hash, version = r.version + 1
    RETURNING r.version;
$$;

-- Deletes a reminder if the caller's version (ETag) is the stored one.
CREATE FUNCTION orleans.delete_reminder(
    p_service_id text, p_grain_id text, p_reminder_name text, p_version integer)
RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM orleans.reminders
    WHERE service_id = p_service_id AND grain_id = p_grain_id
      AND reminder_name = p_reminder_name AND version = p_version;
    RETURN FOUND;
END
$$;

-- ---------------------------------------------------------------------------------------------
-- The query catalogue
-- ---------------------------------------------------------------------------------------------

INSERT INTO public.orleansquery (querykey, querytext) VALUES
-- Clustering
('InsertMembershipVersionKey',
 'SELECT orleans.insert_membership_version(@DeploymentId)'),
('InsertMembershipKey',
 'SELECT orleans.insert_member(@DeploymentId, @Address, @Port, @Generation, @SiloName, @HostName, @Status, @ProxyPort, @StartTime, @IAmAliveTime, @Version)'),
('UpdateMembershipKey',
 'SELECT orleans.update_member(@DeploymentId, @Address, @Port, @Generation, @Status, @SuspectTimes, @IAmAliveTime, @Version)'),
('UpdateIAmAlivetimeKey',
 'SELECT orleans.update_i_am_alive(@DeploymentId, @Address, @Port, @Generation, @IAmAliveTime)'),
-- The version row comes back even without a matching silo row: it carries the table ETag.
('MembershipReadRowKey',
 'SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
         m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
         m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime,
         v.version AS Version
  FROM orleans.membership_version v
  LEFT JOIN orleans.membership m
         ON m.deployment_id = v.deployment_id
        AND m.address = @Address AND m.port = @Port AND m.generation = @Generation
  WHERE v.deployment_id = @DeploymentId'),
('MembershipReadAllKey',
 'SELECT v.deployment_id AS DeploymentId, m.address AS Address, m.port AS Port, m.generation AS Generation,
         m.silo_name AS SiloName, m.host_name AS HostName, m.status AS Status, m.proxy_port AS ProxyPort,
         m.suspect_times AS SuspectTimes, m.start_time AS StartTime, m.i_am_alive_time AS IAmAliveTime,
         v.version AS Version
  FROM orleans.membership_version v
  LEFT JOIN orleans.membership m ON m.deployment_id = v.deployment_id
  WHERE v.deployment_id = @DeploymentId'),
('GatewaysQueryKey',
 'SELECT address AS Address, proxy_port AS ProxyPort, generation AS Generation
  FROM orleans.membership
  WHERE deployment_id = @DeploymentId AND status = @Status AND proxy_port > 0'),
('DeleteMembershipTableEntriesKey',
 'DELETE FROM orleans.membership_version WHERE deployment_id = @DeploymentId'),
-- Older cleanup by age alone; 10.4.2 still requires the key, and uses CleanupDefunctSiloEntryKey.
('CleanupDefunctSiloEntriesKey',
 'DELETE FROM orleans.membership
  WHERE deployment_id = @DeploymentId AND i_am_alive_time < @IAmAliveTime AND status = 6'),
('CleanupDefunctSiloEntryKey',
 'SELECT orleans.delete_defunct_member(@DeploymentId, @Address, @Port, @Generation, @SuspectTimes, @StartTime, @IAmAliveTime)'),
-- Grain state
('ReadFromStorageKey',
 'SELECT payload AS PayloadBinary, version AS Version
  FROM orleans.read_grain_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId)'),
('WriteToStorageKey',
 'SELECT orleans.write_grain_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary) AS NewGrainStateVersion'),
('ClearStorageKey',
 'SELECT orleans.clear_grain_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion) AS NewGrainStateVersion'),
('DeleteStorageKey',
 'SELECT orleans.delete_grain_state(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash, @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion) AS NewGrainStateVersion'),
-- Reminders
('UpsertReminderRowKey',
 'SELECT orleans.upsert_reminder(@ServiceId, @GrainHash, @GrainId, @ReminderName, @StartTime, @Period) AS Version'),
('DeleteReminderRowKey',
 'SELECT orleans.delete_reminder(@ServiceId, @GrainId, @ReminderName, @Version)'),
('DeleteReminderRowsKey',
 'DELETE FROM orleans.reminders WHERE service_id = @ServiceId'),
('ReadReminderRowKey',
 'SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM orleans.reminders
  WHERE service_id = @ServiceId AND grain_id = @GrainId AND reminder_name = @ReminderName'),
('ReadReminderRowsKey',
 'SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM orleans.reminders
  WHERE service_id = @ServiceId AND grain_id = @GrainId'),
-- A silo's ring range (BeginHash, EndHash]: Rows1 when it does not wrap in signed order, Rows2 when it does.
('ReadRangeRows1Key',
 'SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM orleans.reminders
  WHERE service_id = @ServiceId AND grain_hash > @BeginHash AND grain_hash <= @EndHash'),
('ReadRangeRows2Key',
 'SELECT grain_id AS GrainId, reminder_name AS ReminderName, start_time AS StartTime, period_ms AS Period, version AS Version
  FROM orleans.reminders
  WHERE service_id = @ServiceId AND (grain_hash > @BeginHash OR grain_hash <= @EndHash)');
