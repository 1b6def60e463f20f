-- +goose Up
-- Redress foundation: the register, users, queues, cases and their
-- classification, messages, clocks, the hash-chained case record, the outbox,
-- idempotency keys and the worker's processed-event record.
-- Sensitive text (descriptions, contact details, messages) is stored only as
-- AES-256-GCM ciphertext in *_enc bytea columns (see internal/platform/seal).

CREATE TABLE ai_systems (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug             text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    provider         text NOT NULL CHECK (length(provider) BETWEEN 1 AND 200),
    version          text NOT NULL DEFAULT '',
    purpose          text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 2000),
    risk_area        text NOT NULL DEFAULT '',
    eu_database_id   text NOT NULL DEFAULT '',
    fria_reference   text NOT NULL DEFAULT '',
    dpia_reference   text NOT NULL DEFAULT '',
    deployed_since   date,
    active           boolean NOT NULL DEFAULT true,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE users (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    email          text NOT NULL CHECK (email = lower(email) AND email LIKE '%_@_%'),
    name           text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    role           text NOT NULL CHECK (role IN ('reviewer', 'supervisor', 'admin', 'body')),
    password_hash  text NOT NULL,
    languages      text[] NOT NULL DEFAULT '{}',
    skills         text[] NOT NULL DEFAULT '{}',
    active         boolean NOT NULL DEFAULT true,
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX users_email_key ON users (email);

CREATE TABLE queues (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug         text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name         text NOT NULL,
    description  text NOT NULL DEFAULT '',
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- The legal status moves of a case. Go's grievance.Transitions must equal
-- this table (a test checks), and the trigger below refuses any other move,
-- whoever issues the UPDATE.
CREATE TABLE case_transitions (
    from_status text NOT NULL,
    to_status   text NOT NULL,
    PRIMARY KEY (from_status, to_status)
);
INSERT INTO case_transitions (from_status, to_status) VALUES
    ('submitted', 'acknowledged'), ('submitted', 'in_review'), ('submitted', 'rejected'),
    ('submitted', 'withdrawn'), ('submitted', 'escalated'),
    ('acknowledged', 'in_review'), ('acknowledged', 'awaiting_complainant'), ('acknowledged', 'rejected'),
    ('acknowledged', 'withdrawn'), ('acknowledged', 'escalated'),
    ('in_review', 'awaiting_complainant'), ('in_review', 'pending_approval'), ('in_review', 'decided'),
    ('in_review', 'rejected'), ('in_review', 'withdrawn'), ('in_review', 'escalated'),
    ('awaiting_complainant', 'in_review'), ('awaiting_complainant', 'rejected'),
    ('awaiting_complainant', 'withdrawn'), ('awaiting_complainant', 'escalated'),
    ('pending_approval', 'decided'), ('pending_approval', 'in_review'),
    ('decided', 'remedy_in_progress'), ('decided', 'appealed'), ('decided', 'escalated'), ('decided', 'closed'),
    ('remedy_in_progress', 'closed'), ('remedy_in_progress', 'appealed'), ('remedy_in_progress', 'escalated'),
    ('appealed', 'in_review'), ('appealed', 'escalated'), ('appealed', 'withdrawn'),
    ('rejected', 'appealed'), ('rejected', 'escalated'),
    ('escalated', 'in_review'), ('escalated', 'closed'),
    ('closed', 'appealed'), ('closed', 'escalated');

CREATE TABLE cases (
    id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    reference            text NOT NULL UNIQUE CHECK (reference ~ '^RD-[0-9]{3}-[0-9]{3}-[0-9]{3}$'),
    receipt_hash         bytea NOT NULL CHECK (length(receipt_hash) = 32),
    kind                 text NOT NULL CHECK (kind IN
                           ('contest_decision', 'explanation_request', 'concern', 'incident', 'retaliation')),
    status               text NOT NULL DEFAULT 'submitted' CHECK (status IN
                           ('submitted', 'acknowledged', 'in_review', 'awaiting_complainant', 'pending_approval',
                            'decided', 'remedy_in_progress', 'closed', 'appealed', 'escalated', 'withdrawn', 'rejected')),
    ai_system_id         uuid REFERENCES ai_systems (id),
    ai_system_other      text CHECK (ai_system_other IS NULL OR length(ai_system_other) BETWEEN 1 AND 500),
    decision_reference   text CHECK (decision_reference IS NULL OR length(decision_reference) <= 200),
    decision_date        date,
    informed_of_ai       text NOT NULL CHECK (informed_of_ai IN ('yes', 'no', 'unsure')),
    description_enc      bytea NOT NULL,
    desired_outcome_enc  bytea,
    language             text NOT NULL CHECK (language ~ '^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$'),
    anonymous            boolean NOT NULL,
    contact_enc          bytea,
    preferred_channel    text CHECK (preferred_channel IN ('email', 'phone', 'post', 'follow_up_page')),
    representative_enc   bytea,
    related_case_id      uuid REFERENCES cases (id),
    preliminary_severity text CHECK (preliminary_severity IN ('imminent_loss', 'serious', 'none')),
    queue_id             uuid REFERENCES queues (id),
    assignee_id          uuid REFERENCES users (id),
    priority             text CHECK (priority IN ('P0', 'P1', 'P2', 'P3')),
    submitted_at         timestamptz NOT NULL DEFAULT now(),
    acknowledged_at      timestamptz,
    received_at          timestamptz,
    status_changed_at    timestamptz NOT NULL DEFAULT now(),
    status_reason        text,
    updated_at           timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cases_ai_system_named CHECK ((ai_system_id IS NULL) <> (ai_system_other IS NULL)),
    CONSTRAINT cases_identified_has_contact CHECK (anonymous OR contact_enc IS NOT NULL),
    CONSTRAINT cases_anonymous_has_no_contact CHECK (NOT anonymous OR (contact_enc IS NULL AND preferred_channel IS NULL)),
    CONSTRAINT cases_acknowledged_when_past_submitted CHECK
        (status IN ('submitted', 'withdrawn', 'rejected', 'escalated') OR acknowledged_at IS NOT NULL)
);
CREATE INDEX cases_list_idx ON cases (submitted_at DESC, id DESC);
CREATE INDEX cases_status_idx ON cases (status, submitted_at DESC, id DESC);
CREATE INDEX cases_queue_idx ON cases (queue_id, status) WHERE queue_id IS NOT NULL;
CREATE INDEX cases_ai_system_idx ON cases (ai_system_id, submitted_at DESC) WHERE ai_system_id IS NOT NULL;
CREATE INDEX cases_assignee_idx ON cases (assignee_id) WHERE assignee_id IS NOT NULL;

-- +goose StatementBegin
CREATE FUNCTION cases_check_transition() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.status IS DISTINCT FROM OLD.status THEN
        IF NOT EXISTS (SELECT 1 FROM case_transitions
                        WHERE from_status = OLD.status AND to_status = NEW.status) THEN
            RAISE EXCEPTION 'illegal case status transition % -> %', OLD.status, NEW.status
                USING ERRCODE = 'check_violation', CONSTRAINT = 'cases_status_transition';
        END IF;
        NEW.status_changed_at := now();
    END IF;
    NEW.updated_at := now();
    RETURN NEW;
END $$;
-- +goose StatementEnd
CREATE TRIGGER cases_transition BEFORE UPDATE ON cases
    FOR EACH ROW EXECUTE FUNCTION cases_check_transition();

CREATE TABLE case_classifications (
    case_id          uuid PRIMARY KEY REFERENCES cases (id) ON DELETE CASCADE,
    rights           text[] NOT NULL CHECK (cardinality(rights) >= 1 AND rights <@ ARRAY[
                       'non_discrimination', 'privacy', 'work', 'social_security', 'credit_and_essential_services',
                       'education', 'health', 'expression', 'assembly_and_association', 'due_process',
                       'movement_and_asylum', 'children', 'property_and_consumer', 'other']::text[]),
    harm_types       text[] NOT NULL DEFAULT '{}' CHECK (harm_types <@ ARRAY[
                       'physical', 'psychological', 'financial', 'loss_of_opportunity', 'reputational',
                       'privacy_intrusion', 'discriminatory_treatment', 'procedural', 'collective',
                       'property_or_environment']::text[]),
    mechanisms       text[] NOT NULL DEFAULT '{}' CHECK (mechanisms <@ ARRAY[
                       'erroneous_output', 'biased_output', 'no_explanation', 'no_human_oversight', 'not_informed',
                       'data_error', 'outside_intended_purpose', 'surveillance', 'manipulation', 'security_breach',
                       'retaliation']::text[]),
    harm_status      text CHECK (harm_status IN ('occurred', 'ongoing', 'imminent', 'potential')),
    scale            smallint CHECK (scale BETWEEN 1 AND 4),
    scope            smallint CHECK (scope BETWEEN 1 AND 4),
    irremediability  smallint CHECK (irremediability BETWEEN 1 AND 4),
    rationale        text,
    source           text NOT NULL DEFAULT 'complainant' CHECK (source IN ('complainant', 'triage')),
    classified_by    uuid REFERENCES users (id),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_classifications_rights_idx ON case_classifications USING gin (rights);

CREATE TABLE messages (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id      uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    author_kind  text NOT NULL CHECK (author_kind IN ('complainant', 'staff', 'body', 'system')),
    author_id    uuid REFERENCES users (id),
    visibility   text NOT NULL CHECK (visibility IN ('complainant', 'internal')),
    body_enc     bytea NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT messages_staff_named CHECK (author_kind NOT IN ('staff', 'body') OR author_id IS NOT NULL),
    CONSTRAINT messages_complainant_sees_own CHECK (author_kind <> 'complainant' OR visibility = 'complainant')
);
CREATE INDEX messages_case_idx ON messages (case_id, created_at, id);

-- One row per clock of a case; the due date and the rule that produced it.
CREATE TABLE case_clocks (
    case_id       uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    clock         text NOT NULL CHECK (clock IN ('acknowledge', 'first_response', 'decision', 'feedback', 'remedy',
                                                 'gdpr_reply', 'incident_report')),
    started_at    timestamptz NOT NULL,
    due_at        timestamptz NOT NULL,
    rule          text NOT NULL,
    satisfied_at  timestamptz,
    PRIMARY KEY (case_id, clock)
);
CREATE INDEX case_clocks_due_idx ON case_clocks (due_at) WHERE satisfied_at IS NULL;

-- The case record: append-only and hash-chained per case. Each entry's hash
-- covers its fields and the previous entry's hash (internal/audit).
CREATE TABLE audit_entries (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    case_id     uuid NOT NULL REFERENCES cases (id),
    seq         integer NOT NULL CHECK (seq >= 1),
    at          timestamptz NOT NULL,
    actor_kind  text NOT NULL CHECK (actor_kind IN ('complainant', 'staff', 'body', 'system')),
    actor_id    uuid,
    action      text NOT NULL,
    public      boolean NOT NULL DEFAULT false,
    data        json NOT NULL DEFAULT '{}', -- json, not jsonb: kept byte for byte as hashed
    prev_hash   bytea NOT NULL CHECK (length(prev_hash) = 32),
    hash        bytea NOT NULL CHECK (length(hash) = 32),
    UNIQUE (case_id, seq)
);

-- +goose StatementBegin
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_entries is append-only'
        USING ERRCODE = 'insufficient_privilege';
END $$;
-- +goose StatementEnd
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();
CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only();

-- Transactional outbox: written in the same transaction as the change it
-- announces; the relay publishes rows with Nats-Msg-Id = id.
CREATE TABLE outbox (
    id            uuid PRIMARY KEY,
    seq           bigint GENERATED ALWAYS AS IDENTITY,
    subject       text NOT NULL,
    payload       jsonb NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz,
    attempts      integer NOT NULL DEFAULT 0,
    last_error    text
);
CREATE INDEX outbox_pending_idx ON outbox (seq) WHERE published_at IS NULL;
CREATE INDEX outbox_published_idx ON outbox (published_at) WHERE published_at IS NOT NULL;

-- No NOTIFY trigger here on purpose: a transaction that calls NOTIFY holds a
-- database-wide lock from commit until it is on disk, which serialises every
-- intake commit (measured in BENCHMARKS.md). The relay polls the partial index
-- below instead, which costs next to nothing when it is empty.

-- Idempotency-Key records. Only a hash of the key is kept, and never the
-- receipt: a replay re-derives it from the key (internal/grievance).
CREATE TABLE idempotency_keys (
    scope         text NOT NULL,
    key_hash      bytea NOT NULL CHECK (length(key_hash) = 32),
    request_hash  bytea NOT NULL CHECK (length(request_hash) = 32),
    case_id       uuid REFERENCES cases (id),
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (scope, key_hash)
);
CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Events a worker consumer has handled, so a redelivery changes nothing.
CREATE TABLE processed_events (
    consumer      text NOT NULL,
    event_id      uuid NOT NULL,
    processed_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (consumer, event_id)
);

-- Poison messages a consumer gave up on.
CREATE TABLE dead_letters (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    consumer     text NOT NULL,
    subject      text NOT NULL,
    event_id     text,
    stream_seq   bigint,
    deliveries   integer,
    reason       text NOT NULL,
    payload      bytea,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE dead_letters;
DROP TABLE processed_events;
DROP TABLE idempotency_keys;
DROP TABLE outbox;
DROP TABLE audit_entries;
DROP FUNCTION audit_entries_append_only();
DROP TABLE case_clocks;
DROP TABLE messages;
DROP TABLE case_classifications;
DROP TABLE cases;
DROP FUNCTION cases_check_transition();
DROP TABLE case_transitions;
DROP TABLE queues;
DROP TABLE users;
DROP TABLE ai_systems;
