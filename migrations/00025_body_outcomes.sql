-- +goose Up
-- Issue 16, item 4: bodies' outcomes followed through.

-- What a body decided when it closed a referral: findings, orders and
-- recommendations. An order or recommendation has a deadline and is a task
-- on the case with its own clock (case_clocks 'body_item:<id>'); the case
-- cannot close while one is open or awaits verification. Staff record
-- compliance with evidence, a second person verifies it; or the body records
-- that it is settled. Texts are sealed ("referral.item:<id>", ".evidence",
-- ".settled").
CREATE TABLE referral_outcome_items (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referral_id     uuid NOT NULL REFERENCES referrals (id),
    case_id         uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    position        int NOT NULL CHECK (position BETWEEN 1 AND 50),
    kind            text NOT NULL CHECK (kind IN ('finding', 'order', 'recommendation')),
    text_enc        bytea NOT NULL,
    due_at          timestamptz,
    status          text NOT NULL CHECK (status IN ('noted', 'open', 'awaiting_verification', 'complied', 'settled')),
    evidence_enc    bytea,
    evidence_ref    text CHECK (length(evidence_ref) BETWEEN 1 AND 500),
    complied_by     uuid REFERENCES users (id),
    complied_at     timestamptz,
    verified_by     uuid REFERENCES users (id),
    verified_at     timestamptz,
    settled_by      uuid REFERENCES users (id),
    settled_at      timestamptz,
    settled_enc     bytea,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (referral_id, position),
    -- A finding is noted and has no deadline; an order or recommendation has one.
    CONSTRAINT referral_outcome_items_due CHECK ((kind = 'finding') = (due_at IS NULL)
        AND (kind = 'finding') = (status = 'noted')),
    CONSTRAINT referral_outcome_items_complied CHECK ((complied_at IS NULL) = (complied_by IS NULL)
        AND (complied_at IS NULL) = (evidence_enc IS NULL)
        AND (status NOT IN ('noted', 'open') OR complied_at IS NULL)
        AND (status NOT IN ('awaiting_verification', 'complied') OR complied_at IS NOT NULL)),
    CONSTRAINT referral_outcome_items_verified CHECK ((verified_at IS NULL) = (verified_by IS NULL)
        AND (status = 'complied') = (verified_at IS NOT NULL)),
    -- Verified by a second person.
    CONSTRAINT referral_outcome_items_four_eyes CHECK (verified_by IS NULL OR verified_by <> complied_by),
    CONSTRAINT referral_outcome_items_settled CHECK ((settled_at IS NULL) = (settled_by IS NULL)
        AND (settled_at IS NULL) = (settled_enc IS NULL) AND (status = 'settled') = (settled_at IS NOT NULL))
);
CREATE INDEX referral_outcome_items_case_idx ON referral_outcome_items (case_id) WHERE status IN ('open', 'awaiting_verification');

-- Each order's clock is named after it.
ALTER TABLE case_clocks DROP CONSTRAINT case_clocks_clock_check;
ALTER TABLE case_clocks ADD CONSTRAINT case_clocks_clock_check CHECK (clock IN ('acknowledge', 'first_response',
    'decision', 'feedback', 'remedy', 'gdpr_reply', 'incident_report', 'appeal', 'provider_notice',
    'suspension_decision') OR clock ~ '^body_item:[0-9a-f-]{36}$');

-- A body's message may be addressed to the complainant, who may answer it.
ALTER TABLE referral_messages DROP CONSTRAINT referral_messages_author_kind_check,
    ADD CONSTRAINT referral_messages_author_kind_check CHECK (author_kind IN ('body', 'organisation', 'complainant')),
    ALTER COLUMN author_id DROP NOT NULL,
    ADD CONSTRAINT referral_messages_author CHECK ((author_kind = 'complainant') = (author_id IS NULL)),
    ADD COLUMN to_complainant boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT referral_messages_to_complainant CHECK (NOT to_complainant OR author_kind = 'body');

-- Courts, legal aid and trade unions: places to signpost, never to deliver to.
ALTER TABLE bodies DROP CONSTRAINT bodies_type_check,
    ADD CONSTRAINT bodies_type_check CHECK (type IN ('market_surveillance_authority', 'data_protection_authority',
        'equality_body', 'labour_inspectorate', 'ombudsman', 'national_human_rights_institution',
        'oecd_national_contact_point', 'consumer_adr_body', 'sectoral_regulator',
        'external_whistleblowing_channel', 'court', 'legal_aid', 'trade_union')),
    ADD COLUMN signpost_only boolean NOT NULL DEFAULT false,
    ADD CONSTRAINT bodies_signpost_types CHECK (signpost_only OR type NOT IN ('court', 'legal_aid', 'trade_union'));

-- A systemic issue referred to a body as a whole: the issue and its cases'
-- non-identifying summary (no references, no words of the complainants),
-- sealed ("systemic_referral.summary:<id>", ".reason").
CREATE TABLE systemic_referrals (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    systemic_issue_id  uuid NOT NULL REFERENCES systemic_issues (id),
    body_id            uuid NOT NULL REFERENCES bodies (id),
    requested_by       uuid NOT NULL REFERENCES users (id),
    legal_basis        text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
    reason_enc         bytea NOT NULL,
    summary_enc        bytea NOT NULL,
    case_count         integer NOT NULL CHECK (case_count >= 0),
    first_opened_at    timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    UNIQUE (systemic_issue_id, body_id)
);
CREATE INDEX systemic_referrals_body_idx ON systemic_referrals (body_id, created_at DESC, id DESC);

-- +goose Down
DROP TABLE systemic_referrals;
ALTER TABLE bodies DROP CONSTRAINT bodies_signpost_types, DROP COLUMN signpost_only;
DELETE FROM bodies WHERE type IN ('court', 'legal_aid', 'trade_union');
ALTER TABLE bodies DROP CONSTRAINT bodies_type_check,
    ADD CONSTRAINT bodies_type_check CHECK (type IN ('market_surveillance_authority', 'data_protection_authority',
        'equality_body', 'labour_inspectorate', 'ombudsman', 'national_human_rights_institution',
        'oecd_national_contact_point', 'consumer_adr_body', 'sectoral_regulator',
        'external_whistleblowing_channel'));
DELETE FROM referral_messages WHERE author_kind = 'complainant';
ALTER TABLE referral_messages DROP CONSTRAINT referral_messages_to_complainant, DROP COLUMN to_complainant,
    DROP CONSTRAINT referral_messages_author, ALTER COLUMN author_id SET NOT NULL,
    DROP CONSTRAINT referral_messages_author_kind_check,
    ADD CONSTRAINT referral_messages_author_kind_check CHECK (author_kind IN ('body', 'organisation'));
DELETE FROM case_clocks WHERE clock LIKE 'body_item:%';
ALTER TABLE case_clocks DROP CONSTRAINT case_clocks_clock_check;
ALTER TABLE case_clocks ADD CONSTRAINT case_clocks_clock_check CHECK (clock IN ('acknowledge', 'first_response',
    'decision', 'feedback', 'remedy', 'gdpr_reply', 'incident_report', 'appeal', 'provider_notice',
    'suspension_decision'));
DROP TABLE referral_outcome_items;
