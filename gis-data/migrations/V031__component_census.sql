-- A bureau's component census (部件普查): each component with its CJ/T 214 class (C0102 污水井盖), the department
-- that owns and maintains it (权属单位), how to reach it, and its point (WGS 84). A report about a component is routed
-- to its owner. An import replaces the census whole in one transaction; component_census_state holds the version
-- every silo compares with the census it serves.

CREATE TABLE gridserver.component_census (
    component_id text COLLATE "C" PRIMARY KEY CHECK (length(component_id) BETWEEN 1 AND 200),
    class_code   text NOT NULL CHECK (class_code ~ '^C[0-9]{2}([0-9]{2})?$'),
    owner        text NOT NULL CHECK (length(owner) BETWEEN 1 AND 200),
    name         text,
    contact      text,
    lon          double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat          double precision NOT NULL CHECK (lat BETWEEN -90 AND 90)
);

CREATE TABLE gridserver.component_census_state (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    version     bigint NOT NULL,
    imported_at timestamptz NOT NULL,
    imported_by text NOT NULL
);
