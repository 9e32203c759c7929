-- The bureau's named coordinate systems (local:NAME): a base system (EPSG code or WKT), the datum shift its data needs
-- (3 or 7 TOWGS84 parameters), and for a city's independent grid four plane parameters. Checked whole by the server
-- before they are written (grains/Domain/Geo/CrsDefinition.cs); grids keep WGS 84, so a changed or removed
-- definition moves nothing stored.

CREATE TABLE gridserver.crs_definitions (
    name        text COLLATE "C" PRIMARY KEY CHECK (name ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
    base        text NOT NULL,
    to_wgs84    double precision[] CHECK (to_wgs84 IS NULL OR cardinality(to_wgs84) IN (3, 7)),
    plane       double precision[] CHECK (plane IS NULL OR cardinality(plane) = 4),
    description text,
    changed_by  text NOT NULL,
    changed_at  timestamptz NOT NULL
);
