-- +goose Up
-- The burden of proof (issue 16, item 1; docs/review.md, "The burden of proof").
--
-- A decision that confirms the AI's decision answers each point of view the
-- complainant raised: the answers are sealed with the decision, as
-- [{point_id, answer}].
ALTER TABLE decisions ADD COLUMN answers_enc bytea;

-- Evidence the organisation discloses to the complainant: a version a person
-- redacted of third parties' data. The text shown is sealed; the redactions
-- (what was removed and why) are sealed too and stay with staff. A disclosure
-- is added, never changed: a new one replaces what the complainant sees.
CREATE TABLE evidence_disclosures (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id       uuid NOT NULL REFERENCES cases (id),
    evidence_id   uuid NOT NULL REFERENCES evidence (id),
    text_enc      bytea NOT NULL,
    redactions_enc bytea NOT NULL,
    redactions    integer NOT NULL CHECK (redactions BETWEEN 0 AND 100),
    disclosed_by  uuid NOT NULL REFERENCES users (id),
    disclosed_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_disclosures_case_idx ON evidence_disclosures (case_id, evidence_id, disclosed_at DESC);

-- +goose Down
DROP TABLE evidence_disclosures;
ALTER TABLE decisions DROP COLUMN answers_enc;
