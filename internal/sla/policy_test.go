package sla

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func clockByName(cs []Clock, name ClockName) (Clock, bool) {
	for _, c := range cs {
		if c.Clock == name {
			return c, true
		}
	}
	return Clock{}, false
}

func TestPolicyClocks(t *testing.T) {
	p := DefaultPolicy()
	thu := paris(2025, 3, 6, 10, 0) // Thursday; office has Friday 7 and Monday 10 March open
	type want struct {
		clock     ClockName
		due       time.Time // zero: paused with no date
		code      string
		statutory bool
		paused    bool
	}
	for _, tc := range []struct {
		name   string
		facts  Facts
		want   []want
		absent []ClockName
	}{
		{
			name:  "before routing only the law's clocks run",
			facts: Facts{Kind: "concern", Events: Events{Submitted: thu}},
			want: []want{
				{Acknowledge, paris(2025, 3, 13, 10, 0), "eu_whistleblowing_ack", true, false},
				{Feedback, paris(2025, 6, 13, 10, 0), "eu_whistleblowing_feedback", true, false},
			},
			absent: []ClockName{FirstResponse, Decision, GDPRReply, Remedy, IncidentReport, ProviderNotice, SuspensionDecision},
		},
		{
			name:  "P1: two business days beat the directive's seven",
			facts: Facts{Kind: "contest_decision", Priority: "P1", Events: Events{Submitted: thu}},
			want: []want{
				{Acknowledge, paris(2025, 3, 10, 10, 0), "policy_acknowledge", false, false},
				{FirstResponse, paris(2025, 3, 10, 10, 0), "policy_first_response", false, false},
				{GDPRReply, paris(2025, 4, 6, 10, 0), "gdpr_12_3", true, false},
				{Decision, paris(2025, 4, 5, 10, 0), "policy_decision", false, false},
			},
			absent: []ClockName{Remedy, IncidentReport},
		},
		{
			name:  "P3: a tie with the law is explained by the law",
			facts: Facts{Kind: "concern", Priority: "P3", Events: Events{Submitted: thu}},
			want:  []want{{Acknowledge, paris(2025, 3, 13, 10, 0), "eu_whistleblowing_ack", true, false}},
		},
		{
			name: "an open pause stops the tier; the statutory date still stands",
			facts: Facts{Kind: "concern", Priority: "P1", Events: Events{Submitted: thu},
				Pauses: []Pause{open(paris(2025, 3, 6, 11, 0))}},
			want: []want{
				{Acknowledge, paris(2025, 3, 13, 10, 0), "eu_whistleblowing_ack", true, true},
				{FirstResponse, time.Time{}, "policy_first_response", false, true},
				{Decision, time.Time{}, "policy_decision", false, true},
			},
		},
		{
			name: "a closed pause is excluded: 4 working hours waited, 4 hours later",
			facts: Facts{Kind: "concern", Priority: "P1", Events: Events{Submitted: thu},
				Pauses: []Pause{closed(paris(2025, 3, 6, 13, 30), paris(2025, 3, 6, 17, 30))}},
			want: []want{
				// 13:30–17:00 is 3.5 working hours; the budget is business days, counted in working time.
				{FirstResponse, paris(2025, 3, 10, 14, 30), "policy_first_response", false, false}, // 10:00 + 2.5 h + lunch + 1 h
				// Calendar-day tiers count the 4 elapsed hours.
				{Decision, paris(2025, 4, 5, 14, 0), "policy_decision", false, false},
			},
		},
		{
			name:  "decided: the remedy clock runs from the decision",
			facts: Facts{Kind: "concern", Priority: "P0", Events: Events{Submitted: thu, Decision: paris(2025, 3, 7, 9, 0)}},
			want: []want{
				{Acknowledge, paris(2025, 3, 7, 10, 0), "policy_acknowledge", false, false},
				{Remedy, paris(2025, 3, 21, 9, 0), "policy_remedy", false, false},
			},
		},
		{
			name:  "an incident with a death: 10 days from awareness",
			facts: Facts{Kind: "incident", Priority: "P0", IncidentSubtype: "death", Events: Events{Submitted: thu, Awareness: paris(2025, 3, 5, 8, 0)}},
			want: []want{
				{IncidentReport, paris(2025, 3, 15, 8, 0), "ai_act_73_4", true, false},
				{ProviderNotice, paris(2025, 3, 6, 8, 0), "ai_act_26_5_provider", true, false},
				{SuspensionDecision, paris(2025, 3, 7, 8, 0), "ai_act_26_5_suspension", true, false},
			},
		},
		{
			name: "an incident's clocks stand still for nothing: the law's periods do not pause",
			facts: Facts{Kind: "incident", Priority: "P1", IncidentSubtype: "widespread", Events: Events{Submitted: thu, Awareness: thu},
				Pauses: []Pause{open(paris(2025, 3, 6, 11, 0))}},
			want: []want{
				{IncidentReport, paris(2025, 3, 8, 10, 0), "ai_act_73_3", true, false},
				{ProviderNotice, paris(2025, 3, 7, 10, 0), "ai_act_26_5_provider", true, false},
				{SuspensionDecision, paris(2025, 3, 8, 10, 0), "ai_act_26_5_suspension", true, false},
			},
		},
		{
			name:  "an incident without subtype: 15 days",
			facts: Facts{Kind: "incident", Events: Events{Submitted: thu, Awareness: thu}},
			want:  []want{{IncidentReport, paris(2025, 3, 21, 10, 0), "ai_act_73_2", true, false}},
		},
		{
			name: "GDPR extension with timely notice",
			facts: Facts{Kind: "explanation_request", Events: Events{Submitted: thu,
				ExtensionNotice: paris(2025, 3, 20, 10, 0)}},
			want: []want{{GDPRReply, paris(2025, 6, 6, 10, 0), "gdpr_12_3_extended", true, false}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := p.Clocks(tc.facts, office)
			for _, w := range tc.want {
				c, ok := clockByName(got, w.clock)
				if !ok {
					t.Errorf("%s: missing", w.clock)
					continue
				}
				if !c.DueAt.Equal(w.due) || c.Rule.Code != w.code || c.Statutory != w.statutory || c.Paused != w.paused {
					t.Errorf("%s: due %v rule %s statutory %v paused %v; want %v %s %v %v",
						w.clock, c.DueAt, c.Rule.Code, c.Statutory, c.Paused, w.due, w.code, w.statutory, w.paused)
				}
				if !c.DueAt.IsZero() && len(c.WarnAt) != 2 {
					t.Errorf("%s: %d warnings, want 2", w.clock, len(c.WarnAt))
				}
				for _, at := range c.WarnAt {
					if !at.Before(c.DueAt) || at.Before(c.Started) {
						t.Errorf("%s: warning %v outside [%v, %v)", w.clock, at, c.Started, c.DueAt)
					}
				}
			}
			for _, name := range tc.absent {
				if _, ok := clockByName(got, name); ok {
					t.Errorf("%s: present, want absent", name)
				}
			}
		})
	}
}

func TestPolicyClocksCandidatesExplainTheDate(t *testing.T) {
	p := DefaultPolicy()
	thu := paris(2025, 3, 6, 10, 0)
	c, _ := clockByName(p.Clocks(Facts{Kind: "concern", Priority: "P1", Events: Events{Submitted: thu}}, office), Acknowledge)
	if len(c.Candidates) != 2 || c.Candidates[0].Rule.Code != "policy_acknowledge" ||
		c.Candidates[1].Rule.Code != "eu_whistleblowing_ack" {
		t.Fatalf("candidates %+v", c.Candidates)
	}
}

func TestDefaultPolicyIsValidAndRoundTrips(t *testing.T) {
	p := DefaultPolicy()
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var back Policy
	if err := json.Unmarshal(raw, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(back)
	if string(again) != string(raw) {
		t.Errorf("round trip changed the policy:\n%s\n%s", raw, again)
	}
}

func TestPolicyValidate(t *testing.T) {
	p := Policy{
		Tiers: map[string][]TimeLimit{
			"P9": nil,
			"P1": {
				{Rule: Rule{Code: "x"}, Clock: "lunch", Budget: Budget{Hours, 1}, From: FromSubmitted},
				{Rule: Rule{Code: "y"}, Clock: Decision, Budget: Budget{"weeks", 1}, From: FromSubmitted},
				{Rule: Rule{Code: "z"}, Clock: Decision, Budget: Budget{Hours, 1}, From: "dawn"},
			},
		},
		Statutory:     []StatutoryLimit{{TimeLimit: TimeLimit{Clock: Acknowledge, Budget: Budget{CalendarDays, 0}, From: FromSubmitted}}},
		WarnFractions: []float64{0.9, 0.5, 1.5},
	}
	err := p.Validate()
	if err == nil {
		t.Fatal("no error")
	}
	for _, want := range []string{
		"tiers.P9: unknown priority", `tiers.P1[0]: unknown clock "lunch"`, `tiers.P1[1]: sla: time limit "y": unknown unit "weeks"`,
		`tiers.P1[2]: clock "decision" appears twice`, `unknown anchor "dawn"`, "statutory[0]: sla: time limit \"\": code is required",
		"must be at least 1", "warn_fractions[1]: fractions must rise", "warn_fractions[2]: 1.5 is not between 0 and 1",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}

func TestRaise(t *testing.T) {
	for in, want := range map[string]string{"P3": "P2", "P2": "P1", "P1": "P0", "P0": "P0", "": ""} {
		if got := Raise(in); got != want {
			t.Errorf("Raise(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSecondsForDrills(t *testing.T) {
	start := paris(2025, 3, 6, 16, 59)
	l := TimeLimit{Rule: Rule{Code: "drill"}, Clock: Acknowledge, Budget: Budget{Seconds, 90}, From: FromSubmitted, Pausable: true}
	if err := l.Validate(); err != nil {
		t.Fatal(err)
	}
	d, ok := l.Due(Events{Submitted: start}, office, nil)
	if !ok || !d.DueAt.Equal(start.Add(90*time.Second)) {
		t.Errorf("90 seconds after closing time: %v %v (elapsed time, not working time)", d.DueAt, ok)
	}
	w := l.WarnAt(d, office, nil, 0.5)
	if !w[0].Equal(start.Add(45 * time.Second)) {
		t.Errorf("half-way warning at %v", w[0])
	}
}
