-- +goose Up
-- Routing: ordered rules that send each submitted case to a queue with a
-- priority and the skills or languages its reviewer needs; recusal of staff
-- who own or operate an AI system.

CREATE TABLE routing_rules (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    position            integer NOT NULL CHECK (position >= 0),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    enabled             boolean NOT NULL DEFAULT true,
    is_default          boolean NOT NULL DEFAULT false,
    -- Conditions: an empty list matches anything; a case matches a list when
    -- it has at least one of its values.
    kinds               text[] NOT NULL DEFAULT '{}',
    ai_system_ids       uuid[] NOT NULL DEFAULT '{}',
    rights              text[] NOT NULL DEFAULT '{}',
    harm_types          text[] NOT NULL DEFAULT '{}',
    languages           text[] NOT NULL DEFAULT '{}',
    channels            text[] NOT NULL DEFAULT '{}',
    severities          text[] NOT NULL DEFAULT '{}',
    -- Result.
    queue_id            uuid NOT NULL REFERENCES queues (id),
    priority            text NOT NULL CHECK (priority IN ('P0', 'P1', 'P2', 'P3')),
    sla_policy          text,
    required_skills     text[] NOT NULL DEFAULT '{}',
    required_languages  text[] NOT NULL DEFAULT '{}',
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT routing_rules_default_matches_all CHECK (NOT is_default OR (enabled
        AND cardinality(kinds) = 0 AND cardinality(ai_system_ids) = 0 AND cardinality(rights) = 0
        AND cardinality(harm_types) = 0 AND cardinality(languages) = 0 AND cardinality(channels) = 0
        AND cardinality(severities) = 0))
);
CREATE UNIQUE INDEX routing_rules_position_key ON routing_rules (position) WHERE NOT is_default;
CREATE UNIQUE INDEX routing_rules_one_default ON routing_rules (is_default) WHERE is_default;

-- The default rule always exists: every case lands somewhere.
INSERT INTO queues (slug, name, description) VALUES ('general', 'General review', 'Cases no other rule routes.')
    ON CONFLICT (slug) DO NOTHING;
INSERT INTO routing_rules (position, name, is_default, queue_id, priority)
    SELECT 0, 'Default: every other case', true, id, 'P3' FROM queues WHERE slug = 'general';

-- +goose StatementBegin
CREATE FUNCTION routing_rules_keep_default() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the default routing rule cannot be deleted' USING ERRCODE = 'check_violation';
END $$;
-- +goose StatementEnd
CREATE TRIGGER routing_rules_keep_default BEFORE DELETE ON routing_rules
    FOR EACH ROW WHEN (OLD.is_default) EXECUTE FUNCTION routing_rules_keep_default();

-- Staff who own or operate an AI system, or took part in its decisions, are
-- never assigned cases about it.
CREATE TABLE ai_system_staff (
    ai_system_id  uuid NOT NULL REFERENCES ai_systems (id) ON DELETE CASCADE,
    user_id       uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('owner', 'operator', 'decision_maker')),
    PRIMARY KEY (ai_system_id, user_id, role)
);
CREATE INDEX ai_system_staff_user_idx ON ai_system_staff (user_id);

ALTER TABLE cases
    ADD COLUMN routing_rule_id     uuid REFERENCES routing_rules (id),
    ADD COLUMN routed_at           timestamptz,
    ADD COLUMN required_skills     text[] NOT NULL DEFAULT '{}',
    ADD COLUMN required_languages  text[] NOT NULL DEFAULT '{}',
    ADD COLUMN assigned_at         timestamptz,
    -- The person who took the contested decision, when staff know it: never their reviewer.
    ADD COLUMN decision_taker_id   uuid REFERENCES users (id);

-- Claim-next scans a queue's unassigned open cases by priority and due date.
CREATE INDEX cases_claim_idx ON cases (queue_id, priority, submitted_at)
    WHERE assignee_id IS NULL AND status IN ('submitted', 'acknowledged', 'in_review', 'appealed');

-- +goose Down
DROP INDEX cases_claim_idx;
ALTER TABLE cases DROP COLUMN decision_taker_id, DROP COLUMN assigned_at, DROP COLUMN required_languages,
    DROP COLUMN required_skills, DROP COLUMN routed_at, DROP COLUMN routing_rule_id;
DROP TABLE ai_system_staff;
DROP TABLE routing_rules;
DROP FUNCTION routing_rules_keep_default();
