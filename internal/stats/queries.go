package stats

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/platform/db"
)

// The package's statements: every figure is an aggregate that needs SQL's
// full power (GROUP BY, GROUPING SETS, FILTER, percentile_cont), read on
// one snapshot; the named types below are the rows they return, which Go
// folds into the answers.

// snapshot runs fn in one read-only REPEATABLE READ transaction, so every
// figure of an answer is counted on the same state of the database.
func (s *Service) snapshot(ctx context.Context, fn func(conn *gorm.DB) error) error {
	return db.Transact(ctx, s.db, func(conn *gorm.DB) error {
		if err := conn.Exec(`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`).Error; err != nil {
			return fmt.Errorf("stats: snapshot: %w", err)
		}
		return fn(conn)
	})
}

// where is the SQL condition that col lies in the range, with its arguments.
func (r Range) where(col string) (string, []any) {
	conds, args := []string{"true"}, []any{}
	if r.From != nil {
		conds, args = append(conds, col+" >= ?"), append(args, *r.From)
	}
	if r.Until != nil {
		conds, args = append(conds, col+" < ?"), append(args, *r.Until)
	}
	return strings.Join(conds, " AND "), args
}

// finalAt is the SQL for when a final decision (d) became final: final_at,
// or, where that was not recorded, when it was approved or made — the rule
// migration 00010 filled final_at in with.
const finalAt = `COALESCE(d.final_at, d.reviewed_at, d.created_at)`

// SLA clock states (on case_clocks k): each clock is in exactly one.
const (
	// A remedy clock ended "unremedied" (every component settled, but one
	// the complainant had seen was withdrawn) was not met: it counts late.
	clockLate   = `(k.breached_at IS NOT NULL OR k.satisfied_at > k.due_at OR k.satisfied_by = 'unremedied')`
	clockOnTime = `(k.satisfied_at IS NOT NULL AND k.breached_at IS NULL AND (k.due_at IS NULL OR k.satisfied_at <= k.due_at)
		AND k.satisfied_by IS DISTINCT FROM 'unremedied')`
	clockOverdue = `(k.satisfied_at IS NULL AND k.breached_at IS NULL AND k.due_at < now())`
	clockRunning = `(k.satisfied_at IS NULL AND k.breached_at IS NULL AND (k.due_at IS NULL OR k.due_at >= now()))`
	// clockKind counts every independent body's order as one clock,
	// body_item (each has its own, "body_item:<id>": internal/clocks/tasks.go).
	// Likewise every request for information to a provider, provider_request.
	clockKind = `(CASE WHEN k.clock LIKE 'body_item:%' THEN 'body_item'
		WHEN k.clock LIKE 'provider_request:%' THEN 'provider_request' ELSE k.clock END)`
)

// query is one aggregate of an answer: its SQL and arguments.
type query struct {
	name string
	sql  string
	args []any
}

// scan runs q and scans its rows into dest.
func (q query) scan(conn *gorm.DB, dest any) error {
	return conn.Raw(q.sql, q.args...).Scan(dest).Error
}

// systemQueries are the statements AISystem runs, in order (a test
// EXPLAINs each). Cases are picked by (ai_system_id, submitted_at), the
// order of cases_ai_system_idx; every join follows a key or an index.
func systemQueries(id uuid.UUID, r Range) []query {
	rng, rargs := r.where("c.submitted_at")
	scope := `c.ai_system_id = ? AND ` + rng
	sargs := append([]any{id}, rargs...)
	srng, srargs := r.where("si.created_at")
	return []query{
		{"cases", `
			SELECT GROUPING(c.kind) AS g_kind, GROUPING(c.status) AS g_status, GROUPING(c.root_cause) AS g_root,
			       c.kind, c.status, c.root_cause,
			       count(*) AS n, count(*) FILTER (WHERE c.status IN ` + cases.SQLList([]cases.Status{cases.StatusClosed}) + `) AS closed
			  FROM cases c
			 WHERE ` + scope + `
			 GROUP BY GROUPING SETS ((c.kind), (c.status), (c.root_cause), ())`, sargs},
		{"rights", `
			SELECT r.code, count(*) AS n
			  FROM cases c
			  JOIN case_classifications cc ON cc.case_id = c.id
			 CROSS JOIN LATERAL unnest(cc.rights) AS r (code)
			 WHERE ` + scope + `
			 GROUP BY r.code`, sargs},
		{"decisions", `
			SELECT GROUPING(d.stage) AS g_stage, GROUPING(d.outcome) AS g_outcome, d.stage, d.outcome, count(*) AS n
			  FROM cases c
			  JOIN decisions d ON d.case_id = c.id AND d.status = 'final'
			 WHERE ` + scope + `
			 GROUP BY GROUPING SETS ((d.stage, d.outcome), (d.stage), (d.outcome), ())`, sargs},
		{"time_to_decision", `
			SELECT count(*) AS n,
			       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.hours) AS median,
			       percentile_cont(0.9) WITHIN GROUP (ORDER BY t.hours) AS p90
			  FROM (SELECT (extract(epoch FROM min(` + finalAt + `) - c.submitted_at) / 3600)::float8 AS hours
			          FROM cases c
			          JOIN decisions d ON d.case_id = c.id AND d.status = 'final'
			         WHERE ` + scope + `
			         GROUP BY c.id) t`, sargs},
		{"sla", `
			SELECT GROUPING(` + clockKind + `) AS g_clock, ` + clockKind + ` AS clock,
			       count(*) FILTER (WHERE ` + clockOnTime + `) AS on_time,
			       count(*) FILTER (WHERE ` + clockLate + `) AS late,
			       count(*) FILTER (WHERE ` + clockOverdue + `) AS running_overdue,
			       count(*) FILTER (WHERE ` + clockRunning + `) AS running
			  FROM cases c
			  JOIN case_clocks k ON k.case_id = c.id
			 WHERE ` + scope + `
			 GROUP BY ROLLUP (` + clockKind + `)`, sargs},
		// A systemic issue's bundle is counted once, by the AI system
		// and when the issue was opened, however many cases it links.
		{"remedies", `
			SELECT GROUPING(x.systemic) AS g_systemic, GROUPING(x.form) AS g_form, GROUPING(x.status) AS g_status,
			       x.systemic, x.form, x.status, count(*) AS n,
			       count(*) FILTER (WHERE x.status = 'verified') AS verified,
			       count(*) FILTER (WHERE x.status <> 'declined') AS not_declined,
			       count(*) FILTER (WHERE x.reasoned) AS reasoned_away
			  FROM (SELECT false AS systemic, rc.form, rc.status, rc.reason_at IS NOT NULL AS reasoned
			          FROM cases c
			          JOIN remedy_bundles b ON b.case_id = c.id
			          JOIN remedy_components rc ON rc.bundle_id = b.id
			         WHERE ` + scope + `
			        UNION ALL
			        SELECT true, rc.form, rc.status, rc.reason_at IS NOT NULL
			          FROM systemic_issues si
			          JOIN remedy_bundles b ON b.systemic_issue_id = si.id
			          JOIN remedy_components rc ON rc.bundle_id = b.id
			         WHERE si.ai_system_id = ? AND ` + srng + `) x
			 GROUP BY GROUPING SETS ((x.form), (x.status), (), (x.systemic, x.form), (x.systemic, x.status), (x.systemic))`,
			append(append(append([]any{}, sargs...), id), srargs...)},
		{"feedback", `
			SELECT count(*) AS n, avg(f.satisfaction)::float8 AS mean
			  FROM cases c
			  JOIN case_feedback f ON f.case_id = c.id
			 WHERE ` + scope, sargs},
	}
}

// bySystem joins a row to its active AI system, if it has one: the
// system_id of the others is NULL.
const bySystem = `LEFT JOIN ai_systems s ON s.id = %s AND s.active`

// publicQueries are the statements Public runs (a test EXPLAINs each).
func publicQueries() []query {
	on := func(col string) string { return fmt.Sprintf(bySystem, col) }
	return []query{
		{"systems", `SELECT id, slug, name, provider FROM ai_systems WHERE active ORDER BY name, id`, nil},
		{"cases", `
			SELECT s.id AS system_id, c.kind AS code, count(*) AS n
			  FROM cases c ` + on("c.ai_system_id") + `
			 GROUP BY 1, 2`, nil},
		{"decisions", `
			SELECT s.id AS system_id, d.outcome AS code, count(*) AS n
			  FROM decisions d
			  JOIN cases c ON c.id = d.case_id ` + on("c.ai_system_id") + `
			 WHERE d.status = 'final'
			 GROUP BY 1, 2`, nil},
		{"remedies", `
			SELECT s.id AS system_id, x.form AS code, count(*) AS n
			  FROM (SELECT c.ai_system_id AS system, rc.form
			          FROM remedy_components rc
			          JOIN remedy_bundles b ON b.id = rc.bundle_id
			          JOIN cases c ON c.id = b.case_id
			         WHERE rc.reason_at IS NULL
			        UNION ALL
			        SELECT si.ai_system_id, rc.form
			          FROM remedy_components rc
			          JOIN remedy_bundles b ON b.id = rc.bundle_id
			          JOIN systemic_issues si ON si.id = b.systemic_issue_id
			         WHERE rc.reason_at IS NULL) x ` + on("x.system") + `
			 GROUP BY 1, 2`, nil},
		{"time_to_decision", `
			SELECT GROUPING(s.id) AS g, s.id AS system_id, count(*) AS n,
			       percentile_cont(0.5) WITHIN GROUP (ORDER BY t.days) AS value
			  FROM (SELECT c.ai_system_id, (extract(epoch FROM min(` + finalAt + `) - c.submitted_at) / 86400)::float8 AS days
			          FROM cases c
			          JOIN decisions d ON d.case_id = c.id AND d.status = 'final'
			         GROUP BY c.id) t ` + on("t.ai_system_id") + `
			 GROUP BY GROUPING SETS ((s.id), ())`, nil},
		{"sla", `
			SELECT GROUPING(s.id) AS g, s.id AS system_id,
			       count(*) FILTER (WHERE ` + clockOnTime + ` OR ` + clockLate + ` OR ` + clockOverdue + `) AS n,
			       (count(*) FILTER (WHERE ` + clockOnTime + `))::float8
			         / NULLIF(count(*) FILTER (WHERE ` + clockOnTime + ` OR ` + clockLate + ` OR ` + clockOverdue + `), 0) AS value
			  FROM case_clocks k
			  JOIN cases c ON c.id = k.case_id ` + on("c.ai_system_id") + `
			 GROUP BY GROUPING SETS ((s.id), ())`, nil},
		{"feedback", `
			SELECT GROUPING(s.id) AS g, s.id AS system_id, count(*) AS n, avg(f.satisfaction)::float8 AS value
			  FROM case_feedback f
			  JOIN cases c ON c.id = f.case_id ` + on("c.ai_system_id") + `
			 GROUP BY GROUPING SETS ((s.id), ())`, nil},
	}
}

// counted is a grouped count of a public table.
type counted struct {
	SystemID *uuid.UUID
	Code     string
	N        int64
}

// measured is a rate, median or mean of a row (g = 1: of all cases) over n.
type measured struct {
	SystemID *uuid.UUID
	G        int
	N        int64
	Value    *float64
}

// dbNow is the database's now(): the start of the snapshot's transaction.
func dbNow(conn *gorm.DB) (time.Time, error) {
	var t time.Time
	err := conn.Raw(`SELECT now()`).Row().Scan(&t)
	return t, err
}

// caseGroup is a row of systemQueries' "cases": one of the grouping sets
// (g_… = 1: the set is not grouped by that column).
type caseGroup struct {
	GKind, GStatus, GRoot int
	Kind, Status          *string
	RootCause             *string
	N, Closed             int64
}

// rightCount is a row of systemQueries' "rights".
type rightCount struct {
	Code string
	N    int64
}

// decisionGroup is a row of systemQueries' "decisions".
type decisionGroup struct {
	GStage, GOutcome int
	Stage, Outcome   *string
	N                int64
}

// timeToDecisionRow is the row of systemQueries' "time_to_decision".
type timeToDecisionRow struct {
	N           int64
	Median, P90 *float64
}

// clockGroup is a row of systemQueries' "sla" (g_clock = 1: every clock).
type clockGroup struct {
	GClock                                int
	Clock                                 *string
	OnTime, Late, RunningOverdue, Running int64
}

// remedyGroup is a row of systemQueries' "remedies".
type remedyGroup struct {
	GSystemic, GForm, GStatus int
	Systemic                  *bool
	Form, Status              *string
	N, Verified, NotDeclined  int64
	ReasonedAway              int64
}

// feedbackRow is the row of systemQueries' "feedback".
type feedbackRow struct {
	N    int64
	Mean *float64
}

// ---- the dashboard -----------------------------------------------------------

// system is the SQL condition and arguments of the AI system filter on c.
func (o *Dashboard) system() (string, []any) {
	if o.Query.AISystemID == nil {
		return "true", nil
	}
	return "c.ai_system_id = ?", []any{*o.Query.AISystemID}
}

// backlogQuery counts each queue's open cases, those due from now to
// riskUntil (at risk), and those due before now (breached).
func (o *Dashboard) backlogQuery(now, riskUntil time.Time) query {
	cond, args := o.system()
	return query{"backlog", `
		SELECT q.id AS queue_id, q.slug, q.name,
		       count(c.id) AS open,
		       count(c.id) FILTER (WHERE c.next_due_at >= ? AND c.next_due_at < ?) AS at_risk,
		       count(c.id) FILTER (WHERE c.next_due_at < ?) AS breached
		  FROM queues q
		  LEFT JOIN cases c ON c.queue_id = q.id AND c.status IN ` + dashboardOpen + ` AND ` + cond + `
		 GROUP BY q.id ORDER BY q.name, q.id`, append([]any{now, riskUntil, now}, args...)}
}

// systemRow is a register entry a figure is grouped by.
type systemRow struct {
	ID   uuid.UUID
	Name string
}

// systemsWithFigures lists the register's active systems and those any of
// whose ids withFigures (a SELECT of ids) returns, by name.
func systemsWithFigures(withFigures string, args []any) query {
	return query{"systems", `SELECT id, name FROM ai_systems s WHERE s.active OR s.id IN (` + withFigures + `)
		ORDER BY name, id`, args}
}

// seriesCount is a row of casesQuery: the cases about one AI system (NULL:
// none of the register) submitted in one bucket.
type seriesCount struct {
	SystemID *uuid.UUID
	Bucket   time.Time
	N        int64
}

// casesQuery counts the cases submitted from o.From to now by AI system and
// bucket.
func (o *Dashboard) casesQuery(now time.Time) query {
	cond, args := o.system()
	return query{"cases", `
		SELECT c.ai_system_id AS system_id, date_trunc(?, c.submitted_at, 'UTC') AS bucket, count(*) AS n
		  FROM cases c
		 WHERE c.submitted_at >= ? AND c.submitted_at < ? AND ` + cond + `
		 GROUP BY 1, 2`, append([]any{o.Query.Bucket, o.From, now}, args...)}
}

// casesSystems are the systems with cases submitted from o.From to now.
func (o *Dashboard) casesSystems(now time.Time) query {
	return systemsWithFigures(`SELECT c.ai_system_id FROM cases c WHERE c.submitted_at >= ? AND c.submitted_at < ?
		AND c.ai_system_id IS NOT NULL`, []any{o.From, now})
}

// overturnCount is a row of overturnQuery.
type overturnCount struct {
	SystemID    *uuid.UUID
	Decisions   int64
	WithinScope int64
	Changed     int64
}

// changedOutcomesSQL are the outcomes that change the AI's decision, as a
// SQL list of constants (the statement's text is the same as with literals).
var changedOutcomesSQL = cases.SQLList([]decision.Outcome{decision.OutcomeOverturned, decision.OutcomeModified})

// overturnQuery counts the final decisions made from o.From to now by AI
// system: all, within scope, and those that changed the AI's decision.
func (o *Dashboard) overturnQuery(now time.Time) query {
	cond, args := o.system()
	return query{"overturn", `
		SELECT c.ai_system_id AS system_id, count(*) AS decisions,
		       count(*) FILTER (WHERE d.outcome <> '` + string(decision.OutcomeNotWithinScope) + `') AS within_scope,
		       count(*) FILTER (WHERE d.outcome IN ` + changedOutcomesSQL + `) AS changed
		  FROM decisions d
		  JOIN cases c ON c.id = d.case_id
		 WHERE d.status = 'final' AND ` + finalAt + ` >= ? AND ` + finalAt + ` < ? AND ` + cond + `
		 GROUP BY 1`, append([]any{o.From, now}, args...)}
}

// overturnSystems are the systems with final decisions made from o.From to now.
func (o *Dashboard) overturnSystems(now time.Time) query {
	return systemsWithFigures(`SELECT c.ai_system_id FROM decisions d JOIN cases c ON c.id = d.case_id
		WHERE d.status = 'final' AND `+finalAt+` >= ? AND `+finalAt+` < ? AND c.ai_system_id IS NOT NULL`,
		[]any{o.From, now})
}

// clockEnds is a row of slaQuery.
type clockEnds struct {
	Clock  string
	Ended  int64
	OnTime int64
}

// slaQuery counts the clocks satisfied from o.From to now by clock, and
// those of them on time.
func (o *Dashboard) slaQuery(now time.Time) query {
	cond, args := o.system()
	return query{"sla", `
		SELECT ` + clockKind + ` AS clock, count(*) AS ended, count(*) FILTER (WHERE ` + clockOnTime + `) AS on_time
		  FROM case_clocks k
		  JOIN cases c ON c.id = k.case_id
		 WHERE k.satisfied_at >= ? AND k.satisfied_at < ? AND ` + cond + `
		 GROUP BY 1`, append([]any{o.From, now}, args...)}
}
