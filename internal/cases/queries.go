package cases

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// The statements on cases that need SQL's full power.

// SQLList is a SQL list of constant values, ('a', 'b'), built from a typed
// list: for statements whose plan must match a partial index written with
// the same list, and which add no parameter.
func SQLList[T ~string](values []T) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = "'" + strings.ReplaceAll(string(v), "'", "''") + "'"
	}
	return "(" + strings.Join(quoted, ", ") + ")"
}

// ClaimableSQL is Claimable as a SQL list: the list of the partial index
// cases_claim_idx, which the claim's plan uses.
var ClaimableSQL = SQLList(Claimable)

// OpenSQL is Open as a SQL list.
var OpenSQL = SQLList(Open)

// Ended are the statuses of a case whose work is over: nothing more is owed
// on it.
var Ended = []Status{StatusClosed, StatusWithdrawn, StatusRejected}

// EndedSQL is Ended as a SQL list.
var EndedSQL = SQLList(Ended)

// Open are the statuses of a case still being worked on, which a
// supervisor can give to a reviewer.
var Open = []Status{StatusSubmitted, StatusAcknowledged, StatusInReview, StatusAwaitingComplainant,
	StatusPendingApproval, StatusAppealed}

// Condition is a SQL condition on the row c of cases, with its arguments.
type Condition struct {
	SQL  string
	Args []any
}

// ClaimStatement is the claim-next statement: its arguments are the queue's
// id, eligible's arguments and the assignee's id. It returns the claimed
// case's id, or no row.
//
// eligible is evaluated as a subquery, (SELECT true WHERE …), which the
// planner estimates to hold for half the rows whatever its statistics of
// the array columns say: so the plan reads the claim index in order and
// stops at the first case the claimer may take, at any queue length (with
// the condition's own estimate it could sort the whole queue instead:
// BENCHMARKS.md, sixth session). ClaimCandidatesStatement does the same.
//
// Both lock FOR NO KEY UPDATE, the lock their UPDATE of the assignee takes
// anyway, and skip the rows another transaction holds that lock or a
// stronger one on (another claimer, a change of the case). They do not skip a
// case whose row is only key-share locked: every insert of a row that refers
// to the case (a record entry, an email owed, a file) takes that lock for
// the rest of its transaction, and under FOR UPDATE such a case was skipped
// and a claimer told there was nothing to take.
func ClaimStatement(eligible string) string {
	return `
		WITH next AS (
			SELECT c.id FROM cases c
			 WHERE c.queue_id = ? AND c.assignee_id IS NULL AND c.status IN ` + ClaimableSQL + `
			   AND (SELECT true WHERE ` + eligible + `)
			 ORDER BY c.priority NULLS LAST,
			          c.next_due_at NULLS LAST,
			          c.submitted_at
			 LIMIT 1
			 FOR NO KEY UPDATE OF c SKIP LOCKED)
		UPDATE cases SET assignee_id = ?, assigned_at = now() FROM next WHERE cases.id = next.id
		RETURNING cases.id`
}

// ClaimNext assigns to assignee the most urgent claimable case of the queue
// for which eligible holds — by priority, then earliest due date, then age —
// in one statement that skips rows other claimers hold, so concurrent
// claimers never get the same case. It returns uuid.Nil when there is none.
func ClaimNext(tx *gorm.DB, queueID, assignee uuid.UUID, eligible Condition) (uuid.UUID, error) {
	args := append(append([]any{queueID}, eligible.Args...), assignee)
	rows, err := tx.Raw(ClaimStatement(eligible.SQL), args...).Rows()
	if err != nil {
		return uuid.Nil, fmt.Errorf("cases: claim: %w", err)
	}
	defer rows.Close()
	var id uuid.UUID
	if rows.Next() {
		if err := rows.Scan(&id); err != nil {
			return uuid.Nil, fmt.Errorf("cases: claim: %w", err)
		}
	}
	return id, rows.Err()
}

// AssignIfEligible gives case id to assignee when it is open and eligible
// holds, and reports whether it did.
func AssignIfEligible(tx *gorm.DB, id, assignee uuid.UUID, eligible Condition) (bool, error) {
	args := append([]any{assignee, id}, eligible.Args...)
	res := tx.Exec(`UPDATE cases c SET assignee_id = ?, assigned_at = now()
			WHERE c.id = ? AND c.status IN `+OpenSQL+` AND `+eligible.SQL, args...)
	if res.Error != nil {
		return false, fmt.Errorf("cases: assign: %w", res.Error)
	}
	return res.RowsAffected > 0, nil
}

// acknowledging are the statuses a case moves to without counting as
// acknowledged: leaving submitted for anything else acknowledges it.
var notAcknowledging = []Status{StatusRejected, StatusWithdrawn, StatusEscalated}

// Move is the one conditional status UPDATE: it moves case id to status to
// and sets the given columns too (a value, or gorm.Expr), in one statement
// whose WHERE clause allows only the moves of case_transitions. It returns
// the status moved from, NotFound when the case does not exist, and
// Conflict when the move is not allowed from the current status.
func Move(tx *gorm.DB, id uuid.UUID, to Status, columns map[string]any) (Status, error) {
	set, args := "", []any{}
	names := make([]string, 0, len(columns))
	for k := range columns {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, k := range names {
		if e, ok := columns[k].(clause.Expr); ok {
			set += k + " = " + e.SQL + ", "
			args = append(args, e.Vars...)
			continue
		}
		set += k + " = ?, "
		args = append(args, columns[k])
	}
	// The old status is read in the same statement, from the row version the UPDATE replaced.
	q := `WITH prev AS (SELECT id, status FROM cases WHERE id = ? FOR UPDATE)
		UPDATE cases c SET status = ?, ` + set + `
		       acknowledged_at = CASE WHEN c.acknowledged_at IS NULL AND ? THEN now()
		                              ELSE c.acknowledged_at END
		  FROM prev
		 WHERE c.id = prev.id
		   AND prev.status IN (SELECT from_status FROM case_transitions WHERE to_status = ?)
		RETURNING prev.status`
	all := append([]any{id, to}, args...)
	all = append(all, !slices.Contains(notAcknowledging, to), to)
	var from Status
	if err := tx.Raw(q, all...).Scan(&from).Error; err != nil {
		if errors.Is(err, gorm.ErrCheckConstraintViolated) {
			return "", fault.New(fault.Conflict, "illegal_transition",
				fmt.Sprintf("The case cannot move to %s in its present state.", to))
		}
		return "", fmt.Errorf("cases: move to %s: %w", to, err)
	}
	if from != "" {
		return from, nil
	}
	var current Status
	if err := tx.Model(&Case{}).Select("status").Where("id = ?", id).Scan(&current).Error; err != nil {
		return "", fmt.Errorf("cases: move to %s: %w", to, err)
	}
	if current == "" {
		return "", fault.New(fault.NotFound, "case_not_found", "No case has that id.")
	}
	allowed := make([]string, len(Transitions[current]))
	for i, s := range Transitions[current] {
		allowed[i] = string(s)
	}
	return "", &fault.Error{Kind: fault.Conflict, Code: "illegal_transition",
		Message: fmt.Sprintf("A case that is %s cannot move to %s. Allowed from %s: %s.", current, to, current,
			strings.Join(allowed, ", "))}
}

// ClockWrite is a data-modifying statement on the case_clocks rows of one
// case, run as the common table expression "w" of the update of the case's
// next_due_at (cases keeps the earliest due date of its running clocks, for
// claim-next's index), so the two are one statement.
type ClockWrite struct {
	SQL  string
	Args []any
}

// NextDueWithout runs w, which returns (RETURNING clock) the clocks it
// ended or dropped, and sets next_due_at to the earliest due date of the
// other running clocks. The subquery sees the clocks as they were before
// the statement, so the ones w returns are left out by name.
func NextDueWithout(tx *gorm.DB, id uuid.UUID, w ClockWrite) error {
	return tx.Exec(`WITH w AS (`+w.SQL+`)
		UPDATE cases SET next_due_at = (SELECT min(k.due_at) FROM case_clocks k WHERE k.case_id = cases.id
		        AND k.satisfied_at IS NULL AND k.clock NOT IN (SELECT clock FROM w))
		 WHERE id = ?`, append(slices.Clone(w.Args), id)...).Error
}

// NextDueAfter runs w, which returns (RETURNING clock, due_at) the running
// clocks it wrote, and drop, which deletes others (RETURNING clock), in one
// statement, and sets next_due_at to the earliest due date of the case's
// running clocks as they then are: those w wrote, and the others drop left.
// (Every part of a statement sees the table as it was before it, so the
// rows w and drop touched are left out of the table's side.)
func NextDueAfter(tx *gorm.DB, id uuid.UUID, w, drop ClockWrite) error {
	return tx.Exec(`WITH w AS (`+w.SQL+`), d AS (`+drop.SQL+`)
		UPDATE cases SET next_due_at = LEAST((SELECT min(due_at) FROM w), (SELECT min(k.due_at) FROM case_clocks k
		        WHERE k.case_id = cases.id AND k.satisfied_at IS NULL
		          AND k.clock NOT IN (SELECT clock FROM w) AND k.clock NOT IN (SELECT clock FROM d)))
		 WHERE id = ?`, append(append(slices.Clone(w.Args), drop.Args...), id)...).Error
}

// NextDueNoLaterThan runs w, which returns (RETURNING due_at) the clock it
// started, if any, and moves next_due_at earlier to its due date.
func NextDueNoLaterThan(tx *gorm.DB, id uuid.UUID, w ClockWrite) error {
	return tx.Exec(`WITH w AS (`+w.SQL+`)
		UPDATE cases SET next_due_at = LEAST(next_due_at, (SELECT due_at FROM w)) WHERE id = ?`,
		append(slices.Clone(w.Args), id)...).Error
}

// NextDueOf sets next_due_at of the cases ids, in one statement, to the
// earliest due date of their running clocks as they now are: after a
// statement of their own changed the clocks of many cases at once (the
// sweep's recompute of the cases whose priority a breach raised).
func NextDueOf(tx *gorm.DB, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	return tx.Exec(`UPDATE cases SET next_due_at = `+nextDueSQL+` WHERE id IN ?`, ids).Error
}

// nextDueSQL is a case's next due date (the row being updated, cases): the
// earliest due date of its running clocks as they are.
const nextDueSQL = `(SELECT min(k.due_at) FROM case_clocks k WHERE k.case_id = cases.id AND k.satisfied_at IS NULL)`

// RecusedSQL is true when user (its three ? are the same user id) may not
// work on case c: they took the contested decision, own or operate its AI
// system, or decided the case before its appeal.
const RecusedSQL = `(c.decision_taker_id = ? OR ? = ANY (c.excluded_reviewers)
	OR EXISTS (SELECT 1 FROM ai_system_staff r WHERE r.ai_system_id = c.ai_system_id AND r.user_id = ?))`

// WorkRow is a case locked for work on it, with what decides who may act.
type WorkRow struct {
	Kind            string
	Status          Status
	Priority        *string
	PendingPriority *string
	AssigneeID      *uuid.UUID
	Recused         bool
	SLAPolicyID     *uuid.UUID
	AppealState     *string
	AppealBy        *time.Time
	ErasedAt        *time.Time
}

// LockForWork locks case id (FOR UPDATE) and reads what decides who may
// work on it; Recused is whether user (uuid.Nil for a complainant: never)
// is recused from it. A case that does not exist reads a zero row (Kind "").
func LockForWork(tx *gorm.DB, id, user uuid.UUID) (*WorkRow, error) {
	var c WorkRow
	if err := tx.Raw(`SELECT c.kind, c.status, c.priority, c.pending_priority, c.assignee_id,
		       c.sla_policy_id, c.appeal_state, c.appeal_by, c.erased_at, `+RecusedSQL+` AS recused
		  FROM cases c WHERE c.id = ? FOR UPDATE`, user, user, user, id).Scan(&c).Error; err != nil {
		return nil, fmt.Errorf("grievance: lock case: %w", err)
	}
	return &c, nil
}

// Insert writes the row of a case just filed (the columns a filing sets;
// the database fills in the rest). A reference taken already is a unique
// violation (intake draws another). It reads no result, so that it can be
// one of db.Write's statements.
func Insert(tx *gorm.DB, c *Case) error {
	res := tx.Exec(`
			INSERT INTO cases (id, reference, receipt_hash, code_hash, kind, ai_system_id, ai_system_other, decision_reference,
			                   decision_date, informed_of_ai, description_enc, desired_outcome_enc, language, anonymous,
			                   contact_enc, preferred_channel, representative_enc, related_case_id,
			                   preliminary_severity, submitted_at, status_changed_at, complainant_country, next_due_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		c.ID, c.Reference, c.ReceiptHash, c.CodeHash, c.Kind, c.AISystemID, c.AISystemOther, c.DecisionReference,
		c.DecisionDate, c.InformedOfAI, c.DescriptionEnc, c.DesiredOutcomeEnc, c.Language, c.Anonymous,
		c.ContactEnc, c.PreferredChannel, c.RepresentativeEnc, c.RelatedCaseID, c.PreliminarySeverity,
		c.SubmittedAt, c.SubmittedAt, c.ComplainantCountry, c.NextDueAt)
	if res.Error != nil {
		return fmt.Errorf("cases: insert: %w", res.Error)
	}
	return nil
}

// Claimer is one reviewer of a batch of claims on one queue (ClaimCandidates):
// the condition given to ClaimCandidates reads them as the row k(id, skills,
// languages).
type Claimer struct {
	ID        uuid.UUID `json:"id"`
	Skills    []string  `json:"skills"`
	Languages []string  `json:"languages"`
}

// Candidate is a case ClaimCandidates locked, with the claimers (their
// indexes in the batch) it is eligible for.
type Candidate struct {
	ID       uuid.UUID
	Eligible []int
}

// ClaimCandidatesStatement is the statement of ClaimCandidates: its
// arguments are the queue's id, the claimers (JSON), the queue's id again,
// the ids to leave out and the limit. facts is a select list over the
// claimer k(n, id, skills, languages) and q(queue_id), computed once per
// claimer: what eligibility needs that does not depend on the case, so that
// testing every candidate against every claimer costs no index lookups.
// eligible is a condition on the case c and the claimer k with its facts.
func ClaimCandidatesStatement(facts, eligible string) string {
	return `
		WITH q AS (SELECT ?::uuid AS queue_id),
		     k AS MATERIALIZED (SELECT k.*, ` + facts + `
		            FROM jsonb_to_recordset(?::jsonb) AS k(n int, id uuid, skills text[], languages text[]), q)
		SELECT c.id, array(SELECT k.n::text FROM k WHERE ` + eligible + ` ORDER BY k.n) AS eligible
		  FROM cases c
		 WHERE c.queue_id = ? AND c.assignee_id IS NULL AND c.status IN ` + ClaimableSQL + `
		   AND c.id <> ALL (?::uuid[])
		   AND (SELECT true FROM k WHERE ` + eligible + ` LIMIT 1) -- not EXISTS: see ClaimStatement
		 ORDER BY c.priority NULLS LAST,
		          c.next_due_at NULLS LAST,
		          c.submitted_at
		 LIMIT ?
		 FOR NO KEY UPDATE OF c SKIP LOCKED`
}

// ClaimCandidates locks, skipping the rows others hold, up to limit of the
// most urgent claimable unassigned cases of the queue (by priority, then
// earliest due date, then age, on the claim index) that at least one of
// claimers may take — eligible, a condition on the case c and the claimer
// row k(id, skills, languages) with its facts (ClaimCandidatesStatement),
// says who may — leaving out the cases of
// except (those the batch already holds). Each comes with the claimers it is
// eligible for; the caller assigns them (AssignClaimed) in the same
// transaction.
func ClaimCandidates(tx *gorm.DB, queueID uuid.UUID, claimers []Claimer, facts, eligible string, except []uuid.UUID, limit int) ([]Candidate, error) {
	args, err := ClaimCandidatesArgs(queueID, claimers, except, limit)
	if err != nil {
		return nil, err
	}
	rows, err := tx.Raw(ClaimCandidatesStatement(facts, eligible), args...).Rows()
	if err != nil {
		return nil, fmt.Errorf("cases: claim: %w", err)
	}
	defer rows.Close()
	var out []Candidate
	for rows.Next() {
		var c Candidate
		var eligibleFor db.TextSlice
		if err := rows.Scan(&c.ID, &eligibleFor); err != nil {
			return nil, fmt.Errorf("cases: claim: %w", err)
		}
		for _, n := range eligibleFor {
			i, err := strconv.Atoi(n)
			if err != nil {
				return nil, fmt.Errorf("cases: claim: %w", err)
			}
			c.Eligible = append(c.Eligible, i)
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ClaimCandidatesArgs are the arguments of ClaimCandidatesStatement.
func ClaimCandidatesArgs(queueID uuid.UUID, claimers []Claimer, except []uuid.UUID, limit int) ([]any, error) {
	type row struct {
		N int `json:"n"`
		Claimer
	}
	ks := make([]row, len(claimers))
	for i, c := range claimers {
		ks[i] = row{N: i, Claimer: Claimer{ID: c.ID, Skills: nonNil(c.Skills), Languages: nonNil(c.Languages)}}
	}
	js, err := json.Marshal(ks)
	if err != nil {
		return nil, fmt.Errorf("cases: claim: %w", err)
	}
	exc := make([]string, len(except))
	for i, id := range except {
		exc[i] = id.String()
	}
	return []any{queueID, string(js), queueID, db.TextSlice(exc), limit}, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// AssignClaimed gives each case of ids to the assignee at the same index, in
// one statement: cases the caller locked (ClaimCandidates) in tx.
func AssignClaimed(tx *gorm.DB, ids, assignees []uuid.UUID) error {
	cs, as := make([]string, len(ids)), make([]string, len(assignees))
	for i := range ids {
		cs[i], as[i] = ids[i].String(), assignees[i].String()
	}
	res := tx.Exec(`UPDATE cases c SET assignee_id = a.assignee, assigned_at = now()
		  FROM unnest(?::uuid[], ?::uuid[]) AS a(id, assignee)
		 WHERE c.id = a.id AND c.assignee_id IS NULL`, db.TextSlice(cs), db.TextSlice(as))
	if res.Error != nil {
		return fmt.Errorf("cases: assign claimed: %w", res.Error)
	}
	if res.RowsAffected != int64(len(ids)) {
		return fmt.Errorf("cases: assign claimed: %d of %d cases assigned", res.RowsAffected, len(ids))
	}
	return nil
}
