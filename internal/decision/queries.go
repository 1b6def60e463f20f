package decision

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/db"
)

// triageRow is what triage reads of a case under its lock.
type triageRow struct {
	Status              cases.Status
	Kind                string
	Priority            *string
	AssigneeID          *uuid.UUID
	PreliminarySeverity *string
}

// pendingPriorityRow is a case's priority and the downgrade waiting for
// approval, read under the case's lock.
type pendingPriorityRow struct {
	Status            string
	Priority          *string
	PendingPriority   *string
	PendingPriorityBy *uuid.UUID
}

// extensionRow is a case's status and extension notice with one of its
// clocks (none: nil due and satisfied), and the database's now.
type extensionRow struct {
	Status            string
	ExtensionNoticeAt *time.Time
	DueAt             *time.Time
	SatisfiedAt       *time.Time
	Now               time.Time
}

// lockForExtension locks a case (not its clock) and reads what an extension
// notice on its clock needs; a missing case has an empty status.
func lockForExtension(tx *gorm.DB, caseID uuid.UUID, clock string) (extensionRow, error) {
	var c extensionRow
	err := tx.Raw(`SELECT c.status, c.extension_notice_at, k.due_at, k.satisfied_at, now() AS now
			  FROM cases c LEFT JOIN case_clocks k ON k.case_id = c.id AND k.clock = ?
			 WHERE c.id = ? FOR UPDATE OF c`, clock, caseID).Scan(&c).Error
	return c, err
}

// FirstClassification writes the complainant's classification of a case
// just filed (source complainant), which triage later revises.
func FirstClassification(tx *gorm.DB, caseID uuid.UUID, rights, harmTypes []string) error {
	if err := tx.Exec(`INSERT INTO case_classifications (case_id, rights, harm_types, source) VALUES (?, ?, ?, 'complainant')`,
		caseID, db.TextSlice(rights), db.TextSlice(harmTypes)).Error; err != nil {
		return fmt.Errorf("decision: classification: %w", err)
	}
	return nil
}

// decide.go

// decisionInsert is a decision as Decide writes it; status "final" also
// sets final_at.
type decisionInsert struct {
	id, caseID                                   uuid.UUID
	outcome                                      Outcome
	rationale, explanation, signposting, answers []byte
	deployer, provider                           string
	by                                           uuid.UUID
	status, stage                                string
}

func insertDecision(tx *gorm.DB, d decisionInsert) error {
	return tx.Exec(`INSERT INTO decisions (id, case_id, outcome, rationale_enc, explanation_enc, signposting_enc, answers_enc,
			had_authority, not_a_model_rerun, deployer_involvement, provider_involvement, decided_by, status, stage, final_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, true, true, ?, ?, ?, ?, ?, CASE WHEN ? = 'final' THEN now() END)`, d.id, d.caseID, d.outcome,
		d.rationale, d.explanation, d.signposting, d.answers, d.deployer, d.provider, d.by, d.status, d.stage,
		d.status).Error
}

// pendingDecision is a case's decision waiting for approval, and whether
// the approver is recused from the case.
type pendingDecision struct {
	ID        uuid.UUID
	Outcome   Outcome
	DecidedBy uuid.UUID
	Recused   bool
}

// lockPendingDecision locks a case and its decision waiting for approval;
// a zero ID when there is none.
func lockPendingDecision(tx *gorm.DB, caseID uuid.UUID, by *uuid.UUID) (pendingDecision, error) {
	var d pendingDecision
	err := tx.Raw(`SELECT d.id, d.outcome, d.decided_by, `+cases.RecusedSQL+` AS recused
			  FROM cases c JOIN decisions d ON d.case_id = c.id AND d.status = 'pending_approval'
			 WHERE c.id = ? FOR UPDATE OF c, d`, by, by, by, caseID).Scan(&d).Error
	return d, err
}

// reviewDecision records the second person's answer on a decision: status
// "final" also sets final_at.
func reviewDecision(tx *gorm.DB, id uuid.UUID, status string, by uuid.UUID) error {
	return tx.Exec(`UPDATE decisions SET status = ?, approved_by = ?, reviewed_at = now(),
			final_at = CASE WHEN ? = 'final' THEN now() END WHERE id = ?`, status, by, status, id).Error
}

// views.go

// decisionRow is a decision as a case's views read it, sealed.
type decisionRow struct {
	ID                             uuid.UUID
	Outcome                        Outcome
	Status, Stage                  string
	FinalAt                        *time.Time
	RationaleEnc                   []byte
	ExplanationEnc, SignpostingEnc []byte
	AnswersEnc                     []byte
	DeployerInvolvement            string
	ProviderInvolvement            string
	DecidedBy                      uuid.UUID
	ApprovedBy                     *uuid.UUID
	CreatedAt                      time.Time
	ReviewedAt                     *time.Time
}

// decisionsOf reads a case's decisions, newest first; finalOnly, the final ones.
func decisionsOf(r *db.Reads, caseID uuid.UUID, finalOnly bool, rows *[]decisionRow) {
	q := `SELECT id, outcome, status, stage, final_at, rationale_enc, explanation_enc, signposting_enc, answers_enc, deployer_involvement,
		provider_involvement, decided_by, approved_by, created_at, reviewed_at FROM decisions WHERE case_id = ?`
	if finalOnly {
		q += ` AND status = 'final'`
	}
	r.Raw(rows, q+` ORDER BY created_at DESC, id`, caseID)
}

// appeal.go

// appealFacts is what an appeal reads of its case, locked.
type appealFacts struct {
	Status          cases.Status
	AppealState     *string
	AppealBy        *time.Time
	AppealRule      *string `gorm:"column:appeal_window_rule"`
	SLAPolicyID     *uuid.UUID
	DecidedAt       *time.Time
	StatusChangedAt time.Time
	AssigneeID      *uuid.UUID
}

// decidersOf is everyone who decided or approved a decision of a case.
func decidersOf(tx *gorm.DB, caseID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.Raw(`SELECT DISTINCT u FROM decisions d, LATERAL (VALUES (d.decided_by), (d.approved_by)) v (u)
			WHERE d.case_id = ? AND u IS NOT NULL`, caseID).Scan(&ids).Error
	return ids, err
}

// rejectersOf is everyone the case record names as having rejected a case.
func rejectersOf(tx *gorm.DB, caseID uuid.UUID) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	err := tx.Raw(`SELECT DISTINCT actor_id FROM audit_entries
			WHERE case_id = ? AND action = 'case.rejected' AND actor_id IS NOT NULL`, caseID).Scan(&ids).Error
	return ids, err
}

// appealState is what opening an appeal window reads of a case.
type appealState struct {
	SLAPolicyID *uuid.UUID
	AppealState *string
}

func appealStateOf(tx *gorm.DB, caseID uuid.UUID) (appealState, error) {
	var c appealState
	err := tx.Raw(`SELECT sla_policy_id, appeal_state FROM cases WHERE id = ?`, caseID).Scan(&c).Error
	return c, err
}
