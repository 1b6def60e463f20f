-- +goose Up
-- Issue 18, item 5: the last page of a sparse filter. A keyset page stops
-- after 51 matching cases, so on the last page of a filter that few cases
-- match PostgreSQL reads its index to the end of the leading filter's range:
-- one assignee's open P0 cases, 440 among that assignee's 200,000 at
-- 10,000,000 cases, read 166,628 cases for 0.6-1.4 s (BENCHMARKS.md, "reads
-- at scale"). Staff filter on the statuses of cases still being worked on
-- (the open statuses, or everything not ended), and those are few: 8% of
-- the cases at 10,000,000. These indexes hold only them, in the list's order,
-- so a filter on them reads at most the active cases of its assignee, its
-- queue or the whole list. grievance.ListStatement writes the statuses as
-- constants, so that even a prepared statement's generic plan can prove
-- that they imply the indexes' predicate.
CREATE INDEX cases_active_list_idx ON cases (submitted_at DESC, id DESC)
    WHERE status NOT IN ('closed', 'withdrawn', 'rejected');
CREATE INDEX cases_active_assignee_idx ON cases (assignee_id, submitted_at DESC, id DESC)
    WHERE status NOT IN ('closed', 'withdrawn', 'rejected') AND assignee_id IS NOT NULL;
CREATE INDEX cases_active_queue_idx ON cases (queue_id, submitted_at DESC, id DESC)
    WHERE status NOT IN ('closed', 'withdrawn', 'rejected') AND queue_id IS NOT NULL;

-- +goose Down
DROP INDEX cases_active_queue_idx;
DROP INDEX cases_active_assignee_idx;
DROP INDEX cases_active_list_idx;
