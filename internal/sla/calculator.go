package sla

import (
	"fmt"
	"math"
	"slices"
	"time"
)

// Unit is how a budget is counted.
type Unit string

// Units. Calendar units count elapsed time in the calendar's zone; business
// units count working time in the calendar.
const (
	// CalendarDays: the same wall-clock time n days later.
	CalendarDays Unit = "calendar_days"
	// Months: the same day n months later, or that month's last day (AddMonths).
	Months Unit = "months"
	// BusinessDays: see Calendar.AddBusinessDays.
	BusinessDays Unit = "business_days"
	// BusinessHours: see Calendar.AddBusinessHours.
	BusinessHours Unit = "business_hours"
	// Hours: elapsed hours, round the clock (P0 "triage within 24 h").
	Hours Unit = "hours"
	// Seconds: elapsed seconds. No law or sensible policy counts in
	// seconds; it is there for drills, demos and tests of the sweeper.
	Seconds Unit = "seconds"
)

// Budget is an amount of time a clock allows, such as 7 calendar days or
// 2 business days.
type Budget struct {
	Unit   Unit `json:"unit"`
	Amount int  `json:"amount"`
}

// Validate reports a budget with an unknown unit or an amount below 1.
func (b Budget) Validate() error {
	if err := b.validate(); err != nil {
		return fmt.Errorf("sla: budget: %w", err)
	}
	return nil
}

func (b Budget) validate() error {
	switch b.Unit {
	case CalendarDays, Months, BusinessDays, BusinessHours, Hours, Seconds:
	default:
		return fmt.Errorf("unknown unit %q", b.Unit)
	}
	if b.Amount < 1 {
		return fmt.Errorf("amount %d %s: must be at least 1", b.Amount, b.Unit)
	}
	return nil
}

func (b Budget) business() bool { return b.Unit == BusinessDays || b.Unit == BusinessHours }

// Pause is a span [From, To) during which a clock stood still because the
// case was waiting on the complainant. A zero To means the case is still
// waiting.
type Pause struct {
	From time.Time
	To   time.Time
}

// DueAt returns when b runs out for a clock started at start on cal, with the
// paused time excluded. A nil cal is open round the clock in start's zone.
// Calendar units use cal only for its zone (days and months are counted on its
// wall clock), business units use its hours.
//
// A pause extends the due date by the time it covered, in the budget's own
// measure: working time for business units (a pause over a weekend costs
// nothing), elapsed time for calendar units. Pauses may be unsorted or
// overlap; the parts before start count for nothing, and so does a pause that
// begins at or after the due date (the clock had already run out), while a
// pause that begins before it counts whole, even past the original due date.
// When a still-open pause begins before the due date the clock stands still
// and ok is false: there is no due date until the case resumes. (For the due
// date "if it resumed now", close the pause at now.)
//
// b must be valid (see Validate): an unknown unit panics.
func (b Budget) DueAt(start time.Time, cal *Calendar, pauses []Pause) (due time.Time, ok bool) {
	cal = orAlways(cal, start)
	return extend(b.end(start, cal), normalize(pauses, start), b.measure(cal))
}

// end is where b runs out from start with no pauses.
func (b Budget) end(start time.Time, cal *Calendar) time.Time {
	switch b.Unit {
	case CalendarDays:
		return start.In(cal.loc).AddDate(0, 0, b.Amount)
	case Months:
		return AddMonths(start.In(cal.loc), b.Amount)
	case BusinessDays:
		return cal.AddBusinessDays(start, b.Amount)
	case BusinessHours:
		return cal.AddBusinessHours(start, time.Duration(b.Amount)*time.Hour)
	case Hours:
		return start.In(cal.loc).Add(time.Duration(b.Amount) * time.Hour)
	case Seconds:
		return start.In(cal.loc).Add(time.Duration(b.Amount) * time.Second)
	}
	panic(fmt.Sprintf("sla: budget: unknown unit %q", b.Unit))
}

// measure is the calendar that counts b's time: cal itself for business
// units, round the clock in cal's zone for calendar units.
func (b Budget) measure(cal *Calendar) *Calendar {
	if b.business() {
		return cal
	}
	return AlwaysOpen(cal.loc)
}

// WarnAt returns, for each fraction, the instant at which that share of the
// clock's budget — the time from start to due in the clock's own measure,
// less paused time — has been used: WarnAt(start, due, cal, pauses, 0.75, 0.9)
// gives the 75 % and 90 % warnings. cal is the calendar the clock counts in:
// the business calendar for business units, nil (round the clock in start's
// zone) or AlwaysOpen for calendar units. Pass the pauses only for a pausable
// clock. TimeLimit.WarnAt makes both choices from the limit.
//
// due should come from DueAt (or TimeLimit.Due) with the same pauses; a clock
// standing still in an open pause has no due date, so no warnings either.
// Fractions are clamped to [0, 1]: 0 gives start, 1 gives due.
func WarnAt(start, due time.Time, cal *Calendar, pauses []Pause, fractions ...float64) []time.Time {
	cal = orAlways(cal, start)
	ps := normalize(pauses, start)
	budget := cal.BusinessDurationBetween(start, due)
	for _, p := range ps {
		if !p.From.Before(due) {
			break
		}
		to := p.To
		if to.IsZero() || to.After(due) {
			to = due
		}
		budget -= cal.BusinessDurationBetween(p.From, to)
	}
	out := make([]time.Time, len(fractions))
	for i, f := range fractions {
		switch {
		case f >= 1:
			out[i] = due.In(cal.loc)
		case f <= 0 || math.IsNaN(f):
			out[i] = start.In(cal.loc)
		default:
			used := time.Duration(math.Round(f * float64(budget)))
			if t, ok := extend(cal.AddBusinessHours(start, used), ps, cal); ok {
				out[i] = t
			}
		}
	}
	return out
}

// orAlways is cal, or a round-the-clock calendar in start's zone.
func orAlways(cal *Calendar, start time.Time) *Calendar {
	if cal != nil {
		return cal
	}
	return AlwaysOpen(start.Location())
}

// normalize clips pauses to start, drops empty ones, sorts them and merges
// those that overlap or touch; an open pause swallows every later one.
func normalize(pauses []Pause, start time.Time) []Pause {
	ps := make([]Pause, 0, len(pauses))
	for _, p := range pauses {
		if p.From.Before(start) {
			p.From = start
		}
		if !p.To.IsZero() && !p.To.After(p.From) {
			continue
		}
		ps = append(ps, p)
	}
	slices.SortFunc(ps, func(a, b Pause) int { return a.From.Compare(b.From) })
	out := ps[:0]
	for _, p := range ps {
		if len(out) == 0 {
			out = append(out, p)
			continue
		}
		last := &out[len(out)-1]
		switch {
		case last.To.IsZero(): // still open: nothing after it matters
			return out
		case p.From.After(last.To): // a gap: a new pause
			out = append(out, p)
		case p.To.IsZero() || p.To.After(last.To): // overlaps and reaches further
			last.To = p.To
		}
	}
	return out
}

// extend moves due past the pauses (normalized) that begin before it: each
// adds the time it covered, counted on m. ok is false when an open pause
// begins before due.
func extend(due time.Time, pauses []Pause, m *Calendar) (time.Time, bool) {
	for _, p := range pauses {
		if !p.From.Before(due) {
			break
		}
		if p.To.IsZero() {
			return time.Time{}, false
		}
		due = m.AddBusinessHours(due, m.BusinessDurationBetween(p.From, p.To))
	}
	return due, true
}

// Deadline is a clock's due date, the earliest of its candidates, with the
// rule that produced it and every candidate, so a reader sees why: "due
// 30 Nov (EU Whistleblowing Directive, 7 days); the policy tier would be
// 5 Dec".
type Deadline struct {
	Due              // the earliest candidate, with Clock set to the clock asked for
	Candidates []Due // every candidate, earliest first; each keeps its own Clock
}

// Earliest returns clock's deadline: the earliest of the policy tier's due
// date and the statutory ones that apply. A candidate with a zero DueAt (a
// paused or not yet started clock, or no policy tier) takes no part; ok is
// false when none is left. On a tie the statutory rule wins, the first listed
// among statutory ones, so the date is explained by the law.
func Earliest(clock ClockName, policy Due, statutory []Due) (d Deadline, ok bool) {
	for _, s := range statutory {
		if !s.DueAt.IsZero() {
			d.Candidates = append(d.Candidates, s)
		}
	}
	if !policy.DueAt.IsZero() {
		d.Candidates = append(d.Candidates, policy)
	}
	if len(d.Candidates) == 0 {
		return Deadline{}, false
	}
	slices.SortStableFunc(d.Candidates, func(a, b Due) int { return a.DueAt.Compare(b.DueAt) })
	d.Due = d.Candidates[0]
	d.Due.Clock = clock
	return d, true
}
