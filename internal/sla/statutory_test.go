package sla

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var (
	ruleExtended = LimitGDPRReply.Extension.Rule
	// policyTriage: P1 triage within 2 business days; pausable, as policy is.
	policyTriage = TimeLimit{
		Rule:  Rule{"policy_p1_triage", "Redress policy, tier P1", "2 business days"},
		Clock: FirstResponse, Budget: Budget{BusinessDays, 2}, From: FromSubmitted, Pausable: true,
	}
	// policyP0: P0 triage within 24 hours, round the clock.
	policyP0 = TimeLimit{
		Rule:  Rule{"policy_p0_triage", "Redress policy, tier P0", "24 hours"},
		Clock: FirstResponse, Budget: Budget{BusinessHours, 24}, From: FromSubmitted, Pausable: true,
	}
	// policyRemedy: remedy within 30 days of the decision.
	policyRemedy = TimeLimit{
		Rule:  Rule{"policy_remedy", "Redress policy", "30 days from the decision"},
		Clock: Remedy, Budget: Budget{CalendarDays, 30}, From: FromDecision, Pausable: true,
	}
	// pausableReply: a jurisdiction whose law suspends a one-month reply
	// period while it waits on the requester.
	pausableReply = TimeLimit{
		Rule: Rule{"suspended_reply", "a national law", "1 month, suspended while waiting"}, Clock: GDPRReply,
		Budget: Budget{Months, 1}, From: FromSubmitted, Pausable: true,
		Extension: &Extension{Rule: Rule{"suspended_reply_extended", "a national law", "3 months"}, By: Budget{Months, 2}},
	}
)

func TestTimeLimitDue(t *testing.T) {
	sub := utc(2025, 1, 15, 10, 0)
	stray := []Pause{closed(utc(2025, 1, 16, 0, 0), utc(2025, 1, 20, 0, 0)), open(utc(2025, 1, 21, 0, 0))}
	aware := paris(2025, 6, 10, 16, 0)
	for _, tc := range []struct {
		name    string
		l       TimeLimit
		ev      Events
		cal     *Calendar
		pauses  []Pause
		started time.Time // zero when the clock has not started
		due     time.Time // zero when it has no due date
		rule    Rule
	}{
		// EU Whistleblowing Directive art. 9(1)(b).
		{"acknowledge in 7 days", LimitEUWhistleblowingAck, Events{Submitted: utc(2025, 11, 24, 14, 30)}, nil, nil,
			utc(2025, 11, 24, 14, 30), utc(2025, 12, 1, 14, 30), RuleAcknowledge},
		{"acknowledge: 7 days on the Paris wall clock over the spring change", LimitEUWhistleblowingAck,
			Events{Submitted: paris(2025, 3, 25, 10, 0)}, office, nil, paris(2025, 3, 25, 10, 0), paris(2025, 4, 1, 10, 0), RuleAcknowledge},
		{"acknowledge: the law's clock does not pause", LimitEUWhistleblowingAck, Events{Submitted: sub}, nil, stray,
			sub, utc(2025, 1, 22, 10, 0), RuleAcknowledge},
		{"acknowledge: nothing submitted yet", LimitEUWhistleblowingAck, Events{}, nil, nil, time.Time{}, time.Time{}, RuleAcknowledge},

		// EU Whistleblowing Directive art. 9(1)(f).
		{"feedback 3 months from acknowledgement", LimitEUWhistleblowingFeedback,
			Events{Submitted: utc(2025, 1, 31, 9, 15), Acknowledged: utc(2025, 2, 3, 9, 15)}, nil, nil,
			utc(2025, 2, 3, 9, 15), utc(2025, 5, 3, 9, 15), RuleFeedback},
		{"feedback without acknowledgement: from day 7", LimitEUWhistleblowingFeedback,
			Events{Submitted: utc(2025, 11, 24, 8, 0)}, nil, nil, utc(2025, 12, 1, 8, 0), utc(2026, 3, 1, 8, 0), RuleFeedback},
		{"feedback after a late acknowledgement (day 10) runs from it", LimitEUWhistleblowingFeedback,
			Events{Submitted: utc(2025, 1, 24, 8, 0), Acknowledged: utc(2025, 2, 3, 8, 0)}, nil, nil,
			utc(2025, 2, 3, 8, 0), utc(2025, 5, 3, 8, 0), RuleFeedback},
		{"feedback from 30 November ends 28 February", LimitEUWhistleblowingFeedback,
			Events{Submitted: utc(2025, 11, 20, 8, 0), Acknowledged: utc(2025, 11, 30, 8, 0)}, nil, nil,
			utc(2025, 11, 30, 8, 0), utc(2026, 2, 28, 8, 0), RuleFeedback},
		{"feedback without acknowledgement, Paris over the spring change", LimitEUWhistleblowingFeedback,
			Events{Submitted: paris(2025, 3, 25, 10, 0)}, office, nil, paris(2025, 4, 1, 10, 0), paris(2025, 7, 1, 10, 0), RuleFeedback},
		{"feedback: the law's clock does not pause", LimitEUWhistleblowingFeedback,
			Events{Submitted: utc(2025, 1, 10, 10, 0), Acknowledged: sub}, nil, stray, sub, utc(2025, 4, 15, 10, 0), RuleFeedback},
		{"feedback: nothing submitted yet", LimitEUWhistleblowingFeedback, Events{}, nil, nil, time.Time{}, time.Time{}, RuleFeedback},

		// GDPR art. 12(3).
		{"GDPR: 1 month", LimitGDPRReply, Events{Submitted: sub}, nil, nil, sub, utc(2025, 2, 15, 10, 0), RuleGDPRReply},
		{"GDPR: notice on day 10 extends by 2 months", LimitGDPRReply,
			Events{Submitted: sub, ExtensionNotice: utc(2025, 1, 25, 10, 0)}, nil, nil, sub, utc(2025, 4, 15, 10, 0), ruleExtended},
		{"GDPR: notice on day 35 is too late", LimitGDPRReply,
			Events{Submitted: sub, ExtensionNotice: utc(2025, 2, 19, 10, 0)}, nil, nil, sub, utc(2025, 2, 15, 10, 0), RuleGDPRReply},
		{"GDPR: notice at the very end of the first month", LimitGDPRReply,
			Events{Submitted: sub, ExtensionNotice: utc(2025, 2, 15, 10, 0)}, nil, nil, sub, utc(2025, 4, 15, 10, 0), ruleExtended},
		{"GDPR: notice a nanosecond late", LimitGDPRReply,
			Events{Submitted: sub, ExtensionNotice: utc(2025, 2, 15, 10, 0).Add(1)}, nil, nil, sub, utc(2025, 2, 15, 10, 0), RuleGDPRReply},
		{"GDPR: notice before the request counts for nothing", LimitGDPRReply,
			Events{Submitted: sub, ExtensionNotice: utc(2025, 1, 14, 10, 0)}, nil, nil, sub, utc(2025, 2, 15, 10, 0), RuleGDPRReply},
		{"GDPR: from 31 January, 28 February, then 28 April", LimitGDPRReply,
			Events{Submitted: utc(2025, 1, 31, 10, 0), ExtensionNotice: utc(2025, 2, 10, 10, 0)}, nil, nil,
			utc(2025, 1, 31, 10, 0), utc(2025, 4, 28, 10, 0), ruleExtended},
		{"GDPR: leap year, 29 February, then 29 April", LimitGDPRReply,
			Events{Submitted: utc(2024, 1, 31, 10, 0), ExtensionNotice: utc(2024, 2, 1, 10, 0)}, nil, nil,
			utc(2024, 1, 31, 10, 0), utc(2024, 4, 29, 10, 0), ruleExtended},
		{"GDPR: the law's clock does not pause", LimitGDPRReply, Events{Submitted: sub}, nil, stray, sub, utc(2025, 2, 15, 10, 0), RuleGDPRReply},

		// AI Act art. 73.
		{"AI Act 73(3): 2 days", LimitAIActWidespread, Events{Awareness: aware}, office, nil, aware, paris(2025, 6, 12, 16, 0), LimitAIActWidespread.Rule},
		{"AI Act 73(4): 10 days", LimitAIActDeath, Events{Awareness: aware}, office, nil, aware, paris(2025, 6, 20, 16, 0), LimitAIActDeath.Rule},
		{"AI Act 73(2): 15 days", LimitAIActSerious, Events{Awareness: aware}, office, nil, aware, paris(2025, 6, 25, 16, 0), LimitAIActSerious.Rule},
		{"AI Act 73(2) over the autumn change", LimitAIActSerious, Events{Awareness: paris(2025, 10, 20, 12, 0)}, office, nil,
			paris(2025, 10, 20, 12, 0), paris(2025, 11, 4, 12, 0), LimitAIActSerious.Rule},
		{"AI Act 73(3) counts weekends and holidays", LimitAIActWidespread, Events{Awareness: paris(2025, 4, 30, 9, 0)}, office, nil,
			paris(2025, 4, 30, 9, 0), paris(2025, 5, 2, 9, 0), LimitAIActWidespread.Rule},
		{"AI Act: not aware yet", LimitAIActDeath, Events{Submitted: sub}, office, nil, time.Time{}, time.Time{}, LimitAIActDeath.Rule},
		{"AI Act: the law's clock does not pause", LimitAIActDeath, Events{Awareness: aware}, office,
			[]Pause{open(paris(2025, 6, 11, 0, 0))}, aware, paris(2025, 6, 20, 16, 0), LimitAIActDeath.Rule},

		// Policy tiers pause.
		{"P1 triage: 2 business days", policyTriage, Events{Submitted: paris(2025, 3, 3, 10, 0)}, office, nil,
			paris(2025, 3, 3, 10, 0), paris(2025, 3, 5, 10, 0), policyTriage.Rule},
		{"P1 triage: paused a working day", policyTriage, Events{Submitted: paris(2025, 3, 3, 10, 0)}, office,
			[]Pause{closed(paris(2025, 3, 3, 14, 0), paris(2025, 3, 4, 14, 0))},
			paris(2025, 3, 3, 10, 0), paris(2025, 3, 6, 10, 0), policyTriage.Rule},
		{"P1 triage: still waiting on the complainant", policyTriage, Events{Submitted: paris(2025, 3, 3, 10, 0)}, office,
			[]Pause{open(paris(2025, 3, 4, 11, 0))}, paris(2025, 3, 3, 10, 0), time.Time{}, policyTriage.Rule},
		{"P0 triage: 24 hours round the clock, an hour paused", policyP0, Events{Submitted: paris(2025, 3, 29, 12, 0)}, parisAlways,
			[]Pause{closed(paris(2025, 3, 29, 20, 0), paris(2025, 3, 29, 21, 0))},
			paris(2025, 3, 29, 12, 0), paris(2025, 3, 30, 14, 0), policyP0.Rule},
		{"remedy: no decision yet", policyRemedy, Events{Submitted: sub}, office, nil, time.Time{}, time.Time{}, policyRemedy.Rule},
		{"remedy: 30 days from the decision", policyRemedy, Events{Submitted: sub, Decision: paris(2025, 3, 3, 10, 0)}, office, nil,
			paris(2025, 3, 3, 10, 0), paris(2025, 4, 2, 10, 0), policyRemedy.Rule},

		// A pausable limit with an extension: notice counts against the paused due date.
		{"pausable extension: notice inside the paused first month", pausableReply,
			Events{Submitted: sub, ExtensionNotice: utc(2025, 2, 16, 10, 0)}, nil,
			[]Pause{closed(utc(2025, 1, 20, 0, 0), utc(2025, 1, 22, 0, 0))}, sub, utc(2025, 4, 17, 10, 0), pausableReply.Extension.Rule},
		{"pausable extension: stopped", pausableReply,
			Events{Submitted: sub, ExtensionNotice: utc(2025, 1, 16, 10, 0)}, nil,
			[]Pause{open(utc(2025, 1, 20, 0, 0))}, sub, time.Time{}, pausableReply.Rule},
	} {
		got, ok := tc.l.Due(tc.ev, tc.cal, tc.pauses)
		want := Due{Clock: tc.l.Clock, Started: tc.started, DueAt: tc.due, Rule: tc.rule}
		if !sameDue(got, want) || ok == tc.due.IsZero() {
			t.Errorf("%s: Due = %+v, %v\nwant %+v, %v", tc.name, got, ok, want, !tc.due.IsZero())
		}
	}
}

// The limits compute what intake stores today, rule for rule.
func TestTimeLimitsMatchIntakeClocks(t *testing.T) {
	for _, submitted := range []time.Time{
		utc(2025, 1, 24, 14, 30), utc(2025, 11, 24, 8, 0), utc(2024, 1, 31, 8, 0), utc(2025, 11, 23, 8, 0),
		utc(2025, 12, 25, 8, 0), utc(2025, 3, 29, 23, 59), time.Date(2025, 3, 25, 10, 0, 0, 0, parisTZ),
	} {
		ev := Events{Submitted: submitted}
		var got []Due
		for _, l := range []TimeLimit{LimitEUWhistleblowingAck, LimitEUWhistleblowingFeedback, LimitGDPRReply} {
			d, ok := l.Due(ev, nil, nil)
			if !ok {
				t.Fatalf("%s: not started for %v", l.Code, submitted)
			}
			got = append(got, d)
		}
		if want := IntakeClocks("contest_decision", submitted); !slices.EqualFunc(got, want, sameDue) {
			t.Errorf("submitted %v: limits give %+v\nintake gives %+v", submitted, got, want)
		}
		ack := submitted.AddDate(0, 0, 3)
		got1, _ := LimitEUWhistleblowingFeedback.Due(Events{Submitted: submitted, Acknowledged: ack}, nil, nil)
		if want := FeedbackAfterAck(ack); !sameDue(got1, want) {
			t.Errorf("acknowledged %v: limit gives %+v, FeedbackAfterAck %+v", ack, got1, want)
		}
	}
}

func TestTimeLimitWarnAt(t *testing.T) {
	// The law's 7 days count elapsed time and ignore pauses even when handed
	// the office calendar and pauses: 75 % of 168 h is 126 h.
	sub := paris(2025, 3, 3, 10, 0)
	pauses := []Pause{closed(paris(2025, 3, 3, 14, 0), paris(2025, 3, 4, 14, 0))}
	ack, _ := LimitEUWhistleblowingAck.Due(Events{Submitted: sub}, office, pauses)
	got := LimitEUWhistleblowingAck.WarnAt(ack, office, pauses, 0.75, 0.9)
	if want := []time.Time{paris(2025, 3, 8, 16, 0), paris(2025, 3, 9, 17, 12)}; !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("acknowledge warnings = %v, want %v", got, want)
	}
	// The policy's 2 business days count working time less the pause:
	// half of 14 h is reached on Wednesday at 10:00.
	triage, _ := policyTriage.Due(Events{Submitted: sub}, office, pauses)
	got = policyTriage.WarnAt(triage, office, pauses, 0.5, 1)
	if want := []time.Time{paris(2025, 3, 5, 10, 0), paris(2025, 3, 6, 10, 0)}; !slices.EqualFunc(got, want, time.Time.Equal) {
		t.Errorf("triage warnings = %v, want %v", got, want)
	}
}

// The example from issue #3: due 30 Nov by the Directive; the policy tier
// would be 1 Dec.
func TestDeadlineForACase(t *testing.T) {
	ev := Events{Submitted: paris(2025, 11, 23, 10, 0)} // a Sunday
	tier := TimeLimit{
		Rule:  Rule{"policy_p2_acknowledge", "Redress policy, tier P2", "5 business days"},
		Clock: Acknowledge, Budget: Budget{BusinessDays, 5}, From: FromSubmitted, Pausable: true,
	}
	policy, _ := tier.Due(ev, office, nil)
	law, _ := LimitEUWhistleblowingAck.Due(ev, office, nil)
	d, ok := Earliest(Acknowledge, policy, []Due{law})
	if !ok || !d.DueAt.Equal(paris(2025, 11, 30, 10, 0)) || d.Rule != RuleAcknowledge || d.Clock != Acknowledge {
		t.Fatalf("Earliest = %+v, %v; want 30 Nov 10:00 by %s", d, ok, RuleAcknowledge.Code)
	}
	if len(d.Candidates) != 2 || !d.Candidates[1].DueAt.Equal(paris(2025, 12, 1, 9, 0)) || d.Candidates[1].Rule != tier.Rule {
		t.Errorf("candidates = %+v, want the policy tier second, due 1 Dec 09:00", d.Candidates)
	}
	// While the case waits on the complainant the policy clock stops; the
	// Directive's does not, so the deadline stands.
	wait := []Pause{open(paris(2025, 11, 25, 11, 0))}
	policy, ok = tier.Due(ev, office, wait)
	if ok {
		t.Fatalf("paused policy clock has a due date %v", policy.DueAt)
	}
	law, _ = LimitEUWhistleblowingAck.Due(ev, office, wait)
	d, _ = Earliest(Acknowledge, policy, []Due{law})
	if !d.DueAt.Equal(paris(2025, 11, 30, 10, 0)) || len(d.Candidates) != 1 {
		t.Errorf("while paused: %+v, want the Directive's date alone", d)
	}
	warn := LimitEUWhistleblowingAck.WarnAt(d.Due, office, wait, 0.75, 0.9)
	if want := []time.Time{paris(2025, 11, 28, 16, 0), paris(2025, 11, 29, 17, 12)}; !slices.EqualFunc(warn, want, time.Time.Equal) {
		t.Errorf("warnings = %v, want %v", warn, want)
	}
}

func TestTimeLimitValidate(t *testing.T) {
	for _, l := range []TimeLimit{
		LimitEUWhistleblowingAck, LimitEUWhistleblowingFeedback, LimitGDPRReply,
		LimitAIActWidespread, LimitAIActDeath, LimitAIActSerious, policyTriage, policyP0, policyRemedy, pausableReply,
	} {
		if err := l.Validate(); err != nil {
			t.Errorf("%s: %v", l.Code, err)
		}
		if l.Code == "" || l.Source == "" || l.Period == "" {
			t.Errorf("%+v: code, source and period are all needed to explain a date", l.Rule)
		}
	}
	for _, l := range []TimeLimit{
		LimitEUWhistleblowingAck, LimitEUWhistleblowingFeedback, LimitGDPRReply, LimitAIActWidespread, LimitAIActDeath, LimitAIActSerious,
	} {
		if l.Pausable {
			t.Errorf("%s: statutory limits do not pause", l.Code)
		}
	}

	valid := LimitEUWhistleblowingAck
	for _, tc := range []struct {
		name string
		edit func(*TimeLimit)
		err  string
	}{
		{"no code", func(l *TimeLimit) { l.Rule.Code = "" }, `sla: time limit "": code is required`},
		{"no clock", func(l *TimeLimit) { l.Clock = "" }, "clock is required"},
		{"bad unit", func(l *TimeLimit) { l.Unit = "fortnights" }, `sla: time limit "eu_whistleblowing_ack": unknown unit "fortnights"`},
		{"no amount", func(l *TimeLimit) { l.Amount = 0 }, "must be at least 1"},
		{"bad anchor", func(l *TimeLimit) { l.From = "filed" }, `unknown anchor "filed"`},
		{"bad fallback", func(l *TimeLimit) { l.Fallback = &Fallback{From: "never", After: Budget{CalendarDays, 7}} }, `fallback: unknown anchor "never"`},
		{"bad extension", func(l *TimeLimit) { l.Extension = &Extension{By: Budget{Months, 2}} }, "extension: code is required"},
		{"bad extension budget", func(l *TimeLimit) { l.Extension = &Extension{Rule: Rule{Code: "x"}, By: Budget{Months, 0}} },
			"extension: amount 0 months: must be at least 1"},
		{"two faults", func(l *TimeLimit) { l.Clock, l.From = "", "filed" }, `clock is required` + "\n" + `unknown anchor "filed"`},
	} {
		l := valid
		tc.edit(&l)
		if err := l.Validate(); err == nil || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("%s: Validate() = %v, want %q", tc.name, err, tc.err)
		}
	}
}

// Limits are data: they round-trip through JSON, flat, as configuration
// would hold them.
func TestTimeLimitJSON(t *testing.T) {
	b, err := json.Marshal(LimitEUWhistleblowingFeedback)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"code":"eu_whistleblowing_feedback","source":"EU Whistleblowing Directive 2019/1937 art. 9(1)(f)",` +
		`"period":"3 months from acknowledgement (or from day 7 if none)","clock":"feedback","unit":"months","amount":3,` +
		`"from":"acknowledged","fallback":{"from":"submitted","after":{"unit":"calendar_days","amount":7}},"pausable":false}`
	if string(b) != want {
		t.Errorf("JSON = %s\nwant %s", b, want)
	}
	for _, l := range []TimeLimit{LimitEUWhistleblowingFeedback, LimitGDPRReply, policyTriage} {
		b, _ := json.Marshal(l)
		var back TimeLimit
		if err := json.Unmarshal(b, &back); err != nil || !reflect.DeepEqual(back, l) {
			t.Errorf("%s: round trip = %+v, %v; want %+v", l.Code, back, err, l)
		}
	}
}
