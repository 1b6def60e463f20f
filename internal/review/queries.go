package review

import (
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/db"
)

// The statements of the queues that need SQL's full power, and review's
// reads of the users table (internal/auth's).

// queueRow is a row of queues.
type queueRow struct {
	ID          uuid.UUID `gorm:"primaryKey"`
	Slug        string
	Name        string
	Description string
	AutoAssign  bool
	AssignCap   int
}

func (queueRow) TableName() string { return "queues" }

// memberRow is a row of queue_members.
type memberRow struct {
	QueueID        uuid.UUID `gorm:"primaryKey"`
	UserID         uuid.UUID `gorm:"primaryKey"`
	NotifyNewCases bool
}

func (memberRow) TableName() string { return "queue_members" }

// queuesWithCounts lists every queue with its counts (see Queues) of the
// open cases for which visible holds.
func queuesWithCounts(conn *gorm.DB, now, endOfDay time.Time, visible string, vargs []any) ([]Queue, error) {
	var out []Queue
	err := conn.Raw(`
		SELECT q.id, q.slug, q.name, q.description, q.auto_assign, q.assign_cap,
		       count(c.id) AS open,
		       count(c.id) FILTER (WHERE c.assignee_id IS NULL) AS unassigned,
		       count(c.id) FILTER (WHERE c.next_due_at < ?) AS breaching,
		       count(c.id) FILTER (WHERE c.next_due_at >= ? AND c.next_due_at < ?) AS due_today
		  FROM queues q
		  LEFT JOIN cases c ON c.queue_id = q.id AND c.status IN `+openStatuses+` AND `+visible+`
		 GROUP BY q.id ORDER BY q.name`, append([]any{now, now, endOfDay}, vargs...)...).Scan(&out).Error
	return out, err
}

// eligible is the SQL condition (on cases c) under which a reviewer may take
// a case: they are a member of its queue (internal/access: only members see
// it), they have the skills and languages it needs, they neither own, operate
// nor took part in the AI system or the decision it is about, and they did
// not decide the case before it was appealed.
const eligible = `c.required_skills <@ ?::text[] AND c.required_languages <@ ?::text[]
	AND c.decision_taker_id IS DISTINCT FROM ? AND NOT ? = ANY (c.excluded_reviewers)
	AND NOT EXISTS (SELECT 1 FROM ai_system_staff r WHERE r.ai_system_id = c.ai_system_id AND r.user_id = ?)
	AND EXISTS (SELECT 1 FROM queue_members m WHERE m.queue_id = c.queue_id AND m.user_id = ?)`

// claimerFacts are what eligible needs of a claimer k of a batch
// (cases.ClaimCandidatesStatement) that does not depend on the case: whether
// they are a member of the queue q, and the AI systems whose staff they are.
const claimerFacts = `EXISTS (SELECT 1 FROM queue_members m WHERE m.queue_id = q.queue_id AND m.user_id = k.id) AS member,
	array(SELECT r.ai_system_id FROM ai_system_staff r WHERE r.user_id = k.id) AS recused`

// eligibleFor is eligible for a claimer k of a batch, with claimerFacts,
// instead of arguments: the same rules without an index lookup per case.
const eligibleFor = `k.member AND c.required_skills <@ k.skills AND c.required_languages <@ k.languages
	AND c.decision_taker_id IS DISTINCT FROM k.id AND NOT k.id = ANY (c.excluded_reviewers)
	AND NOT coalesce(c.ai_system_id = ANY (k.recused), false)`

// waitingCase is a case waiting for auto-assignment.
type waitingCase struct {
	ID     uuid.UUID
	Status cases.Status
}

// queueWaitingCases queues on r the statement that locks (skipping those
// others hold) up to limit of the unassigned claimable cases of
// auto-assigning queues, and appeals, most urgent first, into waiting; only
// those of caseIDs when it is not empty.
func queueWaitingCases(r *db.Reads, waiting *[]waitingCase, limit int, caseIDs []uuid.UUID) {
	// Appeals are always assigned: they must land with a different person.
	// An appeal of a case never routed (rejected at once) has no queue.
	waits := `(q.auto_assign OR c.status IN ` + cases.SQLList([]cases.Status{cases.StatusAppealed}) + `) AND c.assignee_id IS NULL AND c.status IN ` + claimable
	q := `SELECT c.id, c.status FROM cases c LEFT JOIN queues q ON q.id = c.queue_id WHERE `
	args := []any{}
	if len(caseIDs) > 0 {
		// The given cases are found by their ids, then tested: the test is
		// one CASE, from which the planner can prove no partial index's
		// predicate, so no plan walks cases_claim_idx (every case waiting to
		// be claimed) looking for the ids. With the test as plain conditions,
		// statistics taken before a burst of filings made that walk look
		// cheapest, and routing a case read the whole backlog
		// (TestAutoAssigningOneCaseReadsOnlyThatCase; BENCHMARKS.md).
		q += `c.id IN ? AND CASE WHEN ` + waits + ` THEN true ELSE false END`
		args = append(args, caseIDs)
	} else {
		q += waits
	}
	q += ` ORDER BY c.priority NULLS LAST, c.submitted_at LIMIT ? FOR UPDATE OF c SKIP LOCKED`
	r.Raw(waiting, q, append(args, limit)...)
}

// nextMember picks, for case c, the member of its queue who gets it next:
// available, active, a reviewer or supervisor, below their cap (their own, or
// the queue's), allowed to take it (skills, languages, recusal), and assigned
// longest ago — round-robin. Their row is locked, so two workers never push
// one member past the cap.
var nextMember = `
	SELECT u.id FROM cases c
	  JOIN queues q ON q.id = c.queue_id
	  JOIN queue_members m ON m.queue_id = q.id
	  JOIN users u ON u.id = m.user_id
	 WHERE c.id = ? AND u.active AND u.role IN ('reviewer', 'supervisor') AND u.availability = 'available'
	   AND ` + mayTake + `
	   AND (SELECT count(*) FROM cases o WHERE o.assignee_id = u.id AND o.status IN ` + openStatuses + `)
	       < COALESCE(u.max_open_cases, q.assign_cap)
	 ORDER BY u.last_assigned_at NULLS FIRST, u.id
	 LIMIT 1
	 FOR UPDATE OF u`

// mayTake is the condition under which user u may take case c (see eligible).
const mayTake = `c.required_skills <@ u.skills AND c.required_languages <@ u.languages
	   AND c.decision_taker_id IS DISTINCT FROM u.id AND NOT u.id = ANY (c.excluded_reviewers)
	   AND NOT EXISTS (SELECT 1 FROM ai_system_staff r WHERE r.ai_system_id = c.ai_system_id AND r.user_id = u.id)`

// nextAppealReviewer picks, for an appealed case whose queue has no member
// who may take it, any available reviewer or supervisor who may, in turn: an
// appeal must reach a different person even when the queue is small.
var nextAppealReviewer = `
	SELECT u.id FROM cases c, users u
	 WHERE c.id = ? AND u.active AND u.role IN ('reviewer', 'supervisor') AND u.availability = 'available'
	   AND ` + mayTake + `
	   AND (u.max_open_cases IS NULL
	        OR (SELECT count(*) FROM cases o WHERE o.assignee_id = u.id AND o.status IN ` + openStatuses + `) < u.max_open_cases)
	 ORDER BY u.last_assigned_at NULLS FIRST, u.id
	 LIMIT 1
	 FOR UPDATE OF u`

// pick runs nextMember or nextAppealReviewer for a case.
func pick(conn *gorm.DB, statement string, caseID uuid.UUID) ([]uuid.UUID, error) {
	var to []uuid.UUID
	err := conn.Raw(statement, caseID).Scan(&to).Error
	return to, err
}

// availability is a user's availability, or "" when unset or no such user.
func availability(conn *gorm.DB, userID uuid.UUID) (string, error) {
	var status string
	err := conn.Raw(`SELECT coalesce(availability, '') FROM users WHERE id = ?`, userID).Scan(&status).Error
	return status, err
}

// activeRole is the role of an active user, or "" when there is none.
func activeRole(conn *gorm.DB, userID uuid.UUID) (string, error) {
	var role string
	err := conn.Raw(`SELECT role FROM users WHERE id = ? AND active`, userID).Scan(&role).Error
	return role, err
}

// members lists a queue's members by email.
func members(conn *gorm.DB, queueID uuid.UUID) ([]Member, error) {
	out := []Member{}
	err := conn.Raw(`SELECT u.id AS user_id, u.email, u.name, u.role, u.active, m.notify_new_cases, m.created_at
		  FROM queue_members m JOIN users u ON u.id = m.user_id
		 WHERE m.queue_id = ? ORDER BY u.email`, queueID).Scan(&out).Error
	return out, err
}

// SeedMember makes the user with email a member of the queue with slug,
// emailed of every new case in it, unless they are one already (the demo's
// data).
func SeedMember(tx *gorm.DB, queueSlug, email string) error {
	return tx.Exec(`INSERT INTO queue_members (queue_id, user_id)
			SELECT q.id, u.id FROM queues q, users u WHERE q.slug = ? AND u.email = ? ON CONFLICT DO NOTHING`,
		queueSlug, email).Error
}

// JoinEveryQueue makes the users with emails members of every queue, emailed
// of new cases when notify, where they are not members already (the demo's
// data and the test stack's staff).
func JoinEveryQueue(tx *gorm.DB, emails []string, notify bool) error {
	return tx.Exec(`INSERT INTO queue_members (queue_id, user_id, notify_new_cases)
		SELECT q.id, u.id, ? FROM queues q, users u WHERE u.email IN ? ON CONFLICT DO NOTHING`, notify, emails).Error
}
