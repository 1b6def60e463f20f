-- +goose Up
-- Triage: severity in three dimensions, each with its rationale, the
-- priority that follows by the maximum rule and why, and downgrades that wait
-- for a second person's approval.
ALTER TABLE case_classifications
    ADD COLUMN scale_rationale            text,
    ADD COLUMN scope_rationale            text,
    ADD COLUMN irremediability_rationale  text,
    ADD COLUMN priority_reasons           jsonb NOT NULL DEFAULT '[]';

ALTER TABLE cases
    ADD COLUMN pending_priority        text CHECK (pending_priority IN ('P0', 'P1', 'P2', 'P3')),
    ADD COLUMN pending_priority_by     uuid REFERENCES users (id),
    ADD COLUMN pending_priority_reason text,
    ADD CONSTRAINT cases_pending_priority_named CHECK ((pending_priority IS NULL) = (pending_priority_by IS NULL));

-- +goose Down
ALTER TABLE cases DROP CONSTRAINT cases_pending_priority_named, DROP COLUMN pending_priority_reason,
    DROP COLUMN pending_priority_by, DROP COLUMN pending_priority;
ALTER TABLE case_classifications DROP COLUMN priority_reasons, DROP COLUMN irremediability_rationale,
    DROP COLUMN scope_rationale, DROP COLUMN scale_rationale;
