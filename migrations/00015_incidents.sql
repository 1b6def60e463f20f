-- +goose Up
-- Serious incidents (issue #5, item 6; docs/incidents.md). An incident case
-- has three clocks from awareness: the initial report to the market
-- surveillance authority (incident_report, AI Act art. 73), notice to the AI
-- system's provider (provider_notice) and the decision whether to suspend the
-- system (suspension_decision), both AI Act art. 26(5); and four tasks that
-- end them, the complete report being the fourth.

ALTER TABLE case_clocks DROP CONSTRAINT case_clocks_clock_check;
ALTER TABLE case_clocks ADD CONSTRAINT case_clocks_clock_check CHECK (clock IN ('acknowledge', 'first_response',
    'decision', 'feedback', 'remedy', 'gdpr_reply', 'incident_report', 'appeal', 'provider_notice',
    'suspension_decision'));

-- The law says "immediately" and "without undue delay"; the default policy
-- gives those words a number (sla.LimitProviderNotice, sla.LimitSuspensionDecision).
UPDATE sla_policies SET statutory = statutory || '[
  {"code":"ai_act_26_5_provider","source":"AI Act (Regulation 2024/1689) art. 26(5)","period":"immediately; this policy allows 1 day from awareness","clock":"provider_notice","unit":"calendar_days","amount":1,"from":"awareness","pausable":false,"kinds":["incident"]},
  {"code":"ai_act_26_5_suspension","source":"AI Act (Regulation 2024/1689) art. 26(5)","period":"without undue delay; this policy allows 2 days from awareness","clock":"suspension_decision","unit":"calendar_days","amount":2,"from":"awareness","pausable":false,"kinds":["incident"]}
]'::jsonb, updated_at = now()
 WHERE slug = 'eu-default';

-- The work an incident owes. The note (what was sent, to whom, or the
-- reasons for a suspension decision) is sealed: purpose
-- "incident.note:<case id>:<task>".
CREATE TABLE incident_tasks (
    case_id              uuid NOT NULL REFERENCES cases (id) ON DELETE CASCADE,
    task                 text NOT NULL CHECK (task IN ('initial_report', 'complete_report', 'provider_notice',
                                                       'suspension_decision')),
    clock                text CHECK (clock IN ('incident_report', 'provider_notice', 'suspension_decision')),
    due_at               timestamptz,
    done_at              timestamptz,
    done_by              uuid REFERENCES users (id),
    note_enc             bytea,
    outcome              text CHECK (outcome IN ('suspend', 'continue')),
    authority_reference  text CHECK (length(authority_reference) BETWEEN 1 AND 200),
    created_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (case_id, task),
    -- Each task ends its own clock; the complete report has none.
    CONSTRAINT incident_tasks_clock CHECK (clock IS NOT DISTINCT FROM
        CASE task WHEN 'initial_report' THEN 'incident_report' WHEN 'complete_report' THEN NULL ELSE task END),
    -- Done means done by someone, with a note.
    CONSTRAINT incident_tasks_done CHECK ((done_at IS NULL) = (done_by IS NULL) AND (done_at IS NULL) = (note_enc IS NULL)),
    -- Only a suspension decision has an outcome, and a done one always has.
    CONSTRAINT incident_tasks_outcome CHECK ((outcome IS NOT NULL) = (task = 'suspension_decision' AND done_at IS NOT NULL)),
    -- The authority's reference belongs to a report.
    CONSTRAINT incident_tasks_reference CHECK (authority_reference IS NULL OR task IN ('initial_report', 'complete_report'))
);

-- Incidents whose awareness was recorded before this migration get their
-- tasks; the new clocks follow at the case's next recompute.
INSERT INTO incident_tasks (case_id, task, clock, due_at)
SELECT c.id, t.task, t.clock, k.due_at
  FROM cases c
 CROSS JOIN (VALUES ('initial_report', 'incident_report'), ('complete_report', NULL),
                    ('provider_notice', 'provider_notice'), ('suspension_decision', 'suspension_decision')) AS t (task, clock)
  LEFT JOIN case_clocks k ON k.case_id = c.id AND k.clock = t.clock
 WHERE c.kind = 'incident' AND c.incident_aware_at IS NOT NULL;

-- A suspension decided on an incident stays on the register entry: the
-- system remains listed (complainants must still find it), marked suspended.
ALTER TABLE ai_systems
    ADD COLUMN suspended_at       timestamptz,
    ADD COLUMN suspended_by_case  uuid REFERENCES cases (id) ON DELETE SET NULL,
    ADD CONSTRAINT ai_systems_suspension_dated CHECK (suspended_by_case IS NULL OR suspended_at IS NOT NULL);

-- +goose Down
ALTER TABLE ai_systems DROP CONSTRAINT ai_systems_suspension_dated, DROP COLUMN suspended_by_case,
    DROP COLUMN suspended_at;
DROP TABLE incident_tasks;
UPDATE sla_policies SET statutory = (SELECT COALESCE(jsonb_agg(l), '[]') FROM jsonb_array_elements(statutory) l
                                      WHERE l->>'clock' NOT IN ('provider_notice', 'suspension_decision'));
DELETE FROM case_clocks WHERE clock IN ('provider_notice', 'suspension_decision');
ALTER TABLE case_clocks DROP CONSTRAINT case_clocks_clock_check;
ALTER TABLE case_clocks ADD CONSTRAINT case_clocks_clock_check CHECK (clock IN ('acknowledge', 'first_response',
    'decision', 'feedback', 'remedy', 'gdpr_reply', 'incident_report', 'appeal'));
