-- Cases as rows, for search and statistics: a projection the case grains write after every accepted
-- change (grains/Storage/Cases/PostgisCaseProjection.cs). The source of truth stays the grain's own
-- state in orleans.grain_state (an opaque payload no query can read); these tables can lag behind it
-- and are caught up by the grain's next change, but never run ahead of it. Nothing but the grains
-- writes here.
-- Coordinates are lon/lat, EPSG:4326. Times are timestamptz (UTC instants). State, action and post
-- names are the domain's enum names (CaseState, CaseAction, DispatchPost), stored as text so that
-- renumbering an enum never misreads a row.

-- One row per case, as it stands now. Codes and ids are COLLATE "C" (byte-wise), as grid codes are in
-- V001, so that ordering and equality agree with the server's ordinal comparisons.
CREATE TABLE gridserver.cases (
    case_id       text COLLATE "C" PRIMARY KEY,
    matter        text NOT NULL,
    state         text NOT NULL,
    grid_code     text COLLATE "C",            -- null: the report lies in no grid
    squad_id      text COLLATE "C",
    officer_id    text COLLATE "C",
    post          text,                        -- A, B or Leader: whom the dispatch rule chose; null until then
    reporter_id   text NOT NULL,
    description   text,
    geom          geometry(Point, 4326) NOT NULL,
    accept_by     timestamptz,                 -- the running deadlines; null where none runs
    handle_by     timestamptz,
    verify_by     timestamptz,
    supervised    boolean NOT NULL,
    rework_count  integer NOT NULL CHECK (rework_count >= 0),
    reported_at   timestamptz NOT NULL,        -- the first event of the timeline
    updated_at    timestamptz NOT NULL,        -- the last event of the timeline
    closed_at     timestamptz,                 -- when it reached Closed or Void; null while open
    -- The sequence of the newest event written with this row: a late, older write never overwrites a
    -- newer row (the upsert compares it).
    last_sequence integer NOT NULL CHECK (last_sequence >= 1)
);
COMMENT ON TABLE gridserver.cases IS
    'Projection of the case grains for queries; the truth is the grain state (see gis-data/migrations/V003__cases.sql).';

-- The searches the command center and the statistics make: by area, by grid, by squad or officer, by
-- matter and state, by reporting period.
CREATE INDEX cases_geom_gist ON gridserver.cases USING gist (geom);
CREATE INDEX cases_grid_code ON gridserver.cases (grid_code);
CREATE INDEX cases_squad_id ON gridserver.cases (squad_id);
CREATE INDEX cases_officer_id ON gridserver.cases (officer_id);
CREATE INDEX cases_matter ON gridserver.cases (matter);
CREATE INDEX cases_state ON gridserver.cases (state);
CREATE INDEX cases_reported_at ON gridserver.cases (reported_at);

-- Every step of every case's timeline. Events are only ever appended, so (case_id, sequence) is their
-- identity: writing the same event twice is a no-op (ON CONFLICT DO NOTHING), which is what lets a
-- grain resend its whole unprojected tail after a failure. Deleting a case row deletes its events.
CREATE TABLE gridserver.case_events (
    case_id    text COLLATE "C" NOT NULL REFERENCES gridserver.cases (case_id) ON DELETE CASCADE,
    sequence   integer NOT NULL CHECK (sequence >= 1),
    at         timestamptz NOT NULL,
    actor_id   text NOT NULL,
    action     text NOT NULL,
    from_state text NOT NULL,
    to_state   text NOT NULL,
    note       text,
    evidence   text[] NOT NULL DEFAULT '{}',   -- references (photo ids, URLs), never the files
    PRIMARY KEY (case_id, sequence)
);
COMMENT ON TABLE gridserver.case_events IS
    'Projection of the case timelines for queries; appended by the case grains, never rewritten.';

-- Statistics by period ("what happened last week") read events by time across all cases.
CREATE INDEX case_events_at ON gridserver.case_events (at);
