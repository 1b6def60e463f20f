-- +goose Up
-- Human review, remedies, appeals, closure and learning (issue #4).
-- Case content (the AI decision record, points of view, evidence, remedy
-- descriptions, comments, reasons) is sealed like descriptions
-- (internal/platform/seal); hashes, codes, dates and amounts stay clear so the
-- database can check and count them.

-- The contested AI decision as the reviewer established it: one per case,
-- replaced as the review learns more (each version lands in the case record).
CREATE TABLE ai_decision_records (
    case_id           uuid PRIMARY KEY REFERENCES cases (id),
    system_version    text NOT NULL CHECK (length(system_version) BETWEEN 1 AND 200),
    record_enc        bytea NOT NULL,      -- {inputs: [...], output, oversight_detail}
    solely_automated  boolean NOT NULL,
    human_oversight   text NOT NULL CHECK (human_oversight IN ('none', 'nominal', 'meaningful')),
    person_informed   text NOT NULL CHECK (person_informed IN ('yes', 'no', 'unsure')),
    recorded_by       uuid NOT NULL REFERENCES users (id),
    recorded_at       timestamptz NOT NULL DEFAULT now()
);

-- The complainant's point of view, heard by the reviewer (audi alteram partem).
CREATE TABLE points_of_view (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid NOT NULL REFERENCES cases (id),
    heard_via    text NOT NULL CHECK (heard_via IN ('in_writing', 'call', 'meeting', 'representative')),
    heard_at     timestamptz NOT NULL,
    summary_enc  bytea NOT NULL,
    recorded_by  uuid NOT NULL REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX points_of_view_case_idx ON points_of_view (case_id, heard_at);

-- Evidence: the file sealed, its SHA-256 (of the plaintext) in the clear so a
-- dossier can cite it and anyone holding the file can check it.
CREATE TABLE evidence (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid NOT NULL REFERENCES cases (id),
    sha256       bytea NOT NULL CHECK (length(sha256) = 32),
    size_bytes   bigint NOT NULL CHECK (size_bytes BETWEEN 1 AND 26214400),
    media_type   text NOT NULL CHECK (length(media_type) BETWEEN 3 AND 255),
    meta_enc     bytea NOT NULL,           -- {filename, description}
    content_enc  bytea NOT NULL,
    source       text NOT NULL CHECK (source IN ('complainant', 'organisation', 'deployer', 'provider', 'third_party')),
    added_by     uuid REFERENCES users (id),
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_case_idx ON evidence (case_id, created_at);

-- Decisions: a first decision or the decision on an appeal, which always
-- signposts the independent bodies; final_at is when it became final.
ALTER TABLE decisions
    ADD COLUMN stage     text NOT NULL DEFAULT 'first' CHECK (stage IN ('first', 'appeal')),
    ADD COLUMN final_at  timestamptz,
    ADD CONSTRAINT decisions_appeal_signposted CHECK (stage <> 'appeal' OR signposting_enc IS NOT NULL);
UPDATE decisions SET final_at = COALESCE(reviewed_at, created_at) WHERE status = 'final';
CREATE INDEX decisions_final_idx ON decisions (final_at) WHERE status = 'final';

-- Appeals and closure on the case itself.
ALTER TABLE cases
    -- Reviewers who may not take the case again: whoever decided or approved
    -- a decision on it, once it is appealed.
    ADD COLUMN excluded_reviewers  uuid[] NOT NULL DEFAULT '{}',
    ADD COLUMN appeal_by           timestamptz,   -- the window for appealing closes
    ADD COLUMN appeal_window_rule  jsonb,         -- sla.Rule that set appeal_by
    ADD COLUMN appealed_at         timestamptz,
    ADD COLUMN appeal_reason_enc   bytea,
    ADD COLUMN appeal_state        text CHECK (appeal_state IN ('open', 'decided')),
    ADD COLUMN root_cause          text CHECK (root_cause IN ('data', 'model', 'threshold', 'process', 'human_error', 'none')),
    ADD COLUMN closed_at           timestamptz,
    ADD CONSTRAINT cases_appeal_dated CHECK (appeal_state IS NULL OR appealed_at IS NOT NULL);

-- The appeal has its own clock.
ALTER TABLE case_clocks DROP CONSTRAINT case_clocks_clock_check;
ALTER TABLE case_clocks ADD CONSTRAINT case_clocks_clock_check CHECK (clock IN ('acknowledge', 'first_response',
    'decision', 'feedback', 'remedy', 'gdpr_reply', 'incident_report', 'appeal'));

-- How long after a decision (or a refusal to take a case forward) the
-- complainant may appeal (sla.AppealWindow).
ALTER TABLE sla_policies ADD COLUMN appeal_window jsonb NOT NULL DEFAULT
    '{"code":"policy_appeal_window","source":"SLA policy","period":"30 days from the decision","unit":"calendar_days","amount":30}';
-- The default policy decides appeals within 7 (P0), 14 (P1) or 30 days (P2, P3).
UPDATE sla_policies SET tiers = (
    SELECT jsonb_object_agg(t.prio, t.limits || jsonb_build_array(jsonb_build_object(
        'code', 'policy_appeal', 'source', 'SLA policy',
        'period', (CASE t.prio WHEN 'P0' THEN 7 WHEN 'P1' THEN 14 ELSE 30 END) || ' days from the appeal',
        'clock', 'appeal', 'unit', 'calendar_days',
        'amount', CASE t.prio WHEN 'P0' THEN 7 WHEN 'P1' THEN 14 ELSE 30 END,
        'from', 'appealed', 'pausable', true)))
      FROM jsonb_each(tiers) AS t (prio, limits))
 WHERE slug = 'eu-default';

-- Systemic issues: cases about one AI system and one failure, linked by staff.
CREATE SEQUENCE systemic_issue_seq;
CREATE TABLE systemic_issues (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reference     text NOT NULL UNIQUE DEFAULT 'SI-' || lpad(nextval('systemic_issue_seq')::text, 5, '0'),
    ai_system_id  uuid NOT NULL REFERENCES ai_systems (id),
    mechanism     text NOT NULL CHECK (mechanism IN ('erroneous_output', 'biased_output', 'no_explanation',
                    'no_human_oversight', 'not_informed', 'data_error', 'outside_intended_purpose', 'surveillance',
                    'manipulation', 'security_breach', 'retaliation')),
    title         text NOT NULL CHECK (length(title) BETWEEN 3 AND 200),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 20000),
    status        text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'resolved')),
    alert_id      uuid,
    created_by    uuid NOT NULL REFERENCES users (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz,
    CONSTRAINT systemic_issues_resolved_dated CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
);
ALTER SEQUENCE systemic_issue_seq OWNED BY systemic_issues.reference;
CREATE INDEX systemic_issues_system_idx ON systemic_issues (ai_system_id, created_at DESC);

CREATE TABLE systemic_issue_cases (
    issue_id   uuid NOT NULL REFERENCES systemic_issues (id),
    case_id    uuid NOT NULL REFERENCES cases (id),
    linked_by  uuid NOT NULL REFERENCES users (id),
    linked_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issue_id, case_id)
);
CREATE INDEX systemic_issue_cases_case_idx ON systemic_issue_cases (case_id);

-- When enough cases about one AI system open within a window, supervisors are
-- alerted: the input to human-rights due diligence and the FRIA review.
ALTER TABLE ai_systems
    ADD COLUMN alert_threshold     integer NOT NULL DEFAULT 5 CHECK (alert_threshold BETWEEN 2 AND 100000),
    ADD COLUMN alert_window_hours  integer NOT NULL DEFAULT 720 CHECK (alert_window_hours BETWEEN 1 AND 8784);
CREATE TABLE systemic_alerts (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    ai_system_id     uuid NOT NULL REFERENCES ai_systems (id),
    case_count       integer NOT NULL CHECK (case_count >= 1),
    threshold        integer NOT NULL,
    window_hours     integer NOT NULL,
    window_from      timestamptz NOT NULL,
    window_to        timestamptz NOT NULL,
    case_ids         uuid[] NOT NULL,
    raised_at        timestamptz NOT NULL DEFAULT now(),
    acknowledged_by  uuid REFERENCES users (id),
    acknowledged_at  timestamptz
);
CREATE INDEX systemic_alerts_system_idx ON systemic_alerts (ai_system_id, raised_at DESC);
ALTER TABLE systemic_issues ADD CONSTRAINT systemic_issues_alert_fkey FOREIGN KEY (alert_id) REFERENCES systemic_alerts (id);

-- Remedy bundles: for one case, or for a systemic issue (guarantees of
-- non-repetition that apply to every linked case).
CREATE TABLE remedy_bundles (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id            uuid REFERENCES cases (id),
    systemic_issue_id  uuid REFERENCES systemic_issues (id),
    decision_id        uuid REFERENCES decisions (id),
    proposed_by        uuid NOT NULL REFERENCES users (id),
    created_at         timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT remedy_bundles_one_owner CHECK ((case_id IS NULL) <> (systemic_issue_id IS NULL))
);
CREATE INDEX remedy_bundles_case_idx ON remedy_bundles (case_id) WHERE case_id IS NOT NULL;
CREATE INDEX remedy_bundles_issue_idx ON remedy_bundles (systemic_issue_id) WHERE systemic_issue_id IS NOT NULL;

-- The legal moves of a remedy component; remedy.Transitions must equal this
-- table (a test checks) and the trigger below refuses any other move.
CREATE TABLE remedy_transitions (
    from_status text NOT NULL,
    to_status   text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO remedy_transitions (from_status, to_status) VALUES
    ('proposed', 'offered'), ('offered', 'accepted'), ('offered', 'declined'),
    ('accepted', 'implemented'), ('offered', 'implemented'), ('implemented', 'verified');

CREATE TABLE remedy_components (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    bundle_id           uuid NOT NULL REFERENCES remedy_bundles (id),
    position            smallint NOT NULL CHECK (position >= 0),
    form                text NOT NULL CHECK (form IN ('restitution', 'compensation', 'rehabilitation', 'satisfaction',
                                                      'non_repetition')),
    subtype             text NOT NULL CHECK (subtype ~ '^[a-z_]{2,40}$'),
    description_enc     bytea NOT NULL,
    responsible         text NOT NULL CHECK (responsible IN ('deployer', 'provider', 'other')),
    responsible_name    text CHECK (length(responsible_name) BETWEEN 1 AND 200),
    amount              numeric(14, 2) CHECK (amount > 0),
    currency            text CHECK (currency ~ '^[A-Z]{3}$'),
    due_at              timestamptz NOT NULL,
    status              text NOT NULL DEFAULT 'proposed' CHECK (status IN ('proposed', 'offered', 'accepted', 'declined',
                                                                         'implemented', 'verified')),
    offered_at          timestamptz,
    responded_at        timestamptz,
    response_enc        bytea,             -- the complainant's comment
    implemented_at      timestamptz,
    implemented_by      uuid REFERENCES users (id),
    verified_at         timestamptz,
    verified_by         uuid REFERENCES users (id),
    evidence_enc        bytea,             -- [{status, note, evidence_ids}] as recorded
    reason_enc          bytea,             -- why it will not be verified (declined, impossible, …)
    reason_by           uuid REFERENCES users (id),
    reason_at           timestamptz,
    overdue_at          timestamptz,       -- its own clock ran out before it was verified
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bundle_id, position),
    CONSTRAINT remedy_components_compensation_amount CHECK (form <> 'compensation' OR amount IS NOT NULL),
    CONSTRAINT remedy_components_amount_currency CHECK ((amount IS NULL) = (currency IS NULL)),
    CONSTRAINT remedy_components_other_named CHECK ((responsible = 'other') = (responsible_name IS NOT NULL)),
    CONSTRAINT remedy_components_verified_by_another CHECK (verified_by IS NULL OR verified_by <> implemented_by),
    CONSTRAINT remedy_components_reasoned CHECK ((reason_enc IS NULL) = (reason_at IS NULL)),
    -- Only a guarantee of non-repetition is implemented without the
    -- complainant's acceptance: it is owed to everyone, not offered to one.
    CONSTRAINT remedy_components_accepted_first CHECK
        (status NOT IN ('implemented', 'verified') OR form = 'non_repetition' OR responded_at IS NOT NULL)
);
-- The sweeper finds components whose own clock ran out.
CREATE INDEX remedy_components_due_idx ON remedy_components (due_at)
    WHERE overdue_at IS NULL AND reason_at IS NULL AND status NOT IN ('verified', 'declined');

-- +goose StatementBegin
CREATE FUNCTION remedy_components_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
        SELECT 1 FROM remedy_transitions WHERE from_status = OLD.status AND to_status = NEW.status) THEN
        RAISE EXCEPTION 'illegal remedy status transition % -> %', OLD.status, NEW.status
            USING ERRCODE = 'check_violation', CONSTRAINT = 'remedy_components_status_transition';
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER remedy_components_transition BEFORE UPDATE ON remedy_components
    FOR EACH ROW EXECUTE FUNCTION remedy_components_check_transition();

-- The complainant's rating of the process, asked for on closure.
CREATE TABLE case_feedback (
    case_id       uuid PRIMARY KEY REFERENCES cases (id),
    satisfaction  smallint NOT NULL CHECK (satisfaction BETWEEN 1 AND 5),
    comment_enc   bytea,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE case_feedback;
DROP TRIGGER remedy_components_transition ON remedy_components;
DROP FUNCTION remedy_components_check_transition();
DROP TABLE remedy_components;
DROP TABLE remedy_transitions;
DROP TABLE remedy_bundles;
ALTER TABLE systemic_issues DROP CONSTRAINT systemic_issues_alert_fkey;
DROP TABLE systemic_alerts;
ALTER TABLE ai_systems DROP COLUMN alert_window_hours, DROP COLUMN alert_threshold;
DROP TABLE systemic_issue_cases;
DROP TABLE systemic_issues;
UPDATE sla_policies SET tiers = (
    SELECT jsonb_object_agg(t.prio, (SELECT COALESCE(jsonb_agg(l), '[]') FROM jsonb_array_elements(t.limits) l
                                      WHERE l->>'clock' <> 'appeal'))
      FROM jsonb_each(tiers) AS t (prio, limits));
ALTER TABLE sla_policies DROP COLUMN appeal_window;
DELETE FROM case_clocks WHERE clock = 'appeal';
ALTER TABLE case_clocks DROP CONSTRAINT case_clocks_clock_check;
ALTER TABLE case_clocks ADD CONSTRAINT case_clocks_clock_check CHECK (clock IN ('acknowledge', 'first_response',
    'decision', 'feedback', 'remedy', 'gdpr_reply', 'incident_report'));
ALTER TABLE cases DROP CONSTRAINT cases_appeal_dated, DROP COLUMN closed_at, DROP COLUMN root_cause,
    DROP COLUMN appeal_state, DROP COLUMN appeal_reason_enc, DROP COLUMN appealed_at, DROP COLUMN appeal_window_rule,
    DROP COLUMN appeal_by, DROP COLUMN excluded_reviewers;
DROP INDEX decisions_final_idx;
ALTER TABLE decisions DROP CONSTRAINT decisions_appeal_signposted, DROP COLUMN final_at, DROP COLUMN stage;
DROP TABLE evidence;
DROP TABLE points_of_view;
DROP TABLE ai_decision_records;
