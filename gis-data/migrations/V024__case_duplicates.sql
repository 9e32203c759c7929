-- Duplicates (重复件): a report of the same matter near an open case, shortly after it, is linked to that case instead of
-- being dispatched (grains/Domain/Cases/MatterPolicies.cs, DuplicateRule). duplicate_of: the case a duplicate is linked
-- to, while it is (a dispatcher may unlink it); duplicates: the links a case holds (id, the duplicate's reporting
-- channel, when), whose channels hear when the case ends. State 'Duplicate' is an ended state: closed_at is set.

ALTER TABLE gridserver.cases
    ADD COLUMN duplicate_of text COLLATE "C",
    ADD COLUMN duplicates   jsonb;

CREATE INDEX cases_duplicate_of ON gridserver.cases (duplicate_of) WHERE duplicate_of IS NOT NULL;
