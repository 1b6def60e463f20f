package cases

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/db"
)

// Locked is a read of case id's columns that locks its row until tx ends
// (SELECT … FOR UPDATE): Scan its result. A case that does not exist scans
// nothing.
func Locked(tx *gorm.DB, id uuid.UUID, columns ...string) *gorm.DB {
	return tx.Model(&Case{}).Select(columns).Where("id = ?", id).Clauses(clause.Locking{Strength: "UPDATE"})
}

// LockedOrSkip is Locked that scans nothing when another transaction holds
// the row (FOR UPDATE SKIP LOCKED): for sweeps that N workers run at once.
func LockedOrSkip(tx *gorm.DB, id uuid.UUID, columns ...string) *gorm.DB {
	return tx.Model(&Case{}).Select(columns).Where("id = ?", id).
		Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
}

// LockedOrSkipMany is LockedOrSkip for many cases in one statement: it
// locks, in the order of their ids, the rows of ids no other transaction
// holds, and scans those.
func LockedOrSkipMany(tx *gorm.DB, ids []uuid.UUID, columns ...string) *gorm.DB {
	return tx.Model(&Case{}).Select(columns).Where("id IN ?", ids).Order("id").
		Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"})
}

// setMany updates the given columns of the cases ids, in one statement.
func setMany(tx *gorm.DB, ids []uuid.UUID, what string, columns map[string]any) error {
	if len(ids) == 0 {
		return nil
	}
	if err := tx.Model(&Case{}).Where("id IN ?", ids).Updates(columns).Error; err != nil {
		return fmt.Errorf("cases: %s: %w", what, err)
	}
	return nil
}

// set updates the given columns of case id.
func set(tx *gorm.DB, id uuid.UUID, what string, columns map[string]any) error {
	if err := tx.Model(&Case{}).Where("id = ?", id).Updates(columns).Error; err != nil {
		return fmt.Errorf("cases: %s: %w", what, err)
	}
	return nil
}

// MarkReceived records that the worker received the case's submitted event.
// It is idempotent: a second call changes nothing and returns false.
func MarkReceived(tx *gorm.DB, id uuid.UUID) (bool, error) {
	res := tx.Model(&Case{}).Where("id = ? AND received_at IS NULL", id).Update("received_at", gorm.Expr("now()"))
	if res.Error != nil {
		return false, fmt.Errorf("cases: mark received: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// ErasedText stands in for a clear text of an erased case that must not be
// empty (the AI system an erased case named in its own words).
const ErasedText = "[erased]"

// MarkErased records on the case that its personal data was erased, when
// and on what ground. It is idempotent: an erased case keeps its first
// erasure, and the call returns false.
//
// The few things a complainant wrote that are kept in the clear go with it:
// the contested decision's reference (it points to the person in the
// deployer's systems), their own words for an AI system not in the
// register, and the working note of the case's last move.
func MarkErased(tx *gorm.DB, id uuid.UUID, at time.Time, ground string) (bool, error) {
	res := tx.Model(&Case{}).Where("id = ? AND erased_at IS NULL", id).
		Updates(map[string]any{"erased_at": at, "erasure_ground": ground, "decision_reference": nil,
			"status_reason":   nil,
			"ai_system_other": gorm.Expr("CASE WHEN ai_system_other IS NULL THEN NULL ELSE ? END", ErasedText)})
	if res.Error != nil {
		return false, fmt.Errorf("cases: mark erased: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// SetPriority sets the case's priority (an SLA breach raises it), leaving a
// pending downgrade as it is.
func SetPriority(tx *gorm.DB, id uuid.UUID, p Priority) error {
	return set(tx, id, "set priority", map[string]any{"priority": p})
}

// SetPriorityOf is SetPriority for many cases at once, in one statement.
func SetPriorityOf(tx *gorm.DB, ids []uuid.UUID, p Priority) error {
	return setMany(tx, ids, "set priority", map[string]any{"priority": p})
}

// RaisePriority sets the case's priority and drops any downgrade waiting for
// approval (triage found it more urgent).
func RaisePriority(tx *gorm.DB, id uuid.UUID, p Priority) error {
	return set(tx, id, "raise priority", map[string]any{"priority": p, "pending_priority": nil,
		"pending_priority_by": nil, "pending_priority_reason": nil})
}

// RequestPriority records a priority change that waits for a second
// person's approval (four eyes).
func RequestPriority(tx *gorm.DB, id uuid.UUID, p Priority, by uuid.UUID, reason string) error {
	return set(tx, id, "request priority", map[string]any{"pending_priority": p, "pending_priority_by": by,
		"pending_priority_reason": reason})
}

// DecidePendingPriority applies (approve) or drops the priority change
// waiting for approval.
func DecidePendingPriority(tx *gorm.DB, id uuid.UUID, approve bool) error {
	cols := map[string]any{"pending_priority": nil, "pending_priority_by": nil, "pending_priority_reason": nil}
	if approve {
		cols["priority"] = gorm.Expr("pending_priority")
	}
	return set(tx, id, "decide pending priority", cols)
}

// MoveToQueue puts the case in another queue.
func MoveToQueue(tx *gorm.DB, id, queueID uuid.UUID) error {
	return set(tx, id, "move to queue", map[string]any{"queue_id": queueID})
}

// MoveAllToQueue is MoveToQueue for many cases at once, in one statement.
func MoveAllToQueue(tx *gorm.DB, ids []uuid.UUID, queueID uuid.UUID) error {
	return setMany(tx, ids, "move to queue", map[string]any{"queue_id": queueID})
}

// Routing is what the router decided for a case.
type Routing struct {
	QueueID           uuid.UUID
	Priority          Priority
	RuleID            uuid.UUID
	RequiredSkills    db.TextSlice
	RequiredLanguages db.TextSlice
	SLAPolicy         *string // slug of the SLA policy, nil for the default
	// Received: the worker's first receipt of the case, recorded by the
	// same update (received_at, when it is not set yet; MarkReceived).
	Received bool
	// NextDue: next_due_at set by the same update from the case's running
	// clocks, as the routing's clocks.RecomputeRouting has just set them.
	NextDue bool
}

// Route records where the router put the case, and when.
func Route(tx *gorm.DB, id uuid.UUID, r Routing) error {
	// No policy is NULL itself, not a lookup of a NULL slug: PostgreSQL
	// folds that lookup away in a custom plan, finds the generic plan dearer
	// and so planned this statement again for every case routed.
	var policy any
	if r.SLAPolicy != nil {
		policy = gorm.Expr("(SELECT id FROM sla_policies WHERE slug = ?)", *r.SLAPolicy)
	}
	columns := map[string]any{"queue_id": r.QueueID, "priority": r.Priority,
		"routing_rule_id": r.RuleID, "routed_at": gorm.Expr("now()"), "required_skills": r.RequiredSkills,
		"required_languages": r.RequiredLanguages, "sla_policy_id": policy}
	if r.Received {
		columns["received_at"] = gorm.Expr("coalesce(received_at, now())")
	}
	if r.NextDue {
		columns["next_due_at"] = gorm.Expr(nextDueSQL)
	}
	return set(tx, id, "route", columns)
}

// Assign gives the case to assignee, now.
func Assign(tx *gorm.DB, id, assignee uuid.UUID) error {
	return set(tx, id, "assign", map[string]any{"assignee_id": assignee, "assigned_at": gorm.Expr("now()")})
}

// Unassign gives the case back to its queue.
func Unassign(tx *gorm.DB, id uuid.UUID) error {
	return set(tx, id, "unassign", map[string]any{"assignee_id": nil, "assigned_at": nil})
}

// NoteExtension records that the complainant was told the reply takes
// longer (GDPR art. 12(3)).
func NoteExtension(tx *gorm.DB, id uuid.UUID) error {
	return set(tx, id, "extension", map[string]any{"extension_notice_at": gorm.Expr("now()")})
}

// SetIncident records when the organisation became aware of a serious
// incident, and its subtype.
func SetIncident(tx *gorm.DB, id uuid.UUID, awareAt time.Time, subtype IncidentSubtype) error {
	return set(tx, id, "incident", map[string]any{"incident_aware_at": awareAt, "incident_subtype": subtype})
}

// ShareReceipt makes case id open with the receipt of case from, and
// drops its own one-time code (a case opened from a check-in).
func ShareReceipt(tx *gorm.DB, id, from uuid.UUID) error {
	return set(tx, id, "link receipt", map[string]any{
		"receipt_hash": gorm.Expr("(SELECT receipt_hash FROM cases WHERE id = ?)", from), "code_hash": nil})
}

// EndOpenAppeal ends an appeal still open (the case closed or was
// withdrawn), so it can never block a new one.
func EndOpenAppeal(tx *gorm.DB, id uuid.UUID) error {
	if err := tx.Model(&Case{}).Where("id = ? AND appeal_state = ?", id, AppealOpen).
		Update("appeal_state", AppealDecided).Error; err != nil {
		return fmt.Errorf("cases: end appeal: %w", err)
	}
	return nil
}

// DecideAppeal records the decision (to is decided) or refusal (rejected)
// of an appeal: the appeal is decided.
func DecideAppeal(tx *gorm.DB, id uuid.UUID, to Status) error {
	cols := map[string]any{"appeal_state": AppealDecided}
	if to == StatusDecided {
		cols["decided_at"] = gorm.Expr("now()")
	}
	return set(tx, id, "decide appeal", cols)
}

// OpenAppealWindow records a decision (to is decided) or refusal
// (rejected), and until when it may be appealed under which rule (JSON).
func OpenAppealWindow(tx *gorm.DB, id uuid.UUID, to Status, by time.Time, rule string) error {
	cols := map[string]any{"appeal_by": by, "appeal_window_rule": rule}
	if to == StatusDecided {
		cols["decided_at"] = gorm.Expr("now()")
	}
	return set(tx, id, "appeal window", cols)
}
