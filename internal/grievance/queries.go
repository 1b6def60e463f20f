package grievance

import (
	"strconv"
	"time"

	"github.com/google/uuid"
	"github.com/redresshq/redress/internal/platform/db"
	"gorm.io/gorm"
)

// The statements of grievance that need SQL's full power, and the named
// rows they read.

// detailRow is a case as Get reads it: its summary, its own columns,
// its classification, resolution, contested AI decision and systemic issues.
type detailRow struct {
	Summary
	DecisionReference        *string
	DecisionDate             *time.Time
	InformedOfAI             string `gorm:"column:informed_of_ai"`
	DescriptionEnc           []byte
	DesiredOutcomeEnc        []byte
	HasContact               bool
	PreferredChannel         *string
	Represented              bool
	RelatedCaseID            *uuid.UUID
	PreliminarySeverity      *string
	AcknowledgedAt           *time.Time
	ReceivedAt               *time.Time
	StatusReason             *string
	Rights                   db.TextSlice
	HarmTypes                db.TextSlice
	Mechanisms               db.TextSlice
	HarmStatus               *string
	Scale                    *int
	Scope                    *int
	Irremediability          *int
	Rationale                *string
	Source                   string
	ScaleRationale           *string
	ScopeRationale           *string
	IrremediabilityRationale *string
	PriorityReasons          string
	PendingPriority          *string
	PendingPriorityBy        *uuid.UUID
	Resolution               resolutionRow `gorm:"embedded"`
	AIDecision               aiDecisionRow `gorm:"embedded"`
	SystemicIssues           []byte        // JSON: [{id, reference, title}]
}

// caseList reads the summaries of the cases where (with args) holds, newest
// first, at most limit of them. The limit is written into the statement, not
// passed: with LIMIT $n PostgreSQL's generic plan guesses a tenth of the
// table and loses to a custom plan every time, so each call was planned again
// (about as long as running it); with the number in the text the prepared
// statement's generic plan serves every call of one page size.
func caseList(tx *gorm.DB, where string, args []any, limit int) ([]Summary, error) {
	var items []Summary
	err := tx.Raw(`
		SELECT c.id, c.reference, c.kind, c.status, c.priority, c.ai_system_id, s.name AS ai_system_name,
		       c.ai_system_other, c.queue_id, c.assignee_id, c.language, c.anonymous, c.submitted_at,
		       d.due_at AS next_due_at, d.clock AS next_due_clock
		  FROM cases c
		  LEFT JOIN ai_systems s ON s.id = c.ai_system_id
		  LEFT JOIN LATERAL (SELECT due_at, clock FROM case_clocks k
		                      WHERE k.case_id = c.id AND k.satisfied_at IS NULL ORDER BY due_at LIMIT 1) d ON true
		 WHERE `+where+`
		 ORDER BY c.submitted_at DESC, c.id DESC
		 LIMIT `+strconv.Itoa(limit), args...).Scan(&items).Error
	return items, err
}

// caseDetail reads case id as Get shows it; a case that does not exist
// reads a zero row.
func caseDetail(tx *gorm.DB, id uuid.UUID) (detailRow, error) {
	var row detailRow
	err := tx.Raw(`
		SELECT c.id, c.reference, c.kind, c.status, c.priority, c.ai_system_id, s.name AS ai_system_name,
		       c.ai_system_other, c.queue_id, c.assignee_id, c.language, c.anonymous, c.submitted_at,
		       c.decision_reference, c.decision_date, c.informed_of_ai, c.description_enc, c.desired_outcome_enc,
		       c.contact_enc IS NOT NULL AS has_contact, c.preferred_channel,
		       c.representative_enc IS NOT NULL AS represented, c.related_case_id, c.preliminary_severity,
		       c.acknowledged_at, c.received_at, c.status_reason,
		       k.rights, k.harm_types, k.mechanisms, k.harm_status, k.scale, k.scope, k.irremediability,
		       k.rationale, k.source, k.scale_rationale, k.scope_rationale, k.irremediability_rationale,
		       k.priority_reasons::text AS priority_reasons, c.pending_priority, c.pending_priority_by,
		       `+resolutionColumns+`, `+aiDecisionColumns+`,
		       (SELECT coalesce(json_agg(json_build_object('id', i.id, 'reference', i.reference, 'title', i.title)
		                                 ORDER BY i.created_at, i.id), '[]')
		          FROM systemic_issue_cases l JOIN systemic_issues i ON i.id = l.issue_id
		         WHERE l.case_id = c.id) AS systemic_issues
		  FROM cases c
		  LEFT JOIN ai_systems s ON s.id = c.ai_system_id
		  JOIN case_classifications k ON k.case_id = c.id
		  LEFT JOIN case_feedback f ON f.case_id = c.id
		  LEFT JOIN ai_decision_records r ON r.case_id = c.id
		 WHERE c.id = ?`, id).Scan(&row).Error
	return row, err
}
