// Package registry is the register of AI systems the organisation deploys.
package registry

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/fault"
)

// AISystem is one entry of the register.
type AISystem struct {
	ID       uuid.UUID `gorm:"type:uuid;primaryKey;default:gen_random_uuid()" json:"id"`
	Slug     string    `json:"slug"`
	Name     string    `json:"name"`
	Provider string    `json:"provider"`
	// ProviderEmail is where a request for information reaches the provider
	// (staff and admins only: never in the public register).
	ProviderEmail *string    `gorm:"column:provider_email" json:"-"`
	Version       string     `json:"version"`
	Purpose       string     `json:"purpose"`
	RiskArea      string     `json:"risk_area"`
	EUDatabaseID  string     `gorm:"column:eu_database_id" json:"eu_database_id,omitempty"`
	FRIAReference string     `gorm:"column:fria_reference" json:"fria_reference,omitempty"`
	DPIAReference string     `gorm:"column:dpia_reference" json:"dpia_reference,omitempty"`
	DeployedSince *time.Time `gorm:"type:date" json:"deployed_since,omitempty"`
	Active        bool       `json:"active"`
	// Suspended says the organisation decided, on a serious incident, to
	// stop using the system (AI Act art. 26(5)) since SuspendedSince. A
	// suspended system stays in the register: people it affected must still
	// find it to complain.
	Suspended       bool       `gorm:"->;column:suspended" json:"suspended"`
	SuspendedSince  *time.Time `gorm:"->;column:suspended_at" json:"suspended_since"`
	SuspendedByCase *uuid.UUID `gorm:"->;column:suspended_by_case" json:"-"`
	CreatedAt       time.Time  `json:"-"`
	UpdatedAt       time.Time  `json:"updated_at"`
}

// columns are what List and Get read: every column, and whether the system
// is suspended.
const columns = "ai_systems.*, suspended_at IS NOT NULL AS suspended"

// TableName is the register's table.
func (AISystem) TableName() string { return "ai_systems" }

// Registry reads and keeps the register.
type Registry struct{ db *gorm.DB }

// New returns the registry.
func New(gdb *gorm.DB) *Registry { return &Registry{db: gdb} }

// List returns active systems ordered by name, after the cursor (a name and id), up to limit.
func (r *Registry) List(ctx context.Context, afterName string, afterID uuid.UUID, limit int) ([]AISystem, error) {
	var out []AISystem
	q := r.db.WithContext(ctx).Select(columns).Where("active")
	if afterName != "" {
		q = q.Where("(name, id) > (?, ?)", afterName, afterID)
	}
	if err := q.Order("name, id").Limit(limit).Find(&out).Error; err != nil {
		return nil, fmt.Errorf("registry: list: %w", err)
	}
	return out, nil
}

// Get returns one active system.
func (r *Registry) Get(ctx context.Context, id uuid.UUID) (*AISystem, error) {
	var s AISystem
	err := r.db.WithContext(ctx).Select(columns).Where("id = ? AND active", id).Take(&s).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, fault.New(fault.NotFound, "ai_system_not_found", "No AI system with that id is in the register.")
	}
	if err != nil {
		return nil, fmt.Errorf("registry: get: %w", err)
	}
	return &s, nil
}

// Upsert adds or updates a system by slug (demo data and the admin API).
func (r *Registry) Upsert(ctx context.Context, s *AISystem) error {
	s.Active = true
	err := r.db.WithContext(ctx).Omit("ID", "ProviderEmail", "CreatedAt", "UpdatedAt").Clauses(
		clause.OnConflict{Columns: []clause.Column{{Name: "slug"}}, DoUpdates: append(clause.AssignmentColumns([]string{
			"name", "provider", "version", "purpose", "risk_area", "eu_database_id", "fria_reference", "dpia_reference",
			"deployed_since", "active"}), clause.Assignment{Column: clause.Column{Name: "updated_at"}, Value: gorm.Expr("now()")})},
		clause.Returning{Columns: []clause.Column{{Name: "id"}, {Name: "active"}, {Name: "updated_at"}}}).
		Create(s).Error
	if err != nil {
		return fmt.Errorf("registry: upsert %s: %w", s.Slug, err)
	}
	return nil
}
