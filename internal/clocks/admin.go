package clocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// Calendar is a stored business calendar.
type Calendar struct {
	ID        uuid.UUID        `json:"id"`
	Slug      string           `json:"slug"`
	Name      string           `json:"name"`
	Spec      sla.CalendarSpec `json:"spec"`
	UpdatedAt time.Time        `json:"updated_at"`
}

// calendarRow is a row of sla_calendars.
type calendarRow struct {
	ID        uuid.UUID `gorm:"primaryKey;default:gen_random_uuid()"`
	Slug      string
	Name      string
	Spec      string    // jsonb: sla.CalendarSpec
	UpdatedAt time.Time `gorm:"autoUpdateTime:false"` // set by the statements that change the row
}

// TableName is the table calendarRow maps.
func (calendarRow) TableName() string { return "sla_calendars" }

// CalendarInput creates or replaces a calendar.
type CalendarInput struct {
	Slug string           `json:"slug"`
	Name string           `json:"name"`
	Spec sla.CalendarSpec `json:"spec"`
}

// StoredPolicy is a stored SLA policy.
type StoredPolicy struct {
	ID           uuid.UUID `json:"id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	Jurisdiction string    `json:"jurisdiction"`
	Calendar     string    `json:"calendar"` // the calendar's slug
	IsDefault    bool      `json:"is_default"`
	sla.Policy
	UpdatedAt time.Time `json:"updated_at"`
}

// PolicyInput creates or replaces a policy.
type PolicyInput struct {
	Slug         string `json:"slug"`
	Name         string `json:"name"`
	Jurisdiction string `json:"jurisdiction"`
	Calendar     string `json:"calendar"`
	IsDefault    bool   `json:"is_default"`
	sla.Policy
}

func checkSlugName(f *fault.Fields, slug, name string) {
	if !slugPattern.MatchString(slug) {
		f.Add("slug", "invalid", "2 to 63 lower-case letters, digits and hyphens, starting with a letter or digit")
	}
	if n := len(strings.TrimSpace(name)); n < 1 || n > 200 {
		f.Add("name", "invalid", "a name of 1 to 200 characters is required")
	}
}

// Calendars lists the calendars.
func (s *Service) Calendars(ctx context.Context) ([]Calendar, error) {
	return s.calendars(s.db.WithContext(ctx), "")
}

func (s *Service) calendars(q *gorm.DB, where string, args ...any) ([]Calendar, error) {
	var rows []calendarRow
	q = q.Model(&calendarRow{}).Select("id", "slug", "name", "spec", "updated_at")
	if where != "" {
		q = q.Where(where, args...)
	}
	if err := q.Order("slug").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("clocks: calendars: %w", err)
	}
	out := make([]Calendar, 0, len(rows))
	for _, r := range rows {
		c := Calendar{ID: r.ID, Slug: r.Slug, Name: r.Name, UpdatedAt: r.UpdatedAt.UTC()}
		if err := json.Unmarshal([]byte(r.Spec), &c.Spec); err != nil {
			return nil, fmt.Errorf("clocks: calendar %s: %w", r.Slug, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func validCalendar(in *CalendarInput) error {
	var f fault.Fields
	checkSlugName(&f, in.Slug, in.Name)
	if _, err := sla.NewCalendar(in.Spec); err != nil {
		f.Add("spec", "invalid", strings.TrimPrefix(err.Error(), "sla: "))
	}
	return f.Err()
}

// SaveCalendar creates a calendar (id nil) or replaces one. A calendar's
// change moves the due dates of open cases at their next recompute.
func (s *Service) SaveCalendar(ctx context.Context, id *uuid.UUID, in CalendarInput) (*Calendar, error) {
	if err := validCalendar(&in); err != nil {
		return nil, err
	}
	spec, err := json.Marshal(in.Spec)
	if err != nil {
		return nil, err
	}
	saved := calendarRow{Slug: in.Slug, Name: strings.TrimSpace(in.Name), Spec: string(spec)}
	conn := s.db.WithContext(ctx)
	if id == nil {
		err = conn.Select("slug", "name", "spec").Create(&saved).Error
	} else {
		res := conn.Model(&calendarRow{}).Where("id = ?", *id).Updates(map[string]any{"slug": saved.Slug,
			"name": saved.Name, "spec": saved.Spec, "updated_at": gorm.Expr("now()")})
		if err = res.Error; err == nil && res.RowsAffected == 1 {
			saved.ID = *id
		}
	}
	if db.IsUniqueViolation(err) {
		return nil, invalid("slug", "taken", "another calendar has this slug")
	}
	if err != nil {
		return nil, fmt.Errorf("clocks: save calendar: %w", err)
	}
	if saved.ID == uuid.Nil {
		return nil, fault.New(fault.NotFound, "calendar_not_found", "No calendar has that id.")
	}
	s.Invalidate()
	cs, err := s.calendars(conn, "id = ?", saved.ID)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	return &cs[0], nil
}

// Policies lists the policies.
func (s *Service) Policies(ctx context.Context) ([]StoredPolicy, error) {
	return s.storedPolicies(s.db.WithContext(ctx), "")
}

func (s *Service) storedPolicies(q *gorm.DB, where string, args ...any) ([]StoredPolicy, error) {
	rows, err := storedPolicyRows(q, where, args...)
	if err != nil {
		return nil, fmt.Errorf("clocks: policies: %w", err)
	}
	out := make([]StoredPolicy, 0, len(rows))
	for _, r := range rows {
		p := StoredPolicy{ID: r.ID, Slug: r.Slug, Name: r.Name, Jurisdiction: r.Jurisdiction, Calendar: r.Calendar,
			IsDefault: r.IsDefault, UpdatedAt: r.UpdatedAt.UTC()}
		d := r.Docs
		if err := errors.Join(json.Unmarshal([]byte(d.Tiers), &p.Tiers), json.Unmarshal([]byte(d.Statutory), &p.Statutory),
			json.Unmarshal([]byte(d.BreachActions), &p.Breach), json.Unmarshal([]byte(d.AppealWindow), &p.AppealWindow)); err != nil {
			return nil, fmt.Errorf("clocks: policy %s: %w", r.Slug, err)
		}
		var err error
		if p.WarnFractions, err = parseFloats(d.WarnFractions); err != nil {
			return nil, fmt.Errorf("clocks: policy %s: %w", r.Slug, err)
		}
		out = append(out, p)
	}
	return out, nil
}

// validPolicy checks a policy and names every field at fault, as
// "tiers.P1[0]" or "breach_actions.move_to_queue". It reads in tx.
func (s *Service) validPolicy(tx *gorm.DB, in *PolicyInput) (calendarID uuid.UUID, err error) {
	var f fault.Fields
	checkSlugName(&f, in.Slug, in.Name)
	if in.Jurisdiction == "" {
		in.Jurisdiction = "EU"
	}
	if len(in.Jurisdiction) > 64 {
		f.Add("jurisdiction", "invalid", "at most 64 characters, such as EU or FR")
	}
	var cal calendarRow
	if err := tx.Model(&calendarRow{}).Select("id").Where("slug = ?", in.Calendar).Scan(&cal).Error; err != nil {
		return uuid.Nil, err
	}
	if cal.ID == uuid.Nil {
		f.Add("calendar", "not_found", "no calendar has that slug (see GET /api/v1/admin/sla/calendars)")
	}
	if len(in.Tiers) == 0 {
		f.Add("tiers", "required", "give the time limits of at least one priority, e.g. {\"P1\": [...]}")
	}
	if err := in.Validate(); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			field, msg, ok := strings.Cut(line, ": ")
			if !ok {
				field, msg = "policy", line
			}
			f.Add(field, "invalid", msg)
		}
	}
	if q := in.Breach.MoveToQueue; q != "" {
		id, err := queueBySlug(tx, q)
		if err != nil {
			return uuid.Nil, err
		}
		if id == uuid.Nil {
			f.Add("breach_actions.move_to_queue", "not_found", "no queue has that slug")
		}
	}
	return cal.ID, f.Err()
}

// SavePolicy creates a policy (id nil) or replaces one. Making a policy the
// default takes the mark from the one that had it. Open cases take the change
// at their next recompute (any event on the case, or the next routing).
func (s *Service) SavePolicy(ctx context.Context, id *uuid.UUID, in PolicyInput) (*StoredPolicy, error) {
	if in.WarnFractions == nil {
		in.WarnFractions = []float64{}
	}
	if in.AppealWindow == (sla.AppealWindow{}) {
		in.AppealWindow = sla.DefaultAppealWindow
	}
	var saved uuid.UUID
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		calID, err := s.validPolicy(tx, &in)
		if err != nil {
			return err
		}
		tiers, _ := json.Marshal(in.Tiers)
		statutory, _ := json.Marshal(in.Statutory)
		if in.Statutory == nil {
			statutory = []byte("[]")
		}
		breach, _ := json.Marshal(in.Breach)
		appeal, _ := json.Marshal(in.AppealWindow)
		fractions := make([]string, len(in.WarnFractions))
		for i, f := range in.WarnFractions {
			fractions[i] = fmt.Sprint(f)
		}
		arr := "{" + strings.Join(fractions, ",") + "}"
		if id != nil {
			var cur storedPolicyRow
			if err := tx.Table("sla_policies").Select("is_default").Where("id = ?", *id).
				Clauses(clause.Locking{Strength: "UPDATE"}).Scan(&cur).Error; err != nil {
				return err
			}
			if cur.IsDefault && !in.IsDefault {
				return invalid("is_default", "default_policy", "a policy stops being the default only when another becomes it")
			}
		}
		if in.IsDefault {
			if err := tx.Table("sla_policies").Where("is_default AND id IS DISTINCT FROM ?", id).
				Update("is_default", false).Error; err != nil {
				return err
			}
		}
		cols := policyColumns{Slug: in.Slug, Name: strings.TrimSpace(in.Name), Jurisdiction: in.Jurisdiction,
			CalendarID: calID, Tiers: string(tiers), Statutory: string(statutory), WarnFractions: arr,
			Breach: string(breach), AppealWindow: string(appeal), IsDefault: in.IsDefault}
		if id == nil {
			saved, err = insertPolicy(tx, cols)
		} else {
			saved, err = updatePolicy(tx, *id, cols)
		}
		if db.IsUniqueViolation(err) {
			return invalid("slug", "taken", "another policy has this slug")
		}
		if err != nil {
			return fmt.Errorf("clocks: save policy: %w", err)
		}
		if saved == uuid.Nil {
			return fault.New(fault.NotFound, "policy_not_found", "No SLA policy has that id.")
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s.Invalidate()
	ps, err := s.storedPolicies(s.db.WithContext(ctx), "p.id = ?", saved)
	if err != nil || len(ps) == 0 {
		return nil, err
	}
	return &ps[0], nil
}

// invalid is a 422 naming one field.
func invalid(field, code, msg string) error {
	var f fault.Fields
	f.Add(field, code, msg)
	return f.Err()
}
