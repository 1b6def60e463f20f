-- +goose Up
-- Issue 16, item 1: a recorded request for information to the AI system's
-- provider, with its own clock.

-- Where the provider of an AI system is reached.
ALTER TABLE ai_systems ADD COLUMN provider_email text CHECK (length(provider_email) BETWEEN 3 AND 254);

-- A request for information sent to a case's AI system's provider. The
-- questions and the answer are sealed ("provider_request.questions:<id>",
-- "provider_request.answer:<id>"); the request is a task on the case with its
-- own clock (case_clocks 'provider_request:<id>') ended by the answer.
CREATE TABLE provider_requests (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id         uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    ai_system_id    uuid NOT NULL REFERENCES ai_systems (id),
    sent_to         text NOT NULL CHECK (length(sent_to) BETWEEN 3 AND 254),
    questions_enc   bytea NOT NULL,
    due_at          timestamptz NOT NULL,
    requested_by    uuid NOT NULL REFERENCES users (id),
    created_at      timestamptz NOT NULL DEFAULT now(),
    answer_enc      bytea,
    answered_by     uuid REFERENCES users (id),
    answered_at     timestamptz,
    CONSTRAINT provider_requests_answered CHECK ((answer_enc IS NULL) = (answered_at IS NULL)
        AND (answered_at IS NULL) = (answered_by IS NULL))
);
CREATE INDEX provider_requests_case_idx ON provider_requests (case_id, created_at, id);

-- Each request's clock is named after it (body items' clocks stay allowed).
ALTER TABLE case_clocks DROP CONSTRAINT case_clocks_clock_check;
ALTER TABLE case_clocks ADD CONSTRAINT case_clocks_clock_check CHECK (clock IN ('acknowledge', 'first_response',
    'decision', 'feedback', 'remedy', 'gdpr_reply', 'incident_report', 'appeal', 'provider_notice',
    'suspension_decision') OR clock ~ '^body_item:[0-9a-f-]{36}$' OR clock ~ '^provider_request:[0-9a-f-]{36}$');

-- The provider's address is written to.
ALTER TABLE notifications_sent DROP CONSTRAINT notifications_sent_recipient_kind_check,
    ADD CONSTRAINT notifications_sent_recipient_kind_check CHECK (recipient_kind IN ('complainant', 'staff', 'body', 'provider'));

-- +goose Down
DELETE FROM notifications_sent WHERE recipient_kind = 'provider';
ALTER TABLE notifications_sent DROP CONSTRAINT notifications_sent_recipient_kind_check,
    ADD CONSTRAINT notifications_sent_recipient_kind_check CHECK (recipient_kind IN ('complainant', 'staff', 'body'));
DELETE FROM case_clocks WHERE clock LIKE 'provider_request:%';
ALTER TABLE case_clocks DROP CONSTRAINT case_clocks_clock_check;
ALTER TABLE case_clocks ADD CONSTRAINT case_clocks_clock_check CHECK (clock IN ('acknowledge', 'first_response',
    'decision', 'feedback', 'remedy', 'gdpr_reply', 'incident_report', 'appeal', 'provider_notice',
    'suspension_decision') OR clock ~ '^body_item:[0-9a-f-]{36}$');
DROP TABLE provider_requests;
ALTER TABLE ai_systems DROP COLUMN provider_email;
