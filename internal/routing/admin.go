package routing

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
)

// Taxonomies the rules are checked against; the grievance package owns them
// and hands them over at wiring time, so routing does not import it.
type Taxonomies struct {
	Kinds, Rights, HarmTypes, Channels, Severities []string
}

// RuleInput is the body of a create or update.
type RuleInput struct {
	Name              string   `json:"name"`
	Enabled           *bool    `json:"enabled"`
	Kinds             []string `json:"kinds"`
	AISystemIDs       []string `json:"ai_system_ids"`
	Rights            []string `json:"rights"`
	HarmTypes         []string `json:"harm_types"`
	Languages         []string `json:"languages"`
	Channels          []string `json:"channels"`
	Severities        []string `json:"severities"`
	QueueID           string   `json:"queue_id"`
	Priority          string   `json:"priority"`
	SLAPolicy         *string  `json:"sla_policy"`
	RequiredSkills    []string `json:"required_skills"`
	RequiredLanguages []string `json:"required_languages"`
}

// validate checks in; it reads the register, the queues and the SLA policies
// through q.
func (s *Service) validate(q *gorm.DB, in *RuleInput, tax Taxonomies, isDefault bool) error {
	var f fault.Fields
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" || len(in.Name) > 200 {
		f.Add("name", "required", "give the rule a name of 1 to 200 characters")
	}
	check := func(field string, vs, allowed []string) {
		for i, v := range vs {
			if !slices.Contains(allowed, v) {
				f.Addf(fmt.Sprintf("%s[%d]", field, i), "invalid", "%q is not one of %s", v, strings.Join(allowed, ", "))
			}
		}
	}
	check("kinds", in.Kinds, tax.Kinds)
	check("rights", in.Rights, tax.Rights)
	check("harm_types", in.HarmTypes, tax.HarmTypes)
	check("channels", in.Channels, append(slices.Clone(tax.Channels), "anonymous"))
	check("severities", in.Severities, append(slices.Clone(tax.Severities), "none"))
	for i, l := range append(slices.Clone(in.Languages), in.RequiredLanguages...) {
		if len(l) < 2 || len(l) > 35 || strings.ContainsAny(l, " ,{}\"") {
			f.Addf("languages", "invalid", "entry %d, %q, is not a language tag such as en or pt-BR", i, l)
		}
	}
	for i, sk := range in.RequiredSkills {
		if sk == "" || len(sk) > 64 || strings.ContainsAny(sk, ",{}\"") {
			f.Addf(fmt.Sprintf("required_skills[%d]", i), "invalid", "a skill is 1 to 64 characters without , { } or quotes")
		}
	}
	for i, id := range in.AISystemIDs {
		uid, err := uuid.Parse(id)
		var n int64
		if err == nil {
			err = q.Model(&registry.AISystem{}).Where("id = ?", uid).Count(&n).Error
		}
		if err != nil || n == 0 {
			f.Addf(fmt.Sprintf("ai_system_ids[%d]", i), "not_found", "%q is not the id of a system in the register", id)
		}
	}
	if qid, err := uuid.Parse(in.QueueID); err != nil {
		f.Add("queue_id", "invalid", "must be the id of a queue")
	} else {
		n, err := countQueue(q, qid)
		if err != nil {
			return err
		}
		if n == 0 {
			f.Add("queue_id", "not_found", "no queue has that id")
		}
	}
	if in.SLAPolicy != nil {
		n, err := countPolicy(q, *in.SLAPolicy)
		if err != nil {
			return err
		}
		if n == 0 {
			f.Add("sla_policy", "not_found", "no SLA policy has that slug (see GET /api/v1/admin/sla/policies)")
		}
	}
	if !slices.Contains([]string{"P0", "P1", "P2", "P3"}, in.Priority) {
		f.Add("priority", "invalid", "must be one of P0, P1, P2, P3")
	}
	if isDefault {
		conds := len(in.Kinds) + len(in.AISystemIDs) + len(in.Rights) + len(in.HarmTypes) + len(in.Languages) +
			len(in.Channels) + len(in.Severities)
		if conds > 0 {
			f.Add("default", "has_conditions", "the default rule matches every case; it can have no conditions")
		}
		if in.Enabled != nil && !*in.Enabled {
			f.Add("enabled", "default_rule", "the default rule cannot be disabled")
		}
	}
	return f.Err()
}

func nz(s []string) db.TextSlice {
	if s == nil {
		return db.TextSlice{}
	}
	return db.TextSlice(s)
}

// Create adds a rule just before the default rule.
func (s *Service) Create(ctx context.Context, in RuleInput, tax Taxonomies) (*Rule, error) {
	if err := s.validate(s.db.WithContext(ctx), &in, tax, false); err != nil {
		return nil, err
	}
	enabled := in.Enabled == nil || *in.Enabled
	var id uuid.UUID
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRules(tx); err != nil {
			return err
		}
		var err error
		id, err = insertRule(tx, in, enabled)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("routing: create rule: %w", err)
	}
	return s.Rule(ctx, id)
}

// Rule returns one rule.
func (s *Service) Rule(ctx context.Context, id uuid.UUID) (*Rule, error) {
	var r Rule
	if err := s.db.WithContext(ctx).Select(ruleColumns).Where("id = ?", id).Find(&r).Error; err != nil {
		return nil, fmt.Errorf("routing: rule: %w", err)
	}
	if r.ID == uuid.Nil {
		return nil, fault.New(fault.NotFound, "rule_not_found", "No routing rule has that id.")
	}
	return &r, nil
}

// Update replaces a rule's conditions and result; the default rule keeps matching everything.
func (s *Service) Update(ctx context.Context, id uuid.UUID, in RuleInput, tax Taxonomies) (*Rule, error) {
	cur, err := s.Rule(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := s.validate(s.db.WithContext(ctx), &in, tax, cur.IsDefault); err != nil {
		return nil, err
	}
	enabled := cur.Enabled
	if in.Enabled != nil {
		enabled = *in.Enabled
	}
	if err := s.db.WithContext(ctx).Model(&Rule{}).Where("id = ?", id).Updates(map[string]any{
		"name": in.Name, "enabled": enabled, "kinds": nz(in.Kinds), "ai_system_ids": gorm.Expr("?::uuid[]", nz(in.AISystemIDs)),
		"rights": nz(in.Rights), "harm_types": nz(in.HarmTypes), "languages": nz(in.Languages), "channels": nz(in.Channels),
		"severities": nz(in.Severities), "queue_id": in.QueueID, "priority": in.Priority, "sla_policy": in.SLAPolicy,
		"required_skills": nz(in.RequiredSkills), "required_languages": nz(in.RequiredLanguages),
		"updated_at": gorm.Expr("now()")}).Error; err != nil {
		return nil, fmt.Errorf("routing: update rule: %w", err)
	}
	return s.Rule(ctx, id)
}

// Reorder sets the evaluation order of every rule but the default, which stays last.
func (s *Service) Reorder(ctx context.Context, ids []string) ([]Rule, error) {
	var f fault.Fields
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := lockRules(tx); err != nil {
			return err
		}
		var current []string
		if err := tx.Model(&Rule{}).Where("NOT is_default").Pluck("id::text", &current).Error; err != nil {
			return err
		}
		sorted := slices.Clone(ids)
		slices.Sort(sorted)
		slices.Sort(current)
		if !slices.Equal(sorted, current) {
			f.Add("ids", "mismatch", "list every rule except the default exactly once, in the new order")
			return f.Err()
		}
		// Move every rule out of the way, then into place: positions are unique.
		if err := tx.Model(&Rule{}).Where("NOT is_default").UpdateColumn("position", gorm.Expr("position + 1000000")).Error; err != nil {
			return err
		}
		for i, id := range ids {
			if err := tx.Model(&Rule{}).Where("id = ?", id).
				UpdateColumns(map[string]any{"position": i, "updated_at": gorm.Expr("now()")}).Error; err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.Rules(ctx)
}
