package main

import (
	"fmt"
	"strings"
)

// The SQL the bench runs itself to set up and observe its measurements, in
// one place: the data it loads (which the application's owners would write
// one case at a time), and the statements that steady the database between
// runs. What the application runs is measured through its own packages.

// analyzeCases gives the planner fresh statistics of the cases and their
// clocks before a measurement.
const analyzeCases = `ANALYZE cases, case_clocks`

// checkpointSQL writes every dirty page out, so one measurement does not
// pay for the other's writes.
const checkpointSQL = "CHECKPOINT"

// autoExplain makes a connection log the plan of every statement it runs
// (as notices).
const autoExplain = `LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_analyze = on;
			SET auto_explain.log_buffers = on; SET auto_explain.log_level = notice; SET client_min_messages = notice`

// statStatements and resetStatStatements start counting the server's work
// afresh (pg_stat_statements).
const (
	statStatements      = `CREATE EXTENSION IF NOT EXISTS pg_stat_statements`
	resetStatStatements = `SELECT pg_stat_statements_reset()`
)

// genericPlans, prepareDue and forgetDue plan the sweep's due query as a
// prepared statement with a generic plan, and forget it again.
const (
	genericPlans = `SET plan_cache_mode = force_generic_plan`
	forgetDue    = `RESET plan_cache_mode; DEALLOCATE bench_due`
)

func prepareDue(q string) string { return `PREPARE bench_due (timestamptz, int) AS ` + q }

// vacuumAnalyze vacuums and analyzes tables: autovacuum would otherwise
// start on freshly loaded tables in the middle of a measurement.
func vacuumAnalyze(tables ...string) string { return `VACUUM (ANALYZE) ` + strings.Join(tables, ", ") }

// dropIndex drops the index name (buildIndexes builds it again).
func dropIndex(name string) string { return `DROP INDEX ` + pgxIdent(name) }

// The statistics measurement's data set is built with set-based SQL, one
// statement a table (each in as many parts at once as there are CPUs), from
// one generated row a case: statsCases. Every value of a case (its AI
// system, kind, path through the process, dates, outcome, remedies, rating)
// is a function of its number i, drawn from two 64-bit hashes of i (twelve
// independent 10-bit fractions), so each table's statement derives the same
// case on its own. Ids are md5 hashes of i, so the decisions, clocks and
// remedies name their case without reading it back.
//
// Each lateral subquery ends in OFFSET 0, which keeps PostgreSQL from
// pulling it up into the next: pulled up, every reference to a derived
// column would be replaced by the whole expression it stands for, and the
// nested CASEs grew to an expression tree that took 0.3 ms a case to
// evaluate (six times the time of the insert itself).
//
// Every statement takes the same parameters: $1 and $2 the cases of this
// part, $3 the number of cases, $4 the moment the data set is built at (its
// "now"), $5 the AI systems (the big one, the small one, three others), $6
// every how many cases one is the small system's, $7 the staff (two
// reviewers and a supervisor), $8 the queues (general, supervisors), $9 the
// default SLA policy.
//
// Over two years (730 days, case 1 the oldest, case N a quarter of an hour
// old):
//   - AI system: every $6th case the small system's (1,000 in all); of the
//     others 60% the big system's, 10% about a system named in free text, 10%
//     each one of the three others;
//   - kind: 45% contest a decision, 25% ask for an explanation, 20% concerns,
//     5% incidents, 5% retaliation; priority 3% P0, 12% P1, 30% P2, 55% P3;
//   - path: 4% withdrawn, 6% rejected, and of the rest a share growing with
//     age to 89% at 120 days decided, the others open (in review, awaiting
//     the complainant, pending approval, escalated; submitted or
//     acknowledged when a few days old);
//   - a decision comes 2 to 90 days after submission (median about 24),
//     decision confirmed 50%, overturned 18%, modified 14%, not within scope 18%; 30% of
//     them approved by the supervisor (four eyes), 4% after a refused draft;
//   - after the decision: of the cases decided more than 45 days ago 8%
//     appealed and decided on appeal (then closed), of those decided 10 to
//     45 days ago 10% appealed and waiting; the others closed 15 to 45 days
//     after the decision, or still decided / with the remedy in progress
//     before that; 85% of the closed cases have a root cause;
//   - a remedy for 80% of the overturned and modified and 10% of the confirmed:
//     one component, or two for 45%, by form and status as the case stands;
//   - clocks: acknowledge, decision, feedback (three months from
//     acknowledgement), the GDPR reply for contested decisions and
//     explanation requests, the appeal and the remedy where they apply; each
//     ended on time, ended late or ran out (breached), or still running with
//     its next warning ahead (so the sweeper has nothing to fire);
//   - ratings (1–5, higher when the decision was changed) for 40% of the
//     closed cases.
const statsCases = `
WITH g AS (
SELECT i, md5('redress-bench-stats:' || i)::uuid AS id, u.*, t.*, s.*, w.*, x.*,
       $5::uuid[] AS systems, $7::uuid[] AS staff, $8::uuid[] AS queues, $9::uuid AS policy
  FROM generate_series($1::int, $2::int) AS i
 CROSS JOIN LATERAL (SELECT hashint8extended(i, 1) AS ha, hashint8extended(i, 2) AS hb OFFSET 0) h
 CROSS JOIN LATERAL (SELECT
        (h.ha & 1023)::float8 / 1024 AS u_sys, ((h.ha >> 10) & 1023)::float8 / 1024 AS u_kind,
        ((h.ha >> 20) & 1023)::float8 / 1024 AS u_path, ((h.ha >> 30) & 1023)::float8 / 1024 AS u_ttd,
        ((h.ha >> 40) & 1023)::float8 / 1024 AS u_after, ((h.ha >> 50) & 1023)::float8 / 1024 AS u_prio,
        (h.hb & 1023)::float8 / 1024 AS u_out, ((h.hb >> 10) & 1023)::float8 / 1024 AS u_rem,
        ((h.hb >> 20) & 1023)::float8 / 1024 AS u_fb, ((h.hb >> 30) & 1023)::float8 / 1024 AS u_ack,
        ((h.hb >> 40) & 1023)::float8 / 1024 AS u_root, ((h.hb >> 50) & 1023)::float8 / 1024 AS u_misc,
        ($3::int - i)::float8 * 730 / $3::int + 0.01 AS age OFFSET 0) u
 CROSS JOIN LATERAL (SELECT
        CASE WHEN i % $6::int = 0 THEN 2 WHEN u.u_sys < 0.6 THEN 1 WHEN u.u_sys < 0.7 THEN 0
             WHEN u.u_sys < 0.8 THEN 3 WHEN u.u_sys < 0.9 THEN 4 ELSE 5 END AS sys,
        CASE WHEN u.u_kind < 0.45 THEN 'contest_decision' WHEN u.u_kind < 0.7 THEN 'explanation_request'
             WHEN u.u_kind < 0.9 THEN 'concern' WHEN u.u_kind < 0.95 THEN 'incident' ELSE 'retaliation' END AS kind,
        CASE WHEN u.u_prio < 0.03 THEN 'P0' WHEN u.u_prio < 0.15 THEN 'P1' WHEN u.u_prio < 0.45 THEN 'P2' ELSE 'P3' END AS priority,
        CASE WHEN u.u_path < 0.04 THEN 'withdrawn' WHEN u.u_path < 0.10 THEN 'rejected'
             WHEN u.u_path < 0.10 + 0.89 * least(1, u.age / 120) THEN 'decided' ELSE 'open' END AS path,
        least(2 + 88 * u.u_ttd * u.u_ttd, u.age * 0.9) AS ttd,
        CASE WHEN u.u_out < 0.5 THEN 'decision_confirmed' WHEN u.u_out < 0.68 THEN 'decision_overturned' WHEN u.u_out < 0.82 THEN 'decision_modified'
             ELSE 'not_within_scope' END AS outcome,
        $4::timestamptz - make_interval(secs => u.age * 86400) AS submitted_at OFFSET 0) t
 CROSS JOIN LATERAL (SELECT
        CASE WHEN t.path <> 'decided' THEN NULL
             WHEN u.u_after < 0.08 AND u.age - t.ttd > 45 THEN 'appeal_decided'
             WHEN u.u_after < 0.10 AND u.age - t.ttd BETWEEN 10 AND 45 THEN 'appeal_open'
             WHEN u.age - t.ttd > 15 + 30 * u.u_after THEN 'closed'
             ELSE 'pending' END AS after,
        t.path = 'decided' AND (t.outcome IN ('decision_overturned', 'decision_modified') AND u.u_rem < 0.8 OR t.outcome = 'decision_confirmed' AND u.u_rem < 0.1)
          AS has_remedy,
        CASE WHEN t.path = 'decided' THEN t.submitted_at + make_interval(secs => t.ttd * 86400) END AS decided_at,
        CASE WHEN t.path IN ('withdrawn', 'rejected')
             THEN t.submitted_at + make_interval(secs => least(u.age * 0.8, 1 + 20 * u.u_ttd) * 86400) END AS ended_at,
        t.submitted_at + make_interval(secs => least(CASE WHEN u.u_ack < 0.04 THEN 8 + 3 * u.u_misc ELSE 0.1 + 2.5 * u.u_misc END,
             u.age * 0.5, CASE WHEN t.path = 'decided' THEN t.ttd * 0.5 END) * 86400) AS ack_at0,
        t.submitted_at + make_interval(secs => (10 + 30 * u.u_fb) * 86400) AS reply_at OFFSET 0) s
 CROSS JOIN LATERAL (SELECT
        CASE t.path WHEN 'withdrawn' THEN 'withdrawn' WHEN 'rejected' THEN 'rejected'
             WHEN 'open' THEN CASE WHEN u.age < 1 THEN 'submitted' WHEN u.age < 3 THEN 'acknowledged'
                  ELSE (ARRAY['in_review', 'in_review', 'in_review', 'awaiting_complainant', 'pending_approval',
                              'escalated'])[1 + floor(u.u_misc * 6)::int] END
             ELSE CASE s.after WHEN 'appeal_open' THEN 'appealed'
                  WHEN 'pending' THEN CASE WHEN s.has_remedy THEN 'remedy_in_progress' ELSE 'decided' END
                  ELSE 'closed' END END AS status,
        CASE WHEN s.after IN ('appeal_decided', 'appeal_open') THEN s.decided_at + interval '7 days' END AS appealed_at,
        CASE WHEN s.after = 'appeal_decided' THEN s.decided_at + make_interval(secs => (12 + 20 * u.u_rem) * 86400) END
          AS appeal_final_at,
        CASE WHEN u.u_rem < 0.6 THEN 'decision_confirmed' WHEN u.u_rem < 0.8 THEN 'decision_modified' ELSE 'decision_overturned' END AS appeal_outcome,
        CASE t.priority WHEN 'P0' THEN 1 WHEN 'P1' THEN 3 ELSE 7 END AS ack_days,
        CASE t.priority WHEN 'P0' THEN 7 WHEN 'P1' THEN 30 ELSE 90 END AS decision_days,
        CASE t.priority WHEN 'P0' THEN 14 WHEN 'P1' THEN 30 WHEN 'P2' THEN 60 ELSE 90 END AS remedy_days,
        CASE t.priority WHEN 'P0' THEN 7 WHEN 'P1' THEN 14 ELSE 30 END AS appeal_days OFFSET 0) w
 CROSS JOIN LATERAL (SELECT
        CASE s.after WHEN 'appeal_decided' THEN w.appeal_final_at + interval '1 day'
             WHEN 'closed' THEN s.decided_at + make_interval(secs => (15 + 30 * u.u_after) * 86400) END AS closed_at,
        CASE WHEN w.status = 'submitted' OR s.ack_at0 >= s.ended_at THEN NULL ELSE s.ack_at0 END AS ack_at,
        CASE WHEN w.status = 'closed' AND u.u_root >= 0.15
             THEN (ARRAY['data', 'data', 'model', 'model', 'threshold', 'process', 'process', 'human_error', 'none',
                         'none'])[1 + floor((u.u_root - 0.15) / 0.85 * 10)::int] END AS root_cause OFFSET 0) x)
`

// statsClocks are the clocks of a case of g, one row each (none where
// started_at is NULL): when each started, fell due and ended, what ended it,
// and the rule.
const statsClocks = `(VALUES
    ('acknowledge', g.submitted_at, g.submitted_at + make_interval(days => g.ack_days), coalesce(g.ack_at, g.ended_at),
     'acknowledged', '{"code":"eu_whistleblowing_ack","source":"EU Whistleblowing Directive 2019/1937 art. 9(1)(b)"}'),
    ('decision', g.submitted_at, g.submitted_at + make_interval(days => g.decision_days), coalesce(g.decided_at, g.ended_at),
     'decided', '{"code":"policy_decision","source":"SLA policy"}'),
    ('feedback', coalesce(g.ack_at, g.submitted_at + interval '7 days'),
     coalesce(g.ack_at, g.submitted_at + interval '7 days') + interval '3 months', coalesce(g.decided_at, g.ended_at),
     'decided', '{"code":"eu_whistleblowing_feedback","source":"EU Whistleblowing Directive 2019/1937 art. 9(1)(f)"}'),
    ('gdpr_reply', CASE WHEN g.kind IN ('contest_decision', 'explanation_request') THEN g.submitted_at END,
     g.submitted_at + interval '1 month',
     coalesce(g.ended_at, least(g.decided_at, CASE WHEN g.reply_at < $4::timestamptz THEN g.reply_at END)),
     'responded', '{"code":"gdpr_12_3","source":"GDPR art. 12(3)"}'),
    ('appeal', g.appealed_at, g.appealed_at + make_interval(days => g.appeal_days), g.appeal_final_at,
     'decided', '{"code":"policy_appeal","source":"SLA policy"}'),
    ('remedy', CASE WHEN g.has_remedy THEN g.decided_at END, g.decided_at + make_interval(days => g.remedy_days), g.closed_at,
     'closed', '{"code":"policy_remedy","source":"SLA policy"}')
  ) AS k (clock, started_at, due_at, end_at, ended_by, rule)`

// dammTable is the Damm quasigroup of case references (internal/auth),
// row by row, as a PostgreSQL array.
const dammTable = `'{0,3,1,7,5,9,8,6,4,2, 7,0,9,2,1,5,4,8,6,3, 4,2,0,6,8,7,1,3,5,9, 1,7,5,0,9,8,3,4,2,6,
	6,1,2,3,0,4,5,9,7,8, 3,6,7,4,2,0,9,5,8,1, 5,8,6,9,7,2,0,1,3,4, 8,9,4,5,3,6,2,0,1,7, 9,4,3,8,6,1,7,2,0,5,
	2,5,8,1,4,3,6,7,9,0}'::int[]`

// benchReference is the SQL for case i's reference: its eight digits and a
// ninth that is the Damm check digit plus one. Every reference the
// application issues has the right check digit, so these never meet one of
// its cases, and a complainant typing one would be told it is malformed.
func benchReference(i string) string {
	interim := "0"
	for k, pow := 0, 10_000_000; k < 8; k, pow = k+1, pow/10 {
		interim = fmt.Sprintf("(%s)[1 + 10 * %s + (%s / %d) %% 10]", dammTable, interim, i, pow)
	}
	d := fmt.Sprintf("lpad(%s::text, 8, '0') || ((%s + 1) %% 10)::text", i, interim)
	return fmt.Sprintf("'RD-' || substr(%[1]s, 1, 3) || '-' || substr(%[1]s, 4, 3) || '-' || substr(%[1]s, 7, 3)", d)
}

// statsSteps are the statements that load the data set, in the order of
// their steps: the cases; then what hangs off them; then remedy bundles and
// their components.
var statsSteps = []struct {
	name  string
	stmts []string
}{
	{"cases", []string{statsCases + `
INSERT INTO cases (id, reference, receipt_hash, kind, status, ai_system_id, ai_system_other, informed_of_ai, description_enc,
                   language, anonymous, contact_enc, preferred_channel, queue_id, assignee_id, assigned_at, priority, submitted_at,
                   acknowledged_at, received_at, routed_at, status_changed_at, updated_at, sla_policy_id, decided_at,
                   appealed_at, appeal_state, appeal_by, closed_at, root_cause, next_due_at)
SELECT g.id, ` + benchReference("g.i") + `, decode(md5(g.i::text) || md5(g.i::text), 'hex'), g.kind, g.status,
       CASE WHEN g.sys > 0 THEN ($5::uuid[])[g.sys] END, CASE WHEN g.sys = 0 THEN 'a system not in the register' END,
       (ARRAY['yes', 'no', 'unsure'])[1 + g.i % 3], '\x00'::bytea, (ARRAY['en', 'en', 'en', 'fr', 'de', 'es', 'nl'])[1 + g.i % 7],
       g.i % 4 <> 0, CASE WHEN g.i % 4 = 0 THEN '\x00'::bytea END, CASE WHEN g.i % 4 = 0 THEN 'email' END,
       ($8::uuid[])[CASE WHEN g.status = 'escalated' THEN 2 ELSE 1 END],
       CASE WHEN g.status <> 'submitted' THEN ($7::uuid[])[1 + g.i % 2] END,
       CASE WHEN g.status <> 'submitted' THEN coalesce(g.ack_at, g.ended_at) END,
       g.priority, g.submitted_at, g.ack_at, g.submitted_at, g.submitted_at + interval '1 second',
       coalesce(g.closed_at, g.appealed_at, g.decided_at, g.ended_at, g.ack_at, g.submitted_at),
       coalesce(g.closed_at, g.appealed_at, g.decided_at, g.ended_at, g.ack_at, g.submitted_at),
       $9::uuid, g.decided_at, g.appealed_at,
       CASE WHEN g.appealed_at IS NOT NULL THEN CASE WHEN g.appeal_final_at IS NULL THEN 'open' ELSE 'decided' END END,
       g.decided_at + interval '30 days', g.closed_at, g.root_cause,
       (SELECT min(k.due_at) FROM ` + statsClocks + ` WHERE k.started_at IS NOT NULL AND k.end_at IS NULL)
  FROM g`}},
	{"classifications, decisions, clocks, ratings", []string{
		statsCases + `
INSERT INTO case_classifications (case_id, rights, harm_types, mechanisms, harm_status, source, updated_at)
SELECT g.id,
       ARRAY[(ARRAY['other', 'social_security', 'property_and_consumer', 'work', 'credit_and_essential_services', 'work'])[1 + g.sys]]
         || CASE WHEN g.u_fb < 0.35 THEN ARRAY['non_discrimination'] WHEN g.u_fb < 0.55 THEN ARRAY['privacy']
                 WHEN g.u_fb < 0.62 THEN ARRAY['due_process', 'privacy'] ELSE '{}'::text[] END,
       CASE WHEN g.sys IN (1, 4) THEN ARRAY['financial'] WHEN g.sys IN (3, 5) THEN ARRAY['loss_of_opportunity'] ELSE '{}'::text[] END,
       CASE WHEN g.u_out < 0.3 THEN ARRAY['erroneous_output'] WHEN g.u_out < 0.45 THEN ARRAY['biased_output', 'no_explanation']
            ELSE ARRAY['no_explanation'] END,
       'occurred', CASE WHEN g.status = 'submitted' THEN 'complainant' ELSE 'triage' END, coalesce(g.ack_at, g.submitted_at)
  FROM g`,
		statsCases + `
INSERT INTO decisions (id, case_id, outcome, rationale_enc, explanation_enc, signposting_enc, had_authority, not_a_model_rerun,
                       deployer_involvement, provider_involvement, decided_by, status, approved_by, reviewed_at, created_at,
                       stage, final_at)
SELECT md5('redress-bench-stats:decision:' || g.i)::uuid, g.id, g.outcome, '\x00'::bytea, '\x00'::bytea,
       CASE WHEN g.outcome = 'not_within_scope' THEN '\x00'::bytea END, true, true,
       (ARRAY['caused', 'contributed', 'directly_linked', 'none'])[1 + floor(g.u_ttd * 4)::int],
       (ARRAY['contributed', 'directly_linked', 'none'])[1 + floor(g.u_root * 3)::int],
       ($7::uuid[])[1 + g.i % 2], 'final', CASE WHEN g.u_after >= 0.7 THEN ($7::uuid[])[3] END,
       CASE WHEN g.u_after >= 0.7 THEN g.decided_at END,
       g.decided_at - CASE WHEN g.u_after >= 0.7 THEN interval '1 day' ELSE interval '0' END * least(1, g.ttd / 4),
       'first', g.decided_at
  FROM g WHERE g.path = 'decided'
UNION ALL
SELECT md5('redress-bench-stats:appeal:' || g.i)::uuid, g.id, g.appeal_outcome, '\x00'::bytea, '\x00'::bytea, '\x00'::bytea,
       true, true, 'contributed', 'none', ($7::uuid[])[2 - g.i % 2], 'final', NULL, NULL,
       g.appeal_final_at - interval '1 hour', 'appeal', g.appeal_final_at
  FROM g WHERE g.appeal_final_at IS NOT NULL
UNION ALL
SELECT md5('redress-bench-stats:refused:' || g.i)::uuid, g.id, 'decision_confirmed', '\x00'::bytea, '\x00'::bytea, NULL, true, true,
       'none', 'none', ($7::uuid[])[1 + g.i % 2], 'refused', ($7::uuid[])[3],
       g.submitted_at + make_interval(secs => g.ttd * 0.5 * 86400 + 3600), g.submitted_at + make_interval(secs => g.ttd * 0.5 * 86400),
       'first', NULL
  FROM g WHERE g.path = 'decided' AND g.u_ack >= 0.96
UNION ALL
SELECT md5('redress-bench-stats:pending:' || g.i)::uuid, g.id, g.outcome, '\x00'::bytea, '\x00'::bytea,
       CASE WHEN g.outcome = 'not_within_scope' THEN '\x00'::bytea END, true, true, 'none', 'none', ($7::uuid[])[1 + g.i % 2],
       'pending_approval', NULL, NULL, g.submitted_at + make_interval(secs => g.age * 0.9 * 86400), 'first', NULL
  FROM g WHERE g.status = 'pending_approval'`,
		statsCases + `
INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule, policy_id, satisfied_at, satisfied_by, breached_at,
                         warn_at, warned, next_fire_at)
SELECT g.id, k.clock, k.started_at, k.due_at, k.rule, $9::uuid, k.end_at,
       CASE WHEN k.end_at IS NOT NULL THEN CASE WHEN g.ended_at IS NOT NULL THEN g.status ELSE k.ended_by END END,
       CASE WHEN coalesce(k.end_at, $4::timestamptz) > k.due_at THEN k.due_at + interval '3 seconds' END,
       ARRAY[f.w1, f.w2], (f.w1 < coalesce(k.end_at, $4))::int + (f.w2 < coalesce(k.end_at, $4))::int,
       CASE WHEN k.end_at IS NULL AND k.due_at > $4
            THEN CASE WHEN f.w1 > $4 THEN f.w1 WHEN f.w2 > $4 THEN f.w2 ELSE k.due_at END END
  FROM g
 CROSS JOIN LATERAL ` + statsClocks + `
 CROSS JOIN LATERAL (SELECT k.started_at + (k.due_at - k.started_at) * 0.75 AS w1,
                            k.started_at + (k.due_at - k.started_at) * 0.9 AS w2) f
 WHERE k.started_at IS NOT NULL`,
		statsCases + `
INSERT INTO case_feedback (case_id, satisfaction, created_at)
SELECT g.id, (CASE g.outcome WHEN 'decision_overturned' THEN 3 + floor(g.u_root * 3) WHEN 'decision_modified' THEN 2 + floor(g.u_root * 4)
                             WHEN 'decision_confirmed' THEN 1 + floor(g.u_root * 4) ELSE 1 + floor(g.u_root * 3) END)::smallint,
       least(g.closed_at + interval '2 days', $4::timestamptz)
  FROM g WHERE g.status = 'closed' AND g.u_fb >= 0.6`,
	}},
	{"remedy bundles", []string{statsCases + `
INSERT INTO remedy_bundles (id, case_id, decision_id, proposed_by, created_at)
SELECT md5('redress-bench-stats:bundle:' || g.i)::uuid, g.id, md5('redress-bench-stats:decision:' || g.i)::uuid,
       ($7::uuid[])[1 + g.i % 2], g.decided_at + interval '1 hour'
  FROM g WHERE g.has_remedy`}},
	// Each component is inserted in the status it has reached, with the
	// dates of the steps that led there; the transition trigger guards
	// updates only. A component of a closed case went through its steps
	// between the bundle and the closure; one of an open case a fixed number
	// of days after the bundle (offered at 2, answered at 7, implemented at
	// 20), so it has reached the step its age allows.
	{"remedy components", []string{statsCases + `
INSERT INTO remedy_components (bundle_id, position, form, subtype, description_enc, responsible, responsible_name, amount, currency,
                               due_at, status, offered_at, responded_at, implemented_at, implemented_by, verified_at, verified_by,
                               overdue_at, updated_at)
SELECT md5('redress-bench-stats:bundle:' || g.i)::uuid, p.n, f.form,
       CASE f.form WHEN 'restitution' THEN 'reinstatement' WHEN 'compensation' THEN 'payment' WHEN 'rehabilitation' THEN 'support'
                   WHEN 'satisfaction' THEN 'apology' ELSE 'policy_change' END,
       '\x00'::bytea, CASE WHEN q.v2 < 0.75 THEN 'deployer' WHEN q.v2 < 0.95 THEN 'provider' ELSE 'other' END,
       CASE WHEN q.v2 >= 0.95 THEN 'An insurer' END,
       CASE WHEN f.form = 'compensation' THEN round((50 + 4950 * q.v2)::numeric, 2) END,
       CASE WHEN f.form = 'compensation' THEN 'EUR' END,
       q.created + interval '30 days', st.status,
       CASE WHEN st.status <> 'proposed' THEN q.created + CASE WHEN q.done THEN (g.closed_at - q.created) * 0.1 ELSE interval '2 days' END END,
       CASE WHEN st.status IN ('accepted', 'declined') OR st.status IN ('implemented', 'verified') AND f.form <> 'non_repetition'
            THEN q.created + CASE WHEN q.done THEN (g.closed_at - q.created) * 0.3 ELSE interval '7 days' END END,
       CASE WHEN st.status IN ('implemented', 'verified')
            THEN q.created + CASE WHEN q.done THEN (g.closed_at - q.created) * 0.7 ELSE interval '20 days' END END,
       CASE WHEN st.status IN ('implemented', 'verified') THEN ($7::uuid[])[1 + g.i % 2] END,
       CASE WHEN st.status = 'verified' THEN q.created + (g.closed_at - q.created) * 0.9 END,
       CASE WHEN st.status = 'verified' THEN ($7::uuid[])[3] END,
       CASE WHEN st.status NOT IN ('verified', 'declined') AND q.created + interval '30 days' <= $4::timestamptz
            THEN q.created + interval '30 days 5 seconds' END,
       coalesce(g.closed_at, $4::timestamptz)
  FROM g
 CROSS JOIN LATERAL generate_series(0, CASE WHEN g.u_fb < 0.45 THEN 1 ELSE 0 END) AS p (n)
 CROSS JOIN LATERAL (SELECT (hashint4(g.i * 4 + p.n) & 1023)::float8 / 1024 AS v,
                            ((hashint4(g.i * 4 + p.n) >> 10) & 1023)::float8 / 1024 AS v2,
                            ((hashint4(g.i * 4 + p.n) >> 20) & 1023)::float8 / 1024 AS v3,
                            g.decided_at + interval '1 hour' AS created, g.status = 'closed' AS done,
                            extract(epoch FROM $4::timestamptz - g.decided_at) / 86400 AS days) q
 CROSS JOIN LATERAL (SELECT CASE WHEN g.outcome = 'decision_confirmed' THEN 'satisfaction'
                                 WHEN p.n = 0 THEN CASE WHEN q.v < 0.45 THEN 'restitution' WHEN q.v < 0.8 THEN 'compensation'
                                                        ELSE 'rehabilitation' END
                                 ELSE CASE WHEN q.v < 0.6 THEN 'satisfaction' ELSE 'non_repetition' END END AS form) f
 CROSS JOIN LATERAL (SELECT CASE WHEN q.done THEN CASE WHEN q.v3 < 0.7 THEN 'verified'
                                                       WHEN q.v3 < 0.85 AND f.form <> 'non_repetition' THEN 'declined'
                                                       ELSE 'implemented' END
                                 WHEN q.days < 2 THEN 'proposed' WHEN q.days < 7 THEN 'offered'
                                 WHEN q.v3 < 0.15 AND f.form <> 'non_repetition' THEN 'declined'
                                 WHEN q.days < 20 THEN 'accepted' ELSE 'implemented' END AS status) st
 WHERE g.has_remedy`}},
}

// statsIssues are 30 systemic issues over the two years, two thirds about
// the big system, each with a bundle of one guarantee of non-repetition.
// $1 the AI systems, $2 the staff, $3 the data set's now.
const statsIssues = `
WITH si AS (
	INSERT INTO systemic_issues (id, ai_system_id, mechanism, title, status, created_by, created_at, resolved_at, resolved_by,
	                             resolution_note)
	SELECT md5('redress-bench-stats:issue:' || n)::uuid, ($1::uuid[])[CASE WHEN n % 3 = 0 THEN 3 + n % 2 ELSE 1 END],
	       (ARRAY['erroneous_output', 'biased_output', 'data_error', 'no_explanation'])[1 + n % 4], 'Systemic issue ' || n,
	       CASE WHEN n % 4 = 0 THEN 'resolved' ELSE 'open' END, ($2::uuid[])[3], $3::timestamptz - make_interval(days => n * 23),
	       CASE WHEN n % 4 = 0 THEN $3::timestamptz - make_interval(days => n * 23 - 60) END,
	       CASE WHEN n % 4 = 0 THEN ($2::uuid[])[3] END, CASE WHEN n % 4 = 0 THEN 'Fixed by the provider.' END
	  FROM generate_series(1, 30) AS n
	RETURNING id, created_at, status),
b AS (
	INSERT INTO remedy_bundles (systemic_issue_id, proposed_by, created_at)
	SELECT id, ($2::uuid[])[3], created_at + interval '7 days' FROM si
	RETURNING id, created_at)
INSERT INTO remedy_components (bundle_id, position, form, subtype, description_enc, responsible, due_at, status, offered_at,
                               implemented_at, implemented_by, verified_at, verified_by, overdue_at)
SELECT b.id, 0, 'non_repetition', 'policy_change', '\x00'::bytea, 'provider', b.created_at + interval '90 days', s.status,
       b.created_at + interval '1 day',
       CASE WHEN s.status IN ('implemented', 'verified') THEN b.created_at + interval '40 days' END,
       CASE WHEN s.status IN ('implemented', 'verified') THEN ($2::uuid[])[1] END,
       CASE WHEN s.status = 'verified' THEN b.created_at + interval '50 days' END,
       CASE WHEN s.status = 'verified' THEN ($2::uuid[])[3] END,
       CASE WHEN s.status <> 'verified' AND b.created_at + interval '90 days' <= $3::timestamptz THEN b.created_at + interval '90 days' END
  FROM b CROSS JOIN LATERAL (SELECT CASE WHEN b.created_at < $3::timestamptz - interval '60 days' THEN 'verified'
                                         WHEN b.created_at < $3::timestamptz - interval '40 days' THEN 'implemented'
                                         ELSE 'offered' END AS status) s`

// insertScript is pgbench's transaction: one row with a 1 KB payload that
// differs per row, built from core functions (pgcrypto is not needed). At
// 1 KB the row stays below the TOAST threshold, so it is written inline and
// uncompressed, as the case row is.
const insertScript = `INSERT INTO bench_insert (payload) VALUES (decode(repeat(md5(random()::text), 64), 'hex'));
`

const insertTable = `CREATE TABLE IF NOT EXISTS bench_insert (
    id         bigserial PRIMARY KEY,
    payload    bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
)`

// sweepLoad loads the sweep's cases [$1, $2] into queue $3, every $4th of
// them (up to $6) due now and marked with decision reference $5, and gives
// the others a decision clock of policy $7 whose next warning is ahead.
const sweepLoad = `
			WITH c AS (
				INSERT INTO cases (id, reference, receipt_hash, kind, informed_of_ai, description_enc, language, anonymous,
				                   ai_system_other, queue_id, priority, routed_at, submitted_at, status_changed_at, updated_at,
				                   decision_reference)
				SELECT gen_random_uuid(),
				       'RD-' || lpad((i / 1000000)::text, 3, '0') || '-' || lpad((i / 1000 % 1000)::text, 3, '0') || '-' ||
				       lpad((i % 1000)::text, 3, '0'),
				       decode(md5(i::text) || md5(i::text), 'hex'),
				       (ARRAY['contest_decision', 'explanation_request', 'concern'])[1 + i % 3], 'no', '\x00'::bytea, 'en', true,
				       'a system', $3::uuid, 'P3', t.at, t.at, t.at, t.at, CASE WHEN d.due THEN $5::text END
				  FROM generate_series($1::int, $2::int) i
				 CROSS JOIN LATERAL (SELECT (i - $1) % $4 = $4 - 1 AND (i - $1) / $4 < $6 AS due) d
				 CROSS JOIN LATERAL (SELECT CASE WHEN d.due THEN now() - interval '8 days'
				                                ELSE now() - ((i::bigint * 7919) % 432000) * interval '1 second' END AS at) t
				RETURNING id, submitted_at, decision_reference)
			INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule, policy_id, warn_at, next_fire_at)
			SELECT id, 'decision', submitted_at, submitted_at + interval '90 days',
			       '{"code":"policy_decision","source":"SLA policy","period":"90 days"}', $7::uuid,
			       ARRAY[submitted_at + interval '67.5 days', submitted_at + interval '81 days'], submitted_at + interval '67.5 days'
			  FROM c WHERE decision_reference IS NULL`

// scaleLoadSQL loads the reads-at-scale cases [$1, $2] of $3 (scale.go) with
// their classification and two clocks each, in one statement: $4 the data
// set's now, $5 the AI systems (the big one, the small one, three others, as
// statsSystems), $6 the staff cases are assigned to, $7 the queues (general,
// employment, credit-and-benefits, supervisors, incidents), $8 the default
// SLA policy. Ids are md5 hashes of the case's number i, and every value is
// a function of i (one 64-bit hash, six 10-bit fractions):
//   - submitted over two years, case 1 the oldest, case $3 a quarter of an
//     hour old; AI system, kind and priority spread as in the statistics'
//     data set (statsCases);
//   - 4% withdrawn, 6% rejected; of the rest a share growing with age to 89%
//     at 120 days ended (closed, or decided / remedy in progress when under
//     60 days old), the others open: submitted under a day old,
//     acknowledged under three, else in review (3 in 7), awaiting the
//     complainant, pending approval, escalated or appealed;
//   - the queue routing would pick (escalated to the supervisors, incidents
//     to incidents, hiring and scheduling to employment, credit and benefits
//     to credit-and-benefits, the rest to general); every case but a
//     submitted one assigned to one of the staff, evenly;
//   - a classification; an acknowledge clock (7 days) and a decision clock
//     (90 days), each ended when the case was acknowledged or ended, else
//     running. The description is one shared placeholder, not sealed:
//     scale.go seals real ones for the cases it opens.
var scaleLoadSQL = `
WITH g AS (
SELECT i, md5('redress-bench-scale:' || i)::uuid AS id, u.*, t.*, x.*
  FROM generate_series($1::int, $2::int) AS i
 CROSS JOIN LATERAL (SELECT hashint8extended(i, 11) AS h, hashint4(i) AS h4 OFFSET 0) hh
 CROSS JOIN LATERAL (SELECT
        (hh.h & 1023)::float8 / 1024 AS u_sys, ((hh.h >> 10) & 1023)::float8 / 1024 AS u_kind,
        ((hh.h >> 20) & 1023)::float8 / 1024 AS u_path, ((hh.h >> 30) & 1023)::float8 / 1024 AS u_prio,
        ((hh.h >> 40) & 1023)::float8 / 1024 AS u_end, ((hh.h >> 50) & 1023)::float8 / 1024 AS u_open,
        1 + (hh.h4::bigint & 65535) % cardinality($6::uuid[]) AS staff,
        ($3::int - i)::float8 * 730 / $3::int + 0.01 AS age OFFSET 0) u
 CROSS JOIN LATERAL (SELECT
        CASE WHEN i % 1000 = 0 THEN 2 WHEN u.u_sys < 0.6 THEN 1 WHEN u.u_sys < 0.7 THEN 0
             WHEN u.u_sys < 0.8 THEN 3 WHEN u.u_sys < 0.9 THEN 4 ELSE 5 END AS sys,
        CASE WHEN u.u_kind < 0.45 THEN 'contest_decision' WHEN u.u_kind < 0.7 THEN 'explanation_request'
             WHEN u.u_kind < 0.9 THEN 'concern' WHEN u.u_kind < 0.95 THEN 'incident' ELSE 'retaliation' END AS kind,
        CASE WHEN u.u_prio < 0.03 THEN 'P0' WHEN u.u_prio < 0.15 THEN 'P1' WHEN u.u_prio < 0.45 THEN 'P2' ELSE 'P3' END AS priority,
        CASE WHEN u.u_path < 0.04 THEN 'withdrawn' WHEN u.u_path < 0.10 THEN 'rejected'
             WHEN u.u_path < 0.10 + 0.89 * least(1, u.age / 120)
                  THEN CASE WHEN u.age > 60 OR u.u_end < 0.6 THEN 'closed' WHEN u.u_end < 0.85 THEN 'decided'
                            ELSE 'remedy_in_progress' END
             WHEN u.age < 1 THEN 'submitted' WHEN u.age < 3 THEN 'acknowledged'
             ELSE (ARRAY['in_review', 'in_review', 'in_review', 'awaiting_complainant', 'pending_approval', 'escalated',
                         'appealed'])[1 + floor(u.u_open * 7)::int] END AS status,
        $4::timestamptz - make_interval(secs => u.age * 86400) AS submitted_at OFFSET 0) t
 CROSS JOIN LATERAL (SELECT
        t.submitted_at + make_interval(secs => least(u.age * 0.5, 0.2 + 2 * u.u_end) * 86400) AS ack_at,
        t.submitted_at + make_interval(secs => least(u.age * 0.9, 2 + 88 * u.u_end * u.u_end) * 86400) AS changed_at,
        t.status IN ('submitted', 'acknowledged', 'in_review', 'awaiting_complainant', 'pending_approval', 'escalated',
                     'appealed') AS open OFFSET 0) x),
c AS (
INSERT INTO cases (id, reference, receipt_hash, kind, status, ai_system_id, ai_system_other, informed_of_ai, description_enc,
                   language, anonymous, contact_enc, preferred_channel, queue_id, assignee_id, assigned_at, priority, submitted_at,
                   acknowledged_at, received_at, routed_at, status_changed_at, updated_at, sla_policy_id, decided_at, closed_at,
                   next_due_at)
SELECT g.id, ` + benchReference("g.i") + `, decode(md5(g.i::text) || md5(g.i::text), 'hex'), g.kind, g.status,
       CASE WHEN g.sys > 0 THEN ($5::uuid[])[g.sys] END, CASE WHEN g.sys = 0 THEN 'a system not in the register' END,
       (ARRAY['yes', 'no', 'unsure'])[1 + g.i % 3], '\x00'::bytea, (ARRAY['en', 'en', 'en', 'fr', 'de', 'es', 'nl'])[1 + g.i % 7],
       g.i % 4 <> 0, CASE WHEN g.i % 4 = 0 THEN '\x00'::bytea END, CASE WHEN g.i % 4 = 0 THEN 'email' END,
       ($7::uuid[])[CASE WHEN g.status = 'escalated' THEN 4 WHEN g.kind = 'incident' THEN 5 WHEN g.sys IN (3, 5) THEN 2
                         WHEN g.sys IN (1, 4) THEN 3 ELSE 1 END],
       CASE WHEN g.status <> 'submitted' THEN ($6::uuid[])[g.staff] END,
       CASE WHEN g.status <> 'submitted' THEN g.ack_at END,
       g.priority, g.submitted_at, CASE WHEN g.status <> 'submitted' THEN g.ack_at END,
       g.submitted_at, g.submitted_at + interval '1 second',
       CASE WHEN g.open THEN g.ack_at ELSE g.changed_at END, CASE WHEN g.open THEN g.ack_at ELSE g.changed_at END, $8::uuid,
       CASE WHEN g.status IN ('decided', 'remedy_in_progress', 'closed') THEN g.changed_at END,
       CASE WHEN g.status = 'closed' THEN g.changed_at END,
       CASE WHEN g.open THEN g.submitted_at + interval '90 days' END
  FROM g
RETURNING id, status, submitted_at, acknowledged_at, status_changed_at),
k AS (
INSERT INTO case_classifications (case_id, rights, harm_types, mechanisms, harm_status, source, updated_at)
SELECT c.id, ARRAY[(ARRAY['other', 'social_security', 'property_and_consumer', 'work', 'credit_and_essential_services'])[1 + g.sys % 5]],
       '{}', ARRAY['no_explanation'], 'occurred', CASE WHEN c.status = 'submitted' THEN 'complainant' ELSE 'triage' END,
       coalesce(c.acknowledged_at, c.submitted_at)
  FROM c JOIN g ON g.id = c.id)
INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule, policy_id, satisfied_at, satisfied_by, warn_at, warned, next_fire_at)
SELECT c.id, v.clock, c.submitted_at, v.due_at, v.rule, $8::uuid, v.ended, CASE WHEN v.ended IS NOT NULL THEN v.ended_by END,
       ARRAY[c.submitted_at + (v.due_at - c.submitted_at) * 0.75, c.submitted_at + (v.due_at - c.submitted_at) * 0.9], 0,
       CASE WHEN v.ended IS NULL THEN c.submitted_at + (v.due_at - c.submitted_at) * 0.75 END
  FROM c
 CROSS JOIN LATERAL (VALUES
       ('acknowledge', c.submitted_at + interval '7 days', c.acknowledged_at, 'acknowledged',
        '{"code":"policy_acknowledge","source":"SLA policy","period":"7 days"}'),
       ('decision', c.submitted_at + interval '90 days',
        CASE WHEN c.status NOT IN ('submitted', 'acknowledged', 'in_review', 'awaiting_complainant', 'pending_approval',
                                   'escalated', 'appealed') THEN c.status_changed_at END, 'decided',
        '{"code":"policy_decision","source":"SLA policy","period":"90 days"}')
  ) AS v (clock, due_at, ended, ended_by, rule)`

// scaleStaffSQL adds $1 reviewers to the reads-at-scale database, members
// of every queue; they never sign in (their password hash is no hash).
const scaleStaffSQL = `
WITH u AS (
	INSERT INTO users (email, name, role, password_hash, languages)
	SELECT 'scale-' || n || '@example.org', 'Scale Reviewer ' || n, 'reviewer', '!', '{en}'
	  FROM generate_series(1, $1::int) n
	RETURNING id)
INSERT INTO queue_members (queue_id, user_id)
SELECT q.id, u.id FROM u CROSS JOIN queues q`
