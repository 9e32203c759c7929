-- The change log of V006 keeps the last 1,000 revisions, not every one for ever (a 50,000-grid import alone adds
-- 50,000 rows). Nothing else is needed for safety: a silo that fell further behind than the window finds
-- revisions without rows, which already means "load everything" (as after a TRUNCATE).
CREATE OR REPLACE FUNCTION gridserver.bump_grid_revision() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    v_revision bigint;
BEGIN
    IF EXISTS (SELECT 1 FROM changed) THEN
        UPDATE gridserver.grid_revision SET revision = revision + 1 RETURNING revision INTO v_revision;
        INSERT INTO gridserver.grid_changes (revision, code) SELECT DISTINCT v_revision, code FROM changed;
        DELETE FROM gridserver.grid_changes WHERE revision <= v_revision - 1000;
    END IF;
    RETURN NULL;
END
$$;
