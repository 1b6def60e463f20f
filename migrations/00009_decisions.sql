-- +goose Up
-- Reasoned decisions: a human with authority looks again at what the AI
-- decided and says why. The rationale, the explanation and the signposting
-- are case content, sealed like descriptions (internal/platform/seal).
CREATE TABLE decisions (
    id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id               uuid NOT NULL REFERENCES cases (id),
    outcome               text NOT NULL CHECK (outcome IN ('upheld', 'overturned', 'modified', 'not_within_scope')),
    rationale_enc         bytea NOT NULL,
    explanation_enc       bytea,          -- {ai_role, main_factors, inputs, how_to_contest}
    signposting_enc       bytea,          -- where to go, for not_within_scope
    had_authority         boolean NOT NULL CHECK (had_authority),
    not_a_model_rerun     boolean NOT NULL CHECK (not_a_model_rerun),
    deployer_involvement  text NOT NULL CHECK (deployer_involvement IN ('caused', 'contributed', 'directly_linked', 'none')),
    provider_involvement  text NOT NULL CHECK (provider_involvement IN ('caused', 'contributed', 'directly_linked', 'none')),
    decided_by            uuid NOT NULL REFERENCES users (id),
    status                text NOT NULL CHECK (status IN ('pending_approval', 'final', 'refused')),
    approved_by           uuid REFERENCES users (id),
    reviewed_at           timestamptz,
    created_at            timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT decisions_four_eyes CHECK (approved_by IS NULL OR approved_by <> decided_by),
    CONSTRAINT decisions_signposted CHECK (outcome <> 'not_within_scope' OR signposting_enc IS NOT NULL)
);
CREATE INDEX decisions_case_idx ON decisions (case_id, created_at);
CREATE UNIQUE INDEX decisions_one_pending ON decisions (case_id) WHERE status = 'pending_approval';

-- +goose Down
DROP TABLE decisions;
