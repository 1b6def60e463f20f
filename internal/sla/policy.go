package sla

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Priorities a policy has tiers for.
var Priorities = []string{"P0", "P1", "P2", "P3"}

// Clocks are the clock names a policy may set, in the order people read them.
// PolicySource is the Source of a rule set by the organisation's own SLA
// policy rather than by a law.
const PolicySource = "SLA policy"

var Clocks = []ClockName{Acknowledge, FirstResponse, Decision, Feedback, GDPRReply, Remedy, IncidentReport,
	ProviderNotice, SuspensionDecision, Appeal}

// StatutoryLimit is a time limit the law sets, with the cases it applies to:
// Kinds (empty for every kind) and, for incident reports, Subtypes (empty for
// every subtype; see Facts.IncidentSubtype).
type StatutoryLimit struct {
	TimeLimit
	Kinds    []string `json:"kinds,omitempty"`
	Subtypes []string `json:"subtypes,omitempty"`
}

func (l StatutoryLimit) applies(f Facts) bool {
	if len(l.Kinds) > 0 && !slices.Contains(l.Kinds, f.Kind) {
		return false
	}
	if len(l.Subtypes) > 0 {
		sub := f.IncidentSubtype
		if sub == "" {
			sub = "other"
		}
		return slices.Contains(l.Subtypes, sub)
	}
	return true
}

// BreachActions are what the sweeper does when a clock runs out unsatisfied.
type BreachActions struct {
	// Notify emails the case's holders and every supervisor.
	Notify bool `json:"notify"`
	// RaisePriority raises the case one step (P3 → P2 …, never past P0).
	RaisePriority bool `json:"raise_priority"`
	// MoveToQueue, when set, is the slug of the queue the case moves to
	// (a supervisors' queue).
	MoveToQueue string `json:"move_to_queue,omitempty"`
	// EscalateStatutory opens an escalation request when the missed due
	// date was set by the law.
	EscalateStatutory bool `json:"escalate_statutory"`
}

// Policy is an SLA policy as data: per priority the time limits it promises
// (its tiers, pausable), the statutory limits of its jurisdiction, when to
// warn, and what a breach sets off.
type Policy struct {
	Tiers         map[string][]TimeLimit `json:"tiers"`
	Statutory     []StatutoryLimit       `json:"statutory"`
	WarnFractions []float64              `json:"warn_fractions"`
	Breach        BreachActions          `json:"breach_actions"`
	// AppealWindow is how long after a decision the complainant may appeal.
	AppealWindow AppealWindow `json:"appeal_window"`
}

// AppealWindow is how long after a final decision (or a refusal to take the
// case forward) the complainant may appeal, with the rule people are shown.
type AppealWindow struct {
	Rule
	Budget
}

// Closes is when the window opened at from closes, on cal.
func (w AppealWindow) Closes(from time.Time, cal *Calendar) time.Time {
	return w.Budget.end(from, orAlways(cal, from))
}

// DefaultAppealWindow: 30 days from the decision.
var DefaultAppealWindow = AppealWindow{
	Rule:   Rule{Code: "policy_appeal_window", Source: PolicySource, Period: "30 days from the decision"},
	Budget: Budget{CalendarDays, 30},
}

// Validate reports every problem with p, each naming where it is
// ("tiers.P1[0]: …"), so an admin can fix them all at once.
func (p *Policy) Validate() error {
	var errs []error
	for prio, limits := range p.Tiers {
		if !slices.Contains(Priorities, prio) {
			errs = append(errs, fmt.Errorf("tiers.%s: unknown priority (use P0, P1, P2 or P3)", prio))
			continue
		}
		seen := map[ClockName]bool{}
		for i, l := range limits {
			if err := validLimit(l); err != nil {
				errs = append(errs, fmt.Errorf("tiers.%s[%d]: %w", prio, i, err))
			}
			if seen[l.Clock] {
				errs = append(errs, fmt.Errorf("tiers.%s[%d]: clock %q appears twice in one tier", prio, i, l.Clock))
			}
			seen[l.Clock] = true
		}
	}
	for i, l := range p.Statutory {
		if err := validLimit(l.TimeLimit); err != nil {
			errs = append(errs, fmt.Errorf("statutory[%d]: %w", i, err))
		}
	}
	if p.AppealWindow.Code == "" {
		errs = append(errs, errors.New("appeal_window: code is required"))
	}
	if err := p.AppealWindow.Budget.validate(); err != nil {
		errs = append(errs, fmt.Errorf("appeal_window: %w", err))
	}
	for i, f := range p.WarnFractions {
		if !(f > 0 && f < 1) {
			errs = append(errs, fmt.Errorf("warn_fractions[%d]: %v is not between 0 and 1 (0.75 warns at 75%% of the budget)", i, f))
		}
		if i > 0 && f <= p.WarnFractions[i-1] {
			errs = append(errs, fmt.Errorf("warn_fractions[%d]: fractions must rise (%v after %v)", i, f, p.WarnFractions[i-1]))
		}
	}
	return errors.Join(errs...)
}

func validLimit(l TimeLimit) error {
	if l.Clock != "" && !slices.Contains(Clocks, l.Clock) {
		return fmt.Errorf("unknown clock %q (one of %v)", l.Clock, Clocks)
	}
	return l.Validate()
}

// Facts are what a policy needs to know about a case to set its clocks.
type Facts struct {
	Kind     string
	Priority string // "" before the case is routed: statutory clocks only
	// IncidentSubtype picks among the AI Act art. 73 limits: "widespread",
	// "death" or "other" (the default).
	IncidentSubtype string
	Events          Events
	Pauses          []Pause
}

// Clock is one clock of a case as a policy sets it.
type Clock struct {
	Deadline
	// Statutory says the due date was set by the law, not the policy.
	Statutory bool
	// Paused: the policy tier stands still while the case waits on the
	// complainant, and no statutory limit gives a date meanwhile.
	Paused bool
	// WarnAt are the warning instants (Policy.WarnFractions) of the
	// winning candidate; none while paused.
	WarnAt []time.Time
}

// Clocks sets every clock that applies to a case: for each clock, the
// earliest of the policy tier for its priority and every statutory limit
// that applies. A clock that has not started (its anchor has not happened)
// is left out. cal is the policy's business calendar.
func (p *Policy) Clocks(f Facts, cal *Calendar) []Clock {
	tier := map[ClockName]TimeLimit{}
	for _, l := range p.Tiers[f.Priority] {
		tier[l.Clock] = l
	}
	var out []Clock
	for _, name := range Clocks {
		var stat []Due
		var statLimits []TimeLimit
		for _, l := range p.Statutory {
			if l.Clock != name || !l.applies(f) {
				continue
			}
			if d, ok := l.Due(f.Events, cal, f.Pauses); ok {
				stat = append(stat, d)
				statLimits = append(statLimits, l.TimeLimit)
			}
		}
		var pol Due
		paused := false
		polLimit, hasTier := tier[name]
		if hasTier {
			if l := polLimit; l.Pausable {
				if _, started := l.Due(f.Events, cal, nil); started {
					var ok bool
					pol, ok = l.Due(f.Events, cal, f.Pauses)
					paused = !ok
				}
			} else {
				pol, _ = l.Due(f.Events, cal, f.Pauses)
			}
		}
		d, ok := Earliest(name, pol, stat)
		if !ok {
			if paused {
				out = append(out, Clock{Deadline: Deadline{Due: Due{Clock: name, Rule: polLimit.Rule}}, Paused: true})
			}
			continue
		}
		c := Clock{Deadline: d, Paused: paused}
		winner := polLimit
		for i, s := range stat {
			if s.Rule.Code == d.Rule.Code && s.DueAt.Equal(d.DueAt) {
				c.Statutory, winner = true, statLimits[i]
				break
			}
		}
		if len(p.WarnFractions) > 0 {
			c.WarnAt = winner.WarnAt(d.Due, cal, f.Pauses, p.WarnFractions...)
		}
		out = append(out, c)
	}
	return out
}

// Raise is the priority one step more urgent than p (P0 stays P0).
func Raise(p string) string {
	i := slices.Index(Priorities, p)
	if i <= 0 {
		return p
	}
	return Priorities[i-1]
}

// DefaultPolicy is the policy a fresh installation starts with (DESIGN.md,
// "Clocks"). migrations/00006_sla.sql stores it as data (eu-default), and
// 00010_review.sql adds its appeal tier and appeal window, and
// 00015_incidents.sql its AI Act art. 26(5) limits; admins then change
// it. TestMigratedDefaultPolicyIsTheDesignOne (internal/clocks) checks that the
// policy stored after every migration equals this one. Tiers are pausable;
// statutory limits are not.
func DefaultPolicy() Policy {
	tier := func(ack, first, decision, remedy, appeal Budget) []TimeLimit {
		r := func(code, period string) Rule { return Rule{Code: code, Source: PolicySource, Period: period} }
		return []TimeLimit{
			{Rule: r("policy_acknowledge", describe(ack)), Clock: Acknowledge, Budget: ack, From: FromSubmitted, Pausable: true},
			{Rule: r("policy_first_response", describe(first)), Clock: FirstResponse, Budget: first, From: FromSubmitted, Pausable: true},
			{Rule: r("policy_decision", describe(decision)), Clock: Decision, Budget: decision, From: FromSubmitted, Pausable: true},
			{Rule: r("policy_remedy", describe(remedy)+" from the decision"), Clock: Remedy, Budget: remedy, From: FromDecision, Pausable: true},
			{Rule: r("policy_appeal", describe(appeal)+" from the appeal"), Clock: Appeal, Budget: appeal, From: FromAppealed, Pausable: true},
		}
	}
	contested := []string{"contest_decision", "explanation_request"}
	return Policy{
		Tiers: map[string][]TimeLimit{
			"P0": tier(Budget{Hours, 24}, Budget{Hours, 24}, Budget{CalendarDays, 7}, Budget{CalendarDays, 14}, Budget{CalendarDays, 7}),
			"P1": tier(Budget{BusinessDays, 2}, Budget{BusinessDays, 2}, Budget{CalendarDays, 30}, Budget{CalendarDays, 30}, Budget{CalendarDays, 14}),
			"P2": tier(Budget{CalendarDays, 7}, Budget{BusinessDays, 10}, Budget{CalendarDays, 90}, Budget{CalendarDays, 60}, Budget{CalendarDays, 30}),
			"P3": tier(Budget{CalendarDays, 7}, Budget{BusinessDays, 15}, Budget{CalendarDays, 90}, Budget{CalendarDays, 90}, Budget{CalendarDays, 30}),
		},
		Statutory: []StatutoryLimit{
			{TimeLimit: LimitEUWhistleblowingAck},
			{TimeLimit: LimitEUWhistleblowingFeedback},
			{TimeLimit: LimitGDPRReply, Kinds: contested},
			{TimeLimit: LimitAIActWidespread, Kinds: []string{"incident"}, Subtypes: []string{"widespread"}},
			{TimeLimit: LimitAIActDeath, Kinds: []string{"incident"}, Subtypes: []string{"death"}},
			{TimeLimit: LimitAIActSerious, Kinds: []string{"incident"}, Subtypes: []string{"other"}},
			{TimeLimit: LimitProviderNotice, Kinds: []string{"incident"}},
			{TimeLimit: LimitSuspensionDecision, Kinds: []string{"incident"}},
		},
		WarnFractions: []float64{0.75, 0.9},
		Breach:        BreachActions{Notify: true, RaisePriority: true, MoveToQueue: "supervisors", EscalateStatutory: true},
		AppealWindow:  DefaultAppealWindow,
	}
}

func describe(b Budget) string {
	unit := map[Unit]string{CalendarDays: "days", Months: "months", BusinessDays: "business days",
		BusinessHours: "business hours", Hours: "hours", Seconds: "seconds"}[b.Unit]
	return fmt.Sprintf("%d %s", b.Amount, unit)
}
