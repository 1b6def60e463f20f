-- +goose Up
-- Issue #5: independent bodies, referrals and their signed dossiers, the
-- bodies' portal, and identities disclosed after the fact.

-- The register of independent bodies a case can go to (GET /api/v1/bodies).
CREATE TABLE bodies (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug          text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name          text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    type          text NOT NULL CHECK (type IN ('market_surveillance_authority', 'data_protection_authority',
                      'equality_body', 'labour_inspectorate', 'ombudsman', 'national_human_rights_institution',
                      'oecd_national_contact_point', 'consumer_adr_body', 'sectoral_regulator',
                      'external_whistleblowing_channel')),
    -- ISO 3166-1 alpha-2, optionally with an ISO 3166-2 subdivision (FR, DE-BY), EU or INT.
    jurisdiction  text NOT NULL CHECK (jurisdiction ~ '^([A-Z]{2}(-[A-Z0-9]{1,3})?|EU|INT)$'),
    -- The laws it acts under, e.g. 'GDPR art. 77'; the first is a referral's default.
    legal_bases   text[] NOT NULL CHECK (cardinality(legal_bases) BETWEEN 1 AND 20),
    -- What it needs in a referral, in plain words.
    requirements  text NOT NULL DEFAULT '' CHECK (length(requirements) <= 4000),
    description   text NOT NULL DEFAULT '' CHECK (length(description) <= 4000),
    website       text CHECK (website ~ '^https://' AND length(website) <= 500),
    languages     text[] NOT NULL DEFAULT '{}',
    -- How it receives a referral: its users' portal, a signed webhook, email.
    portal        boolean NOT NULL DEFAULT false,
    email         text CHECK (email = lower(email) AND email LIKE '%_@_%' AND length(email) <= 320),
    active        boolean NOT NULL DEFAULT true,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- A body's webhook is an endpoint of its own: it gets its referrals, never
-- the organisation's event stream.
ALTER TABLE webhook_endpoints ADD COLUMN body_id uuid UNIQUE REFERENCES bodies (id);

-- A body's users see only the referrals to their body.
ALTER TABLE users ADD COLUMN body_id uuid REFERENCES bodies (id),
    ADD CONSTRAINT users_body_role CHECK (body_id IS NULL OR role = 'body');
CREATE INDEX users_body_idx ON users (body_id) WHERE body_id IS NOT NULL;

-- Ed25519 keys that sign dossiers; the public halves are served at
-- /.well-known/redress-signing-key, retired ones too, so old dossiers verify.
CREATE TABLE signing_keys (
    id               text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{8,64}$'),
    public_key       bytea NOT NULL CHECK (length(public_key) = 32),
    private_key_enc  bytea NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    retired_at       timestamptz
);
CREATE UNIQUE INDEX signing_keys_one_current ON signing_keys ((true)) WHERE retired_at IS NULL;

-- A referral of a case to a body: who asked, why, under what legal basis,
-- with what consent, and the dossier as signed and sent (sealed at rest).
CREATE TABLE referrals (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id            uuid NOT NULL REFERENCES cases (id),
    body_id            uuid NOT NULL REFERENCES bodies (id),
    source             text NOT NULL CHECK (source IN ('complainant', 'staff', 'sla_breach', 'incident')),
    requested_by       uuid REFERENCES users (id),
    reason_enc         bytea NOT NULL,
    legal_basis        text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
    consent_scope      text NOT NULL CHECK (consent_scope IN ('identity_shared', 'identity_withheld', 'anonymous')),
    status             text NOT NULL DEFAULT 'sent' CHECK (status IN ('sent', 'received', 'investigating',
                           'information_requested', 'closed')),
    outcome_enc        bytea,
    status_at          timestamptz NOT NULL DEFAULT now(),
    key_id             text NOT NULL REFERENCES signing_keys (id),
    dossier_enc        bytea NOT NULL,
    dossier_sha256     bytea NOT NULL CHECK (length(dossier_sha256) = 32),
    dossier_signature  bytea NOT NULL CHECK (length(dossier_signature) = 64),
    pdf_enc            bytea NOT NULL,
    pdf_sha256         bytea NOT NULL CHECK (length(pdf_sha256) = 32),
    pdf_signature      bytea NOT NULL CHECK (length(pdf_signature) = 64),
    redactions         jsonb NOT NULL DEFAULT '[]',
    first_opened_at    timestamptz,
    created_at         timestamptz NOT NULL DEFAULT now(),
    closed_at          timestamptz,
    CONSTRAINT referrals_closed CHECK ((status = 'closed') = (closed_at IS NOT NULL)),
    CONSTRAINT referrals_outcome CHECK (status <> 'closed' OR outcome_enc IS NOT NULL),
    -- Who asked: staff have a user; the complainant and the system do not.
    CONSTRAINT referrals_requested_by CHECK ((source = 'staff') = (requested_by IS NOT NULL))
);
-- One open referral of a case to a body at a time.
CREATE UNIQUE INDEX referrals_open_once ON referrals (case_id, body_id) WHERE status <> 'closed';
CREATE INDEX referrals_body_idx ON referrals (body_id, created_at DESC, id DESC);
CREATE INDEX referrals_case_idx ON referrals (case_id);

-- The statuses a body moves a referral through; a trigger refuses the rest.
CREATE TABLE referral_transitions (
    from_status  text NOT NULL,
    to_status    text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO referral_transitions VALUES
    ('sent', 'received'), ('sent', 'investigating'), ('sent', 'information_requested'), ('sent', 'closed'),
    ('received', 'investigating'), ('received', 'information_requested'), ('received', 'closed'),
    ('investigating', 'information_requested'), ('investigating', 'closed'),
    ('information_requested', 'investigating'), ('information_requested', 'closed');

-- +goose StatementBegin
CREATE FUNCTION referrals_check_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status AND NOT EXISTS (
        SELECT 1 FROM referral_transitions WHERE from_status = OLD.status AND to_status = NEW.status) THEN
        RAISE EXCEPTION 'referral % cannot go from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
    END IF;
    IF NEW.dossier_enc IS DISTINCT FROM OLD.dossier_enc OR NEW.pdf_enc IS DISTINCT FROM OLD.pdf_enc
       OR NEW.dossier_signature IS DISTINCT FROM OLD.dossier_signature OR NEW.consent_scope IS DISTINCT FROM OLD.consent_scope
       OR NEW.case_id IS DISTINCT FROM OLD.case_id OR NEW.body_id IS DISTINCT FROM OLD.body_id THEN
        RAISE EXCEPTION 'a referral''s dossier, consent, case and body never change' USING ERRCODE = 'check_violation';
    END IF;
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER referrals_status BEFORE UPDATE ON referrals FOR EACH ROW EXECUTE FUNCTION referrals_check_status();

-- Messages between a body and the organisation about a referral (sealed).
CREATE TABLE referral_messages (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referral_id  uuid NOT NULL REFERENCES referrals (id),
    author_kind  text NOT NULL CHECK (author_kind IN ('body', 'organisation')),
    author_id    uuid NOT NULL REFERENCES users (id),
    body_enc     bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX referral_messages_referral_idx ON referral_messages (referral_id, created_at);

-- Revealing an identity to a body after the fact (Directive 2019/1937
-- art. 16): a legal basis, notice to the complainant first, and a second
-- person's approval; then a signed addendum goes to the body.
CREATE TABLE identity_disclosures (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    referral_id         uuid NOT NULL REFERENCES referrals (id),
    legal_basis         text NOT NULL CHECK (length(legal_basis) BETWEEN 1 AND 500),
    reason_enc          bytea NOT NULL,
    requested_by        uuid NOT NULL REFERENCES users (id),
    requested_at        timestamptz NOT NULL DEFAULT now(),
    notice_at           timestamptz NOT NULL,
    approved_by         uuid REFERENCES users (id),
    approved_at         timestamptz,
    key_id              text REFERENCES signing_keys (id),
    addendum_enc        bytea,
    addendum_signature  bytea CHECK (length(addendum_signature) = 64),
    CONSTRAINT identity_disclosures_notice_first CHECK (notice_at <= coalesce(approved_at, notice_at)),
    CONSTRAINT identity_disclosures_four_eyes CHECK (approved_by IS NULL OR approved_by <> requested_by),
    CONSTRAINT identity_disclosures_approved CHECK ((approved_at IS NULL) = (approved_by IS NULL)
        AND (approved_at IS NULL) = (addendum_enc IS NULL) AND (addendum_enc IS NULL) = (addendum_signature IS NULL))
);
-- One disclosure per referral: once made, it cannot be made again.
CREATE UNIQUE INDEX identity_disclosures_once ON identity_disclosures (referral_id);

-- A request by policy (a missed statutory deadline, a P0 incident) names the
-- referral it became, or stays open when no body of the right type is registered.
ALTER TABLE escalation_requests ADD COLUMN referral_id uuid REFERENCES referrals (id),
    ADD COLUMN body_type text;

-- A body's webhook deliveries name their referral (the referral's delivery log).
ALTER TABLE webhook_deliveries ADD COLUMN referral_id uuid REFERENCES referrals (id);
CREATE INDEX webhook_deliveries_referral_idx ON webhook_deliveries (referral_id) WHERE referral_id IS NOT NULL;

-- A body receives its referral by email too: notifications_sent knows bodies.
ALTER TABLE notifications_sent DROP CONSTRAINT notifications_sent_recipient_kind_check,
    ADD CONSTRAINT notifications_sent_recipient_kind_check CHECK (recipient_kind IN ('complainant', 'staff', 'body'));

-- +goose Down
ALTER TABLE notifications_sent DROP CONSTRAINT notifications_sent_recipient_kind_check,
    ADD CONSTRAINT notifications_sent_recipient_kind_check CHECK (recipient_kind IN ('complainant', 'staff'));
ALTER TABLE escalation_requests DROP COLUMN body_type, DROP COLUMN referral_id;
ALTER TABLE webhook_deliveries DROP COLUMN referral_id;
DROP TABLE identity_disclosures;
DROP TABLE referral_messages;
DROP TRIGGER referrals_status ON referrals;
DROP FUNCTION referrals_check_status();
DROP TABLE referral_transitions;
DROP TABLE referrals;
DROP TABLE signing_keys;
DROP INDEX users_body_idx;
ALTER TABLE users DROP CONSTRAINT users_body_role, DROP COLUMN body_id;
ALTER TABLE webhook_endpoints DROP COLUMN body_id;
DROP TABLE bodies;
