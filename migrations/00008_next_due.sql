-- +goose Up
-- Each case keeps its earliest running due date, so claim-next reads the
-- queue's cases in order from one index instead of sorting the whole queue
-- by a per-case lookup of its clocks (see BENCHMARKS.md, claim-next).
ALTER TABLE cases ADD COLUMN next_due_at timestamptz;
UPDATE cases c SET next_due_at = (SELECT min(k.due_at) FROM case_clocks k WHERE k.case_id = c.id AND k.satisfied_at IS NULL);

DROP INDEX cases_claim_idx;
CREATE INDEX cases_claim_idx ON cases (queue_id, priority, next_due_at, submitted_at)
    WHERE assignee_id IS NULL AND status IN ('submitted', 'acknowledged', 'in_review', 'appealed');

-- +goose Down
DROP INDEX cases_claim_idx;
CREATE INDEX cases_claim_idx ON cases (queue_id, priority, submitted_at)
    WHERE assignee_id IS NULL AND status IN ('submitted', 'acknowledged', 'in_review', 'appealed');
ALTER TABLE cases DROP COLUMN next_due_at;
