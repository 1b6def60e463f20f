-- +goose Up
-- Issue 19, item 1: how long a closed case's personal data is kept, legal
-- holds that suspend that, the complainant's request for erasure, and the
-- record of what each retention run did (docs/retention.md).

-- retention_schedules: per case kind (NULL: any kind) and ending, the days
-- a case's personal data is kept after it ended. The ending "referred" is a
-- case that reached an independent body, whatever its status; "any" is any
-- ended case. The most specific schedule that matches decides (its kind's
-- before any kind's; then referred, its status, any); a case no schedule
-- matches is kept.
CREATE TABLE retention_schedules (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind       text CHECK (kind IN ('contest_decision', 'explanation_request', 'concern', 'incident', 'retaliation')),
    ending     text NOT NULL CHECK (ending IN ('any', 'closed', 'withdrawn', 'rejected', 'referred')),
    keep_days  integer NOT NULL CHECK (keep_days BETWEEN 30 AND 36500),
    note       text CHECK (length(note) <= 500),
    updated_by uuid REFERENCES users (id),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT retention_schedules_one UNIQUE NULLS NOT DISTINCT (kind, ending)
);

-- legal_holds: a case that must be kept whatever the schedule or a request
-- says (a claim in court, an authority's order), until released or until
-- its date.
CREATE TABLE legal_holds (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id        uuid NOT NULL REFERENCES cases (id),
    reason         text NOT NULL CHECK (length(reason) BETWEEN 10 AND 2000),
    placed_by      uuid NOT NULL REFERENCES users (id),
    placed_at      timestamptz NOT NULL DEFAULT now(),
    until          date,
    released_by    uuid REFERENCES users (id),
    released_at    timestamptz,
    release_reason text CHECK (length(release_reason) <= 2000),
    CHECK ((released_at IS NULL) = (released_by IS NULL))
);
CREATE INDEX legal_holds_case_idx ON legal_holds (case_id) WHERE released_at IS NULL;

-- erasure_requests: the complainant asked for their case to be erased; it is
-- carried out when effective_at passes unless they cancel it first or staff
-- refuse it on a legal ground, which the complainant reads.
CREATE TABLE erasure_requests (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid NOT NULL REFERENCES cases (id),
    requested_at timestamptz NOT NULL DEFAULT now(),
    effective_at timestamptz NOT NULL,
    status       text NOT NULL CHECK (status IN ('pending', 'cancelled', 'refused', 'carried_out')),
    ground       text CHECK (ground IN ('open_referral', 'legal_hold', 'legal_claims', 'legal_obligation', 'public_interest')),
    -- the refusal's explanation to the complainant, sealed with the case's key
    note_enc     bytea,
    decided_by   uuid REFERENCES users (id),
    decided_at   timestamptz,
    CHECK ((status = 'refused') = (ground IS NOT NULL)),
    CHECK ((status = 'pending') = (decided_at IS NULL)),
    CHECK (effective_at > requested_at)
);
CREATE UNIQUE INDEX erasure_requests_pending_idx ON erasure_requests (case_id) WHERE status = 'pending';
CREATE INDEX erasure_requests_due_idx ON erasure_requests (effective_at) WHERE status = 'pending';

-- retention_runs: what each run did. A scheduled run takes its day, so of
-- several workers only one runs it.
CREATE TABLE retention_runs (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    trigger     text NOT NULL CHECK (trigger IN ('schedule', 'admin')),
    day         date NOT NULL,
    started_at  timestamptz NOT NULL DEFAULT now(),
    finished_at timestamptz,
    erased      integer NOT NULL DEFAULT 0,
    held        integer NOT NULL DEFAULT 0,
    requests    integer NOT NULL DEFAULT 0,
    corrected   integer NOT NULL DEFAULT 0,
    -- [{reference, action: erased|held|request|corrected, rule}]
    details     jsonb NOT NULL DEFAULT '[]'
);
CREATE UNIQUE INDEX retention_runs_day_idx ON retention_runs (day) WHERE trigger = 'schedule';

-- the ended cases a run looks at
CREATE INDEX cases_ended_idx ON cases (id) WHERE erased_at IS NULL AND status IN ('closed', 'withdrawn', 'rejected');

-- +goose Down
DROP INDEX cases_ended_idx;
DROP TABLE retention_runs;
DROP TABLE erasure_requests;
DROP TABLE legal_holds;
DROP TABLE retention_schedules;
