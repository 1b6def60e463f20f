package sla

import (
	"errors"
	"fmt"
	"time"
)

// More clock names; the database's case_clocks.clock takes these and the
// ones in clocks.go.
const (
	FirstResponse  ClockName = "first_response"
	Decision       ClockName = "decision"
	Remedy         ClockName = "remedy"
	IncidentReport ClockName = "incident_report"
	Appeal         ClockName = "appeal" // deciding an appeal
	// ProviderNotice and SuspensionDecision are a deployer's duties on a
	// serious incident (AI Act art. 26(5)): tell the AI system's provider,
	// and decide whether to stop using the system.
	ProviderNotice     ClockName = "provider_notice"
	SuspensionDecision ClockName = "suspension_decision"
)

// Anchor names the event a clock runs from.
type Anchor string

// Anchors.
const (
	FromSubmitted    Anchor = "submitted"    // the case reached us
	FromAcknowledged Anchor = "acknowledged" // receipt was acknowledged to the complainant
	FromAwareness    Anchor = "awareness"    // we became aware of a (serious) incident
	FromDecision     Anchor = "decision"     // the decision was taken
	FromAppealed     Anchor = "appealed"     // the complainant appealed the decision
)

// Events are the moments of a case that clocks run from. A zero time means
// the event has not happened.
type Events struct {
	Submitted    time.Time
	Acknowledged time.Time
	Awareness    time.Time
	Decision     time.Time
	Appealed     time.Time
	// ExtensionNotice is when the complainant was told that a limit with an
	// Extension (GDPR art. 12(3)) is extended.
	ExtensionNotice time.Time
}

func (e Events) at(a Anchor) time.Time {
	switch a {
	case FromSubmitted:
		return e.Submitted
	case FromAcknowledged:
		return e.Acknowledged
	case FromAwareness:
		return e.Awareness
	case FromDecision:
		return e.Decision
	case FromAppealed:
		return e.Appealed
	}
	return time.Time{}
}

// Fallback is where a clock runs from when its own start event has not
// happened: the end of After, counted from From.
type Fallback struct {
	From  Anchor `json:"from"`
	After Budget `json:"after"`
}

// Extension is a longer period a limit allows when the complainant is told
// of it in time: notice given no later than the original due date (and not
// before the clock started) adds By to the original due date, and the due
// date then carries Rule. Notice given late, or never, extends nothing.
type Extension struct {
	Rule Rule   `json:"rule"`
	By   Budget `json:"by"`
}

// TimeLimit is a rule as data: the period (Budget) a clock allows, the event
// it runs from, and the Rule (code, source, period text) stored with the due
// date it produces. Statutory limits and policy tiers are both TimeLimits;
// they differ in Pausable.
//
// Pausable says whether the clock stands still while the case waits on the
// complainant. Policy tiers are pausable: the paused time is excluded and
// reopening resumes the clock. Statutory limits are not: neither the EU
// Whistleblowing Directive nor GDPR art. 12(3) stops its period while the
// organisation waits for an answer, nor does AI Act art. 73, so a due date
// that the law sets never moves. A jurisdiction whose law does suspend a
// period sets Pausable on that limit.
type TimeLimit struct {
	Rule
	Clock ClockName `json:"clock"` // the case clock it bounds, e.g. Acknowledge
	Budget
	From      Anchor     `json:"from"`
	Fallback  *Fallback  `json:"fallback,omitempty"`
	Extension *Extension `json:"extension,omitempty"`
	Pausable  bool       `json:"pausable"`
}

// Statutory defaults (DESIGN.md, "Clocks"). Periods are counted strictly:
// n days after an instant is the same wall-clock time n days later, earlier
// than the end of that day that Regulation 1182/71 would allow, so a clock
// never falls due after the law's date.
var (
	// LimitEUWhistleblowingAck: acknowledge receipt within 7 days.
	LimitEUWhistleblowingAck = TimeLimit{
		Rule: RuleAcknowledge, Clock: Acknowledge,
		Budget: Budget{CalendarDays, 7}, From: FromSubmitted,
	}
	// LimitEUWhistleblowingFeedback: feedback within 3 months of the
	// acknowledgement or, if none was sent, of the end of the 7 days after
	// the report.
	LimitEUWhistleblowingFeedback = TimeLimit{
		Rule: RuleFeedback, Clock: Feedback,
		Budget: Budget{Months, 3}, From: FromAcknowledged,
		Fallback: &Fallback{From: FromSubmitted, After: Budget{CalendarDays, 7}},
	}
	// LimitGDPRReply: act on a data subject's request (access, human review
	// under art. 22(3), …) within one month; two further months when the
	// data subject is told so within the first. The extension counts from
	// the first month's end (31 Jan → 28 Feb → 28 Apr), never later than
	// three months from receipt.
	LimitGDPRReply = TimeLimit{
		Rule: RuleGDPRReply, Clock: GDPRReply,
		Budget: Budget{Months, 1}, From: FromSubmitted,
		Extension: &Extension{
			Rule: Rule{"gdpr_12_3_extended", "GDPR art. 12(3)", "1 month extended by 2 further months, notice given within the first"},
			By:   Budget{Months, 2},
		},
	}
	// LimitAIActWidespread: report a widespread infringement or a serious
	// and irreversible disruption of critical infrastructure within 2 days
	// of awareness.
	LimitAIActWidespread = TimeLimit{
		Rule: Rule{"ai_act_73_3", "AI Act (Regulation 2024/1689) art. 73(3)",
			"2 days from awareness (widespread infringement or serious disruption of critical infrastructure)"},
		Clock: IncidentReport, Budget: Budget{CalendarDays, 2}, From: FromAwareness,
	}
	// LimitAIActDeath: report a serious incident involving the death of a
	// person within 10 days of awareness.
	LimitAIActDeath = TimeLimit{
		Rule:  Rule{"ai_act_73_4", "AI Act (Regulation 2024/1689) art. 73(4)", "10 days from awareness (death of a person)"},
		Clock: IncidentReport, Budget: Budget{CalendarDays, 10}, From: FromAwareness,
	}
	// LimitAIActSerious: report any other serious incident within 15 days of
	// awareness.
	LimitAIActSerious = TimeLimit{
		Rule:  Rule{"ai_act_73_2", "AI Act (Regulation 2024/1689) art. 73(2)", "15 days from awareness (other serious incidents)"},
		Clock: IncidentReport, Budget: Budget{CalendarDays, 15}, From: FromAwareness,
	}
	// LimitProviderNotice: a deployer who has identified a serious incident
	// informs the provider "immediately" (AI Act art. 26(5)); the law gives
	// no number, so the policy does: 1 day from awareness.
	LimitProviderNotice = TimeLimit{
		Rule: Rule{"ai_act_26_5_provider", "AI Act (Regulation 2024/1689) art. 26(5)",
			"immediately; this policy allows 1 day from awareness"},
		Clock: ProviderNotice, Budget: Budget{CalendarDays, 1}, From: FromAwareness,
	}
	// LimitSuspensionDecision: a deployer with reason to consider that the
	// system presents a risk suspends its use "without undue delay" (AI Act
	// art. 26(5)); the decision whether to is due 2 days from awareness.
	LimitSuspensionDecision = TimeLimit{
		Rule: Rule{"ai_act_26_5_suspension", "AI Act (Regulation 2024/1689) art. 26(5)",
			"without undue delay; this policy allows 2 days from awareness"},
		Clock: SuspensionDecision, Budget: Budget{CalendarDays, 2}, From: FromAwareness,
	}
)

// Validate reports what makes l unusable: a missing code or clock, an
// invalid budget, or an unknown anchor, here or in its fallback or extension.
// Check limits read from configuration once, when loading them.
func (l TimeLimit) Validate() error {
	var errs []error
	if l.Code == "" {
		errs = append(errs, errors.New("code is required"))
	}
	if l.Clock == "" {
		errs = append(errs, errors.New("clock is required"))
	}
	errs = append(errs, l.Budget.validate(), validAnchor(l.From))
	if f := l.Fallback; f != nil {
		if err := errors.Join(f.After.validate(), validAnchor(f.From)); err != nil {
			errs = append(errs, fmt.Errorf("fallback: %w", err))
		}
	}
	if x := l.Extension; x != nil {
		if x.Rule.Code == "" {
			errs = append(errs, errors.New("extension: code is required"))
		}
		if err := x.By.validate(); err != nil {
			errs = append(errs, fmt.Errorf("extension: %w", err))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("sla: time limit %q: %w", l.Code, err)
	}
	return nil
}

func validAnchor(a Anchor) error {
	switch a {
	case FromSubmitted, FromAcknowledged, FromAwareness, FromDecision, FromAppealed:
		return nil
	}
	return fmt.Errorf("unknown anchor %q", a)
}

// Due computes l's clock for a case: when it started (its anchor, or its
// fallback), when it falls due on cal (see Budget.DueAt; nil is round the
// clock in the start's zone), and the rule that produced the date — the
// extension's rule when a timely notice extended it. Pauses count only when
// l is Pausable. ok is false, with a zero DueAt, when the clock has not
// started (Started is zero too) or stands still in an open pause.
//
// l must be valid (see Validate).
func (l TimeLimit) Due(ev Events, cal *Calendar, pauses []Pause) (d Due, ok bool) {
	d = Due{Clock: l.Clock, Rule: l.Rule}
	start := ev.at(l.From)
	if start.IsZero() && l.Fallback != nil {
		if from := ev.at(l.Fallback.From); !from.IsZero() {
			start = l.Fallback.After.end(from, orAlways(cal, from))
		}
	}
	if start.IsZero() {
		return d, false
	}
	cal = orAlways(cal, start)
	d.Started = start.In(cal.loc)
	if !l.Pausable {
		pauses = nil
	}
	ps := normalize(pauses, start)
	m := l.Budget.measure(cal)
	end := l.Budget.end(start, cal)
	due, ok := extend(end, ps, m)
	if !ok {
		return d, false
	}
	if x, n := l.Extension, ev.ExtensionNotice; x != nil && !n.IsZero() && !n.Before(start) && !n.After(due) {
		if due, ok = extend(x.By.end(end, cal), ps, m); !ok {
			return d, false
		}
		d.Rule = x.Rule
	}
	d.DueAt = due
	return d, true
}

// WarnAt returns the instants at which the given fractions of d's budget are
// used (see the package function WarnAt), counted in l's measure: working
// time on cal for business units, elapsed time otherwise; pauses only when l
// is Pausable.
func (l TimeLimit) WarnAt(d Due, cal *Calendar, pauses []Pause, fractions ...float64) []time.Time {
	cal = orAlways(cal, d.Started)
	if !l.Pausable {
		pauses = nil
	}
	return WarnAt(d.Started, d.DueAt, l.Budget.measure(cal), pauses, fractions...)
}
