package clocks

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/sla"
)

// DueCasesQuery finds the cases with a timer due. It reads only the partial
// index on next_fire_at, so a sweep costs in proportion to the timers due,
// not to the open cases (see TestSweepQueryUsesTheIndex and BENCHMARKS.md).
const DueCasesQuery = `SELECT case_id FROM (
	SELECT case_id, next_fire_at FROM case_clocks
	 WHERE next_fire_at IS NOT NULL AND next_fire_at <= ?
	 ORDER BY next_fire_at LIMIT ?) due
	GROUP BY case_id ORDER BY min(next_fire_at)`

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
	var ids []uuid.UUID
	if err := db.Conn(ctx, s.db).Raw(DueCasesQuery, now, limit).Scan(&ids).Error; err != nil {
		return total, fmt.Errorf("clocks: due timers: %w", err)
	}
	for _, id := range ids {
		var f Fired
		err := db.InTx(ctx, s.db, func(ctx context.Context) error {
			var err error
			f, err = s.sweepCase(ctx, id, now)
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

type dueClock struct {
	Clock      sla.ClockName
	DueAt      *time.Time
	WarnAt     string
	Warned     int
	Rule       string
	PolicyID   *uuid.UUID
	BreachedAt *time.Time
}

func (s *Service) sweepCase(ctx context.Context, caseID uuid.UUID, now time.Time) (Fired, error) {
	var fired Fired
	conn := db.Conn(ctx, s.db)
	var c struct {
		ID          uuid.UUID
		Priority    *string
		QueueID     *uuid.UUID
		SLAPolicyID *uuid.UUID
	}
	if err := cases.LockedOrSkip(conn, caseID, "id", "priority", "queue_id", "sla_policy_id").Scan(&c).Error; err != nil {
		return fired, fmt.Errorf("clocks: lock case: %w", err)
	}
	if c.ID == uuid.Nil {
		return fired, nil // someone else holds it; the next sweep looks again
	}
	var due []dueClock
	if err := conn.Raw(`SELECT clock, due_at, to_json(warn_at) AS warn_at, warned, rule, policy_id, breached_at FROM case_clocks
		WHERE case_id = ? AND next_fire_at <= ? AND satisfied_at IS NULL ORDER BY clock FOR UPDATE`, caseID, now).
		Scan(&due).Error; err != nil {
		return fired, fmt.Errorf("clocks: due clocks: %w", err)
	}
	if len(due) == 0 {
		return fired, nil
	}
	p, err := s.policy(ctx, c.SLAPolicyID)
	if err != nil {
		return fired, err
	}
	priority := ""
	if c.Priority != nil {
		priority = *c.Priority
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
			if err := conn.Exec(`UPDATE case_clocks SET breached_at = ?, warned = ?, next_fire_at = NULL
				WHERE case_id = ? AND clock = ?`, now, len(warnAt), caseID, k.Clock).Error; err != nil {
				return fired, fmt.Errorf("clocks: breach: %w", err)
			}
			if err := s.announce(ctx, caseID, events.SLABreached, "sla.breached", true, data); err != nil {
				return fired, err
			}
			breached = append(breached, k)
			fired.Breaches++
		case reached > k.Warned:
			if err := conn.Exec(`UPDATE case_clocks SET warned = ?, next_fire_at = LEAST(warn_at[?], due_at)
				WHERE case_id = ? AND clock = ?`, reached, reached+1, caseID, k.Clock).Error; err != nil {
				return fired, fmt.Errorf("clocks: warning: %w", err)
			}
			if reached-1 < len(p.WarnFractions) {
				data.Fraction = p.WarnFractions[reached-1]
			}
			data.Notify = true
			if err := s.announce(ctx, caseID, events.SLAWarning, "sla.warning", false, data); err != nil {
				return fired, err
			}
			fired.Warnings++
		default: // nothing to fire (the timer moved): look again when it is next due
			if err := conn.Exec(`UPDATE case_clocks SET next_fire_at = CASE WHEN breached_at IS NULL
				THEN LEAST(warn_at[warned + 1], due_at) END WHERE case_id = ? AND clock = ?`, caseID, k.Clock).Error; err != nil {
				return fired, fmt.Errorf("clocks: reschedule: %w", err)
			}
		}
	}
	if len(breached) > 0 {
		if err := s.breachActions(ctx, caseID, priority, c.QueueID, p, breached); err != nil {
			return fired, err
		}
	}
	return fired, nil
}

// announce records a timer in the case record and publishes it (through the outbox).
func (s *Service) announce(ctx context.Context, caseID uuid.UUID, subject, action string, public bool, data events.SLA) error {
	if _, err := audit.Append(ctx, s.db, audit.Event{CaseID: caseID, ActorKind: audit.ActorSystem, Action: action,
		Public: public, Data: data}); err != nil {
		return err
	}
	_, err := outbox.Add(ctx, s.db, subject, caseID, data)
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
func (s *Service) breachActions(ctx context.Context, caseID uuid.UUID, priority string, queueID *uuid.UUID,
	p *Policy, breached []dueClock) error {
	conn := db.Conn(ctx, s.db)
	clocks := make([]sla.ClockName, 0, len(breached))
	for _, k := range breached {
		clocks = append(clocks, k.Clock)
	}
	system := func(action string, data any) error {
		_, err := audit.Append(ctx, s.db, audit.Event{CaseID: caseID, ActorKind: audit.ActorSystem, Action: action, Data: data})
		return err
	}
	if p.Breach.RaisePriority && priority != "" && sla.Raise(priority) != priority {
		to := sla.Raise(priority)
		if err := cases.SetPriority(conn, caseID, cases.Priority(to)); err != nil {
			return err
		}
		if err := system("priority.raised", map[string]any{"from": priority, "to": to, "reason": "sla_breach", "clocks": clocks}); err != nil {
			return err
		}
		if _, err := outbox.Add(ctx, s.db, events.CaseTriaged, caseID,
			events.Triaged{Priority: to, PriorityChange: "raised", Reason: "sla_breach"}); err != nil {
			return err
		}
		if _, err := s.Recompute(ctx, caseID); err != nil {
			return err
		}
	}
	if slug := p.Breach.MoveToQueue; slug != "" {
		var q struct{ ID uuid.UUID }
		if err := conn.Raw(`SELECT id FROM queues WHERE slug = ?`, slug).Scan(&q).Error; err != nil {
			return fmt.Errorf("clocks: breach queue: %w", err)
		}
		to := q.ID
		switch {
		case to == uuid.Nil:
			s.log.Warn("breach action names a queue that does not exist", "policy", p.Slug, "queue", slug)
		case queueID == nil || *queueID != to:
			if err := cases.MoveToQueue(conn, caseID, to); err != nil {
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
		var req struct{ ID uuid.UUID }
		if err := conn.Raw(`INSERT INTO escalation_requests (case_id, source, clock, rule, reason)
			VALUES (?, 'sla_breach', ?, ?, ?) ON CONFLICT DO NOTHING RETURNING id`, caseID, k.Clock, k.Rule,
			"statutory deadline missed: "+k.Clock).Scan(&req).Error; err != nil {
			return fmt.Errorf("clocks: escalation request: %w", err)
		}
		if req.ID == uuid.Nil {
			continue // already asked for
		}
		data := events.EscalationRequest{RequestID: req.ID, Source: "sla_breach", Clock: k.Clock, Rule: rule}
		if err := system("escalation.requested", data); err != nil {
			return err
		}
		if _, err := outbox.Add(ctx, s.db, events.EscalationRequested, caseID, data); err != nil {
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
