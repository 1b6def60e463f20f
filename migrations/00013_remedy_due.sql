-- +goose Up
-- A proposed remedy component is a draft the complainant never saw: it is
-- never overdue, so the sweeper's index leaves drafts out (see
-- grievance.overdueCandidates).
DROP INDEX remedy_components_due_idx;
CREATE INDEX remedy_components_due_idx ON remedy_components (due_at)
    WHERE overdue_at IS NULL AND reason_at IS NULL AND status NOT IN ('proposed', 'verified', 'declined');

-- +goose Down
DROP INDEX remedy_components_due_idx;
CREATE INDEX remedy_components_due_idx ON remedy_components (due_at)
    WHERE overdue_at IS NULL AND reason_at IS NULL AND status NOT IN ('verified', 'declined');
