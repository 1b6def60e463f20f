package retention

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/cases"
)

// Triggers of a run.
const (
	TriggerSchedule = "schedule"
	TriggerAdmin    = "admin"
)

// Run is what one retention run did.
type Run struct {
	ID         uuid.UUID       `json:"id"`
	Trigger    string          `json:"trigger"`
	Day        time.Time       `json:"day" gorm:"type:date"`
	StartedAt  time.Time       `json:"started_at"`
	FinishedAt *time.Time      `json:"finished_at"`
	Erased     int             `json:"erased"`
	Held       int             `json:"held"`
	Requests   int             `json:"requests"`
	Corrected  int             `json:"corrected"`
	Details    json.RawMessage `json:"details" gorm:"type:jsonb"`
}

// TableName is the runs' table.
func (Run) TableName() string { return "retention_runs" }

// RunItem is one thing a run did to a case.
type RunItem struct {
	Reference string `json:"reference"`
	// Action: erased (a schedule), request (the complainant's), held (due,
	// but under a legal hold), corrected (its key destroyed again).
	Action string `json:"action"`
	Rule   string `json:"rule,omitempty"`
}

// batch is how many ended cases a run reads at once.
const batch = 500

// Runs lists the latest runs, newest first.
func (s *Service) Runs(ctx context.Context, limit int) ([]Run, error) {
	var out []Run
	if err := s.db.WithContext(ctx).Order("started_at DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("retention: runs: %w", err)
	}
	return out, nil
}

// RunDue is the scheduled run of the day of now: of several workers, the
// first takes the day and the others do nothing (nil).
func (s *Service) RunDue(ctx context.Context, now time.Time) (*Run, error) {
	return s.run(ctx, TriggerSchedule, now)
}

// RunNow runs at once (an admin asked).
func (s *Service) RunNow(ctx context.Context, now time.Time) (*Run, error) {
	return s.run(ctx, TriggerAdmin, now)
}

// run erases what is due at now: the requests whose delay has passed, then
// the cases whose schedule says so; a held case is skipped and counted.
// Each case is erased in a transaction of its own; the run's row records
// the counts and every case it touched.
func (s *Service) run(ctx context.Context, trigger string, now time.Time) (*Run, error) {
	now = now.UTC()
	r := &Run{ID: uuid.New(), Trigger: trigger, Day: now.Truncate(24 * time.Hour), StartedAt: now.Truncate(time.Microsecond),
		Details: json.RawMessage("[]")}
	res := s.db.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(r)
	if res.Error != nil {
		return nil, fmt.Errorf("retention: run: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, nil // the day's run is another worker's
	}
	var items []RunItem
	add := func(ref, action, rule string) {
		items = append(items, RunItem{Reference: ref, Action: action, Rule: rule})
	}

	// 1. Keys that came back: a keystore restored from before an erasure.
	back, err := erasedWithLiveKeys(s.db.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	for _, c := range back {
		err := s.transact(ctx, func(tx *gorm.DB) error {
			_, err := s.keystore.Erase(tx, c.ID, c.ErasureGround, c.ErasedAt)
			return err
		})
		if err != nil {
			return nil, err
		}
		r.Corrected++
		add(c.Reference, "corrected", "")
	}

	// 1b. Cases whose key was destroyed after the dump their data was
	// restored from: marked erased again, with their record told.
	restored, err := keysErasedCasesNot(s.db.WithContext(ctx))
	if err != nil {
		return nil, err
	}
	for _, c := range restored {
		err := s.transact(ctx, func(tx *gorm.DB) error {
			_, err := s.eraseCase(tx, c.ID, GroundRestore, c.ErasureGround, c.ErasedAt,
				map[string]any{"restored": true}, false)
			return err
		})
		if err != nil {
			return nil, err
		}
		r.Corrected++
		add(c.Reference, "corrected", "")
	}

	// 2. The complainants' requests whose delay has passed.
	var due []Request
	if err := s.db.WithContext(ctx).Where("status = ? AND effective_at <= ?", RequestPending, now).
		Order("effective_at").Find(&due).Error; err != nil {
		return nil, fmt.Errorf("retention: due requests: %w", err)
	}
	for _, q := range due {
		var ref string
		err := s.transact(ctx, func(tx *gorm.DB) error {
			if err := tx.Model(&cases.Case{}).Select("reference").Where("id = ?", q.CaseID).Scan(&ref).Error; err != nil {
				return err
			}
			done, err := s.erase(tx, q.CaseID, GroundRequest, erasureText(GroundRequest, ""), now,
				map[string]any{"request_id": q.ID})
			if err != nil {
				return err
			}
			_ = done // an erased case's request is carried out all the same
			return tx.Model(&Request{}).Where("id = ? AND status = ?", q.ID, RequestPending).
				Updates(map[string]any{"status": RequestCarriedOut, "decided_at": now}).Error
		})
		switch {
		case errors.Is(err, ErrHeld):
			r.Held++
			add(ref, "held", "request")
		case err != nil:
			return nil, err
		default:
			r.Requests++
			add(ref, "request", "")
		}
	}

	// 3. The schedules.
	schedules, err := s.Schedules(ctx)
	if err != nil {
		return nil, err
	}
	if len(schedules) > 0 {
		shortest := schedules[0].KeepDays
		for _, sc := range schedules {
			shortest = min(shortest, sc.KeepDays)
		}
		endedBefore := now.AddDate(0, 0, -shortest)
		after := uuid.Nil
		for {
			page, err := endedAfter(s.db.WithContext(ctx), now, after, endedBefore, batch)
			if err != nil {
				return nil, err
			}
			for _, c := range page {
				sc := match(schedules, c.Kind, c.Status, c.Outcome, c.Referred)
				if sc == nil || c.EndedAt.AddDate(0, 0, sc.KeepDays).After(now) {
					continue
				}
				if c.Held || c.Pending != "" {
					// A legal hold, or what the case may still need: a
					// schedule never erases a case a body still works on
					// or its complainant may still appeal.
					rule := sc.describe()
					if c.Pending != "" {
						rule += "; " + c.Pending
					}
					r.Held++
					add(c.Reference, "held", rule)
					continue
				}
				err := s.transact(ctx, func(tx *gorm.DB) error {
					_, err := s.erase(tx, c.ID, GroundRetention, erasureText(GroundRetention, sc.describe()), now,
						map[string]any{"schedule_id": sc.ID, "keep_days": sc.KeepDays, "ended_at": c.EndedAt.UTC()})
					return err
				})
				switch {
				case errors.Is(err, ErrHeld): // held since the page was read
					r.Held++
					add(c.Reference, "held", sc.describe())
				case err != nil:
					return nil, err
				default:
					r.Erased++
					add(c.Reference, "erased", sc.describe())
				}
			}
			if len(page) < batch {
				break
			}
			after = page[len(page)-1].ID
		}
	}

	fin := time.Now().UTC().Truncate(time.Microsecond)
	r.FinishedAt = &fin
	if items == nil {
		items = []RunItem{}
	}
	r.Details, _ = json.Marshal(items)
	if err := s.db.WithContext(ctx).Model(&Run{}).Where("id = ?", r.ID).Updates(map[string]any{
		"finished_at": fin, "erased": r.Erased, "held": r.Held, "requests": r.Requests, "corrected": r.Corrected,
		"details": r.Details}).Error; err != nil {
		return nil, fmt.Errorf("retention: run: %w", err)
	}
	return r, nil
}
