-- The grid revision: one number that grows whenever the current grids change, by whatever means (the
-- cluster's grid directory, `grids import`, or SQL typed by hand). Every silo keeps an in-memory index of
-- gridserver.grids and rebuilds it when the revision it was built from is no longer the newest.
CREATE TABLE gridserver.grid_revision (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    revision    bigint NOT NULL CHECK (revision >= 0)
);
INSERT INTO gridserver.grid_revision (revision) SELECT count(*) FROM gridserver.grid_history;

-- Statement-level triggers with transition tables: one bump per statement that really changed rows, not
-- one per row (an import of 50,000 grids bumps once), and none for a statement that changed nothing. The
-- row update also makes concurrent writers of grids take turns on this one row until they commit.
CREATE FUNCTION gridserver.bump_grid_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE gridserver.grid_revision SET revision = revision + 1;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER grids_inserted AFTER INSERT ON gridserver.grids
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION gridserver.bump_grid_revision();
CREATE TRIGGER grids_updated AFTER UPDATE ON gridserver.grids
    REFERENCING NEW TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION gridserver.bump_grid_revision();
CREATE TRIGGER grids_deleted AFTER DELETE ON gridserver.grids
    REFERENCING OLD TABLE AS changed FOR EACH STATEMENT EXECUTE FUNCTION gridserver.bump_grid_revision();

-- TRUNCATE has no transition table: it always counts as a change.
CREATE FUNCTION gridserver.bump_grid_revision_truncated() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE gridserver.grid_revision SET revision = revision + 1;
    RETURN NULL;
END
$$;
CREATE TRIGGER grids_truncated AFTER TRUNCATE ON gridserver.grids
    FOR EACH STATEMENT EXECUTE FUNCTION gridserver.bump_grid_revision_truncated();
