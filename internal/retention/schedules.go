package retention

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/fault"
)

// Schedule keeps the personal data of cases of a kind (nil: any kind) that
// ended a way (Ending) for KeepDays days after they ended.
type Schedule struct {
	ID        uuid.UUID  `json:"id"`
	Kind      *string    `json:"kind"`
	Ending    string     `json:"ending"`
	KeepDays  int        `json:"keep_days"`
	Note      *string    `json:"note,omitempty"`
	UpdatedBy *uuid.UUID `json:"updated_by,omitempty"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// TableName is the schedules' table.
func (Schedule) TableName() string { return "retention_schedules" }

// ScheduleInput is an admin's schedule: kind "" is any kind.
type ScheduleInput struct {
	Kind     string `json:"kind"`
	Ending   string `json:"ending"`
	KeepDays *int   `json:"keep_days"`
	Note     string `json:"note"`
}

// Bounds of a schedule's days.
const (
	MinKeepDays = 30
	MaxKeepDays = 36500
)

func (in *ScheduleInput) validate() error {
	var f fault.Fields
	if in.Kind != "" && !slices.Contains(Kinds, in.Kind) {
		f.Addf("kind", "invalid", "kind must be empty (any kind) or one of %v", Kinds)
	}
	if !slices.Contains(Endings, in.Ending) {
		f.Addf("ending", "invalid", "ending must be one of %v", Endings)
	}
	switch {
	case in.KeepDays == nil:
		f.Addf("keep_days", "required", "keep_days is required: the days personal data is kept after the case ended")
	case *in.KeepDays < MinKeepDays || *in.KeepDays > MaxKeepDays:
		f.Addf("keep_days", "out_of_range", "keep_days must be between %d and %d", MinKeepDays, MaxKeepDays)
	}
	if len([]rune(trimmed(in.Note))) > 500 {
		f.Addf("note", "too_long", "note must be at most 500 characters")
	}
	return f.Err()
}

// Schedules lists the schedules, most specific first.
func (s *Service) Schedules(ctx context.Context) ([]Schedule, error) {
	var out []Schedule
	if err := s.db.WithContext(ctx).Order("kind NULLS LAST, ending").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("retention: schedules: %w", err)
	}
	return out, nil
}

// SetSchedule makes or replaces the schedule of a kind and ending.
func (s *Service) SetSchedule(ctx context.Context, by uuid.UUID, in ScheduleInput) (*Schedule, error) {
	if err := in.validate(); err != nil {
		return nil, err
	}
	sc := Schedule{ID: uuid.New(), Ending: in.Ending, KeepDays: *in.KeepDays, UpdatedBy: &by,
		UpdatedAt: time.Now().UTC().Truncate(time.Microsecond)}
	if in.Kind != "" {
		sc.Kind = &in.Kind
	}
	if n := trimmed(in.Note); n != "" {
		sc.Note = &n
	}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		return tx.Clauses(clause.OnConflict{OnConstraint: "retention_schedules_one",
			DoUpdates: clause.AssignmentColumns([]string{"keep_days", "note", "updated_by", "updated_at"})}).
			Create(&sc).Error
	})
	if err != nil {
		return nil, fmt.Errorf("retention: set schedule: %w", err)
	}
	var out Schedule
	q := s.db.WithContext(ctx).Where("ending = ?", sc.Ending)
	if sc.Kind == nil {
		q = q.Where("kind IS NULL")
	} else {
		q = q.Where("kind = ?", *sc.Kind)
	}
	if err := q.Take(&out).Error; err != nil {
		return nil, fmt.Errorf("retention: set schedule: %w", err)
	}
	return &out, nil
}

// DeleteSchedule removes a schedule: the cases it matched are kept, or
// fall to a less specific schedule.
func (s *Service) DeleteSchedule(ctx context.Context, id uuid.UUID) error {
	res := s.db.WithContext(ctx).Where("id = ?", id).Delete(&Schedule{})
	if res.Error != nil {
		return fmt.Errorf("retention: delete schedule: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return fault.New(fault.NotFound, "schedule_not_found", "No retention schedule has this id.")
	}
	return nil
}

// match is the schedule that decides for a case of kind that ended as
// status, whose final decision's outcome is outcome ("" for none), and
// that reached a body or not. A schedule of its kind comes before one of any
// kind; among either, "referred" first, then its decision's outcome, then
// its status, then "any".
func match(schedules []Schedule, kind, status, outcome string, referred bool) *Schedule {
	var endings []string
	if referred {
		endings = append(endings, EndingReferred)
	}
	if outcome != "" {
		endings = append(endings, outcome)
	}
	endings = append(endings, status, EndingAny)
	for _, ofKind := range []bool{true, false} {
		for _, e := range endings {
			for i := range schedules {
				sc := &schedules[i]
				if sc.Ending == e && (sc.Kind != nil) == ofKind && (!ofKind || *sc.Kind == kind) {
					return sc
				}
			}
		}
	}
	return nil
}

// describe is a schedule in the words an erased text reads as.
func (sc *Schedule) describe() string {
	kind := "any kind"
	if sc.Kind != nil {
		kind = *sc.Kind
	}
	return fmt.Sprintf("%s, %s, kept %d days", kind, sc.Ending, sc.KeepDays)
}
