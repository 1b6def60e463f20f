package sla

import (
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func closed(from, to time.Time) Pause { return Pause{From: from, To: to} }
func open(from time.Time) Pause       { return Pause{From: from} }

func TestBudgetDueAt(t *testing.T) {
	thu := paris(2025, 3, 6, 10, 0) // 16 business hours on office: Monday 10 March 12:00
	for _, tc := range []struct {
		name   string
		b      Budget
		cal    *Calendar
		start  time.Time
		pauses []Pause
		want   time.Time // zero when the clock stands still
	}{
		// Business hours on office (7 h a day, lunch 12:30–13:30).
		{"16 business hours", Budget{BusinessHours, 16}, office, thu, nil, paris(2025, 3, 10, 12, 0)},
		{"a pause over a weekend costs only its working hours", Budget{BusinessHours, 16}, office, thu,
			[]Pause{closed(paris(2025, 3, 7, 16, 0), paris(2025, 3, 10, 10, 0))}, paris(2025, 3, 10, 15, 0)},
		{"a pause inside a weekend costs nothing", Budget{BusinessHours, 16}, office, thu,
			[]Pause{closed(paris(2025, 3, 8, 10, 0), paris(2025, 3, 9, 20, 0))}, paris(2025, 3, 10, 12, 0)},
		{"a pause before start is ignored", Budget{BusinessHours, 16}, office, thu,
			[]Pause{closed(paris(2025, 3, 5, 10, 0), paris(2025, 3, 6, 9, 0))}, paris(2025, 3, 10, 12, 0)},
		{"a pause across start counts from start", Budget{BusinessHours, 16}, office, thu,
			[]Pause{closed(paris(2025, 3, 6, 8, 0), paris(2025, 3, 6, 11, 0))}, paris(2025, 3, 10, 14, 0)},
		{"a pause from the due date is too late", Budget{BusinessHours, 16}, office, thu,
			[]Pause{closed(paris(2025, 3, 10, 12, 0), paris(2025, 3, 11, 12, 0))}, paris(2025, 3, 10, 12, 0)},
		{"a pause from before the due date counts whole", Budget{BusinessHours, 16}, office, thu,
			[]Pause{closed(paris(2025, 3, 10, 11, 0), paris(2025, 3, 12, 11, 0))}, paris(2025, 3, 12, 12, 0)},
		{"unsorted, overlapping pauses are merged", Budget{BusinessHours, 16}, office, thu, []Pause{
			closed(paris(2025, 3, 7, 14, 0), paris(2025, 3, 7, 15, 0)),
			closed(paris(2025, 3, 7, 9, 0), paris(2025, 3, 7, 10, 0)),
			closed(paris(2025, 3, 7, 9, 30), paris(2025, 3, 7, 11, 0)),
		}, paris(2025, 3, 10, 16, 0)},
		{"touching pauses", Budget{BusinessHours, 16}, office, thu, []Pause{
			closed(paris(2025, 3, 7, 10, 0), paris(2025, 3, 7, 11, 0)),
			closed(paris(2025, 3, 7, 9, 0), paris(2025, 3, 7, 10, 0)),
		}, paris(2025, 3, 10, 15, 0)},
		{"a pause inside another", Budget{BusinessHours, 16}, office, thu, []Pause{
			closed(paris(2025, 3, 7, 9, 0), paris(2025, 3, 7, 12, 0)),
			closed(paris(2025, 3, 7, 10, 0), paris(2025, 3, 7, 11, 0)),
		}, paris(2025, 3, 10, 16, 0)},
		{"a later pause counts once an earlier one pushed the due date past it", Budget{BusinessHours, 16}, office, thu, []Pause{
			closed(paris(2025, 3, 11, 10, 0), paris(2025, 3, 11, 11, 0)),
			closed(paris(2025, 3, 7, 9, 0), paris(2025, 3, 7, 17, 0)),
		}, paris(2025, 3, 11, 14, 0)},
		{"empty and inverted pauses count for nothing", Budget{BusinessHours, 16}, office, thu, []Pause{
			closed(paris(2025, 3, 7, 10, 0), paris(2025, 3, 7, 10, 0)),
			closed(paris(2025, 3, 7, 11, 0), paris(2025, 3, 7, 10, 0)),
		}, paris(2025, 3, 10, 12, 0)},
		{"an open pause before the due date stops the clock", Budget{BusinessHours, 16}, office, thu,
			[]Pause{open(paris(2025, 3, 7, 10, 0))}, time.Time{}},
		{"an open pause from before start stops the clock", Budget{BusinessHours, 16}, office, thu,
			[]Pause{open(paris(2025, 3, 5, 10, 0))}, time.Time{}},
		{"an open pause swallows a later closed one", Budget{BusinessHours, 16}, office, thu, []Pause{
			closed(paris(2025, 3, 7, 11, 0), paris(2025, 3, 7, 12, 0)),
			open(paris(2025, 3, 7, 10, 0)),
		}, time.Time{}},
		{"an open pause after the due date changes nothing", Budget{BusinessHours, 16}, office, thu,
			[]Pause{open(paris(2025, 3, 11, 9, 0))}, paris(2025, 3, 10, 12, 0)},

		// Business days on office.
		{"2 business days", Budget{BusinessDays, 2}, office, paris(2025, 3, 3, 10, 0), nil, paris(2025, 3, 5, 10, 0)},
		{"2 business days from before opening: Wednesday 09:00, not Tuesday 17:00",
			Budget{BusinessDays, 2}, office, paris(2025, 3, 3, 7, 0), nil, paris(2025, 3, 5, 9, 0)},
		{"a day paused adds a business day", Budget{BusinessDays, 2}, office, paris(2025, 3, 3, 10, 0),
			[]Pause{closed(paris(2025, 3, 4, 0, 0), paris(2025, 3, 5, 0, 0))}, paris(2025, 3, 6, 10, 0)},
		{"business days: a pause over the weekend costs nothing", Budget{BusinessDays, 2}, office, paris(2025, 3, 7, 10, 0),
			[]Pause{closed(paris(2025, 3, 7, 18, 0), paris(2025, 3, 10, 8, 0))}, paris(2025, 3, 11, 10, 0)},

		// Calendar days: elapsed time, on the calendar's wall clock.
		{"7 calendar days: a weekend pause counts whole", Budget{CalendarDays, 7}, office, paris(2025, 3, 3, 10, 0),
			[]Pause{closed(paris(2025, 3, 8, 10, 0), paris(2025, 3, 10, 10, 0))}, paris(2025, 3, 12, 10, 0)},
		{"7 calendar days over the spring change keep the wall clock", Budget{CalendarDays, 7}, office,
			paris(2025, 3, 24, 10, 0), nil, paris(2025, 3, 31, 10, 0)},
		{"a 23-hour pause over the spring change adds 23 hours", Budget{CalendarDays, 7}, office, paris(2025, 3, 24, 10, 0),
			[]Pause{closed(paris(2025, 3, 29, 12, 0), paris(2025, 3, 30, 12, 0))}, paris(2025, 4, 1, 9, 0)},
		{"calendar days are counted in the calendar's zone", Budget{CalendarDays, 7}, office,
			time.Date(2025, 3, 24, 9, 0, 0, 0, time.UTC), nil, time.Date(2025, 3, 31, 8, 0, 0, 0, time.UTC)},
		{"without a calendar, in the start's zone", Budget{CalendarDays, 7}, nil,
			time.Date(2025, 3, 24, 9, 0, 0, 0, time.UTC), nil, time.Date(2025, 3, 31, 9, 0, 0, 0, time.UTC)},
		{"calendar days: an open pause stops the clock", Budget{CalendarDays, 7}, nil,
			utc(2025, 3, 3, 10, 0), []Pause{open(utc(2025, 3, 9, 10, 0))}, time.Time{}},

		// Months, clamped by AddMonths.
		{"1 month from 31 January", Budget{Months, 1}, office, paris(2025, 1, 31, 10, 0), nil, paris(2025, 2, 28, 10, 0)},
		{"3 months from 30 November", Budget{Months, 3}, office, paris(2025, 11, 30, 10, 0), nil, paris(2026, 2, 28, 10, 0)},
		{"1 month from 29 February", Budget{Months, 1}, nil, utc(2024, 2, 29, 10, 0), nil, utc(2024, 3, 29, 10, 0)},
		{"1 month and a 2-day pause", Budget{Months, 1}, office, paris(2025, 1, 31, 10, 0),
			[]Pause{closed(paris(2025, 2, 10, 0, 0), paris(2025, 2, 12, 0, 0))}, paris(2025, 3, 2, 10, 0)},

		// Round the clock.
		{"24 hours without a calendar", Budget{BusinessHours, 24}, nil, utc(2025, 3, 3, 10, 0), nil, utc(2025, 3, 4, 10, 0)},
		{"24 hours 24/7 over the spring change", Budget{BusinessHours, 24}, parisAlways, paris(2025, 3, 29, 12, 0), nil, paris(2025, 3, 30, 13, 0)},
		{"24 hours 24/7 and a 1-hour pause", Budget{BusinessHours, 24}, parisAlways, paris(2025, 3, 29, 12, 0),
			[]Pause{closed(paris(2025, 3, 29, 20, 0), paris(2025, 3, 29, 21, 0))}, paris(2025, 3, 30, 14, 0)},
		{"1 business day 24/7 is a calendar day", Budget{BusinessDays, 1}, nil, paris(2025, 3, 29, 12, 0), nil, paris(2025, 3, 30, 12, 0)},
	} {
		got, ok := tc.b.DueAt(tc.start, tc.cal, tc.pauses)
		if !got.Equal(tc.want) || ok == tc.want.IsZero() {
			t.Errorf("%s: DueAt = %v, %v; want %v, %v", tc.name, got, ok, tc.want, !tc.want.IsZero())
			continue
		}
		wantLoc := tc.start.Location()
		if tc.cal != nil {
			wantLoc = tc.cal.Location()
		}
		if ok && got.Location() != wantLoc {
			t.Errorf("%s: due in %v, want %v", tc.name, got.Location(), wantLoc)
		}
	}
}

func TestBudgetDueAtLeavesPausesAlone(t *testing.T) {
	pauses := []Pause{
		closed(paris(2025, 3, 7, 14, 0), paris(2025, 3, 7, 15, 0)),
		closed(paris(2025, 3, 5, 9, 0), paris(2025, 3, 7, 10, 0)),
	}
	before := slices.Clone(pauses)
	if _, ok := (Budget{BusinessHours, 16}).DueAt(paris(2025, 3, 6, 10, 0), office, pauses); !ok {
		t.Fatal("DueAt: clock stopped")
	}
	if !slices.Equal(pauses, before) {
		t.Errorf("DueAt changed the caller's pauses: %v, was %v", pauses, before)
	}
}

func TestBudgetValidate(t *testing.T) {
	for _, tc := range []struct {
		b   Budget
		err string
	}{
		{Budget{CalendarDays, 7}, ""},
		{Budget{Months, 3}, ""},
		{Budget{BusinessDays, 2}, ""},
		{Budget{BusinessHours, 24}, ""},
		{Budget{"weeks", 2}, `sla: budget: unknown unit "weeks"`},
		{Budget{"", 2}, `unknown unit ""`},
		{Budget{CalendarDays, 0}, "amount 0 calendar_days: must be at least 1"},
		{Budget{Months, -1}, "amount -1 months"},
	} {
		err := tc.b.Validate()
		if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
			t.Errorf("%+v.Validate() = %v, want %q", tc.b, err, tc.err)
		}
	}
}

func TestBudgetDueAtPanicsOnUnknownUnit(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), `unknown unit "weeks"`) {
			t.Errorf("recovered %v, want a panic naming the unit", r)
		}
	}()
	Budget{"weeks", 2}.DueAt(utc(2025, 3, 3, 10, 0), nil, nil)
}

func TestWarnAt(t *testing.T) {
	thu := paris(2025, 3, 6, 10, 0)
	for _, tc := range []struct {
		name      string
		start     time.Time
		due       time.Time
		cal       *Calendar
		pauses    []Pause
		fractions []float64
		want      []time.Time
	}{
		{"business hours", thu, paris(2025, 3, 10, 12, 0), office, nil,
			[]float64{0, 0.75, 0.9, 1},
			[]time.Time{thu, paris(2025, 3, 7, 16, 0), paris(2025, 3, 10, 10, 24), paris(2025, 3, 10, 12, 0)}},
		{"business hours with a pause over the weekend", thu, paris(2025, 3, 10, 15, 0), office,
			[]Pause{closed(paris(2025, 3, 7, 16, 0), paris(2025, 3, 10, 10, 0))},
			[]float64{0.5, 0.75, 0.9},
			[]time.Time{paris(2025, 3, 7, 11, 0), paris(2025, 3, 7, 16, 0), paris(2025, 3, 10, 12, 24)}},
		{"calendar time", utc(2025, 3, 3, 10, 0), utc(2025, 3, 10, 10, 0), nil, nil,
			[]float64{0.5, 0.75, 0.9},
			[]time.Time{utc(2025, 3, 6, 22, 0), utc(2025, 3, 8, 16, 0), utc(2025, 3, 9, 17, 12)}},
		{"calendar time with a pause", utc(2025, 3, 3, 10, 0), utc(2025, 3, 12, 10, 0), nil,
			[]Pause{closed(utc(2025, 3, 8, 10, 0), utc(2025, 3, 10, 10, 0))},
			[]float64{0.5, 0.75, 0.9},
			[]time.Time{utc(2025, 3, 6, 22, 0), utc(2025, 3, 10, 16, 0), utc(2025, 3, 11, 17, 12)}},
		{"24/7 over the spring change: 75 % of 24 h is 18 h", paris(2025, 3, 29, 12, 0), paris(2025, 3, 30, 13, 0), parisAlways, nil,
			[]float64{0.75}, []time.Time{paris(2025, 3, 30, 7, 0)}},
		{"fractions clamped", thu, paris(2025, 3, 10, 12, 0), office, nil,
			[]float64{-1, 2, math.NaN()}, []time.Time{thu, paris(2025, 3, 10, 12, 0), thu}},
		{"no fractions", thu, paris(2025, 3, 10, 12, 0), office, nil, nil, []time.Time{}},
	} {
		got := WarnAt(tc.start, tc.due, tc.cal, tc.pauses, tc.fractions...)
		if !slices.EqualFunc(got, tc.want, time.Time.Equal) {
			t.Errorf("%s: WarnAt = %v\nwant %v", tc.name, got, tc.want)
		}
	}
}

func TestEarliest(t *testing.T) {
	start := paris(2025, 11, 23, 10, 0)
	ack := Due{Clock: Acknowledge, Started: start, DueAt: paris(2025, 11, 30, 10, 0), Rule: RuleAcknowledge}
	policy := Rule{"policy_p2_acknowledge", "Redress policy, tier P2", "10 business days"}
	tier := func(due time.Time) Due {
		return Due{Clock: Acknowledge, Started: start, DueAt: due, Rule: policy}
	}
	gdpr := Due{Clock: GDPRReply, Started: start, DueAt: paris(2025, 12, 23, 10, 0), Rule: RuleGDPRReply}
	resolve := Due{Clock: Decision, Started: start, DueAt: paris(2026, 2, 21, 10, 0),
		Rule: Rule{"policy_resolve", "Redress policy, tiers P2/P3", "90 days"}}
	aware := paris(2025, 6, 10, 16, 0)
	ai := func(l TimeLimit, days int) Due {
		return Due{Clock: IncidentReport, Started: aware, DueAt: aware.AddDate(0, 0, days), Rule: l.Rule}
	}
	incident := []Due{ai(LimitAIActSerious, 15), ai(LimitAIActDeath, 10), ai(LimitAIActWidespread, 2)}
	incidentTier := Due{Clock: IncidentReport, Started: aware, DueAt: aware.AddDate(0, 0, 5), Rule: policy}
	paused := Due{Clock: Acknowledge, Started: start, Rule: policy}

	for _, tc := range []struct {
		name      string
		clock     ClockName
		policy    Due
		statutory []Due
		want      Due   // zero when there is no deadline
		cands     []Due // earliest first
	}{
		{"the law is earlier", Acknowledge, tier(paris(2025, 12, 5, 17, 0)), []Due{ack},
			ack, []Due{ack, tier(paris(2025, 12, 5, 17, 0))}},
		{"the policy is earlier", Acknowledge, tier(paris(2025, 11, 25, 17, 0)), []Due{ack},
			tier(paris(2025, 11, 25, 17, 0)), []Due{tier(paris(2025, 11, 25, 17, 0)), ack}},
		{"a tie goes to the law", Acknowledge, tier(ack.DueAt), []Due{ack},
			ack, []Due{ack, tier(ack.DueAt)}},
		{"a tie between laws goes to the first listed", IncidentReport, Due{},
			[]Due{{Clock: IncidentReport, DueAt: aware, Rule: LimitAIActDeath.Rule}, {Clock: IncidentReport, DueAt: aware, Rule: LimitAIActWidespread.Rule}},
			Due{Clock: IncidentReport, DueAt: aware, Rule: LimitAIActDeath.Rule},
			[]Due{{Clock: IncidentReport, DueAt: aware, Rule: LimitAIActDeath.Rule}, {Clock: IncidentReport, DueAt: aware, Rule: LimitAIActWidespread.Rule}}},
		{"no policy tier", Acknowledge, Due{}, []Due{ack}, ack, []Due{ack}},
		{"policy only", Acknowledge, tier(paris(2025, 12, 5, 17, 0)), nil,
			tier(paris(2025, 12, 5, 17, 0)), []Due{tier(paris(2025, 12, 5, 17, 0))}},
		{"a paused policy clock takes no part", Acknowledge, paused, []Due{ack}, ack, []Due{ack}},
		{"a paused statutory clock takes no part", Acknowledge, tier(paris(2025, 12, 5, 17, 0)), []Due{{Clock: Acknowledge, Rule: RuleAcknowledge}},
			tier(paris(2025, 12, 5, 17, 0)), []Due{tier(paris(2025, 12, 5, 17, 0))}},
		{"nothing to choose from", Acknowledge, paused, nil, Due{}, nil},
		{"GDPR bounds the decision clock", Decision, resolve, []Due{gdpr},
			Due{Clock: Decision, Started: start, DueAt: gdpr.DueAt, Rule: RuleGDPRReply}, []Due{gdpr, resolve}},
		{"the most urgent AI Act subtype", IncidentReport, incidentTier, incident,
			ai(LimitAIActWidespread, 2), []Due{ai(LimitAIActWidespread, 2), incidentTier, ai(LimitAIActDeath, 10), ai(LimitAIActSerious, 15)}},
	} {
		in := slices.Clone(tc.statutory)
		got, ok := Earliest(tc.clock, tc.policy, tc.statutory)
		if ok == tc.want.DueAt.IsZero() {
			t.Errorf("%s: ok = %v, want %v", tc.name, ok, !ok)
			continue
		}
		want := tc.want
		if ok {
			want.Clock = tc.clock
		}
		if !sameDue(got.Due, want) {
			t.Errorf("%s: Earliest = %+v\nwant %+v", tc.name, got.Due, want)
		}
		if !slices.EqualFunc(got.Candidates, tc.cands, sameDue) {
			t.Errorf("%s: candidates = %+v\nwant %+v", tc.name, got.Candidates, tc.cands)
		}
		if !slices.EqualFunc(tc.statutory, in, sameDue) {
			t.Errorf("%s: Earliest changed its input: %+v", tc.name, tc.statutory)
		}
	}
}

func sameDue(a, b Due) bool {
	return a.Clock == b.Clock && a.Started.Equal(b.Started) && a.DueAt.Equal(b.DueAt) && a.Rule == b.Rule
}
