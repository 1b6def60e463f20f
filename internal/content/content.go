// Package content keeps the register's and the independent bodies' words in
// more than one language: an admin gives, per language, an AI system's name,
// purpose and risk area, or a body's name, description and requirements (a
// jurisdiction is a code, never translated); a reader sees their language's
// text where there is one and the original otherwise (migration 00017,
// table translations).
package content

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
)

// Entities and their translatable fields.
const (
	AISystem = "ai_system"
	Body     = "body"
)

// Fields are each entity's translatable fields, in the order forms show them.
var Fields = map[string][]string{
	AISystem: {"name", "purpose", "risk_area"},
	Body:     {"name", "description", "requirements"},
}

// Languages a translation may be in.
var Languages = []string{"en", "fr", "es", "ar"}

// MaxText is the longest translated text.
const MaxText = 4000

// Texts are one entity's translations: language → field → text.
type Texts map[string]map[string]string

// Service reads and writes translations.
type Service struct{ db *gorm.DB }

// New returns the service.
func New(gdb *gorm.DB) *Service { return &Service{db: gdb} }

// translation is a row of the translations table, which this package owns.
type translation struct {
	Entity   string    `gorm:"primaryKey"`
	EntityID uuid.UUID `gorm:"primaryKey"`
	Lang     string    `gorm:"primaryKey"`
	Field    string    `gorm:"primaryKey"`
	Text     string
}

func (translation) TableName() string { return "translations" }

// Of returns every translation of one entity.
func (s *Service) Of(ctx context.Context, entity string, id uuid.UUID) (Texts, error) {
	var rows []translation
	if err := s.db.WithContext(ctx).Where("entity = ? AND entity_id = ?", entity, id).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("content: read %s %s: %w", entity, id, err)
	}
	out := Texts{}
	for _, r := range rows {
		if out[r.Lang] == nil {
			out[r.Lang] = map[string]string{}
		}
		out[r.Lang][r.Field] = r.Text
	}
	return out, nil
}

// in returns, per entity id, the fields translated into lang.
func (s *Service) in(ctx context.Context, entity, lang string, ids []uuid.UUID) (map[uuid.UUID]map[string]string, error) {
	out := map[uuid.UUID]map[string]string{}
	if len(ids) == 0 || !slices.Contains(Languages, lang) {
		return out, nil
	}
	var rows []translation
	if err := s.db.WithContext(ctx).Where("entity = ? AND lang = ? AND entity_id IN ?", entity, lang, ids).Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("content: read %s in %s: %w", entity, lang, err)
	}
	for _, r := range rows {
		if out[r.EntityID] == nil {
			out[r.EntityID] = map[string]string{}
		}
		out[r.EntityID][r.Field] = r.Text
	}
	return out, nil
}

// Validate checks an admin's translations, naming each field at fault as
// "translations.<lang>.<field>"; empty texts are dropped.
func Validate(entity string, t Texts) (Texts, error) {
	var f fault.Fields
	out := Texts{}
	for lang, fields := range t {
		for field, text := range fields {
			name := "translations." + lang + "." + field
			text = strings.TrimSpace(text)
			switch {
			case !slices.Contains(Languages, lang):
				f.Add(name, "unknown_language", "is not a language of the site (en, fr, es, ar)")
				continue
			case !slices.Contains(Fields[entity], field):
				f.Add(name, "not_translatable", "is not a field that can be translated")
				continue
			case text == "":
				continue
			}
			f.Text(name, text, 1, MaxText)
			if out[lang] == nil {
				out[lang] = map[string]string{}
			}
			out[lang][field] = text
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return out, nil
}

// Save replaces one entity's translations with t (validated first), in one
// transaction.
func (s *Service) Save(ctx context.Context, entity string, id uuid.UUID, t Texts) error {
	t, err := Validate(entity, t)
	if err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := tx.Where("entity = ? AND entity_id = ?", entity, id).Delete(&translation{}).Error; err != nil {
			return fmt.Errorf("content: save %s %s: %w", entity, id, err)
		}
		var rows []translation
		for lang, fields := range t {
			for field, text := range fields {
				rows = append(rows, translation{Entity: entity, EntityID: id, Lang: lang, Field: field, Text: text})
			}
		}
		if len(rows) == 0 {
			return nil
		}
		if err := tx.Create(&rows).Error; err != nil {
			return fmt.Errorf("content: save %s %s: %w", entity, id, err)
		}
		return nil
	})
}

// Systems puts the systems' words in lang where an admin translated them.
func (s *Service) Systems(ctx context.Context, lang string, systems []registry.AISystem) error {
	ids := make([]uuid.UUID, len(systems))
	for i := range systems {
		ids[i] = systems[i].ID
	}
	tr, err := s.in(ctx, AISystem, lang, ids)
	if err != nil {
		return err
	}
	for i := range systems {
		t := tr[systems[i].ID]
		set(&systems[i].Name, t["name"])
		set(&systems[i].Purpose, t["purpose"])
		set(&systems[i].RiskArea, t["risk_area"])
	}
	return nil
}

// Bodies puts the bodies' words in lang where an admin translated them.
func (s *Service) Bodies(ctx context.Context, lang string, bodies []escalation.Body) error {
	ids := make([]uuid.UUID, len(bodies))
	for i := range bodies {
		ids[i] = bodies[i].ID
	}
	tr, err := s.in(ctx, Body, lang, ids)
	if err != nil {
		return err
	}
	for i := range bodies {
		t := tr[bodies[i].ID]
		set(&bodies[i].Name, t["name"])
		set(&bodies[i].Description, t["description"])
		set(&bodies[i].Requirements, t["requirements"])
	}
	return nil
}

func set(p *string, v string) {
	if v != "" {
		*p = v
	}
}
