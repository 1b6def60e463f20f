-- +goose Up
-- SLA engine: calendars and policies as data, pauses, and the timers the
-- sweeper fires (warnings, breaches) with the actions policies ask for.

CREATE TABLE sla_calendars (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug        text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name        text NOT NULL,
    spec        jsonb NOT NULL,            -- sla.CalendarSpec: time zone, weekly hours, holidays
    updated_at  timestamptz NOT NULL DEFAULT now()
);

-- A policy: per priority, the time limits of each clock; the statutory limits
-- that apply in its jurisdiction; when to warn; what to do on a breach.
CREATE TABLE sla_policies (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slug            text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9][a-z0-9-]{1,62}$'),
    name            text NOT NULL,
    jurisdiction    text NOT NULL DEFAULT 'EU',
    calendar_id     uuid NOT NULL REFERENCES sla_calendars (id),
    tiers           jsonb NOT NULL,        -- {"P0": [sla.TimeLimit…], …}
    statutory       jsonb NOT NULL,        -- [sla.TimeLimit…]
    warn_fractions  float8[] NOT NULL DEFAULT '{0.75,0.9}',
    breach_actions  jsonb NOT NULL DEFAULT '{}', -- {notify, raise_priority, move_to_queue, escalate_statutory}
    is_default      boolean NOT NULL DEFAULT false,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX sla_policies_one_default ON sla_policies (is_default) WHERE is_default;

-- Spans during which a case waited on the complainant; pausable clocks stand still.
CREATE TABLE case_pauses (
    case_id    uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    paused_at  timestamptz NOT NULL,
    resumed_at timestamptz,
    PRIMARY KEY (case_id, paused_at),
    CHECK (resumed_at IS NULL OR resumed_at >= paused_at)
);
CREATE UNIQUE INDEX case_pauses_one_open ON case_pauses (case_id) WHERE resumed_at IS NULL;

ALTER TABLE case_clocks
    ADD COLUMN policy_id     uuid REFERENCES sla_policies (id),
    ADD COLUMN candidates    jsonb NOT NULL DEFAULT '[]',
    ADD COLUMN paused        boolean NOT NULL DEFAULT false,
    ADD COLUMN warn_at       timestamptz[] NOT NULL DEFAULT '{}',
    ADD COLUMN warned        integer NOT NULL DEFAULT 0,   -- how many of warn_at have fired
    ADD COLUMN next_fire_at  timestamptz,
    ADD COLUMN breached_at   timestamptz;
-- The sweeper's cost grows with the timers due, not with the open cases.
CREATE INDEX case_clocks_fire_idx ON case_clocks (next_fire_at) WHERE next_fire_at IS NOT NULL;

-- A clock standing still with no statutory date has no due date until it resumes.
ALTER TABLE case_clocks ALTER COLUMN due_at DROP NOT NULL;
-- satisfied_by: what ended the clock (acknowledged, responded, decided, withdrawn, …).
ALTER TABLE case_clocks ADD COLUMN satisfied_by text;

ALTER TABLE cases
    ADD COLUMN sla_policy_id        uuid REFERENCES sla_policies (id),
    ADD COLUMN decided_at           timestamptz,
    -- GDPR art. 12(3): when the complainant was told the reply takes longer.
    ADD COLUMN extension_notice_at  timestamptz,
    -- AI Act art. 73: reporting clocks run from awareness, by subtype.
    ADD COLUMN incident_aware_at    timestamptz,
    ADD COLUMN incident_subtype     text CHECK (incident_subtype IN ('widespread', 'death', 'other'));

-- A routing rule names its SLA policy by slug.
ALTER TABLE routing_rules ADD CONSTRAINT routing_rules_sla_policy_fkey
    FOREIGN KEY (sla_policy) REFERENCES sla_policies (slug) ON UPDATE CASCADE;

-- A missed statutory deadline, where policy says so, asks for an escalation
-- to an independent body; the escalation work (issue #5) acts on these.
CREATE TABLE escalation_requests (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    case_id     uuid NOT NULL REFERENCES cases (id),
    source      text NOT NULL CHECK (source IN ('sla_breach', 'staff', 'complainant', 'incident')),
    clock       text,
    rule        jsonb,
    reason      text NOT NULL,
    status      text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'referred', 'declined')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    UNIQUE (case_id, source, clock)
);

-- Where the default policy sends a breached case.
INSERT INTO queues (slug, name, description) VALUES ('supervisors', 'Supervisor review',
    'Breaches, escalations and four-eyes approvals.') ON CONFLICT (slug) DO NOTHING;

-- The default calendar and policy (DESIGN.md, "Clocks"); admins change them as data.
INSERT INTO sla_calendars (slug, name, spec) VALUES ('eu-office', 'Office hours, Europe/Brussels',
    '{"time_zone": "Europe/Brussels", "hours": {"1": ["09:00-17:00"], "2": ["09:00-17:00"], "3": ["09:00-17:00"], "4": ["09:00-17:00"], "5": ["09:00-17:00"]}, "holidays": []}');

INSERT INTO sla_policies (slug, name, jurisdiction, calendar_id, tiers, statutory, warn_fractions, breach_actions, is_default)
SELECT 'eu-default', 'EU default: Whistleblowing Directive, GDPR, AI Act', 'EU', id,
    '{"P0":[{"code":"policy_acknowledge","source":"SLA policy","period":"24 hours","clock":"acknowledge","unit":"hours","amount":24,"from":"submitted","pausable":true},{"code":"policy_first_response","source":"SLA policy","period":"24 hours","clock":"first_response","unit":"hours","amount":24,"from":"submitted","pausable":true},{"code":"policy_decision","source":"SLA policy","period":"7 days","clock":"decision","unit":"calendar_days","amount":7,"from":"submitted","pausable":true},{"code":"policy_remedy","source":"SLA policy","period":"14 days from the decision","clock":"remedy","unit":"calendar_days","amount":14,"from":"decision","pausable":true}],"P1":[{"code":"policy_acknowledge","source":"SLA policy","period":"2 business days","clock":"acknowledge","unit":"business_days","amount":2,"from":"submitted","pausable":true},{"code":"policy_first_response","source":"SLA policy","period":"2 business days","clock":"first_response","unit":"business_days","amount":2,"from":"submitted","pausable":true},{"code":"policy_decision","source":"SLA policy","period":"30 days","clock":"decision","unit":"calendar_days","amount":30,"from":"submitted","pausable":true},{"code":"policy_remedy","source":"SLA policy","period":"30 days from the decision","clock":"remedy","unit":"calendar_days","amount":30,"from":"decision","pausable":true}],"P2":[{"code":"policy_acknowledge","source":"SLA policy","period":"7 days","clock":"acknowledge","unit":"calendar_days","amount":7,"from":"submitted","pausable":true},{"code":"policy_first_response","source":"SLA policy","period":"10 business days","clock":"first_response","unit":"business_days","amount":10,"from":"submitted","pausable":true},{"code":"policy_decision","source":"SLA policy","period":"90 days","clock":"decision","unit":"calendar_days","amount":90,"from":"submitted","pausable":true},{"code":"policy_remedy","source":"SLA policy","period":"60 days from the decision","clock":"remedy","unit":"calendar_days","amount":60,"from":"decision","pausable":true}],"P3":[{"code":"policy_acknowledge","source":"SLA policy","period":"7 days","clock":"acknowledge","unit":"calendar_days","amount":7,"from":"submitted","pausable":true},{"code":"policy_first_response","source":"SLA policy","period":"15 business days","clock":"first_response","unit":"business_days","amount":15,"from":"submitted","pausable":true},{"code":"policy_decision","source":"SLA policy","period":"90 days","clock":"decision","unit":"calendar_days","amount":90,"from":"submitted","pausable":true},{"code":"policy_remedy","source":"SLA policy","period":"90 days from the decision","clock":"remedy","unit":"calendar_days","amount":90,"from":"decision","pausable":true}]}',
    '[{"code":"eu_whistleblowing_ack","source":"EU Whistleblowing Directive 2019/1937 art. 9(1)(b)","period":"7 days","clock":"acknowledge","unit":"calendar_days","amount":7,"from":"submitted","pausable":false},{"code":"eu_whistleblowing_feedback","source":"EU Whistleblowing Directive 2019/1937 art. 9(1)(f)","period":"3 months from acknowledgement (or from day 7 if none)","clock":"feedback","unit":"months","amount":3,"from":"acknowledged","fallback":{"from":"submitted","after":{"unit":"calendar_days","amount":7}},"pausable":false},{"code":"gdpr_12_3","source":"GDPR art. 12(3)","period":"1 month","clock":"gdpr_reply","unit":"months","amount":1,"from":"submitted","extension":{"rule":{"code":"gdpr_12_3_extended","source":"GDPR art. 12(3)","period":"1 month extended by 2 further months, notice given within the first"},"by":{"unit":"months","amount":2}},"pausable":false,"kinds":["contest_decision","explanation_request"]},{"code":"ai_act_73_3","source":"AI Act (Regulation 2024/1689) art. 73(3)","period":"2 days from awareness (widespread infringement or serious disruption of critical infrastructure)","clock":"incident_report","unit":"calendar_days","amount":2,"from":"awareness","pausable":false,"kinds":["incident"],"subtypes":["widespread"]},{"code":"ai_act_73_4","source":"AI Act (Regulation 2024/1689) art. 73(4)","period":"10 days from awareness (death of a person)","clock":"incident_report","unit":"calendar_days","amount":10,"from":"awareness","pausable":false,"kinds":["incident"],"subtypes":["death"]},{"code":"ai_act_73_2","source":"AI Act (Regulation 2024/1689) art. 73(2)","period":"15 days from awareness (other serious incidents)","clock":"incident_report","unit":"calendar_days","amount":15,"from":"awareness","pausable":false,"kinds":["incident"],"subtypes":["other"]}]',
    '{0.75,0.9}',
    '{"notify":true,"raise_priority":true,"move_to_queue":"supervisors","escalate_statutory":true}',
    true
FROM sla_calendars WHERE slug = 'eu-office';

-- +goose Down
DROP TABLE escalation_requests;
ALTER TABLE routing_rules DROP CONSTRAINT routing_rules_sla_policy_fkey;
ALTER TABLE cases DROP COLUMN incident_subtype, DROP COLUMN incident_aware_at, DROP COLUMN extension_notice_at,
    DROP COLUMN decided_at, DROP COLUMN sla_policy_id;
ALTER TABLE case_clocks DROP COLUMN satisfied_by;
DELETE FROM case_clocks WHERE due_at IS NULL;
ALTER TABLE case_clocks ALTER COLUMN due_at SET NOT NULL;
DROP INDEX case_clocks_fire_idx;
ALTER TABLE case_clocks DROP COLUMN breached_at, DROP COLUMN next_fire_at, DROP COLUMN warned, DROP COLUMN warn_at,
    DROP COLUMN paused, DROP COLUMN candidates, DROP COLUMN policy_id;
DROP TABLE case_pauses;
DROP TABLE sla_policies;
DROP TABLE sla_calendars;
