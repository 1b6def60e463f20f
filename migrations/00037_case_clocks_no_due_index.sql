-- +goose Up
-- Issue 18: case_clocks_due_idx (due_at) WHERE satisfied_at IS NULL held every
-- running clock, and nothing reads clocks by due date across cases any more
-- (the sweep reads case_clocks_fire_idx, the claim and the lists the case's
-- next_due_at). What it did was tempt the planner: every statement on one
-- case's running clocks states satisfied_at IS NULL, and with statistics
-- taken when few clocks ran, PostgreSQL walked this index, all the running
-- clocks of every case, to find one case's (BENCHMARKS.md, "routing a case
-- no longer reads the backlog"; TestSettingOneCasesClocksReadsOnlyItsClocks).
-- Without it those statements read the primary key (case_id, clock), and
-- every clock written maintains one index fewer.
DROP INDEX case_clocks_due_idx;

-- +goose Down
CREATE INDEX case_clocks_due_idx ON case_clocks (due_at) WHERE satisfied_at IS NULL;
