package registry

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// SystemInput is what an admin writes about an AI system.
type SystemInput struct {
	Slug     string `json:"slug"`
	Name     string `json:"name"`
	Provider string `json:"provider"`
	// ProviderEmail is the provider's contact for requests for information, or "".
	ProviderEmail string `json:"provider_email"`
	Version       string `json:"version"`
	Purpose       string `json:"purpose"`
	RiskArea      string `json:"risk_area"`
	EUDatabaseID  string `json:"eu_database_id"`
	FRIAReference string `json:"fria_reference"`
	DPIAReference string `json:"dpia_reference"`
	// DeployedSince is a date (YYYY-MM-DD) or "".
	DeployedSince string `json:"deployed_since"`
	// Active lists the system in the public register; nil keeps it as it is
	// (a new system is active).
	Active *bool `json:"active"`
}

var emailPattern = regexp.MustCompile(`^[^@\s<>,;"]{1,64}@[^@\s<>,;"]+\.[^@\s<>,;"]+$`)

var slugPattern = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)

// validate trims and checks in against the table's rules, naming every
// field at fault, and returns the deployment date.
func (in *SystemInput) validate() (*time.Time, error) {
	var f fault.Fields
	for _, p := range []*string{&in.Slug, &in.Name, &in.Provider, &in.ProviderEmail, &in.Version, &in.Purpose, &in.RiskArea,
		&in.EUDatabaseID, &in.FRIAReference, &in.DPIAReference, &in.DeployedSince} {
		*p = strings.TrimSpace(*p)
	}
	if !slugPattern.MatchString(in.Slug) {
		f.Add("slug", "invalid", "must be 2–63 lower-case letters, digits and hyphens, starting with a letter or digit")
	}
	f.Text("name", in.Name, 1, 200)
	f.Text("provider", in.Provider, 1, 200)
	f.Text("version", in.Version, 0, 200)
	if in.ProviderEmail != "" && !emailPattern.MatchString(in.ProviderEmail) {
		f.Add("provider_email", "invalid", "must be an email address such as ai-support@provider.example")
	}
	f.Text("purpose", in.Purpose, 1, 2000)
	f.Text("risk_area", in.RiskArea, 0, 200)
	f.Text("eu_database_id", in.EUDatabaseID, 0, 200)
	f.Text("fria_reference", in.FRIAReference, 0, 500)
	f.Text("dpia_reference", in.DPIAReference, 0, 500)
	var since *time.Time
	if in.DeployedSince != "" {
		d, err := time.Parse(time.DateOnly, in.DeployedSince)
		switch {
		case err != nil:
			f.Add("deployed_since", "invalid", "must be a date such as 2025-01-31")
		case d.Year() < 1970 || d.After(time.Now().AddDate(1, 0, 0)):
			f.Add("deployed_since", "out_of_range", "must lie between 1970 and a year from now")
		default:
			since = &d
		}
	}
	return since, f.Err()
}

// errSlugTaken is a slug another system has.
func errSlugTaken() error {
	return &fault.Error{Kind: fault.Conflict, Code: "slug_taken", Message: "Another AI system has this slug.",
		Fields: []fault.FieldError{{Field: "slug", Code: "taken", Message: "another AI system has this slug"}}}
}

var errNotFound = fault.New(fault.NotFound, "ai_system_not_found", "No AI system with that id is in the register.")

// All returns every system of the register, inactive ones too, by name.
func (r *Registry) All(ctx context.Context) ([]AISystem, error) {
	var out []AISystem
	if err := r.db.WithContext(ctx).Select(columns).Order("name, id").Find(&out).Error; err != nil {
		return nil, fmt.Errorf("registry: all: %w", err)
	}
	return out, nil
}

// GetAny returns one system, active or not.
func (r *Registry) GetAny(ctx context.Context, id uuid.UUID) (*AISystem, error) {
	return getAny(r.db.WithContext(ctx), id)
}

// getAny returns one system, active or not, read with q (the pool or a
// transaction).
func getAny(q *gorm.DB, id uuid.UUID) (*AISystem, error) {
	var s AISystem
	err := q.Select(columns).Where("id = ?", id).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("registry: get: %w", err)
	}
	return &s, nil
}

// Create adds a system to the register. A slug another system has is a
// conflict naming the field.
func (r *Registry) Create(ctx context.Context, in SystemInput) (*AISystem, error) {
	since, err := in.validate()
	if err != nil {
		return nil, err
	}
	active := in.Active == nil || *in.Active
	row := in.row(since)
	row.Active = active
	err = r.db.WithContext(ctx).Omit("ID", "CreatedAt", "UpdatedAt").Clauses(clause.Returning{Columns: []clause.Column{{Name: "id"}}}).
		Create(&row).Error
	if db.IsUniqueViolation(err) {
		return nil, errSlugTaken()
	}
	if err != nil {
		return nil, fmt.Errorf("registry: create %s: %w", in.Slug, err)
	}
	return r.GetAny(ctx, row.ID)
}

// row is what in says of a system, as the register's columns hold it (an
// empty provider email is none).
func (in SystemInput) row(since *time.Time) AISystem {
	s := AISystem{Slug: in.Slug, Name: in.Name, Provider: in.Provider, Version: in.Version, Purpose: in.Purpose,
		RiskArea: in.RiskArea, EUDatabaseID: in.EUDatabaseID, FRIAReference: in.FRIAReference,
		DPIAReference: in.DPIAReference, DeployedSince: since}
	if in.ProviderEmail != "" {
		s.ProviderEmail = &in.ProviderEmail
	}
	return s
}

// Update replaces what the register says of a system.
func (r *Registry) Update(ctx context.Context, id uuid.UUID, in SystemInput) (*AISystem, error) {
	since, err := in.validate()
	if err != nil {
		return nil, err
	}
	row := in.row(since)
	cols := []string{"Slug", "Name", "Provider", "ProviderEmail", "Version", "Purpose", "RiskArea", "EUDatabaseID",
		"FRIAReference", "DPIAReference", "DeployedSince", "UpdatedAt"}
	if in.Active != nil {
		row.Active = *in.Active
		cols = append(cols, "Active")
	}
	res := r.db.WithContext(ctx).Model(&AISystem{ID: id}).Select(cols).Updates(&row)
	if db.IsUniqueViolation(res.Error) {
		return nil, errSlugTaken()
	}
	if res.Error != nil {
		return nil, fmt.Errorf("registry: update: %w", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, errNotFound
	}
	return r.GetAny(ctx, id)
}

// LiftSuspension records that the organisation uses a suspended system
// again. The case whose incident suspended it (if it still exists) gets an
// entry in its record saying who lifted it and why. A system that is not
// suspended is a conflict.
func (r *Registry) LiftSuspension(ctx context.Context, id, by uuid.UUID, reason string) (*AISystem, error) {
	var f fault.Fields
	reason = strings.TrimSpace(reason)
	f.Text("reason", reason, 1, 2000)
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := db.Transact(ctx, r.db, func(tx *gorm.DB) error {
		var rows []AISystem
		if err := tx.Select("id", "suspended_by_case", "suspended_at").Where("id = ? AND suspended_at IS NOT NULL", id).
			Clauses(clause.Locking{Strength: "UPDATE"}).Find(&rows).Error; err != nil {
			return fmt.Errorf("registry: lift suspension: %w", err)
		}
		if len(rows) == 0 {
			if _, err := getAny(tx, id); err != nil {
				return err
			}
			return fault.New(fault.Conflict, "not_suspended", "This AI system is not suspended.")
		}
		// The suspension's columns are read-only in the model (only an
		// incident's task sets them, and only this clears them).
		if err := tx.Table(AISystem{}.TableName()).Where("id = ?", id).Updates(map[string]any{"suspended_at": nil, "suspended_by_case": nil,
			"updated_at": gorm.Expr("now()")}).Error; err != nil {
			return fmt.Errorf("registry: lift suspension: %w", err)
		}
		if c := rows[0].SuspendedByCase; c != nil {
			if _, err := audit.Append(tx, audit.Event{CaseID: *c, ActorKind: audit.ActorStaff, ActorID: &by,
				Action: "ai_system.suspension_lifted", Data: map[string]any{"ai_system_id": id, "reason": reason,
					"suspended_since": rows[0].SuspendedSince.UTC()}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return r.GetAny(ctx, id)
}

// SetAlerting writes, in tx, how many cases about AI system id filed within
// windowHours raise an alert (internal/systemic's rule). It reports whether
// the system exists.
func SetAlerting(tx *gorm.DB, id uuid.UUID, threshold, windowHours int) (bool, error) {
	res := tx.Table(AISystem{}.TableName()).Where("id = ?", id).
		Updates(map[string]any{"alert_threshold": threshold, "alert_window_hours": windowHours, "updated_at": gorm.Expr("now()")})
	if res.Error != nil {
		return false, fmt.Errorf("registry: set alerting: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}

// Suspend records, in tx, that the incident of case caseID decided at at to
// suspend AI system id; the earliest suspension stands (an already suspended
// system is left as it is), and the system stays in the register. It reports
// whether this call suspended it.
func Suspend(tx *gorm.DB, id uuid.UUID, at time.Time, caseID uuid.UUID) (bool, error) {
	res := tx.Table(AISystem{}.TableName()).Where("id = ? AND suspended_at IS NULL", id).
		Updates(map[string]any{"suspended_at": at, "suspended_by_case": caseID, "updated_at": gorm.Expr("now()")})
	if res.Error != nil {
		return false, fmt.Errorf("registry: suspend ai system: %w", res.Error)
	}
	return res.RowsAffected == 1, nil
}
