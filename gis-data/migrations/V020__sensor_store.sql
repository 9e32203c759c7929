-- The sensor store: a sensor subject (a parking bay, a dust monitor's site) becomes a small row, rewritten at each
-- step, and each reading a row of its own, appended once (grains/Storage/Sensors/PostgisSensorStore.cs), many
-- subjects' steps in one transaction. Until V020 a subject was one Orleans grain state holding every reading in its
-- module's window, rewritten whole at every batch; the server reads such a state once, writes it here and clears it.

CREATE TABLE gridserver.sensor_subjects (
    module            text        NOT NULL,   -- the duty module's folder
    subject           text        NOT NULL,   -- what the module named: a bay, a site
    -- How many writes this row holds; a write must find the version before its own (another activation's write is
    -- refused, never overwritten).
    version           bigint      NOT NULL CHECK (version >= 1),
    memo              text,                   -- the module's own note on the subject, handed back at each evaluation
    episode_case_id   text,                   -- the case the open episode opened, if any
    episode_opened_at timestamptz,
    recheck_at        timestamptz,            -- when the module asked to be called again without new readings
    episodes          integer     NOT NULL DEFAULT 0 CHECK (episodes >= 0),
    last_error        text,                   -- why the last evaluation did not happen (module gone, faulted)
    updated_at        timestamptz NOT NULL,
    PRIMARY KEY (module, subject)
);

CREATE TABLE gridserver.sensor_readings (
    module    text        NOT NULL,
    subject   text        NOT NULL,
    at        timestamptz NOT NULL,           -- when the sensor took it
    sensor_id text        NOT NULL,
    kind      text        NOT NULL,
    lon       float8      NOT NULL,
    lat       float8      NOT NULL,
    vals      jsonb       NOT NULL,           -- named values: {"occupied": 1}, {"pm10": 182.5}
    PRIMARY KEY (module, subject, at, sensor_id)
);

-- Readings are pruned by age, in bulk, by every silo (GridServer:Sensors:ReadingRetention): a block range index on the
-- time costs almost nothing to keep up on an append-mostly table.
CREATE INDEX sensor_readings_at ON gridserver.sensor_readings USING brin (at);
