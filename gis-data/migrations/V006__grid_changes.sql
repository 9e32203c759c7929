-- Which grids each revision changed, so a silo can bring its index up to date from the changes alone instead
-- of loading every grid again (a district of 50,000 grids takes seconds to load and index; a redraw is one grid).
-- Written by the same statement triggers that bump the revision (V004): one row per grid a statement really
-- inserted, updated or deleted. A revision with no rows here (TRUNCATE) tells the silos to load everything.
CREATE TABLE gridserver.grid_changes (
    revision    bigint NOT NULL,
    code        text COLLATE "C" NOT NULL,
    PRIMARY KEY (revision, code)
);

CREATE OR REPLACE FUNCTION gridserver.bump_grid_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_revision bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE gridserver.grid_revision SET revision = revision + 1 RETURNING revision INTO v_revision;
        INSERT INTO gridserver.grid_changes (revision, code) SELECT DISTINCT v_revision, code FROM changed;
    END IF;
    RETURN NULL;
END
$$;
