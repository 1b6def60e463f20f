package systemic

import (
	"context"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/paging"
	"github.com/redresshq/redress/internal/registry"
)

// Bounds of an AI system's alerting (the CHECKs of migrations/00010_review.sql).
const (
	MinThreshold   = 2
	MaxThreshold   = 100000
	MinWindowHours = 1
	MaxWindowHours = 8784 // a leap year
)

// Alert says that enough cases about one AI system opened within its window.
type Alert struct {
	ID             uuid.UUID   `json:"id"`
	AISystemID     uuid.UUID   `json:"ai_system_id"`
	AISystemName   string      `json:"ai_system_name"`
	CaseCount      int         `json:"case_count"`
	Threshold      int         `json:"threshold"`
	WindowHours    int         `json:"window_hours"`
	WindowFrom     time.Time   `json:"window_from"`
	WindowTo       time.Time   `json:"window_to"`
	CaseIDs        []uuid.UUID `json:"case_ids"`  // the first alertCases(Threshold) of the window, oldest first
	IssueIDs       []uuid.UUID `json:"issue_ids"` // the systemic issues opened in answer to it
	RaisedAt       time.Time   `json:"raised_at"`
	AcknowledgedBy *uuid.UUID  `json:"acknowledged_by"`
	AcknowledgedAt *time.Time  `json:"acknowledged_at"`
}

// alertCases is how many case ids an alert keeps: the window's first
// threshold cases (the last of them reached the threshold), and never more
// than MaxCases, so that opening a systemic issue from an alert with its
// case_ids stays within what one request may link. However many cases the
// window holds, an alert's size stays bounded; its case_count counts them
// all.
func alertCases(threshold int) int { return min(threshold, MaxCases) }

// CheckAlert looks at the AI system of a newly filed case: when the cases
// about it submitted within its last alert_window_hours reach its
// alert_threshold, and no alert for it was raised within that window, it
// raises one (with the redress.systemic.alert event) and returns it;
// otherwise it returns nil. Checks for one AI system are serialised on its
// row, so concurrent checks — several workers, a redelivered event — raise
// one alert. A case about no registered system, or filed before the current
// window (an old event handled late), raises nothing. CheckAlert runs in a
// transaction of its own; CheckAlertIn in the caller's.
func (s *Service) CheckAlert(ctx context.Context, caseID uuid.UUID) (*Alert, error) {
	var raised *Alert
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		raised, err = s.CheckAlertIn(tx, caseID)
		return err
	})
	return raised, err
}

// CheckAlertIn is CheckAlert in the caller's transaction tx.
//
// It looks twice. First without a lock, in one statement (queueLookFirst): nearly
// every check finds a case about no registered system, too few cases in the
// window, or an alert raised within it, and raises nothing; such checks cost
// one round trip and must not wait on each other. The worker checks a batch of
// events in one transaction, so a lock taken here would be held until the
// whole batch commits, and every batch about the same AI system would wait
// for the one before (issue 18). What this first look sees, a check under
// the lock would see too, or more: cases and alerts are only ever added, and
// each case is checked after it was committed, so the check of the case that
// reaches the threshold counts it. Only a check that would raise an alert
// locks the AI system's row and looks again, so that concurrent checks raise
// one.
func (s *Service) CheckAlertIn(tx *gorm.DB, caseID uuid.UUID) (*Alert, error) {
	r := db.ReadsOn(tx)
	check := s.QueueCheckAlert(r, caseID)
	if err := r.Run(); err != nil {
		return nil, fmt.Errorf("systemic: case: %w", err)
	}
	return check(tx)
}

// QueueCheckAlert queues CheckAlertIn's first look on r, for a caller that
// sends it with other statements (the worker, with the statement that
// records the event), and returns the rest of the check, to run in tx once
// r has run. The look depends on nothing the transaction writes: only on
// committed cases and alerts.
func (s *Service) QueueCheckAlert(r *db.Reads, caseID uuid.UUID) func(tx *gorm.DB) (*Alert, error) {
	var look firstLook
	queueLookFirst(r, caseID, &look)
	return func(tx *gorm.DB) (*Alert, error) {
		if !look.Found {
			return nil, fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		}
		if !look.MayRaise {
			return nil, nil
		}
		w, err := s.alertWindow(tx, *look.AISystemID, look.SubmittedAt)
		if err != nil || w == nil {
			return nil, err
		}
		return s.raise(tx, w)
	}
}

// window is an AI system's alert window that has reached its threshold with
// no alert raised in it.
type window struct {
	systemID uuid.UUID
	alerting Alerting
	from, to time.Time
	count    int64
	inWindow func() *gorm.DB
}

// alertWindow is the window of the AI system systemID ending now, when a
// case submitted at submitted lies in it, its cases reach the threshold and
// no alert was raised within it; nil otherwise. It first locks the AI
// system's row (FOR NO KEY UPDATE) until tx ends, and reads the clock after
// the lock: a check that waited sees the cases and the alert committed
// meanwhile.
func (s *Service) alertWindow(tx *gorm.DB, systemID uuid.UUID, submitted time.Time) (*window, error) {
	var sys []Alerting
	if err := tx.Model(&registry.AISystem{}).Select("alert_threshold AS threshold, alert_window_hours AS window_hours").
		Where("id = ?", systemID).Clauses(clause.Locking{Strength: "NO KEY UPDATE"}).Find(&sys).Error; err != nil {
		return nil, fmt.Errorf("systemic: lock ai system: %w", err)
	}
	if len(sys) == 0 {
		return nil, nil
	}
	to, err := clockTimestamp(tx)
	if err != nil {
		return nil, err
	}
	to = to.UTC()
	from := to.Add(-time.Duration(sys[0].WindowHours) * time.Hour)
	if !submitted.After(from) {
		return nil, nil
	}
	var recent int64
	if err := tx.Model(&alertRecord{}).Where("ai_system_id = ? AND window_to > ?", systemID, from).
		Count(&recent).Error; err != nil {
		return nil, fmt.Errorf("systemic: recent alerts: %w", err)
	}
	if recent > 0 {
		return nil, nil
	}
	inWindow := func() *gorm.DB {
		return tx.Model(&cases.Case{}).Where("ai_system_id = ? AND submitted_at > ? AND submitted_at <= ?",
			systemID, from, to)
	}
	var n int64
	if err := inWindow().Count(&n).Error; err != nil {
		return nil, fmt.Errorf("systemic: count cases: %w", err)
	}
	if n < int64(sys[0].Threshold) {
		return nil, nil
	}
	return &window{systemID: systemID, alerting: sys[0], from: from, to: to, count: n, inWindow: inWindow}, nil
}

// raise stores the alert of window w, which the caller holds locked, and
// adds its event.
func (s *Service) raise(tx *gorm.DB, w *window) (*Alert, error) {
	threshold := w.alerting.Threshold
	// The alert names the window's first cases, oldest first: as many as
	// the threshold, never more than MaxCases (alertCases); case_count
	// counts them all.
	keep := alertCases(threshold)
	var ids []uuid.UUID
	if err := w.inWindow().Order("submitted_at, id").Limit(keep).Pluck("id", &ids).Error; err != nil {
		return nil, fmt.Errorf("systemic: cases in window: %w", err)
	}
	if len(ids) < keep {
		return nil, nil // cannot be: the count was read under the lock, and cases are never deleted
	}
	// The event is about the case that reached the threshold: the
	// threshold-th of the window's cases, whichever case's check ran.
	reached := ids[len(ids)-1]
	if keep < threshold {
		if err := w.inWindow().Select("id").Order("submitted_at, id").Offset(threshold - 1).Limit(1).
			Row().Scan(&reached); err != nil {
			return nil, fmt.Errorf("systemic: the case that reached the threshold: %w", err)
		}
	}
	strs := make(db.TextSlice, len(ids))
	for i, id := range ids {
		strs[i] = id.String()
	}
	a := &Alert{AISystemID: w.systemID, CaseCount: int(w.count), Threshold: threshold, WindowHours: w.alerting.WindowHours,
		WindowFrom: w.from, WindowTo: w.to, CaseIDs: ids, IssueIDs: []uuid.UUID{}, RaisedAt: w.to}
	rec := alertRecord{AISystemID: w.systemID, CaseCount: a.CaseCount, Threshold: a.Threshold, WindowHours: a.WindowHours,
		WindowFrom: w.from, WindowTo: w.to, CaseIDs: strs, RaisedAt: w.to}
	if err := tx.Select("ai_system_id", "case_count", "threshold", "window_hours", "window_from", "window_to",
		"case_ids", "raised_at").Clauses(clause.Returning{Columns: []clause.Column{{Name: "id"}}}).
		Create(&rec).Error; err != nil {
		return nil, fmt.Errorf("systemic: raise alert: %w", err)
	}
	a.ID = rec.ID
	if _, err := outbox.Add(tx, events.SystemicAlert, reached, events.SystemicAlertData{AlertID: a.ID,
		AISystemID: w.systemID, CaseCount: a.CaseCount, Threshold: a.Threshold, WindowHours: a.WindowHours,
		WindowFrom: w.from, WindowTo: w.to}); err != nil {
		return nil, err
	}
	return a, nil
}

// AlertFilter selects alerts for the list.
type AlertFilter struct {
	AISystemID   *uuid.UUID
	Acknowledged *bool
	Cursor       string
	Limit        int
	// Viewer, when set, keeps of each alert's case_ids those they may see
	// (internal/access); case_count still counts them all.
	Viewer *access.Viewer
}

func (r *alertRow) alert() (Alert, error) {
	a := Alert{ID: r.ID, AISystemID: r.AISystemID, AISystemName: r.AISystemName, CaseCount: r.CaseCount,
		Threshold: r.Threshold, WindowHours: r.WindowHours, WindowFrom: r.WindowFrom.UTC(), WindowTo: r.WindowTo.UTC(),
		RaisedAt: r.RaisedAt.UTC(), AcknowledgedBy: r.AcknowledgedBy}
	var err error
	if a.CaseIDs, err = uuids(r.CaseIDs); err != nil {
		return a, err
	}
	if a.IssueIDs, err = uuids(r.IssueIDs); err != nil {
		return a, err
	}
	if r.AcknowledgedAt != nil {
		t := r.AcknowledgedAt.UTC()
		a.AcknowledgedAt = &t
	}
	return a, nil
}

func uuids(ss []string) ([]uuid.UUID, error) {
	out := make([]uuid.UUID, len(ss))
	for i, s := range ss {
		id, err := uuid.Parse(s)
		if err != nil {
			return nil, fmt.Errorf("systemic: bad id %q: %w", s, err)
		}
		out[i] = id
	}
	return out, nil
}

// Alerts lists alerts newest first, keyset-paginated on (raised_at, id).
func (s *Service) Alerts(ctx context.Context, f AlertFilter) (*paging.Page[Alert], error) {
	var fs fault.Fields
	cur := paging.PageArgs(&fs, &f.Limit, f.Cursor)
	if err := fs.Err(); err != nil {
		return nil, err
	}
	rows, err := listAlerts(s.db.WithContext(ctx), f, cur)
	if err != nil {
		return nil, fmt.Errorf("systemic: alerts: %w", err)
	}
	items := make([]Alert, len(rows))
	for i := range rows {
		a, err := rows[i].alert()
		if err != nil {
			return nil, err
		}
		if f.Viewer != nil {
			if a.CaseIDs, err = s.visibleCases(s.db.WithContext(ctx), *f.Viewer, a.CaseIDs); err != nil {
				return nil, err
			}
		}
		items[i] = a
	}
	return paging.NewPage(items, f.Limit, func(a Alert) (time.Time, uuid.UUID) { return a.RaisedAt, a.ID }), nil
}

// Alert returns one alert.
func (s *Service) Alert(ctx context.Context, id uuid.UUID) (*Alert, error) {
	rows, err := alertByID(s.db.WithContext(ctx), id)
	if err != nil {
		return nil, fmt.Errorf("systemic: alert: %w", err)
	}
	if len(rows) == 0 {
		return nil, errAlertNotFound
	}
	a, err := rows[0].alert()
	return &a, err
}

var errAlertNotFound = fault.New(fault.NotFound, "alert_not_found", "No systemic alert has that id.")

// Acknowledge records that a supervisor has taken an alert in hand; an alert
// is acknowledged once (Conflict after that). The alert returned names the
// cases by may see.
func (s *Service) Acknowledge(ctx context.Context, id uuid.UUID, by access.Viewer) (*Alert, error) {
	res := s.db.WithContext(ctx).Model(&alertRecord{}).Where("id = ? AND acknowledged_at IS NULL", id).
		Updates(map[string]any{"acknowledged_by": by.ID, "acknowledged_at": gorm.Expr("now()")})
	if res.Error != nil {
		return nil, fmt.Errorf("systemic: acknowledge: %w", res.Error)
	}
	a, err := s.Alert(ctx, id)
	if err != nil {
		return nil, err
	}
	if res.RowsAffected == 0 {
		return nil, fault.New(fault.Conflict, "alert_acknowledged", "The alert was already acknowledged.")
	}
	if a.CaseIDs, err = s.visibleCases(s.db.WithContext(ctx), by, a.CaseIDs); err != nil {
		return nil, err
	}
	return a, nil
}

// visibleCases keeps, of ids, those v may see (internal/access), in order,
// reading through q.
func (s *Service) visibleCases(q *gorm.DB, v access.Viewer, ids []uuid.UUID) ([]uuid.UUID, error) {
	out := []uuid.UUID{}
	if len(ids) == 0 {
		return out, nil
	}
	visible, vargs := access.Visible(v)
	rows, err := visibleCaseIDs(q, ids, visible, vargs)
	if err != nil {
		return nil, fmt.Errorf("systemic: visible cases: %w", err)
	}
	seen := make(map[uuid.UUID]bool, len(rows))
	for _, id := range rows {
		seen[id] = true
	}
	for _, id := range ids {
		if seen[id] {
			out = append(out, id)
		}
	}
	return out, nil
}

// Alerting is when an AI system's cases raise an alert.
type Alerting struct {
	AISystemID  uuid.UUID `json:"ai_system_id"`
	Threshold   int       `json:"threshold"`
	WindowHours int       `json:"window_hours"`
}

// AlertingInput sets an AI system's alerting; both values are required.
type AlertingInput struct {
	Threshold   *int `json:"threshold"`
	WindowHours *int `json:"window_hours"`
}

// SetAlerting sets how many cases (threshold) about an AI system opened
// within how many hours (window_hours) raise an alert. It applies from the
// next case filed.
func (s *Service) SetAlerting(ctx context.Context, systemID uuid.UUID, in AlertingInput) (*Alerting, error) {
	var f fault.Fields
	bounded(&f, "threshold", in.Threshold, MinThreshold, MaxThreshold)
	bounded(&f, "window_hours", in.WindowHours, MinWindowHours, MaxWindowHours)
	if err := f.Err(); err != nil {
		return nil, err
	}
	found, err := registry.SetAlerting(s.db.WithContext(ctx), systemID, *in.Threshold, *in.WindowHours)
	if err != nil {
		return nil, err
	}
	if !found {
		return nil, errSystemNotFound
	}
	return &Alerting{AISystemID: systemID, Threshold: *in.Threshold, WindowHours: *in.WindowHours}, nil
}

// AlertingOf returns an AI system's alerting.
func (s *Service) AlertingOf(ctx context.Context, systemID uuid.UUID) (*Alerting, error) {
	var out []Alerting
	if err := s.db.WithContext(ctx).Model(&registry.AISystem{}).
		Select("id AS ai_system_id, alert_threshold AS threshold, alert_window_hours AS window_hours").
		Where("id = ?", systemID).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("systemic: alerting: %w", err)
	}
	if len(out) == 0 {
		return nil, errSystemNotFound
	}
	return &out[0], nil
}

var errSystemNotFound = fault.New(fault.NotFound, "ai_system_not_found", "No AI system with that id is in the register.")

func bounded(f *fault.Fields, field string, v *int, lo, hi int) {
	switch {
	case v == nil:
		f.Addf(field, "required", "is required: a whole number from %d to %d", lo, hi)
	case *v < lo || *v > hi:
		f.Addf(field, "out_of_range", "must be a whole number from %d to %d", lo, hi)
	}
}
