package routing

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/platform/db"
)

// The statements on routing_rules (and the case facts routing reads) that
// need SQL's full power.

// TableName names the table a Rule is a row of.
func (Rule) TableName() string { return "routing_rules" }

// ruleColumns are a Rule's columns (ai_system_ids read as text[]).
const ruleColumns = `id, position, name, enabled, is_default, kinds, ai_system_ids::text[] AS ai_system_ids, rights,
	harm_types, languages, channels, severities, queue_id, priority, sla_policy, required_skills, required_languages, updated_at`

// CaseFacts is what routing looks at of a case: its row and classification
// (the case.submitted event carries them; the worker's reconciler rebuilds
// a lost one from them).
type CaseFacts struct {
	Reference           string
	Kind                string
	AISystemID          *uuid.UUID
	Language            string
	Anonymous           bool
	PreferredChannel    *string
	PreliminarySeverity *string
	RoutedAt            *time.Time
	ReceivedAt          *time.Time
	Rights              db.TextSlice
	HarmTypes           db.TextSlice
	// RulesVersion is routing_rules_version when the case was read
	// (lockedCaseFacts).
	RulesVersion uuid.UUID
}

// lockedFacts are what routing reads of a case under its row lock, in one
// statement: its facts, what its clocks are computed from, the head of its
// record's chain, and the SLA policies' ids by slug (the routing's rule
// names its policy by slug).
type lockedFacts struct {
	CaseFacts `gorm:"embedded"`
	Clock     clocks.Facts    `gorm:"embedded;embeddedPrefix:clock_"`
	Head      audit.ChainHead `gorm:"embedded;embeddedPrefix:head_"`
	// SLAPolicies is a JSON object of every SLA policy's id by its slug.
	SLAPolicies string
}

// policyID is the id of the SLA policy slug names: nil for a nil slug, or
// one that names none (the default policy then applies).
func (f lockedFacts) policyID(slug *string) (*uuid.UUID, error) {
	if slug == nil {
		return nil, nil
	}
	var ids map[string]uuid.UUID
	if err := json.Unmarshal([]byte(f.SLAPolicies), &ids); err != nil {
		return nil, fmt.Errorf("routing: SLA policies: %w", err)
	}
	if id, ok := ids[*slug]; ok {
		return &id, nil
	}
	return nil, nil
}

// queueLockedCaseFacts locks a case's row and then reads its facts, for its
// routing, its clocks and its record (no row: Kind is empty): two
// statements, sent in one round trip on the transaction's connection
// (db.Reads). The read must come after the lock, in a statement of its
// own: in READ COMMITTED a statement that waited for the row's lock sees
// the row as its holder left it, but reads every other table (the record's
// entries, the pauses, the classification) as they were when it began, so
// a head read with the lock could miss the entry its holder had just
// appended (the append after it then failed on (case_id, seq), and the
// event was retried 2 s later) and the clocks the pause it had just opened.
//
// They are queued on r, to be sent with other statements of the
// transaction; row is read once r has run.
func queueLockedCaseFacts(r *db.Reads, caseID uuid.UUID, row *lockedFacts) {
	var locked []uuid.UUID
	r.Raw(&locked, `SELECT id FROM cases WHERE id = ? FOR UPDATE`, caseID)
	r.Raw(row, `SELECT c.reference, c.kind, c.ai_system_id, c.language, c.anonymous, c.preferred_channel,
			       c.preliminary_severity, c.routed_at, c.received_at, k.rights, k.harm_types,
			       (SELECT version FROM routing_rules_version) AS rules_version,
			       `+clocks.FactsSelect("clock_", "NULL::uuid")+`, `+audit.HeadSelect("head_")+`,
			       (SELECT coalesce(json_object_agg(slug, id), '{}') FROM sla_policies) AS sla_policies
			  FROM cases c JOIN case_classifications k ON k.case_id = c.id
			 WHERE c.id = ?`, caseID)
}

// versionedRules reads every rule in evaluation order through q, and the
// version they are at (routing_rules_version), in one statement: one
// snapshot.
func versionedRules(q *gorm.DB) ([]Rule, uuid.UUID, error) {
	var rows []struct {
		Rule         `gorm:"embedded"`
		RulesVersion uuid.UUID
	}
	if err := q.Model(&Rule{}).Select(ruleColumns + ", (SELECT version FROM routing_rules_version) AS rules_version").
		Order("is_default, position").Scan(&rows).Error; err != nil {
		return nil, uuid.Nil, fmt.Errorf("routing: rules: %w", err)
	}
	if len(rows) == 0 {
		return nil, uuid.Nil, nil
	}
	rules := make([]Rule, len(rows))
	for i := range rows {
		rules[i] = rows[i].Rule
	}
	return rules, rows[0].RulesVersion, nil
}

// lockRules keeps other writers of the rules' positions out until the
// transaction ends.
func lockRules(conn *gorm.DB) error {
	return conn.Exec(`LOCK TABLE routing_rules IN SHARE ROW EXCLUSIVE MODE`).Error
}

// insertRule adds a rule just before the default one (the caller holds
// lockRules) and returns its id.
func insertRule(conn *gorm.DB, in RuleInput, enabled bool) (uuid.UUID, error) {
	var id uuid.UUID
	err := conn.Raw(`INSERT INTO routing_rules (position, name, enabled, kinds, ai_system_ids, rights, harm_types,
			languages, channels, severities, queue_id, priority, sla_policy, required_skills, required_languages)
			VALUES ((SELECT coalesce(max(position) + 1, 0) FROM routing_rules WHERE NOT is_default),
			        ?, ?, ?, ?::uuid[], ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
		in.Name, enabled, nz(in.Kinds), nz(in.AISystemIDs), nz(in.Rights), nz(in.HarmTypes), nz(in.Languages),
		nz(in.Channels), nz(in.Severities), in.QueueID, in.Priority, in.SLAPolicy, nz(in.RequiredSkills),
		nz(in.RequiredLanguages)).Row().Scan(&id)
	return id, err
}

// countQueue and countPolicy count the queues with an id and the SLA
// policies with a slug: the references validate checks (tables of review
// and clocks, read here).
func countQueue(conn *gorm.DB, id uuid.UUID) (n int, err error) {
	err = conn.Raw(`SELECT count(*) FROM queues WHERE id = ?`, id).Scan(&n).Error
	return n, err
}

func countPolicy(conn *gorm.DB, slug string) (n int, err error) {
	err = conn.Raw(`SELECT count(*) FROM sla_policies WHERE slug = ?`, slug).Scan(&n).Error
	return n, err
}

// SeedRule is a rule the demo seeds, naming its queue and AI systems by slug.
type SeedRule struct {
	Name, Queue, Priority                          string
	Kinds, AISystems, Languages, RequiredLanguages []string
}

// SeedRules adds rules, in order, just before the default rule, unless a
// rule with the first one's name exists (the demo's data).
func SeedRules(tx *gorm.DB, rules []SeedRule) error {
	if len(rules) == 0 {
		return nil
	}
	var n int64
	if err := tx.Model(&Rule{}).Where("name = ?", rules[0].Name).Count(&n).Error; err != nil || n > 0 {
		return err
	}
	var next int
	if err := tx.Model(&Rule{}).Where("NOT is_default").Select("COALESCE(max(position) + 1, 0)").Scan(&next).Error; err != nil {
		return err
	}
	for j, r := range rules {
		if err := tx.Exec(`INSERT INTO routing_rules (position, name, queue_id, priority, kinds, ai_system_ids, languages,
				required_languages)
			SELECT ?, ?, q.id, ?, ?, ARRAY(SELECT s.id FROM ai_systems s WHERE s.slug = ANY (?::text[])), ?, ?
			  FROM queues q WHERE q.slug = ?`, next+j, r.Name, r.Priority, nz(r.Kinds), nz(r.AISystems),
			nz(r.Languages), nz(r.RequiredLanguages), r.Queue).Error; err != nil {
			return fmt.Errorf("routing: rule %q: %w", r.Name, err)
		}
	}
	return nil
}
