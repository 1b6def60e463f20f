-- +goose Up
-- Issue 18, item 5: the staff case list pages newest first on
-- (submitted_at, id) (grievance.ListStatement). Filtered by an assignee or a
-- queue it read every case of that assignee or queue and sorted them all
-- for a page of 50: at 10,000,000 cases 200,000 of them an assignee's. Each
-- index now ends in the list's keyset, so a page walks the index from its
-- cursor and stops after 50 matching cases (BENCHMARKS.md, "reads at
-- scale"). The assignee index replaces the one on assignee_id alone (its
-- prefix serves what that did); the queue's is added next to cases_queue_idx
-- (queue_id, status), which counts a queue's open cases.
DROP INDEX cases_assignee_idx;
CREATE INDEX cases_assignee_idx ON cases (assignee_id, submitted_at DESC, id DESC) WHERE assignee_id IS NOT NULL;
CREATE INDEX cases_queue_list_idx ON cases (queue_id, submitted_at DESC, id DESC) WHERE queue_id IS NOT NULL;

-- +goose Down
DROP INDEX cases_queue_list_idx;
DROP INDEX cases_assignee_idx;
CREATE INDEX cases_assignee_idx ON cases (assignee_id) WHERE assignee_id IS NOT NULL;
