package systemic

import (
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/paging"
)

// The package's tables as GORM models (simple reads and writes use the
// builder on them), and the statements that need SQL's full power: joins
// with the register, the need-to-know condition over cases aliased c
// (internal/access), row locks on cases and arrays.

// issueRecord is a row of systemic_issues. The columns the database fills
// in (id, reference, status, created_at) are written only by it.
type issueRecord struct {
	ID             uuid.UUID `gorm:"primaryKey"`
	Reference      string
	AISystemID     uuid.UUID `gorm:"column:ai_system_id"`
	Mechanism      string
	Title          string
	Description    string
	Status         IssueStatus
	AlertID        *uuid.UUID
	CreatedBy      uuid.UUID
	CreatedAt      time.Time `gorm:"->"`
	ResolvedAt     *time.Time
	ResolvedBy     *uuid.UUID
	ResolutionNote *string
}

// TableName is the table issueRecord maps.
func (issueRecord) TableName() string { return "systemic_issues" }

// issueCase is a row of systemic_issue_cases: a case linked to an issue.
type issueCase struct {
	IssueID  uuid.UUID `gorm:"primaryKey"`
	CaseID   uuid.UUID `gorm:"primaryKey"`
	LinkedBy uuid.UUID
	LinkedAt time.Time `gorm:"->"` // the database's now()
}

// TableName is the table issueCase maps.
func (issueCase) TableName() string { return "systemic_issue_cases" }

// alertRecord is a row of systemic_alerts.
type alertRecord struct {
	ID             uuid.UUID `gorm:"primaryKey"`
	AISystemID     uuid.UUID `gorm:"column:ai_system_id"`
	CaseCount      int
	Threshold      int
	WindowHours    int
	WindowFrom     time.Time
	WindowTo       time.Time
	CaseIDs        db.TextSlice `gorm:"column:case_ids;type:uuid[]"`
	RaisedAt       time.Time
	AcknowledgedBy *uuid.UUID
	AcknowledgedAt *time.Time
}

// TableName is the table alertRecord maps.
func (alertRecord) TableName() string { return "systemic_alerts" }

// caseRow is a case's id and AI system, as a link checks them.
type caseRow struct {
	ID         uuid.UUID
	AISystemID *uuid.UUID
}

// staffCount counts the rows of ai_system_staff (internal/registry's) that
// list user among the staff of the AI system.
func staffCount(conn *gorm.DB, systemID, user uuid.UUID) (int, error) {
	var n int
	err := conn.Raw(`SELECT count(*) FROM ai_system_staff WHERE ai_system_id = ? AND user_id = ?`,
		systemID, user).Scan(&n).Error
	return n, err
}

// lockVisibleCase locks the row of the case, if visible (a condition over
// cases aliased c, with its arguments) holds for it, and returns its id.
func lockVisibleCase(conn *gorm.DB, caseID uuid.UUID, visible string, vargs []any) ([]uuid.UUID, error) {
	var found []uuid.UUID
	err := conn.Raw(`SELECT c.id FROM cases c WHERE c.id = ? AND `+visible+` FOR UPDATE OF c`,
		append([]any{caseID}, vargs...)...).Scan(&found).Error
	return found, err
}

// lockVisibleCases locks, in id order, the rows of the cases of ids for
// which visible holds.
func lockVisibleCases(conn *gorm.DB, ids []uuid.UUID, visible string, vargs []any) ([]caseRow, error) {
	var rows []caseRow
	err := conn.Raw(`SELECT c.id, c.ai_system_id FROM cases c WHERE c.id IN ? AND `+visible+`
		 ORDER BY c.id FOR UPDATE OF c`, append([]any{ids}, vargs...)...).Scan(&rows).Error
	return rows, err
}

// visibleCaseIDs returns, in no order, the ids of ids for which visible holds.
func visibleCaseIDs(conn *gorm.DB, ids []uuid.UUID, visible string, vargs []any) ([]uuid.UUID, error) {
	var out []uuid.UUID
	err := conn.Raw(`SELECT c.id FROM cases c WHERE c.id IN ? AND `+visible, append([]any{ids}, vargs...)...).
		Scan(&out).Error
	return out, err
}

const issueSelect = `SELECT i.id, i.reference, i.ai_system_id, a.name AS ai_system_name, i.mechanism, i.title, i.status,
		       i.alert_id, (SELECT count(*) FROM systemic_issue_cases l WHERE l.issue_id = i.id) AS case_count,
		       i.created_by, i.created_at, i.resolved_at`

// issueDetail reads an issue without its cases (none: no such issue).
func issueDetail(conn *gorm.DB, id uuid.UUID) ([]IssueDetail, error) {
	var rows []IssueDetail
	err := conn.Raw(issueSelect+`, i.description, i.resolved_by, i.resolution_note
		  FROM systemic_issues i JOIN ai_systems a ON a.id = i.ai_system_id
		 WHERE i.id = ?`, id).Scan(&rows).Error
	return rows, err
}

// linkedCases reads into out the cases linked to an issue for which visible
// holds, most recently linked first.
func linkedCases(conn *gorm.DB, out *[]LinkedCase, issueID uuid.UUID, visible string, vargs []any) error {
	return conn.Raw(`SELECT c.id, c.reference, c.status, c.priority, l.linked_by, l.linked_at
		  FROM systemic_issue_cases l JOIN cases c ON c.id = l.case_id
		 WHERE l.issue_id = ? AND `+visible+` ORDER BY l.linked_at DESC, c.id`, append([]any{issueID}, vargs...)...).
		Scan(out).Error
}

// listIssues reads the issues f selects after cur, newest first: up to limit+1
// of them.
func listIssues(conn *gorm.DB, f Filter, cur *paging.Cursor) ([]Issue, error) {
	where, args := []string{"true"}, []any{}
	if f.AISystemID != nil {
		where, args = append(where, "i.ai_system_id = ?"), append(args, *f.AISystemID)
	}
	if f.Status != "" {
		where, args = append(where, "i.status = ?"), append(args, f.Status)
	}
	if cur != nil {
		where, args = append(where, "(i.created_at, i.id) < (?, ?)"), append(args, cur.At, cur.ID)
	}
	var items []Issue
	err := conn.Raw(issueSelect+`
		  FROM systemic_issues i JOIN ai_systems a ON a.id = i.ai_system_id
		 WHERE `+strings.Join(where, " AND ")+`
		 ORDER BY i.created_at DESC, i.id DESC LIMIT ?`, append(args, f.Limit+1)...).Scan(&items).Error
	return items, err
}

// firstLook is what CheckAlertIn reads of a case before any lock: its AI
// system, when it submitted, and whether its check may raise an alert.
type firstLook struct {
	Found       bool
	AISystemID  *uuid.UUID
	SubmittedAt time.Time
	MayRaise    bool
}

// queueLookFirst queues on r the read into f, in one statement and without
// a lock, of the case caseID and whether its AI system's window, ending now,
// holds it, holds no alert and has reached the threshold. The conditions are asked in that order (CASE):
// the cases in the window are counted only when no alert was raised in it.
func queueLookFirst(r *db.Reads, caseID uuid.UUID, f *firstLook) {
	r.Raw(f, `SELECT true AS found, c.ai_system_id, c.submitted_at,
		       CASE WHEN a.id IS NULL OR c.submitted_at <= w.from_at THEN false
		            WHEN EXISTS (SELECT 1 FROM systemic_alerts al WHERE al.ai_system_id = a.id AND al.window_to > w.from_at) THEN false
		            ELSE (SELECT count(*) FROM cases x WHERE x.ai_system_id = a.id
		                     AND x.submitted_at > w.from_at AND x.submitted_at <= w.to_at) >= a.alert_threshold
		       END AS may_raise
		  FROM cases c
		  LEFT JOIN ai_systems a ON a.id = c.ai_system_id
		  LEFT JOIN LATERAL (SELECT t.now - make_interval(hours => a.alert_window_hours) AS from_at, t.now AS to_at
		                       FROM (SELECT clock_timestamp() AS now) t) w ON true
		 WHERE c.id = ?`, caseID)
}

// clockTimestamp is the database's clock, read now (not the transaction's
// start, as now() is).
func clockTimestamp(conn *gorm.DB) (time.Time, error) {
	var t time.Time
	err := conn.Raw(`SELECT clock_timestamp()`).Scan(&t).Error
	return t, err
}

// alertSelect reads alerts; case_ids is cut to alertCases even for an alert
// stored before the ids were bounded.
var alertSelect = `SELECT al.id, al.ai_system_id, a.name AS ai_system_name, al.case_count, al.threshold, al.window_hours,
		       al.window_from, al.window_to, al.case_ids[1:LEAST(al.threshold, ` + strconv.Itoa(MaxCases) + `)]::text[] AS case_ids,
		       ARRAY(SELECT i.id::text FROM systemic_issues i WHERE i.alert_id = al.id ORDER BY i.created_at, i.id) AS issue_ids,
		       al.raised_at, al.acknowledged_by, al.acknowledged_at
		  FROM systemic_alerts al JOIN ai_systems a ON a.id = al.ai_system_id`

// alertRow is an alert as alertSelect reads it.
type alertRow struct {
	ID             uuid.UUID
	AISystemID     uuid.UUID
	AISystemName   string
	CaseCount      int
	Threshold      int
	WindowHours    int
	WindowFrom     time.Time
	WindowTo       time.Time
	CaseIDs        db.TextSlice
	IssueIDs       db.TextSlice
	RaisedAt       time.Time
	AcknowledgedBy *uuid.UUID
	AcknowledgedAt *time.Time
}

// listAlerts reads the alerts f selects after cur, newest first: up to
// limit+1 of them.
func listAlerts(conn *gorm.DB, f AlertFilter, cur *paging.Cursor) ([]alertRow, error) {
	where, args := []string{"true"}, []any{}
	if f.AISystemID != nil {
		where, args = append(where, "al.ai_system_id = ?"), append(args, *f.AISystemID)
	}
	if f.Acknowledged != nil {
		where, args = append(where, "(al.acknowledged_at IS NOT NULL) = ?"), append(args, *f.Acknowledged)
	}
	if cur != nil {
		where, args = append(where, "(al.raised_at, al.id) < (?, ?)"), append(args, cur.At, cur.ID)
	}
	var rows []alertRow
	err := conn.Raw(alertSelect+`
		 WHERE `+strings.Join(where, " AND ")+`
		 ORDER BY al.raised_at DESC, al.id DESC LIMIT ?`, append(args, f.Limit+1)...).Scan(&rows).Error
	return rows, err
}

// alertByID reads one alert (none: no such alert).
func alertByID(conn *gorm.DB, id uuid.UUID) ([]alertRow, error) {
	var rows []alertRow
	err := conn.Raw(alertSelect+` WHERE al.id = ?`, id).Scan(&rows).Error
	return rows, err
}
