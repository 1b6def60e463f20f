// Package routing sends each submitted case to a review queue. Rules are data,
// kept in order; the first enabled rule whose conditions all hold wins, and a
// default rule that matches everything always exists. It owns the table
// routing_rules (model Rule) and publishes case.routed; its statements that
// need SQL's full power are in queries.go.
package routing

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Rule is one routing rule: conditions (an empty list matches anything) and a result.
type Rule struct {
	ID                uuid.UUID    `json:"id"`
	Position          int          `json:"position"`
	Name              string       `json:"name"`
	Enabled           bool         `json:"enabled"`
	IsDefault         bool         `json:"is_default"`
	Kinds             db.TextSlice `json:"kinds"`
	AISystemIDs       db.TextSlice `json:"ai_system_ids"`
	Rights            db.TextSlice `json:"rights"`
	HarmTypes         db.TextSlice `json:"harm_types"`
	Languages         db.TextSlice `json:"languages"`
	Channels          db.TextSlice `json:"channels"`
	Severities        db.TextSlice `json:"severities"`
	QueueID           uuid.UUID    `json:"queue_id"`
	Priority          string       `json:"priority"`
	SLAPolicy         *string      `json:"sla_policy"`
	RequiredSkills    db.TextSlice `json:"required_skills"`
	RequiredLanguages db.TextSlice `json:"required_languages"`
	UpdatedAt         time.Time    `json:"updated_at"`
}

// Case is what rules look at.
type Case struct {
	Kind       string
	AISystemID *uuid.UUID
	Rights     []string
	HarmTypes  []string
	Language   string
	Channel    string // email, phone, post, follow_up_page; "anonymous" for anonymous cases
	Severity   string // the complainant's preliminary severity, or "none"
}

// Matches reports whether every condition of r holds for c.
func (r *Rule) Matches(c Case) bool {
	system := ""
	if c.AISystemID != nil {
		system = c.AISystemID.String()
	}
	language, _, _ := strings.Cut(c.Language, "-")
	return r.Enabled &&
		anyOf(r.Kinds, c.Kind) &&
		anyOf(r.AISystemIDs, system) &&
		overlaps(r.Rights, c.Rights) &&
		overlaps(r.HarmTypes, c.HarmTypes) &&
		(anyOf(r.Languages, c.Language) || anyOf(r.Languages, language)) &&
		anyOf(r.Channels, c.Channel) &&
		anyOf(r.Severities, c.Severity)
}

func anyOf(allowed []string, v string) bool { return len(allowed) == 0 || slices.Contains(allowed, v) }

func overlaps(allowed, have []string) bool {
	if len(allowed) == 0 {
		return true
	}
	for _, h := range have {
		if slices.Contains(allowed, h) {
			return true
		}
	}
	return false
}

// First returns the first rule in rules (already in order) that matches c.
func First(rules []Rule, c Case) (*Rule, bool) {
	for i := range rules {
		if rules[i].Matches(c) {
			return &rules[i], true
		}
	}
	return nil, false
}

// Service keeps the rules and routes cases.
type Service struct {
	db     *gorm.DB
	clocks *clocks.Service
	// held are the rules as routing last read them, with their version
	// (rulesAt); nil until a routing reads them.
	held      atomic.Pointer[heldRules]
	ruleReads atomic.Int64 // how often routing read the rules (tests)
}

// heldRules are the rules in evaluation order at one routing_rules_version.
type heldRules struct {
	version uuid.UUID
	rules   []Rule
}

// rulesAt returns the rules in evaluation order at version, the
// routing_rules_version read with the case being routed: those held when
// they were read at that version, else read again through q (issue 18:
// the rules were read, and every column scanned, for every case routed).
// What it returns is shared: read it, never change it.
func (s *Service) rulesAt(q *gorm.DB, version uuid.UUID) ([]Rule, error) {
	if h := s.held.Load(); h != nil && h.version == version {
		return h.rules, nil
	}
	rules, v, err := versionedRules(q)
	if err != nil {
		return nil, err
	}
	s.ruleReads.Add(1)
	// Versions are not ordered: the last read is held. Routings racing
	// across a change may hold either for a moment; each compares the
	// version it read with its case, so none uses the wrong one.
	s.held.Store(&heldRules{version: v, rules: rules})
	return rules, nil
}

// New returns the routing service; clk sets a routed case's clocks from its
// priority and SLA policy.
func New(gdb *gorm.DB, clk *clocks.Service) *Service { return &Service{db: gdb, clocks: clk} }

// Rules returns every rule in evaluation order, the default last.
func (s *Service) Rules(ctx context.Context) ([]Rule, error) {
	rules, _, err := versionedRules(s.db.WithContext(ctx))
	return rules, err
}

// ErrNoDefaultRule means the rules are broken: the default rule is missing.
var ErrNoDefaultRule = errors.New("routing: no rule matched and no default rule exists")

// Route applies the rules to a case not yet routed, in a transaction of its
// own, as RouteIn does.
func (s *Service) Route(ctx context.Context, caseID uuid.UUID) (*events.Routed, error) {
	var out *events.Routed
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		out, err = s.RouteIn(tx, caseID, Also{})
		return err
	})
	return out, err
}

// NewCaseMail owes the emails of a case routed to a queue (its members'
// "new case in my queue") in the transaction that routes it
// (notify.Notifier): the event it publishes then says so, and the
// notify-staff consumer owes none for it (issue 18: a routed case cost that
// consumer a transaction of its own).
type NewCaseMail interface {
	// QueueNewCase queues on r the reads of who is owed an email, which the
	// routing sends with its writes, after them, and owes the emails in tx
	// once r has run.
	QueueNewCase(r *db.Reads, tx *gorm.DB, eventID uuid.UUID, reference, kind string, routed events.Routed)
}

// Also is what a routing does besides routing, in its transaction and, where
// it can, in its statements (issue 18: the worker wrote a submitted case's
// row, and its record, once to receive it and again to route it).
type Also struct {
	// Mail owes the emails the routing owes.
	Mail NewCaseMail
	// Received is the record entry of the worker's first receipt of the
	// case: when the case was not received yet, the routing's update marks
	// it received (cases.Routing.Received) and Received is recorded just
	// before case.routed, with it.
	Received *audit.Event
	// After queues on r reads to send with the routing's writes, after them
	// (they see the case routed), and their steps (Reads.Then) to run after
	// the emails are owed: the worker's auto-assignment look.
	After func(r *db.Reads)
}

// RouteIn applies the rules to a case not yet routed, in the caller's
// transaction tx, and records the result and the rule behind it in the case
// record; the outcome it returns is the case.routed event's data. What also
// asks is done in tx too. A case already routed is left alone, also
// included: RouteIn returns nil, nil.
func (s *Service) RouteIn(tx *gorm.DB, caseID uuid.UUID, also Also) (*events.Routed, error) {
	r := db.ReadsOn(tx)
	route := s.QueueRoute(r, caseID)
	if err := r.Run(); err != nil {
		return nil, fmt.Errorf("routing: load case: %w", err)
	}
	return route(tx, also)
}

// QueueRoute queues on r the statements that lock the case and read what
// its routing needs (r must run in the transaction that routes it, and may
// carry other statements: the worker sends them with the one that records
// the event), and returns the rest of RouteIn, to run in that transaction
// once r has run.
func (s *Service) QueueRoute(r *db.Reads, caseID uuid.UUID) func(tx *gorm.DB, also Also) (*events.Routed, error) {
	var row lockedFacts
	queueLockedCaseFacts(r, caseID, &row)
	return func(tx *gorm.DB, also Also) (*events.Routed, error) {
		return s.routeCase(tx, caseID, row, also)
	}
}

// routeCase is RouteIn once the case is locked and row read.
func (s *Service) routeCase(tx *gorm.DB, caseID uuid.UUID, row lockedFacts, also Also) (*events.Routed, error) {
	if row.Kind == "" {
		return nil, fault.New(fault.NotFound, "case_not_found", "No case has that id.")
	}
	if row.RoutedAt != nil {
		return nil, nil
	}
	c := Case{Kind: row.Kind, AISystemID: row.AISystemID, Rights: row.Rights, HarmTypes: row.HarmTypes,
		Language: row.Language, Channel: "anonymous", Severity: "none"}
	if !row.Anonymous && row.PreferredChannel != nil {
		c.Channel = *row.PreferredChannel
	}
	if row.PreliminarySeverity != nil {
		c.Severity = *row.PreliminarySeverity
	}
	rules, err := s.rulesAt(tx, row.RulesVersion)
	if err != nil {
		return nil, err
	}
	rule, ok := First(rules, c)
	if !ok {
		return nil, ErrNoDefaultRule
	}
	// The clocks first, as the routing sets them; then one update of the
	// case's row routes it, sets its next due date from them and, with
	// Received, receives it.
	policyID, err := row.policyID(rule.SLAPolicy)
	if err != nil {
		return nil, err
	}
	storeClocks, err := s.clocks.RecomputeRouting(tx, caseID, row.Clock, rule.Priority, policyID)
	if err != nil {
		return nil, err
	}
	receive := also.Received != nil && row.ReceivedAt == nil
	out := &events.Routed{CaseID: caseID, RuleID: rule.ID, RuleName: rule.Name, QueueID: rule.QueueID, Priority: rule.Priority,
		StaffMailOwed: also.Mail != nil}
	var record []audit.Event
	if receive {
		record = append(record, *also.Received)
	}
	record = append(record, audit.Event{CaseID: caseID, ActorKind: audit.ActorSystem, Action: "case.routed",
		Data: map[string]any{"rule_id": rule.ID, "rule": rule.Name, "queue_id": rule.QueueID, "priority": rule.Priority,
			"sla_policy": rule.SLAPolicy, "required_skills": rule.RequiredSkills, "required_languages": rule.RequiredLanguages}})
	// The writes, in one round trip: the clocks first, then one update of
	// the case's row routes it, sets its next due date from them and, with
	// Received, receives it; its record and its event; then, in the same
	// round trip, the reads of who is owed an email about the case routed.
	r := db.ReadsOn(tx)
	err = db.WriteRead(tx.Statement.Context, tx, func(w *gorm.DB) error {
		if err := storeClocks(w); err != nil {
			return err
		}
		if err := cases.Route(w, caseID, cases.Routing{QueueID: rule.QueueID, Priority: cases.Priority(rule.Priority),
			RuleID: rule.ID, RequiredSkills: rule.RequiredSkills, RequiredLanguages: rule.RequiredLanguages,
			SLAPolicy: rule.SLAPolicy, Received: receive, NextDue: true}); err != nil {
			return fmt.Errorf("routing: route: %w", err)
		}
		// Nothing was appended to the record since its head was read with
		// the case's facts, under the same lock.
		if _, err := audit.AppendAfter(w, caseID, row.Head, record); err != nil {
			return err
		}
		id, err := outbox.Add(w, events.CaseRouted, caseID, *out)
		if err != nil {
			return err
		}
		if also.Mail != nil {
			also.Mail.QueueNewCase(r, tx, id, row.Reference, row.Kind, *out)
		}
		if also.After != nil {
			also.After(r)
		}
		return nil
	}, r)
	return out, err
}
