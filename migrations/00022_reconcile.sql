-- +goose Up
-- Lost events (issue 15, item 5; docs/architecture.md, "Reconciler").
--
-- The worker's reconciler looks for cases submitted more than a bound ago
-- that are still not routed, and puts their case.submitted event back
-- through the outbox. The partial index keeps that look cheap: it holds only
-- cases not yet routed. A case's case.submitted row in the outbox is found
-- by its case id, so the event goes back under its original id (the
-- consumers key on it: a late original is not acted on twice).
CREATE INDEX cases_unrouted_idx ON cases (submitted_at) WHERE routed_at IS NULL;
CREATE INDEX outbox_case_submitted_idx ON outbox ((payload ->> 'case_id')) WHERE subject = 'redress.case.submitted';

-- One row per case the reconciler republished: how often, the event id it
-- used (the original's, or one of its own when the original row is gone, the
-- same at every attempt), and when it may try again (the wait doubles).
CREATE TABLE case_reconciliations (
    case_id        uuid PRIMARY KEY REFERENCES cases (id),
    attempts       integer NOT NULL CHECK (attempts > 0),
    event_id       uuid NOT NULL,
    original_lost  boolean NOT NULL,
    first_at       timestamptz NOT NULL,
    last_at        timestamptz NOT NULL,
    next_at        timestamptz NOT NULL
);

-- +goose Down
DROP TABLE case_reconciliations;
DROP INDEX outbox_case_submitted_idx;
DROP INDEX cases_unrouted_idx;
