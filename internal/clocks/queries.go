package clocks

import (
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/sla"
)

// The statements on the clocks' tables that need SQL's full power: the
// sweep's due query and its row locks, the clocks' upserts (through cases,
// which keeps next_due_at with them), the policy joined with its calendar,
// and the escalation request a missed statutory date opens. Simple reads and
// writes use GORM's builder where they are made.

// DueCasesQuery finds the cases with a timer due. It reads only the partial
// index on next_fire_at, so a sweep costs in proportion to the timers due,
// not to the open cases (see TestSweepQueryUsesTheIndex and BENCHMARKS.md).
const DueCasesQuery = `SELECT case_id FROM (
	SELECT case_id, next_fire_at FROM case_clocks
	 WHERE next_fire_at IS NOT NULL AND next_fire_at <= ?
	 ORDER BY next_fire_at LIMIT ?) due
	GROUP BY case_id ORDER BY min(next_fire_at)`

// dueCases is DueCasesQuery: the cases with a timer due at now, by the
// earliest, from up to limit timers.
func dueCases(tx *gorm.DB, now time.Time, limit int) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.Raw(DueCasesQuery, now, limit).Scan(&ids).Error
	return ids, err
}

// dueClock is a clock the sweep found due, as lockDueClocks reads it.
type dueClock struct {
	CaseID     uuid.UUID
	Clock      sla.ClockName
	DueAt      *time.Time
	WarnAt     string
	Warned     int
	Rule       string
	PolicyID   *uuid.UUID
	BreachedAt *time.Time
}

// lockDueClocks locks and reads the running clocks of the cases ids (whose
// rows the caller holds) due at now, by case and name.
func lockDueClocks(tx *gorm.DB, ids []uuid.UUID, now time.Time) ([]dueClock, error) {
	var due []dueClock
	err := tx.Raw(`SELECT case_id, clock, due_at, to_json(warn_at) AS warn_at, warned, rule, policy_id, breached_at
		  FROM case_clocks WHERE case_id IN ? AND next_fire_at <= ? AND satisfied_at IS NULL
		 ORDER BY case_id, clock FOR UPDATE`, ids, now).Scan(&due).Error
	return due, err
}

// What the sweep does to a due clock (clockChange.Kind).
const (
	changeBreach     = "breach"     // breached now: no more warnings, nothing more to fire
	changeWarn       = "warn"       // Warned warnings fired: look again at the next one or the due date
	changeReschedule = "reschedule" // nothing fired (the timer moved): look again when it is next due
)

// clockChange is what the sweep does to one due clock.
type clockChange struct {
	CaseID uuid.UUID
	Clock  sla.ClockName
	Kind   string
	Warned int // the warnings fired (breach, warn)
}

// updateDueClocks applies the sweep's changes to the due clocks it locked,
// breached at now, in one statement.
func updateDueClocks(tx *gorm.DB, now time.Time, changes []clockChange) error {
	if len(changes) == 0 {
		return nil
	}
	values := make([]string, 0, len(changes))
	args := make([]any, 0, 1+4*len(changes))
	args = append(args, now)
	for _, c := range changes {
		values = append(values, "(?::uuid, ?::text, ?::text, ?::integer)")
		args = append(args, c.CaseID, string(c.Clock), c.Kind, c.Warned)
	}
	return tx.Exec(`
		UPDATE case_clocks k SET
		       breached_at = CASE WHEN v.kind = '`+changeBreach+`' THEN ?::timestamptz ELSE k.breached_at END,
		       warned = CASE WHEN v.kind = '`+changeReschedule+`' THEN k.warned ELSE v.warned END,
		       next_fire_at = CASE v.kind
		           WHEN '`+changeBreach+`' THEN NULL
		           WHEN '`+changeWarn+`' THEN LEAST(k.warn_at[v.warned + 1], k.due_at)
		           ELSE CASE WHEN k.breached_at IS NULL THEN LEAST(k.warn_at[k.warned + 1], k.due_at) END END
		  FROM (VALUES `+strings.Join(values, ", ")+`) AS v (case_id, clock, kind, warned)
		 WHERE k.case_id = v.case_id AND k.clock = v.clock`, args...).Error
}

// policyDocs are a policy's JSON documents and warning fractions, as text.
type policyDocs struct {
	Tiers         string
	Statutory     string
	WarnFractions string
	BreachActions string
	AppealWindow  string
}

// policyRow is a policy with its calendar, as loadPolicy reads it.
type policyRow struct {
	ID           uuid.UUID
	Slug         string
	CalendarSlug string
	Spec         string
	Docs         policyDocs `gorm:"embedded"`
}

// loadPolicy reads the policy with id, or the default one for nil; a zero
// row when there is none.
func loadPolicy(tx *gorm.DB, id *uuid.UUID) (policyRow, error) {
	var row policyRow
	q := `SELECT p.id, p.slug, c.slug AS calendar_slug, c.spec, p.tiers, p.statutory, p.warn_fractions::text AS warn_fractions,
		p.breach_actions, p.appeal_window FROM sla_policies p JOIN sla_calendars c ON c.id = p.calendar_id WHERE `
	args := []any{}
	if id == nil {
		q += `p.is_default`
	} else {
		q += `p.id = ?`
		args = append(args, *id)
	}
	err := tx.Raw(q, args...).Scan(&row).Error
	return row, err
}

// storedPolicyRow is a stored policy as storedPolicyRows reads it.
type storedPolicyRow struct {
	ID           uuid.UUID
	Slug         string
	Name         string
	Jurisdiction string
	Calendar     string
	IsDefault    bool
	Docs         policyDocs `gorm:"embedded"`
	UpdatedAt    time.Time
}

// storedPolicyRows reads the policies for which where holds (all for ""),
// the default first, then by slug.
func storedPolicyRows(tx *gorm.DB, where string, args ...any) ([]storedPolicyRow, error) {
	var rows []storedPolicyRow
	q := `SELECT p.id, p.slug, p.name, p.jurisdiction, c.slug AS calendar, p.is_default, p.tiers, p.statutory,
		p.warn_fractions::text AS warn_fractions, p.breach_actions, p.appeal_window, p.updated_at
		FROM sla_policies p JOIN sla_calendars c ON c.id = p.calendar_id`
	if where != "" {
		q += " WHERE " + where
	}
	err := tx.Raw(q+` ORDER BY p.is_default DESC, p.slug`, args...).Scan(&rows).Error
	return rows, err
}

// policyColumns are the columns of sla_policies a policy's save writes, as
// text (warn_fractions a float8[] literal).
type policyColumns struct {
	Slug, Name, Jurisdiction                              string
	CalendarID                                            uuid.UUID
	Tiers, Statutory, WarnFractions, Breach, AppealWindow string
	IsDefault                                             bool
}

// insertPolicy creates a policy and returns its id.
func insertPolicy(tx *gorm.DB, p policyColumns) (uuid.UUID, error) {
	var saved idRow
	err := tx.Raw(`INSERT INTO sla_policies (slug, name, jurisdiction, calendar_id, tiers, statutory, warn_fractions,
				breach_actions, appeal_window, is_default) VALUES (?, ?, ?, ?, ?, ?, ?::float8[], ?, ?, ?) RETURNING id`,
		p.Slug, p.Name, p.Jurisdiction, p.CalendarID, p.Tiers, p.Statutory, p.WarnFractions,
		p.Breach, p.AppealWindow, p.IsDefault).Scan(&saved).Error
	return saved.ID, err
}

// updatePolicy replaces the policy with id and returns its id, or uuid.Nil
// when there is none.
func updatePolicy(tx *gorm.DB, id uuid.UUID, p policyColumns) (uuid.UUID, error) {
	var saved idRow
	err := tx.Raw(`UPDATE sla_policies SET slug = ?, name = ?, jurisdiction = ?, calendar_id = ?, tiers = ?,
				statutory = ?, warn_fractions = ?::float8[], breach_actions = ?, appeal_window = ?, is_default = ?,
				updated_at = now() WHERE id = ? RETURNING id`, p.Slug, p.Name, p.Jurisdiction, p.CalendarID,
		p.Tiers, p.Statutory, p.WarnFractions, p.Breach, p.AppealWindow, p.IsDefault, id).Scan(&saved).Error
	return saved.ID, err
}

// idRow is a row of one id (uuid.Nil when there was no row).
type idRow struct{ ID uuid.UUID }

// queueBySlug is the id of the queue with slug, or uuid.Nil. queues is
// internal/review's table, read here.
func queueBySlug(tx *gorm.DB, slug string) (uuid.UUID, error) {
	var q idRow
	err := tx.Raw(`SELECT id FROM queues WHERE slug = ?`, slug).Scan(&q).Error
	return q.ID, err
}

// factColumns are the columns of cases a case's Facts read, but its SLA
// policy and pauses (FactsSelect).
var factColumns = []string{"kind", "status", "priority", "submitted_at", "acknowledged_at", "decided_at",
	"appealed_at", "extension_notice_at", "incident_aware_at", "incident_subtype"}

// FactsSelect is the select list of a case's Facts, the case read as c,
// with its pauses; its SLA policy is read as policy (an SQL expression).
// Each column is named with prefix before its name, for a reader that
// embeds Facts with that prefix among facts of its own (routing).
func FactsSelect(prefix, policy string) string {
	var b strings.Builder
	for _, col := range factColumns {
		b.WriteString("c." + col + " AS " + prefix + col + ", ")
	}
	return b.String() + policy + ` AS ` + prefix + `sla_policy_id,
			       COALESCE((SELECT json_agg(json_build_array(paused_at, resumed_at) ORDER BY paused_at)
			                   FROM case_pauses WHERE case_id = c.id), '[]') AS ` + prefix + `pauses`
}

// lockFacts locks a case's row and reads what Recompute needs of it, with
// its pauses; a zero Kind when there is no such case.
func lockFacts(tx *gorm.DB, caseID uuid.UUID) (Facts, error) {
	var f Facts
	err := tx.Raw(`SELECT `+FactsSelect("", "c.sla_policy_id")+` FROM cases c WHERE id = ? FOR UPDATE`, caseID).Scan(&f).Error
	return f, err
}

// writeClocks upserts a case's clocks as computed (storeClocks' values and
// args) and runs drop, which deletes others, in one statement that changes
// no case row: the caller's update of the case sets its next_due_at
// (cases.Routing.NextDue).
func writeClocks(tx *gorm.DB, values []string, args []any, drop cases.ClockWrite) error {
	if len(values) == 0 {
		return tx.Exec(drop.SQL, drop.Args...).Error
	}
	return tx.Exec(`WITH w AS (`+upsertClocks(values)+`), d AS (`+drop.SQL+`) SELECT count(*) FROM d`,
		append(slices.Clone(args), drop.Args...)...).Error
}

// caseFacts are a case's facts with its id, as lockFactsOf reads them.
type caseFacts struct {
	ID    uuid.UUID
	Facts Facts `gorm:"embedded"`
}

// lockFactsOf is lockFacts for many cases in one statement, by id.
func lockFactsOf(tx *gorm.DB, ids []uuid.UUID) ([]caseFacts, error) {
	var out []caseFacts
	err := tx.Raw(`SELECT c.id, `+FactsSelect("", "c.sla_policy_id")+` FROM cases c WHERE id IN ? ORDER BY id FOR UPDATE`,
		ids).Scan(&out).Error
	return out, err
}

// dropClocksOf is dropClocks for many cases in one statement: keep has,
// for each case, the clocks it keeps.
func dropClocksOf(tx *gorm.DB, keep map[uuid.UUID][]sla.ClockName) error {
	if len(keep) == 0 {
		return nil
	}
	values := make([]string, 0, len(keep))
	args := make([]any, 0, 2*len(keep))
	for id, names := range keep {
		list := make([]string, len(names))
		for i, n := range names {
			list[i] = `"` + string(n) + `"`
		}
		values = append(values, "(?::uuid, ?::text[])")
		args = append(args, id, "{"+strings.Join(list, ",")+"}")
	}
	return tx.Exec(`DELETE FROM case_clocks k USING (VALUES `+strings.Join(values, ", ")+`) AS v (case_id, keep)
		 WHERE k.case_id = v.case_id AND k.satisfied_at IS NULL AND k.breached_at IS NULL
		   AND NOT (k.clock = ANY (v.keep))`+taskClocksSQL, args...).Error
}

// taskClocksSQL leaves the task clocks out of a query on case_clocks.
const taskClocksSQL = ` AND clock NOT LIKE '` + BodyItemPrefix + `%' AND clock NOT LIKE '` + ProviderRequestPrefix + `%'`

// storeClocks is the upsert of a case's clocks as computed, one row of
// values (9 arguments each) per clock, returning the due dates of the
// running clocks that remain.
func storeClocks(values []string, args []any) cases.ClockWrite {
	return cases.ClockWrite{SQL: upsertClocks(values) + `
			RETURNING k.clock, k.due_at`, Args: args}
}

// storeChangedClocks is storeClocks for the clocks of many cases (the
// sweep's recompute) that leaves alone the rows it would not change, and
// returns nothing: the caller sets the cases' next_due_at from the table
// (cases.NextDueOf).
func storeChangedClocks(values []string) string {
	return upsertClocks(values) + `
			   AND (k.started_at, k.due_at, k.rule, k.policy_id, k.candidates, k.paused, k.warn_at, k.next_fire_at)
			       IS DISTINCT FROM (` + storedStartedAt + `, EXCLUDED.due_at, EXCLUDED.rule, EXCLUDED.policy_id,
			       EXCLUDED.candidates, EXCLUDED.paused, EXCLUDED.warn_at, ` + storedNextFireAt + `)`
}

// A stored clock's started_at and next_fire_at as an upsert of its row sets
// them: next_fire_at is the first warning not yet fired, else the due date;
// nothing once breached or while the clock stands still.
const (
	storedStartedAt  = `CASE WHEN EXCLUDED.due_at IS NULL THEN k.started_at ELSE EXCLUDED.started_at END`
	storedNextFireAt = `CASE WHEN k.breached_at IS NOT NULL OR EXCLUDED.due_at IS NULL THEN NULL
			                           ELSE LEAST(EXCLUDED.warn_at[k.warned + 1], EXCLUDED.due_at) END`
)

// upsertClocks is the upsert of clocks, one row of values per clock, that
// leaves ended clocks as they are.
func upsertClocks(values []string) string {
	return `
			INSERT INTO case_clocks AS k (case_id, clock, started_at, due_at, rule, policy_id, candidates, paused, warn_at, next_fire_at)
			SELECT v.case_id, v.clock, COALESCE(v.started_at, now()), v.due_at, v.rule, v.policy_id, v.candidates, v.paused, v.warn_at,
			       LEAST(v.warn_at[1], v.due_at)
			  FROM (VALUES ` + strings.Join(values, ", ") + `) AS v (case_id, clock, started_at, due_at, rule, policy_id, candidates, paused, warn_at)
			ON CONFLICT (case_id, clock) DO UPDATE SET
			       started_at = ` + storedStartedAt + `, due_at = EXCLUDED.due_at, rule = EXCLUDED.rule,
			       policy_id = EXCLUDED.policy_id, candidates = EXCLUDED.candidates, paused = EXCLUDED.paused,
			       warn_at = EXCLUDED.warn_at,
			       next_fire_at = ` + storedNextFireAt + `
			 WHERE k.satisfied_at IS NULL`
}

// startClocks inserts the first clocks of a case just inserted, one row of
// values per clock (the case's next_due_at was written with it).
func startClocks(tx *gorm.DB, values []string, args []any) error {
	return tx.Exec(upsertClocks(values), args...).Error
}

// storedValues is one row of storeClocks' values.
const storedValues = "(?::uuid, ?, ?::timestamptz, ?::timestamptz, ?, ?::uuid, ?::jsonb, ?::boolean, ?::timestamptz[])"

// dropClocks deletes the running, unbreached clocks of a case other than a
// task's and those named keep, returning the clocks dropped.
func dropClocks(caseID uuid.UUID, keep []sla.ClockName) cases.ClockWrite {
	q := `DELETE FROM case_clocks WHERE case_id = ? AND satisfied_at IS NULL AND breached_at IS NULL` + taskClocksSQL
	args := []any{caseID}
	if len(keep) > 0 {
		q += ` AND clock NOT IN ?`
		args = append(args, keep)
	}
	return cases.ClockWrite{SQL: q + ` RETURNING clock`, Args: args}
}

// endClocks ends the named clocks of a case still running (all of them when
// names is empty), satisfied at when (now for nil) by by, returning the
// clocks ended.
func endClocks(caseID uuid.UUID, when any, by string, names []sla.ClockName) cases.ClockWrite {
	which := ``
	args := []any{when, by, caseID}
	if len(names) > 0 {
		which = ` AND clock IN ?`
		args = append(args, names)
	}
	return cases.ClockWrite{SQL: `
		UPDATE case_clocks SET satisfied_at = COALESCE(?::timestamptz, now()), satisfied_by = ?, next_fire_at = NULL
		 WHERE case_id = ? AND satisfied_at IS NULL` + which + ` RETURNING clock`, Args: args}
}

// startTask starts a task's clock, due at due and warning at warn (a
// timestamptz[] literal), unless one of that name runs; it returns its due
// date when it started one.
func startTask(caseID uuid.UUID, clock sla.ClockName, now, due time.Time, rule string, policyID uuid.UUID, warn string) cases.ClockWrite {
	return cases.ClockWrite{SQL: `
		INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule, policy_id, candidates, paused, warn_at, next_fire_at)
		VALUES (?, ?, ?, ?, ?, ?, '[]', false, ?::timestamptz[], LEAST((?::timestamptz[])[1], ?::timestamptz))
		ON CONFLICT (case_id, clock) DO NOTHING RETURNING due_at`,
		Args: []any{caseID, clock, now, due, rule, policyID, warn, warn, due}}
}
