-- A bureau's address gazetteer (地理编码, CJ/T 215): door plates, buildings and places with their point (WGS 84), as
-- the bureau writes them. An import replaces the entries whole in one transaction; aliases (old street names, short
-- names) are kept apart and replaced whole too. gazetteer_state holds the one version every silo compares with the
-- gazetteer it serves.
--
-- cases.geocode: for a report that came with only an address, what the gazetteer made of it at intake (the position
-- taken from a sure match, or the candidates a dispatcher chooses from), as JSON. The archive's table takes the same
-- column, last, so that moving a case row whole (SELECT *) still lines up.

CREATE TABLE gridserver.gazetteer (
    entry_id text COLLATE "C" PRIMARY KEY CHECK (length(entry_id) BETWEEN 1 AND 200),
    address  text NOT NULL CHECK (length(address) BETWEEN 1 AND 2000),
    lon      double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    lat      double precision NOT NULL CHECK (lat BETWEEN -90 AND 90)
);

CREATE TABLE gridserver.gazetteer_aliases (
    alias text COLLATE "C" PRIMARY KEY CHECK (length(alias) BETWEEN 1 AND 200),
    name  text NOT NULL CHECK (length(name) BETWEEN 1 AND 200)
);

CREATE TABLE gridserver.gazetteer_state (
    one         boolean PRIMARY KEY DEFAULT true CHECK (one),
    version     bigint NOT NULL,
    imported_at timestamptz NOT NULL,
    imported_by text NOT NULL
);

ALTER TABLE gridserver.cases ADD COLUMN geocode jsonb;
ALTER TABLE gridserver_archive.cases ADD COLUMN geocode jsonb;
