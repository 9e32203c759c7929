-- The follow-up (回访) of a closed case: the reporter's latest verdict (satisfied / basically satisfied / dissatisfied),
-- their comment, when, by whom and how it was taken (the reporting channel over Open311, or a dispatcher's call), kept
-- with the case (grains/Domain/Cases/CaseFollowUp.cs); every follow-up is also a FollowUp event of its timeline.
-- verdict is the evaluation fact (满意度) read with the others of V021; NULL: not followed up.

ALTER TABLE gridserver.cases
    ADD COLUMN follow_up jsonb,
    ADD COLUMN verdict   text CHECK (verdict IN ('Satisfied', 'BasicallySatisfied', 'Dissatisfied'));
