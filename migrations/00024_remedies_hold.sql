-- +goose Up
-- Remedies that hold (issue 16, items 2 and 3; docs/architecture.md, "Remedies that hold").
--
-- An offer's conditions (what the complainant is asked to do) are kept apart
-- from its description (what the organisation will do), sealed, and need a
-- second person's approval before the component is offered.
ALTER TABLE remedy_components
    ADD COLUMN conditions_enc          bytea,
    ADD COLUMN conditions_approved_by  uuid REFERENCES users (id),
    ADD COLUMN conditions_approved_at  timestamptz,
    -- A component the complainant has seen (offered, accepted, implemented)
    -- is withdrawn only when a second person approves the reason: the
    -- request waits in pending_reason_*; once approved the reason moves to
    -- reason_* with reason_approved_by, and withdrawn is set. A withdrawn
    -- component never counts as a remedy met.
    ADD COLUMN pending_reason_enc      bytea,
    ADD COLUMN pending_reason_by       uuid REFERENCES users (id),
    ADD COLUMN pending_reason_at       timestamptz,
    ADD COLUMN reason_approved_by      uuid REFERENCES users (id),
    ADD COLUMN withdrawn               boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT remedy_components_conditions_approved CHECK
        (conditions_enc IS NULL OR status = 'proposed' OR conditions_approved_by IS NOT NULL),
    ADD CONSTRAINT remedy_components_conditions_approved_at CHECK
        ((conditions_approved_by IS NULL) = (conditions_approved_at IS NULL)),
    ADD CONSTRAINT remedy_components_pending_reason CHECK
        ((pending_reason_enc IS NULL) = (pending_reason_by IS NULL) AND (pending_reason_by IS NULL) = (pending_reason_at IS NULL)),
    ADD CONSTRAINT remedy_components_withdrawal_by_another CHECK
        (reason_approved_by IS NULL OR reason_approved_by <> reason_by),
    ADD CONSTRAINT remedy_components_withdrawn_approved CHECK (NOT withdrawn OR reason_approved_by IS NOT NULL);

-- An overturned or modified decision owes restitution: a restitution
-- component, or this exemption, asked for with a reason by one person and
-- approved by another. One per decision.
CREATE TABLE restitution_exemptions (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id       uuid NOT NULL REFERENCES cases (id),
    decision_id   uuid NOT NULL UNIQUE REFERENCES decisions (id),
    reason_enc    bytea NOT NULL,
    requested_by  uuid NOT NULL REFERENCES users (id),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    approved_by   uuid REFERENCES users (id),
    approved_at   timestamptz,
    CONSTRAINT restitution_exemptions_by_another CHECK (approved_by IS NULL OR approved_by <> requested_by),
    CONSTRAINT restitution_exemptions_approved_at CHECK ((approved_by IS NULL) = (approved_at IS NULL))
);
CREATE INDEX restitution_exemptions_case_idx ON restitution_exemptions (case_id);

-- +goose Down
DROP TABLE restitution_exemptions;
ALTER TABLE remedy_components
    DROP CONSTRAINT remedy_components_withdrawn_approved,
    DROP CONSTRAINT remedy_components_withdrawal_by_another,
    DROP CONSTRAINT remedy_components_pending_reason,
    DROP CONSTRAINT remedy_components_conditions_approved_at,
    DROP CONSTRAINT remedy_components_conditions_approved,
    DROP COLUMN withdrawn,
    DROP COLUMN reason_approved_by,
    DROP COLUMN pending_reason_at,
    DROP COLUMN pending_reason_by,
    DROP COLUMN pending_reason_enc,
    DROP COLUMN conditions_approved_at,
    DROP COLUMN conditions_approved_by,
    DROP COLUMN conditions_enc;
