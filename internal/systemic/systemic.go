// Package systemic holds collective cases (issue #4, item 6): staff link cases
// about one AI system and one failure into a systemic issue, whose
// non-repetition remedies apply to every linked case; and when enough cases
// about one AI system open within a window, an alert is raised for the
// supervisors — the input to the organisation's human-rights due diligence
// and its fundamental-rights impact assessment (FRIA) review.
//
// Every link and unlink lands in the linked case's record (audit) with an
// outbox event, in one transaction. Lock order: a change that touches cases
// locks their rows first, in id order, as audit.Append and the rest of the
// code do, and the issue row after them; resolving an issue locks only the
// issue row. The alert check locks only its AI system's row (FOR NO KEY
// UPDATE: checks for one system run one at a time, while intake, which takes
// a key-share lock on the row through its foreign key, is never held up).
//
// It owns the tables systemic_issues, systemic_issue_cases and
// systemic_alerts (their GORM models, and the statements that need SQL's
// full power, are in queries.go), and publishes redress.systemic.linked,
// redress.systemic.unlinked and redress.systemic.alert. An AI system's
// alerting (ai_systems.alert_threshold and alert_window_hours) is its rule,
// written through internal/registry, which owns the register. A systemic issue's remedies
// live with the other remedies, not here.
package systemic

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/paging"
	"github.com/redresshq/redress/internal/registry"
)

// Service is systemic issues and alerts.
type Service struct{ db *gorm.DB }

// New returns the service.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb} }

// IssueStatus is a systemic issue's status (systemic_issues.status).
type IssueStatus string

// Issue statuses.
const (
	StatusOpen     IssueStatus = "open"
	StatusResolved IssueStatus = "resolved"
)

// Statuses lists every issue status.
var Statuses = []IssueStatus{StatusOpen, StatusResolved}

// Limits of what staff write.
const (
	minTitle       = 3
	maxTitle       = 200
	maxDescription = 20000
	maxNote        = 5000
	// MaxCases is how many cases one request may link.
	MaxCases = 1000
)

// Audit actions written on a linked case's record.
const (
	ActionLinked   = "systemic.linked"
	ActionUnlinked = "systemic.unlinked"
)

// Issue is a systemic issue in a list.
type Issue struct {
	ID           uuid.UUID   `json:"id"`
	Reference    string      `json:"reference"`
	AISystemID   uuid.UUID   `json:"ai_system_id"`
	AISystemName string      `json:"ai_system_name"`
	Mechanism    string      `json:"mechanism"`
	Title        string      `json:"title"`
	Status       IssueStatus `json:"status"`
	AlertID      *uuid.UUID  `json:"alert_id"`
	CaseCount    int         `json:"case_count"`
	CreatedBy    uuid.UUID   `json:"created_by"`
	CreatedAt    time.Time   `json:"created_at"`
	ResolvedAt   *time.Time  `json:"resolved_at"`
}

// IssueDetail is one systemic issue with its cases.
type IssueDetail struct {
	Issue
	Description    string       `json:"description"`
	ResolvedBy     *uuid.UUID   `json:"resolved_by"`
	ResolutionNote *string      `json:"resolution_note"`
	Cases          []LinkedCase `json:"cases" gorm:"-"`
}

// LinkedCase is a case linked to an issue.
type LinkedCase struct {
	ID        uuid.UUID       `json:"id"`
	Reference string          `json:"reference"`
	Status    cases.Status    `json:"status"`
	Priority  *cases.Priority `json:"priority"`
	LinkedBy  uuid.UUID       `json:"linked_by"`
	LinkedAt  time.Time       `json:"linked_at"`
}

// CreateRequest is a new systemic issue. Ids are strings so that a bad one
// is named (case_ids[2]) rather than failing the whole body.
type CreateRequest struct {
	AISystemID  string   `json:"ai_system_id"`
	Mechanism   string   `json:"mechanism"`
	Title       string   `json:"title"`
	Description string   `json:"description"`
	CaseIDs     []string `json:"case_ids"`
	AlertID     string   `json:"alert_id"` // optional: the alert the issue answers
}

// Create opens a systemic issue about one AI system and one failure
// (mechanism), linking the cases given, each of which must be about that AI
// system; a closed or withdrawn case may be linked too (the issue is also
// for learning). It returns the new issue's id.
func (s *Service) Create(ctx context.Context, by uuid.UUID, in CreateRequest) (uuid.UUID, error) {
	var f fault.Fields
	systemID := parseID(&f, "ai_system_id", in.AISystemID, true)
	f.OneOf("mechanism", in.Mechanism, decision.Mechanisms, true)
	title := strings.TrimSpace(in.Title)
	f.Text("title", title, minTitle, maxTitle)
	description := strings.TrimSpace(in.Description)
	f.Text("description", description, 0, maxDescription)
	var alertID *uuid.UUID
	if in.AlertID != "" {
		id := parseID(&f, "alert_id", in.AlertID, true)
		alertID = &id
	}
	ids := parseIDs(&f, "case_ids", in.CaseIDs, false)
	if err := f.Err(); err != nil {
		return uuid.Nil, err
	}
	var issueID uuid.UUID
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var sys int64
		if err := tx.Model(&registry.AISystem{}).Where("id = ?", systemID).Count(&sys).Error; err != nil {
			return fmt.Errorf("systemic: ai system: %w", err)
		}
		if sys == 0 {
			f.Add("ai_system_id", "not_found", "no AI system in the register has that id")
			return f.Err()
		}
		if err := s.notRecused(tx, systemID, by); err != nil {
			return err
		}
		if alertID != nil {
			var alertSystem []uuid.UUID
			if err := tx.Model(&alertRecord{}).Where("id = ?", *alertID).Pluck("ai_system_id", &alertSystem).Error; err != nil {
				return fmt.Errorf("systemic: alert: %w", err)
			}
			switch {
			case len(alertSystem) == 0:
				f.Add("alert_id", "not_found", "no systemic alert has that id")
			case alertSystem[0] != systemID:
				f.Add("alert_id", "other_ai_system", "the alert is about another AI system")
			}
		}
		cases, err := s.lockCases(tx, &f, "case_ids", ids, systemID, by)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		row := issueRecord{AISystemID: systemID, Mechanism: in.Mechanism, Title: title, Description: description,
			AlertID: alertID, CreatedBy: by}
		if err := tx.Select("ai_system_id", "mechanism", "title", "description", "alert_id", "created_by").
			Clauses(clause.Returning{Columns: []clause.Column{{Name: "id"}, {Name: "reference"}, {Name: "ai_system_id"},
				{Name: "mechanism"}, {Name: "status"}}}).Create(&row).Error; err != nil {
			return fmt.Errorf("systemic: create issue: %w", err)
		}
		issueID = row.ID
		_, err = s.link(tx, row, cases, by)
		return err
	})
	return issueID, err
}

// Link links more cases, each about the issue's AI system, to an open issue.
// A case already linked stays as it was. It returns how many were newly linked.
func (s *Service) Link(ctx context.Context, issueID, by uuid.UUID, caseIDs []string) (int, error) {
	var f fault.Fields
	ids := parseIDs(&f, "case_ids", caseIDs, true)
	if err := f.Err(); err != nil {
		return 0, err
	}
	n := 0
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		// The issue's AI system never changes: read it before locking the cases.
		row, err := s.issueRow(tx, issueID, false)
		if err != nil {
			return err
		}
		if err := s.notRecused(tx, row.AISystemID, by); err != nil {
			return err
		}
		cases, err := s.lockCases(tx, &f, "case_ids", ids, row.AISystemID, by)
		if err != nil {
			return err
		}
		if err := f.Err(); err != nil {
			return err
		}
		if row, err = s.issueRow(tx, issueID, true); err != nil {
			return err
		}
		if row.Status != StatusOpen {
			return errResolved
		}
		n, err = s.link(tx, *row, cases, by)
		return err
	})
	return n, err
}

// Unlink takes a case off an open issue, with a reason that lands in the
// case's record.
func (s *Service) Unlink(ctx context.Context, issueID, caseID, by uuid.UUID, reason string) error {
	var f fault.Fields
	reason = strings.TrimSpace(reason)
	f.Text("reason", reason, 1, maxNote)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		issue, err := s.issueRow(tx, issueID, false)
		if err != nil {
			return err
		}
		if err := s.notRecused(tx, issue.AISystemID, by); err != nil {
			return err
		}
		visible, vargs, err := s.visibleTo(tx, by)
		if err != nil {
			return err
		}
		found, err := lockVisibleCase(tx, caseID, visible, vargs)
		if err != nil {
			return fmt.Errorf("systemic: lock case: %w", err)
		}
		if len(found) == 0 {
			return fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		}
		row, err := s.issueRow(tx, issueID, true)
		if err != nil {
			return err
		}
		if row.Status != StatusOpen {
			return errResolved
		}
		res := tx.Where("issue_id = ? AND case_id = ?", issueID, caseID).Delete(&issueCase{})
		if res.Error != nil {
			return fmt.Errorf("systemic: unlink: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fault.New(fault.NotFound, "case_not_linked", "That case is not linked to this systemic issue.")
		}
		return s.record(tx, caseID, by, ActionUnlinked, events.SystemicUnlinked, *row,
			map[string]any{"issue_id": row.ID, "reference": row.Reference, "reason": reason})
	})
}

// Resolve closes an open issue with a note saying how it was resolved.
func (s *Service) Resolve(ctx context.Context, issueID, by uuid.UUID, note string) error {
	var f fault.Fields
	note = strings.TrimSpace(note)
	f.Text("note", note, 1, maxNote)
	if err := f.Err(); err != nil {
		return err
	}
	q := s.db.WithContext(ctx)
	issue, err := s.issueRow(q, issueID, false)
	if err != nil {
		return err
	}
	if err := s.notRecused(q, issue.AISystemID, by); err != nil {
		return err // nor declare its failure put right
	}
	res := q.Model(&issueRecord{}).Where("id = ? AND status = ?", issueID, StatusOpen).
		Updates(map[string]any{"status": StatusResolved, "resolved_at": gorm.Expr("now()"), "resolved_by": by,
			"resolution_note": note})
	if res.Error != nil {
		return fmt.Errorf("systemic: resolve: %w", res.Error)
	}
	if res.RowsAffected == 1 {
		return nil
	}
	return errResolved
}

// notRecused refuses a user listed among the staff of the AI system
// (ai_system_staff: who builds, owns or operates it) — the recusal that
// keeps them off its cases keeps them off the systemic issues about it:
// they may not open one, nor choose which cases it links.
func (s *Service) notRecused(q *gorm.DB, systemID, by uuid.UUID) error {
	n, err := staffCount(q, systemID, by)
	if err != nil {
		return fmt.Errorf("systemic: recusal: %w", err)
	}
	if n > 0 {
		return errRecused
	}
	return nil
}

var errRecused = fault.New(fault.Forbidden, "recused",
	"You build, own or operate this AI system: its systemic issues are not yours to open or change.")

var errResolved = fault.New(fault.Conflict, "issue_resolved", "The systemic issue is resolved: it takes no more changes.")

// issueRow reads an issue, share-locking it when lock is set (a concurrent
// resolve waits, and so does this for a resolve in flight), through q: a
// transaction when lock is set.
func (s *Service) issueRow(q *gorm.DB, id uuid.UUID, lock bool) (*issueRecord, error) {
	q = q.Select("id, reference, ai_system_id, mechanism, status").Where("id = ?", id)
	if lock {
		q = q.Clauses(clause.Locking{Strength: clause.LockingStrengthShare})
	}
	var rows []issueRecord
	if err := q.Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("systemic: issue: %w", err)
	}
	if len(rows) == 0 {
		return nil, errIssueNotFound
	}
	return &rows[0], nil
}

var errIssueNotFound = fault.New(fault.NotFound, "systemic_issue_not_found", "No systemic issue has that id.")

// lockCases locks the cases' rows in id order and names, in f, every id
// that is no case or a case about another AI system, in tx.
func (s *Service) lockCases(tx *gorm.DB, f *fault.Fields, field string, ids []indexedID, systemID, by uuid.UUID) ([]caseRow, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	plain := make([]uuid.UUID, len(ids))
	for i, id := range ids {
		plain[i] = id.ID
	}
	// A case the linker may not see is no case to them (need to know):
	// not_found, as for an id that names nothing.
	visible, vargs, err := s.visibleTo(tx, by)
	if err != nil {
		return nil, err
	}
	rows, err := lockVisibleCases(tx, plain, visible, vargs)
	if err != nil {
		return nil, fmt.Errorf("systemic: lock cases: %w", err)
	}
	byID := make(map[uuid.UUID]caseRow, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
	}
	for _, id := range ids {
		name := fmt.Sprintf("%s[%d]", field, id.Index)
		r, ok := byID[id.ID]
		switch {
		case !ok:
			f.Add(name, "not_found", "no case has that id")
		case r.AISystemID == nil || *r.AISystemID != systemID:
			f.Add(name, "other_ai_system", "the case is not about this systemic issue's AI system")
		}
	}
	return rows, nil
}

// visibleTo is the condition, over cases aliased c, that the user by may
// see the case (internal/access), reading the user through q.
func (s *Service) visibleTo(q *gorm.DB, by uuid.UUID) (string, []any, error) {
	var u auth.User
	if err := q.Select("role, skills, languages").Where("id = ?", by).Find(&u).Error; err != nil {
		return "", nil, fmt.Errorf("systemic: user: %w", err)
	}
	cond, args := access.Visible(access.Viewer{ID: by, Role: u.Role, Skills: u.Skills, Languages: u.Languages})
	return cond, args, nil
}

// link links cases (locked, in id order) to an issue; each new link lands in
// the case's record with an event, in tx.
func (s *Service) link(tx *gorm.DB, issue issueRecord, cases []caseRow, by uuid.UUID) (int, error) {
	n := 0
	for _, c := range cases {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&issueCase{IssueID: issue.ID, CaseID: c.ID, LinkedBy: by})
		if res.Error != nil {
			return n, fmt.Errorf("systemic: link: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			continue // linked before
		}
		if err := s.record(tx, c.ID, by, ActionLinked, events.SystemicLinked, issue,
			map[string]any{"issue_id": issue.ID, "reference": issue.Reference}); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// record audits a link or unlink and publishes it, in tx.
func (s *Service) record(tx *gorm.DB, caseID, by uuid.UUID, action, subject string, issue issueRecord, data map[string]any) error {
	if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorStaff, ActorID: &by,
		Action: action, Data: data}); err != nil {
		return err
	}
	_, err := outbox.Add(tx, subject, caseID, events.SystemicLink{IssueID: issue.ID, Reference: issue.Reference,
		AISystemID: issue.AISystemID, Mechanism: issue.Mechanism})
	return err
}

// Get returns an issue with its cases, most recently linked first: those
// viewer may see (internal/access; nil: every case, for the system's own
// use). Its case_count counts them all: a figure names no case.
func (s *Service) Get(ctx context.Context, id uuid.UUID, viewer *access.Viewer) (*IssueDetail, error) {
	q := s.db.WithContext(ctx)
	rows, err := issueDetail(q, id)
	if err != nil {
		return nil, fmt.Errorf("systemic: get: %w", err)
	}
	if len(rows) == 0 {
		return nil, errIssueNotFound
	}
	d := &rows[0]
	d.Cases = []LinkedCase{}
	d.utc()
	visible, vargs := "true", []any(nil)
	if viewer != nil {
		visible, vargs = access.Visible(*viewer)
	}
	if err := linkedCases(q, &d.Cases, id, visible, vargs); err != nil {
		return nil, fmt.Errorf("systemic: linked cases: %w", err)
	}
	for i := range d.Cases {
		d.Cases[i].LinkedAt = d.Cases[i].LinkedAt.UTC()
	}
	return d, nil
}

// CaseIDs lists the cases linked to an issue (NotFound for an unknown issue):
// those a non-repetition remedy on the issue applies to.
func (s *Service) CaseIDs(ctx context.Context, issueID uuid.UUID) ([]uuid.UUID, error) {
	q := s.db.WithContext(ctx)
	if _, err := s.issueRow(q, issueID, false); err != nil {
		return nil, err
	}
	ids := []uuid.UUID{}
	if err := q.Model(&issueCase{}).Where("issue_id = ?", issueID).Order("case_id").
		Pluck("case_id", &ids).Error; err != nil {
		return nil, fmt.Errorf("systemic: case ids: %w", err)
	}
	return ids, nil
}

func (i *Issue) utc() {
	i.CreatedAt = i.CreatedAt.UTC()
	if i.ResolvedAt != nil {
		t := i.ResolvedAt.UTC()
		i.ResolvedAt = &t
	}
}

// Filter selects issues for the list.
type Filter struct {
	AISystemID *uuid.UUID
	Status     string
	Cursor     string
	Limit      int
}

// List returns issues newest first, keyset-paginated on (created_at, id).
func (s *Service) List(ctx context.Context, f Filter) (*paging.Page[Issue], error) {
	var fs fault.Fields
	if f.Status != "" {
		fault.OneOf(&fs, "status", IssueStatus(f.Status), Statuses, true)
	}
	cur := paging.PageArgs(&fs, &f.Limit, f.Cursor)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	items, err := listIssues(s.db.WithContext(ctx), f, cur)
	if err != nil {
		return nil, fmt.Errorf("systemic: list: %w", err)
	}
	for i := range items {
		items[i].utc()
	}
	return paging.NewPage(items, f.Limit, func(i Issue) (time.Time, uuid.UUID) { return i.CreatedAt, i.ID }), nil
}

// ---- shared helpers ---------------------------------------------------------

type indexedID struct {
	ID    uuid.UUID
	Index int // its place in the request, to name it
}

// parseIDs reads a list of ids, naming each bad one (field[i]); a repeated
// id counts once.
func parseIDs(f *fault.Fields, field string, raw []string, required bool) []indexedID {
	if len(raw) == 0 {
		if required {
			f.Add(field, "required", "give at least one case id")
		}
		return nil
	}
	if len(raw) > MaxCases {
		f.Addf(field, "too_many", "may hold at most %d case ids", MaxCases)
		return nil
	}
	seen := map[uuid.UUID]bool{}
	var out []indexedID
	for i, r := range raw {
		id, err := uuid.Parse(strings.TrimSpace(r))
		if err != nil {
			f.Add(fmt.Sprintf("%s[%d]", field, i), "invalid", "must be a case id (a UUID)")
			continue
		}
		if !seen[id] {
			seen[id] = true
			out = append(out, indexedID{id, i})
		}
	}
	return out
}

func parseID(f *fault.Fields, field, raw string, required bool) uuid.UUID {
	raw = strings.TrimSpace(raw)
	if raw == "" {
		if required {
			f.Add(field, "required", "is required")
		}
		return uuid.Nil
	}
	id, err := uuid.Parse(raw)
	if err != nil {
		f.Add(field, "invalid", "must be a UUID")
	}
	return id
}
