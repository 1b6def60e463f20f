package remedy

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/platform/db"
	"gorm.io/gorm"
)

// finalDecision is the id of the case's latest final decision (uuid.Nil
// for none).
func finalDecision(conn *gorm.DB, caseID uuid.UUID) (uuid.UUID, error) {
	var ids []uuid.UUID
	if err := conn.Raw(`SELECT id FROM decisions WHERE case_id = ? AND status = 'final'
			ORDER BY final_at DESC LIMIT 1`, caseID).Scan(&ids).Error; err != nil {
		return uuid.Nil, fmt.Errorf("remedy: remedies: %w", err)
	}
	if len(ids) == 0 {
		return uuid.Nil, nil
	}
	return ids[0], nil
}

// lockIssueCases locks the cases linked to a systemic issue, but those
// already known, in id order.
func lockIssueCases(conn *gorm.DB, issueID uuid.UUID, known []uuid.UUID) ([]uuid.UUID, error) {
	q := `SELECT c.id FROM cases c JOIN systemic_issue_cases l ON l.case_id = c.id WHERE l.issue_id = ?`
	args := []any{issueID}
	if len(known) > 0 {
		q += ` AND c.id NOT IN ?`
		args = append(args, known)
	}
	var ids []uuid.UUID
	if err := conn.Raw(q+` ORDER BY c.id FOR UPDATE OF c`, args...).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("remedy: lock issue cases: %w", err)
	}
	return ids, nil
}

// issueLock is a systemic issue locked for remedy work: its status ("" when
// there is none), and whether the actor is recused from its AI system.
type issueLock struct {
	Status  string
	Recused bool
}

func lockIssueRow(conn *gorm.DB, issueID uuid.UUID, userID *uuid.UUID) (issueLock, error) {
	var issue issueLock
	if err := conn.Raw(`SELECT i.status, EXISTS (SELECT 1 FROM ai_system_staff r
		        WHERE r.ai_system_id = i.ai_system_id AND r.user_id = ?) AS recused
		  FROM systemic_issues i WHERE i.id = ? FOR UPDATE OF i`, userID, issueID).Scan(&issue).Error; err != nil {
		return issue, fmt.Errorf("remedy: lock issue: %w", err)
	}
	return issue, nil
}

func lockComponentRow(conn *gorm.DB, id uuid.UUID) (lockedComponent, error) {
	var c lockedComponent
	if err := conn.Raw(`SELECT k.id, k.form, k.status, b.case_id, b.systemic_issue_id, k.implemented_by,
		       k.evidence_enc, k.reason_at, b.proposed_by, k.conditions_enc IS NOT NULL AS has_conditions,
		       k.conditions_approved_by IS NOT NULL AS conditions_ok, k.pending_reason_by
		  FROM remedy_components k JOIN remedy_bundles b ON b.id = k.bundle_id
		 WHERE k.id = ? FOR UPDATE OF k`, id).Scan(&c).Error; err != nil {
		return c, fmt.Errorf("remedy: lock remedy: %w", err)
	}
	return c, nil
}

// outstandingQuery selects a case's components (its own, and its systemic
// issues') that are neither verified nor reasoned.
const outstandingQuery = `SELECT k.id, k.status FROM remedy_components k JOIN remedy_bundles b ON b.id = k.bundle_id
	 WHERE (b.case_id = ? OR b.systemic_issue_id IN (SELECT issue_id FROM systemic_issue_cases WHERE case_id = ?))
	   AND k.status <> 'verified' AND k.reason_at IS NULL
	 ORDER BY k.due_at, k.id`

func outstanding(conn *gorm.DB, caseID uuid.UUID) ([]Outstanding, error) {
	var out []Outstanding
	if err := conn.Raw(outstandingQuery, caseID, caseID).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("remedy: outstanding remedies: %w", err)
	}
	return out, nil
}

const componentSelect = `SELECT k.id, k.bundle_id, b.systemic_issue_id, k.form, k.subtype, k.description_enc, k.responsible,
	       k.responsible_name, k.amount::text AS amount, k.currency, k.due_at, k.status, k.offered_at, k.responded_at,
	       k.response_enc, k.implemented_at, k.implemented_by, k.verified_at, k.verified_by, k.evidence_enc,
	       k.reason_enc, k.reason_at, k.overdue_at, k.conditions_enc, k.conditions_approved_by, k.conditions_approved_at,
	       k.withdrawn, k.reason_approved_by, k.pending_reason_enc, k.pending_reason_by, k.pending_reason_at
	  FROM remedy_components k JOIN remedy_bundles b ON b.id = k.bundle_id`

// componentRow is a component as componentSelect reads it, sealed.
type componentRow struct {
	ID, BundleID                      uuid.UUID
	SystemicIssueID                   *uuid.UUID
	Subtype, Responsible              string
	Form                              Form
	Status                            Status
	ResponsibleName, Amount, Currency *string
	DueAt                             time.Time
	OfferedAt, RespondedAt            *time.Time
	ImplementedAt, VerifiedAt         *time.Time
	ReasonAt, OverdueAt               *time.Time
	ImplementedBy, VerifiedBy         *uuid.UUID
	DescriptionEnc, ResponseEnc       []byte
	EvidenceEnc, ReasonEnc            []byte
	ConditionsEnc, PendingReasonEnc   []byte
	ConditionsApprovedBy              *uuid.UUID
	ConditionsApprovedAt              *time.Time
	Withdrawn                         bool
	ReasonApprovedBy, PendingReasonBy *uuid.UUID
	PendingReasonAt                   *time.Time
}

// queueComponents queues the read of the components q (componentSelect and
// its conditions) selects into rows.
func queueComponents(rd *db.Reads, rows *[]componentRow, q string, args ...any) {
	rd.Raw(rows, q, args...)
}

func componentRows(conn *gorm.DB, q string, args ...any) ([]componentRow, error) {
	var rows []componentRow
	if err := conn.Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("remedy: remedies: %w", err)
	}
	return rows, nil
}

// overdueCandidates finds components offered and not yet verified, declined
// or reasoned whose own due date has passed, on cases still open
// (remedy_components_due_idx). A draft is never overdue: nobody saw it.
var overdueCandidates = `SELECT k.id FROM remedy_components k
	 WHERE k.overdue_at IS NULL AND k.reason_at IS NULL AND k.status NOT IN ('proposed', 'verified', 'declined')
	   AND k.due_at <= now()
	   AND NOT EXISTS (SELECT 1 FROM remedy_bundles b JOIN cases c ON c.id = b.case_id
	                    WHERE b.id = k.bundle_id AND c.status IN ` + cases.EndedSQL + `)
	 ORDER BY k.due_at LIMIT ?`

func overdueComponents(conn *gorm.DB, limit int) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	if err := conn.Raw(overdueCandidates, limit).Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("remedy: overdue remedies: %w", err)
	}
	return ids, nil
}

// lockComponentCases locks, in id order, the cases a component concerns:
// its own case, or its systemic issue's linked cases.
func lockComponentCases(conn *gorm.DB, id uuid.UUID) ([]uuid.UUID, error) {
	var linked []uuid.UUID
	if err := conn.Raw(`SELECT c.id FROM cases c WHERE c.id IN (
				    SELECT b.case_id FROM remedy_components k JOIN remedy_bundles b ON b.id = k.bundle_id WHERE k.id = ?
				    UNION SELECT l.case_id FROM remedy_components k JOIN remedy_bundles b ON b.id = k.bundle_id
				      JOIN systemic_issue_cases l ON l.issue_id = b.systemic_issue_id WHERE k.id = ?)
				  ORDER BY c.id FOR UPDATE OF c`, id, id).Scan(&linked).Error; err != nil {
		return nil, fmt.Errorf("remedy: overdue remedy: %w", err)
	}
	return linked, nil
}

// overdueRow is a component marked overdue (a zero ID when another sweeper
// marked it, or it was settled meanwhile).
type overdueRow struct {
	ID              uuid.UUID
	DueAt           time.Time
	Form            Form
	Status          Status
	CaseID          *uuid.UUID
	SystemicIssueID *uuid.UUID
}

// markOverdue marks a component overdue if it still is, once.
func markOverdue(conn *gorm.DB, id uuid.UUID) (overdueRow, error) {
	var k overdueRow
	if err := conn.Raw(`UPDATE remedy_components k SET overdue_at = now() FROM remedy_bundles b
				WHERE k.id = ? AND b.id = k.bundle_id AND k.overdue_at IS NULL AND k.reason_at IS NULL
				  AND k.status NOT IN ('proposed', 'verified', 'declined') AND k.due_at <= now()
				  AND NOT EXISTS (SELECT 1 FROM cases c WHERE c.id = b.case_id AND c.status IN `+cases.EndedSQL+`)
				RETURNING k.id, k.due_at, k.form, k.status, b.case_id, b.systemic_issue_id`, id).Scan(&k).Error; err != nil {
		return k, fmt.Errorf("remedy: overdue remedy: %w", err)
	}
	return k, nil
}

// pendingReasonRow is a component's sealed reason for a pending withdrawal.
type pendingReasonRow struct{ PendingReasonEnc []byte }

// countWithdrawn counts the case's components (its own and its systemic
// issues') withdrawn after the complainant saw them.
func countWithdrawn(conn *gorm.DB, caseID uuid.UUID) (int64, error) {
	var n int64
	if err := conn.Raw(`SELECT count(*) FROM remedy_components k JOIN remedy_bundles b ON b.id = k.bundle_id
		WHERE (b.case_id = ? OR b.systemic_issue_id IN (SELECT issue_id FROM systemic_issue_cases WHERE case_id = ?))
		  AND k.withdrawn`, caseID, caseID).Scan(&n).Error; err != nil {
		return 0, fmt.Errorf("remedy: withdrawn remedies: %w", err)
	}
	return n, nil
}

// restitutionRow is the case's latest final decision, with what meets its
// restitution.
type restitutionRow struct {
	DecisionID              uuid.UUID
	Outcome                 decision.Outcome
	Delivered               bool
	ExemptionID             *uuid.UUID
	ReasonEnc               []byte
	RequestedBy, ApprovedBy *uuid.UUID
	RequestedAt, ApprovedAt *time.Time
}

// loadRestitution queues the read of a case's final decision and how the
// restitution it may owe is met into r; no final decision leaves it zero.
func loadRestitution(rd *db.Reads, caseID uuid.UUID, r *restitutionRow) {
	rd.Raw(r, `SELECT d.id AS decision_id, d.outcome,
		       EXISTS (SELECT 1 FROM remedy_components k JOIN remedy_bundles b ON b.id = k.bundle_id
		                WHERE b.case_id = d.case_id AND k.form = 'restitution' AND NOT k.withdrawn
		                  AND k.status IN ('verified', 'declined')) AS delivered,
		       x.id AS exemption_id, x.reason_enc, x.requested_by, x.requested_at, x.approved_by, x.approved_at
		  FROM decisions d LEFT JOIN restitution_exemptions x ON x.decision_id = d.id
		 WHERE d.case_id = ? AND d.status = 'final'
		 ORDER BY d.final_at DESC NULLS LAST, d.created_at DESC LIMIT 1`, caseID)
}

// insertComponent inserts a bundle's component at position; its amount is
// text cast to numeric.
func insertComponent(conn *gorm.DB, id, bundle uuid.UUID, position int, c Component, desc []byte, status Status,
	offeredAt any, conds []byte) error {
	return conn.Exec(`INSERT INTO remedy_components (id, bundle_id, position, form, subtype, description_enc,
			responsible, responsible_name, amount, currency, due_at, status, offered_at, conditions_enc)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?::numeric, ?, ?, ?, ?, ?)`, id, bundle, position, c.Form, c.Subtype, desc,
		c.Responsible, c.ResponsibleName, c.Amount, c.Currency, c.DueAt, status, offeredAt, conds).Error
}

// deleteExemption removes a restitution exemption refused by a second person.
func deleteExemption(conn *gorm.DB, id uuid.UUID) error {
	return conn.Exec(`DELETE FROM restitution_exemptions WHERE id = ?`, id).Error
}

// components is the remedy component id, for an update on the builder.
func components(conn *gorm.DB, id uuid.UUID) *gorm.DB {
	return conn.Table("remedy_components").Where("id = ?", id)
}
