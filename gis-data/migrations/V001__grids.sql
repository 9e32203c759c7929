-- Unit grids: the current boundary of every grid, and every version it ever had.
-- Coordinates are lon/lat, EPSG:4326. Areas are square metres computed by the importer in a
-- projected CRS (never in degrees).
CREATE EXTENSION IF NOT EXISTS postgis;
CREATE SCHEMA IF NOT EXISTS gridserver;

CREATE TABLE gridserver.grids (
    code            text COLLATE "C" PRIMARY KEY,
    name            text NOT NULL,
    street_code     text COLLATE "C",
    street_name     text,
    community_code  text COLLATE "C",
    community_name  text,
    geom            geometry(Geometry, 4326) NOT NULL
                    CHECK (GeometryType(geom) IN ('POLYGON', 'MULTIPOLYGON')),
    area_m2         double precision NOT NULL CHECK (area_m2 >= 0),
    version         integer NOT NULL CHECK (version >= 1),
    valid_from      timestamptz NOT NULL
);
CREATE INDEX grids_geom_gist ON gridserver.grids USING gist (geom);

-- Every version of every grid, the current one included (valid_to IS NULL while current).
CREATE TABLE gridserver.grid_history (
    code            text COLLATE "C" NOT NULL,
    version         integer NOT NULL,
    name            text NOT NULL,
    street_code     text COLLATE "C",
    street_name     text,
    community_code  text COLLATE "C",
    community_name  text,
    geom            geometry(Geometry, 4326) NOT NULL,
    area_m2         double precision NOT NULL,
    valid_from      timestamptz NOT NULL,
    valid_to        timestamptz,
    PRIMARY KEY (code, version),
    CHECK (valid_to IS NULL OR valid_to >= valid_from)
);
CREATE INDEX grid_history_geom_gist ON gridserver.grid_history USING gist (geom);
CREATE INDEX grid_history_valid ON gridserver.grid_history (code, valid_from, valid_to);

-- The tie-break rule, the same as the in-memory index (GridIndex): among the grids that cover a
-- point (ST_Covers: a point on a boundary counts), the one with the lowest code in ordinal
-- (byte-wise, COLLATE "C") order wins.
CREATE FUNCTION gridserver.locate(lon double precision, lat double precision)
RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT g.code
    FROM gridserver.grids g
    WHERE ST_Covers(g.geom, ST_SetSRID(ST_MakePoint(lon, lat), 4326))
    ORDER BY g.code COLLATE "C"
    LIMIT 1
$$;
