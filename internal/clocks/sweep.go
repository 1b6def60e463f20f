package clocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/sla"
)

// Fired is what one sweep did.
type Fired struct {
	Warnings, Breaches int
}

// SweepChunk is how many due cases one transaction of a sweep takes at
// most: every statement of the transaction handles them all at once.
const SweepChunk = 500

// Sweep fires the timers due now, up to limit of them: a warning when a share
// of a clock's budget is used, a breach when it runs out unsatisfied, each an
// event and an entry in the case record, and the policy's breach actions.
// The due cases are handled up to SweepChunk (500) in a transaction, with
// set-based statements (sweepCases). Each case is taken with SKIP LOCKED, so
// several workers sweeping at once never fire one timer twice, and a case
// someone is working on is simply looked at again on the next sweep.
func (s *Service) Sweep(ctx context.Context, limit int) (Fired, error) {
	var total Fired
	now := s.now()
	ids, err := dueCases(s.db.WithContext(ctx), now, limit)
	if err != nil {
		return total, fmt.Errorf("clocks: due timers: %w", err)
	}
	for len(ids) > 0 {
		chunk := ids[:min(len(ids), max(s.chunk, 1))]
		ids = ids[len(chunk):]
		var f Fired
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			var err error
			f, err = s.sweepCases(tx, chunk, now)
			return err
		})
		if err != nil {
			return total, err
		}
		total.Warnings += f.Warnings
		total.Breaches += f.Breaches
	}
	return total, nil
}

// lockedCase is a case the sweep locked, with what its timers need.
type lockedCase struct {
	ID          uuid.UUID
	Priority    *cases.Priority
	QueueID     *uuid.UUID
	SLAPolicyID *uuid.UUID
}

// swept is what the sweep does to one case: its case-record entries and
// events, in the order they are written, and the clocks it breached.
type swept struct {
	c        lockedCase
	p        *Policy
	priority string // before any raise: what the SLA events carry
	breached []dueClock
	record   []audit.Event
	events   []outbox.Message
}

// system is an entry of the sweep (the system's) in the case record.
func (w *swept) system(action string, public bool, data any) {
	w.record = append(w.record, audit.Event{CaseID: w.c.ID, ActorKind: audit.ActorSystem, Action: action,
		Public: public, Data: data})
}

// publish adds an event about the case.
func (w *swept) publish(subject string, data events.Data) {
	w.events = append(w.events, outbox.Message{Subject: subject, CaseID: w.c.ID, Data: data})
}

// sweepCases fires, in tx, the timers due at now of the cases ids (in the
// order of the due query) that no other transaction holds. Every step is
// one statement for all of them: the cases are locked, then their due
// clocks, the clocks are updated, the breach actions applied, and the case
// records and the outbox written last, each case's entries and events in
// the order a sweep of that case alone writes them.
func (s *Service) sweepCases(tx *gorm.DB, ids []uuid.UUID, now time.Time) (Fired, error) {
	var fired Fired
	var locked []lockedCase
	if err := cases.LockedOrSkipMany(tx, ids, "id", "priority", "queue_id", "sla_policy_id").
		Scan(&locked).Error; err != nil {
		return fired, fmt.Errorf("clocks: lock cases: %w", err)
	}
	if len(locked) == 0 {
		return fired, nil // others hold them all; the next sweep looks again
	}
	held := make([]uuid.UUID, len(locked))
	byID := make(map[uuid.UUID]lockedCase, len(locked))
	for i, c := range locked {
		held[i], byID[c.ID] = c.ID, c
	}
	due, err := lockDueClocks(tx, held, now)
	if err != nil {
		return fired, fmt.Errorf("clocks: due clocks: %w", err)
	}
	dueOf := map[uuid.UUID][]dueClock{}
	for _, k := range due {
		dueOf[k.CaseID] = append(dueOf[k.CaseID], k)
	}

	var all []*swept
	var changes []clockChange
	for _, id := range ids { // the order of the due query
		c, ok := byID[id]
		if !ok || len(dueOf[id]) == 0 {
			continue // held by another, or fired by another sweep meanwhile
		}
		p, err := s.policy(tx, c.SLAPolicyID)
		if err != nil {
			return fired, err
		}
		w := &swept{c: c, p: p}
		if c.Priority != nil {
			w.priority = string(*c.Priority)
		}
		for _, k := range dueOf[id] {
			warnAt, err := parseTimes(k.WarnAt)
			if err != nil {
				return fired, fmt.Errorf("clocks: warn_at of %s: %w", k.Clock, err)
			}
			reached := k.Warned
			for reached < len(warnAt) && !warnAt[reached].After(now) {
				reached++
			}
			rule := k.rule()
			data := events.SLA{Clock: k.Clock, Rule: rule, Priority: w.priority,
				Statutory: statutory(p, rule), Notify: p.Breach.Notify}
			if k.DueAt != nil {
				data.DueAt = k.DueAt.UTC()
			}
			switch {
			case k.DueAt != nil && !k.DueAt.After(now) && k.BreachedAt == nil:
				changes = append(changes, clockChange{CaseID: id, Clock: k.Clock, Kind: changeBreach, Warned: len(warnAt)})
				w.system("sla.breached", true, data)
				w.publish(events.SLABreached, data)
				w.breached = append(w.breached, k)
				fired.Breaches++
			case reached > k.Warned:
				changes = append(changes, clockChange{CaseID: id, Clock: k.Clock, Kind: changeWarn, Warned: reached})
				if reached-1 < len(p.WarnFractions) {
					data.Fraction = p.WarnFractions[reached-1]
				}
				data.Notify = true
				w.system("sla.warning", false, data)
				w.publish(events.SLAWarning, data)
				fired.Warnings++
			default: // nothing to fire (the timer moved): look again when it is next due
				changes = append(changes, clockChange{CaseID: id, Clock: k.Clock, Kind: changeReschedule})
			}
		}
		all = append(all, w)
	}
	if err := updateDueClocks(tx, now, changes); err != nil {
		return fired, fmt.Errorf("clocks: fire: %w", err)
	}
	if err := s.breachActions(tx, all); err != nil {
		return fired, err
	}
	var record []audit.Event
	var msgs []outbox.Message
	for _, w := range all {
		record = append(record, w.record...)
		msgs = append(msgs, w.events...)
	}
	if _, err := audit.AppendMany(tx, record); err != nil {
		return fired, err
	}
	if _, err := outbox.AddMany(tx, msgs); err != nil {
		return fired, err
	}
	return fired, nil
}

// rule is the clock's rule, read from its stored JSON (the zero rule when
// it does not read).
func (k *dueClock) rule() sla.Rule {
	var r sla.Rule
	if json.Unmarshal([]byte(k.Rule), &r) != nil {
		return sla.Rule{}
	}
	return r
}

// statutory says whether the rule is one the law sets in p.
func statutory(p *Policy, r sla.Rule) bool {
	if r == (sla.Rule{}) {
		return false
	}
	return slices.ContainsFunc(p.Statutory, func(l sla.StatutoryLimit) bool {
		return l.Code == r.Code || (l.Extension != nil && l.Extension.Rule.Code == r.Code)
	})
}

// breachActions applies, in tx, what the policies ask of the swept cases
// whose clocks ran out: raise the priority a step, move the case to the
// supervisors' queue, and for a date the law set, open an escalation
// request. Each lands in the case's record (w.record, w.events), in that
// order; each kind of action is one statement for all the cases.
func (s *Service) breachActions(tx *gorm.DB, all []*swept) error {
	raise := map[cases.Priority][]uuid.UUID{}
	var raised []uuid.UUID
	move := map[uuid.UUID][]uuid.UUID{}
	queues := map[string]uuid.UUID{}
	var reqs []BreachRequest
	var asking []*swept  // the case of each request
	var rules []sla.Rule // the rule of each request's clock
	for _, w := range all {
		if len(w.breached) == 0 {
			continue
		}
		p := w.p
		clocks := make([]sla.ClockName, 0, len(w.breached))
		for _, k := range w.breached {
			clocks = append(clocks, k.Clock)
		}
		if p.Breach.RaisePriority && w.priority != "" && sla.Raise(w.priority) != w.priority {
			to := sla.Raise(w.priority)
			raise[cases.Priority(to)] = append(raise[cases.Priority(to)], w.c.ID)
			raised = append(raised, w.c.ID)
			w.system("priority.raised", false, map[string]any{"from": w.priority, "to": to, "reason": "sla_breach",
				"clocks": clocks})
			w.publish(events.CaseTriaged, events.Triaged{Priority: to, PriorityChange: "raised", Reason: "sla_breach"})
		}
		if slug := p.Breach.MoveToQueue; slug != "" {
			to, ok := queues[slug]
			if !ok {
				var err error
				if to, err = queueBySlug(tx, slug); err != nil {
					return fmt.Errorf("clocks: breach queue: %w", err)
				}
				queues[slug] = to
				if to == uuid.Nil {
					s.log.Warn("breach action names a queue that does not exist", "policy", p.Slug, "queue", slug)
				}
			}
			if from := w.c.QueueID; to != uuid.Nil && (from == nil || *from != to) {
				move[to] = append(move[to], w.c.ID)
				w.system("case.moved", false, map[string]any{"from_queue": from, "to_queue": to, "reason": "sla_breach",
					"clocks": clocks})
			}
		}
		if !p.Breach.EscalateStatutory {
			continue
		}
		for _, k := range w.breached {
			if !statutory(p, k.rule()) {
				continue
			}
			if s.requests == nil {
				return errors.New("clocks: a statutory clock was breached and nothing records escalation requests (clocks.New)")
			}
			reqs = append(reqs, BreachRequest{CaseID: w.c.ID, Clock: k.Clock, Rule: k.Rule,
				Reason: "statutory deadline missed: " + string(k.Clock)})
			asking, rules = append(asking, w), append(rules, k.rule())
		}
	}
	for _, to := range slices.Sorted(maps.Keys(raise)) {
		if err := cases.SetPriorityOf(tx, raise[to], to); err != nil {
			return err
		}
	}
	if err := s.recomputeMany(tx, raised); err != nil {
		return err
	}
	for to, ids := range move {
		if err := cases.MoveAllToQueue(tx, ids, to); err != nil {
			return err
		}
	}
	if len(reqs) == 0 {
		return nil
	}
	reqIDs, err := s.requests(tx, reqs)
	if err != nil {
		return fmt.Errorf("clocks: escalation request: %w", err)
	}
	if len(reqIDs) != len(reqs) {
		return fmt.Errorf("clocks: %d escalation requests asked, %d answered", len(reqs), len(reqIDs))
	}
	for i, r := range reqs {
		if reqIDs[i] == uuid.Nil {
			continue // already asked for
		}
		w := asking[i]
		data := events.EscalationRequest{RequestID: reqIDs[i], Source: "sla_breach", Clock: r.Clock, Rule: rules[i]}
		w.system("escalation.requested", false, data)
		w.publish(events.EscalationRequested, data)
	}
	return nil
}

// parseTimes reads warn_at as to_json renders it.
func parseTimes(s string) ([]time.Time, error) {
	var out []time.Time
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return nil, err
	}
	return out, nil
}
