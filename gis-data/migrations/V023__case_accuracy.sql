-- Reports near a grid edge: the accuracy the reporter's device gave for its position (metres), and the grids that
-- accuracy's circle touches when it touches more than one (the case is then ambiguous: the exact rule dispatched it to
-- the grid covering the point, and the command center may move it to another candidate). NULL: not given / not ambiguous.
-- Evaluation counts the ambiguous reports of each grid: many of them are a sign that a boundary runs along a street.

ALTER TABLE gridserver.cases
    ADD COLUMN accuracy_m      double precision CHECK (accuracy_m >= 0),
    ADD COLUMN candidate_grids text[] COLLATE "C";
