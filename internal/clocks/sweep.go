package clocks

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
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

// Sweep fires the timers due now, up to limit of them: a warning when a share
// of a clock's budget is used, a breach when it runs out unsatisfied, each an
// event and an entry in the case record, and the policy's breach actions.
// Each case is handled in its own transaction, taken with SKIP LOCKED, so
// several workers sweeping at once never fire one timer twice, and a case
// someone is working on is simply looked at again on the next sweep.
func (s *Service) Sweep(ctx context.Context, limit int) (Fired, error) {
	var total Fired
	now := s.now()
	ids, err := dueCases(s.db.WithContext(ctx), now, limit)
	if err != nil {
		return total, fmt.Errorf("clocks: due timers: %w", err)
	}
	for _, id := range ids {
		var f Fired
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			var err error
			f, err = s.sweepCase(tx, id, now)
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

// sweepCase fires, in tx, the timers of one case due at now.
func (s *Service) sweepCase(tx *gorm.DB, caseID uuid.UUID, now time.Time) (Fired, error) {
	var fired Fired
	var c cases.Case
	if err := cases.LockedOrSkip(tx, caseID, "id", "priority", "queue_id", "sla_policy_id").Scan(&c).Error; err != nil {
		return fired, fmt.Errorf("clocks: lock case: %w", err)
	}
	if c.ID == uuid.Nil {
		return fired, nil // someone else holds it; the next sweep looks again
	}
	due, err := lockDueClocks(tx, caseID, now)
	if err != nil {
		return fired, fmt.Errorf("clocks: due clocks: %w", err)
	}
	if len(due) == 0 {
		return fired, nil
	}
	p, err := s.policy(tx, c.SLAPolicyID)
	if err != nil {
		return fired, err
	}
	priority := ""
	if c.Priority != nil {
		priority = string(*c.Priority)
	}
	var breached []dueClock
	for _, k := range due {
		warnAt, err := parseTimes(k.WarnAt)
		if err != nil {
			return fired, fmt.Errorf("clocks: warn_at of %s: %w", k.Clock, err)
		}
		reached := k.Warned
		for reached < len(warnAt) && !warnAt[reached].After(now) {
			reached++
		}
		rule := k.rule()
		data := events.SLA{Clock: k.Clock, Rule: rule, Priority: priority,
			Statutory: statutory(p, rule), Notify: p.Breach.Notify}
		if k.DueAt != nil {
			data.DueAt = k.DueAt.UTC()
		}
		switch {
		case k.DueAt != nil && !k.DueAt.After(now) && k.BreachedAt == nil:
			if err := tx.Table("case_clocks").Where("case_id = ? AND clock = ?", caseID, k.Clock).
				Updates(map[string]any{"breached_at": now, "warned": len(warnAt), "next_fire_at": nil}).Error; err != nil {
				return fired, fmt.Errorf("clocks: breach: %w", err)
			}
			if err := s.announce(tx, caseID, events.SLABreached, "sla.breached", true, data); err != nil {
				return fired, err
			}
			breached = append(breached, k)
			fired.Breaches++
		case reached > k.Warned:
			if err := markWarned(tx, caseID, k.Clock, reached); err != nil {
				return fired, fmt.Errorf("clocks: warning: %w", err)
			}
			if reached-1 < len(p.WarnFractions) {
				data.Fraction = p.WarnFractions[reached-1]
			}
			data.Notify = true
			if err := s.announce(tx, caseID, events.SLAWarning, "sla.warning", false, data); err != nil {
				return fired, err
			}
			fired.Warnings++
		default: // nothing to fire (the timer moved): look again when it is next due
			if err := reschedule(tx, caseID, k.Clock); err != nil {
				return fired, fmt.Errorf("clocks: reschedule: %w", err)
			}
		}
	}
	if len(breached) > 0 {
		if err := s.breachActions(tx, caseID, priority, c.QueueID, p, breached); err != nil {
			return fired, err
		}
	}
	return fired, nil
}

// announce records a timer in the case record and publishes it (through the
// outbox), in tx.
func (s *Service) announce(tx *gorm.DB, caseID uuid.UUID, subject, action string, public bool, data events.SLA) error {
	if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorSystem, Action: action,
		Public: public, Data: data}); err != nil {
		return err
	}
	_, err := outbox.Add(tx, subject, caseID, data)
	return err
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

// breachActions applies what the policy asks when clocks run out: raise the
// priority a step, move the case to the supervisors' queue, and for a date
// the law set, open an escalation request. Each lands in the case record.
// All of it runs in tx.
func (s *Service) breachActions(tx *gorm.DB, caseID uuid.UUID, priority string, queueID *uuid.UUID,
	p *Policy, breached []dueClock) error {
	clocks := make([]sla.ClockName, 0, len(breached))
	for _, k := range breached {
		clocks = append(clocks, k.Clock)
	}
	system := func(action string, data any) error {
		_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorSystem, Action: action, Data: data})
		return err
	}
	if p.Breach.RaisePriority && priority != "" && sla.Raise(priority) != priority {
		to := sla.Raise(priority)
		if err := cases.SetPriority(tx, caseID, cases.Priority(to)); err != nil {
			return err
		}
		if err := system("priority.raised", map[string]any{"from": priority, "to": to, "reason": "sla_breach", "clocks": clocks}); err != nil {
			return err
		}
		if _, err := outbox.Add(tx, events.CaseTriaged, caseID,
			events.Triaged{Priority: to, PriorityChange: "raised", Reason: "sla_breach"}); err != nil {
			return err
		}
		if _, err := s.RecomputeIn(tx, caseID); err != nil {
			return err
		}
	}
	if slug := p.Breach.MoveToQueue; slug != "" {
		to, err := queueBySlug(tx, slug)
		if err != nil {
			return fmt.Errorf("clocks: breach queue: %w", err)
		}
		switch {
		case to == uuid.Nil:
			s.log.Warn("breach action names a queue that does not exist", "policy", p.Slug, "queue", slug)
		case queueID == nil || *queueID != to:
			if err := cases.MoveToQueue(tx, caseID, to); err != nil {
				return err
			}
			if err := system("case.moved", map[string]any{"from_queue": queueID, "to_queue": to, "reason": "sla_breach",
				"clocks": clocks}); err != nil {
				return err
			}
		}
	}
	if !p.Breach.EscalateStatutory {
		return nil
	}
	for _, k := range breached {
		rule := k.rule()
		if !statutory(p, rule) {
			continue
		}
		if s.requests == nil {
			return errors.New("clocks: a statutory clock was breached and nothing records escalation requests (clocks.New)")
		}
		reqID, err := s.requests(tx, caseID, k.Clock, k.Rule, "statutory deadline missed: "+string(k.Clock))
		if err != nil {
			return fmt.Errorf("clocks: escalation request: %w", err)
		}
		if reqID == uuid.Nil {
			continue // already asked for
		}
		data := events.EscalationRequest{RequestID: reqID, Source: "sla_breach", Clock: k.Clock, Rule: rule}
		if err := system("escalation.requested", data); err != nil {
			return err
		}
		if _, err := outbox.Add(tx, events.EscalationRequested, caseID, data); err != nil {
			return err
		}
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
