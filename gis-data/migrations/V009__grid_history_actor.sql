-- Who changed the grids: every version records the credential subject that made it (changed_by) and, once it
-- ends, the one whose change ended it (ended_by: a redraw, a split, a merge, a replace, a retirement). NULL for
-- versions stored before this migration and for the embedded default's sample file.
ALTER TABLE gridserver.grid_history ADD COLUMN changed_by text, ADD COLUMN ended_by text;

-- "The district as of a date": the versions valid at an instant, by their validity.
CREATE INDEX grid_history_valid_period ON gridserver.grid_history (valid_from, valid_to);
