// Package organisation is the organisation that runs the mechanism: its
// legal name, address, jurisdiction and contact point (issue 16, item 5).
// The configuration (REDRESS_ORGANISATION_NAME, _ADDRESS, _JURISDICTION,
// _CONTACT) gives the defaults; an admin's settings, stored in the database
// with a log of every change, take their place. The public pages say who
// runs the mechanism from Get, every dossier carries it, and the body
// suggestions prefer bodies of its jurisdiction.
package organisation

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"golang.org/x/text/language"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Sources of a profile.
const (
	SourceConfig = "config" // the REDRESS_ORGANISATION_* settings
	SourceAdmin  = "admin"  // an admin's settings
	SourceUnset  = "unset"  // neither: the mechanism does not yet say who runs it
	unnamed      = "Unnamed organisation (REDRESS_ORGANISATION_NAME is not set)"
	jurisdiction = "EU"
)

// Profile is the organisation as the public pages and the dossiers show it.
type Profile struct {
	LegalName    string `json:"legal_name"`
	Address      string `json:"address"`
	Jurisdiction string `json:"jurisdiction"` // ISO 3166-1 alpha-2, or EU
	Contact      string `json:"contact"`
	// Source says where the profile comes from: config, admin or unset.
	Source    string     `json:"source"`
	UpdatedAt *time.Time `json:"updated_at"`
}

// Named reports whether someone named the organisation (config or admin).
func (p Profile) Named() bool { return p.Source != SourceUnset }

// Input is what an admin sets.
type Input struct {
	LegalName    string `json:"legal_name"`
	Address      string `json:"address"`
	Jurisdiction string `json:"jurisdiction"`
	Contact      string `json:"contact"`
}

// Defaults are the configuration's settings.
type Defaults = Input

// Service reads and sets the profile.
type Service struct {
	db       *gorm.DB
	defaults Defaults
}

// New returns the service; defaults are the configuration's.
func New(gdb *gorm.DB, defaults Defaults) *Service {
	defaults.Jurisdiction = strings.ToUpper(strings.TrimSpace(defaults.Jurisdiction))
	return &Service{db: gdb, defaults: defaults}
}

// ValidJurisdiction reports whether code is an ISO 3166-1 alpha-2 country
// code (upper case) or EU.
func ValidJurisdiction(code string) bool {
	if code == "EU" {
		return true
	}
	if len(code) != 2 || strings.ToUpper(code) != code {
		return false
	}
	r, err := language.ParseRegion(code)
	return err == nil && r.IsCountry() && r.String() == code
}

// ValidCountry reports whether code is an ISO 3166-1 alpha-2 country code
// (upper case).
func ValidCountry(code string) bool { return code != "EU" && ValidJurisdiction(code) }

// profileRow is the one row of organisation_profile: the admin's settings.
type profileRow struct {
	ID           bool `gorm:"primaryKey;default:true"`
	LegalName    string
	Address      string
	Jurisdiction string
	Contact      string
	UpdatedAt    time.Time
	UpdatedBy    uuid.UUID
}

func (profileRow) TableName() string { return "organisation_profile" }

// changeRow is an entry of organisation_changes (append-only).
type changeRow struct {
	ID        int64 `gorm:"primaryKey"`
	ChangedAt time.Time
	ChangedBy *uuid.UUID
	Before    json.RawMessage // null: the configuration's defaults were in force
	After     json.RawMessage
}

func (changeRow) TableName() string { return "organisation_changes" }

// Get returns the profile in force: the admin's settings if any, else the
// configuration's; a missing jurisdiction is EU.
func (s *Service) Get(ctx context.Context) (Profile, error) { return s.GetIn(s.db.WithContext(ctx)) }

// GetIn is Get read through q: the pool, or a caller's transaction.
func (s *Service) GetIn(q *gorm.DB) (Profile, error) {
	var rows []profileRow
	if err := q.Limit(1).Find(&rows).Error; err != nil {
		return Profile{}, fmt.Errorf("organisation: %w", err)
	}
	if len(rows) > 0 {
		r := rows[0]
		at := r.UpdatedAt.UTC()
		return Profile{LegalName: r.LegalName, Address: r.Address, Jurisdiction: r.Jurisdiction, Contact: r.Contact,
			Source: SourceAdmin, UpdatedAt: &at}, nil
	}
	d := s.defaults
	p := Profile{LegalName: strings.TrimSpace(d.LegalName), Address: strings.TrimSpace(d.Address),
		Jurisdiction: d.Jurisdiction, Contact: strings.TrimSpace(d.Contact), Source: SourceConfig}
	if p.Jurisdiction == "" {
		p.Jurisdiction = jurisdiction
	}
	if p.LegalName == "" {
		p.LegalName, p.Source = unnamed, SourceUnset
	}
	return p, nil
}

// validate trims in and names every field at fault.
func (in *Input) validate() error {
	var f fault.Fields
	for _, p := range []*string{&in.LegalName, &in.Address, &in.Jurisdiction, &in.Contact} {
		*p = strings.TrimSpace(*p)
	}
	in.Jurisdiction = strings.ToUpper(in.Jurisdiction)
	f.Text("legal_name", in.LegalName, 1, 200)
	f.Text("address", in.Address, 0, 500)
	f.Text("contact", in.Contact, 1, 500)
	switch {
	case in.Jurisdiction == "":
		f.Add("jurisdiction", "required", "is required: the country code of the organisation's jurisdiction (ISO 3166-1 alpha-2, such as FR), or EU")
	case !ValidJurisdiction(in.Jurisdiction):
		f.Add("jurisdiction", "invalid", "must be a country code (ISO 3166-1 alpha-2, such as FR), or EU")
	}
	return f.Err()
}

// ErrNoAdmin is a Set without the admin who makes it.
var ErrNoAdmin = errors.New("organisation: set without an admin")

// Set stores an admin's settings in place of the configuration's, and logs
// the change (before and after, who and when) in one transaction.
func (s *Service) Set(ctx context.Context, by uuid.UUID, in Input) (Profile, error) {
	if by == uuid.Nil {
		return Profile{}, ErrNoAdmin
	}
	if err := in.validate(); err != nil {
		return Profile{}, err
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var before []profileRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Find(&before).Error; err != nil {
			return err
		}
		now := time.Now().UTC()
		next := profileRow{ID: true, LegalName: in.LegalName, Address: in.Address, Jurisdiction: in.Jurisdiction,
			Contact: in.Contact, UpdatedAt: now, UpdatedBy: by}
		if err := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}},
			DoUpdates: clause.AssignmentColumns([]string{"legal_name", "address", "jurisdiction", "contact", "updated_at", "updated_by"})}).
			Create(&next).Error; err != nil {
			return err
		}
		var prev any
		if len(before) > 0 {
			prev = Input{before[0].LegalName, before[0].Address, before[0].Jurisdiction, before[0].Contact}
		}
		b, err := json.Marshal(prev)
		if err != nil {
			return err
		}
		a, err := json.Marshal(in)
		if err != nil {
			return err
		}
		return tx.Create(&changeRow{ChangedAt: now, ChangedBy: &by, Before: b, After: a}).Error
	})
	if err != nil {
		return Profile{}, fmt.Errorf("organisation: set: %w", err)
	}
	return s.Get(ctx)
}

// Change is one entry of the settings' log.
type Change struct {
	At     time.Time       `json:"at"`
	By     *uuid.UUID      `json:"by"`
	Before json.RawMessage `json:"before"`
	After  json.RawMessage `json:"after"`
}

// Changes lists the settings' log, newest first.
func (s *Service) Changes(ctx context.Context, limit int) ([]Change, error) {
	var rows []changeRow
	if err := s.db.WithContext(ctx).Order("id DESC").Limit(limit).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("organisation: changes: %w", err)
	}
	out := make([]Change, len(rows))
	for i, r := range rows {
		before := r.Before
		if before == nil {
			before = json.RawMessage("null")
		}
		out[i] = Change{At: r.ChangedAt.UTC(), By: r.ChangedBy, Before: before, After: r.After}
	}
	return out, nil
}

// Seed sets the profile to in unless an admin's settings exist (the demo's
// data); it logs no change.
func Seed(tx *gorm.DB, in Input) error {
	return tx.Model(&profileRow{}).Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "id"}}, DoNothing: true}).
		Create(map[string]any{"legal_name": in.LegalName, "address": in.Address, "jurisdiction": in.Jurisdiction,
			"contact": in.Contact, "updated_at": gorm.Expr("now()")}).Error
}
