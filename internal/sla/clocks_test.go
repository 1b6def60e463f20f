package sla

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin for the DST cases, whatever the host has
)

func utc(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, time.UTC)
}

func TestAddMonths(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   time.Time
		n    int
		want time.Time
	}{
		{"same day next month", utc(2025, 1, 15, 0, 0), 1, utc(2025, 2, 15, 0, 0)},
		{"Jan 31 + 1 = Feb 28", utc(2025, 1, 31, 0, 0), 1, utc(2025, 2, 28, 0, 0)},
		{"Jan 31 + 1 = Feb 29 in a leap year", utc(2024, 1, 31, 0, 0), 1, utc(2024, 2, 29, 0, 0)},
		{"Jan 30 + 1 = Feb 29 in a leap year", utc(2024, 1, 30, 0, 0), 1, utc(2024, 2, 29, 0, 0)},
		{"Jan 29 + 1 = Feb 28", utc(2025, 1, 29, 0, 0), 1, utc(2025, 2, 28, 0, 0)},
		{"Feb 29 + 12 = Feb 28", utc(2024, 2, 29, 0, 0), 12, utc(2025, 2, 28, 0, 0)},
		{"Feb 29 + 48 = Feb 29", utc(2024, 2, 29, 0, 0), 48, utc(2028, 2, 29, 0, 0)},
		{"Feb 28 + 1 = Mar 28 (not month end)", utc(2025, 2, 28, 0, 0), 1, utc(2025, 3, 28, 0, 0)},
		{"Mar 31 + 1 = Apr 30", utc(2025, 3, 31, 0, 0), 1, utc(2025, 4, 30, 0, 0)},
		{"Aug 31 + 1 = Sep 30", utc(2025, 8, 31, 0, 0), 1, utc(2025, 9, 30, 0, 0)},
		{"Nov 30 + 3 = Feb 28", utc(2025, 11, 30, 0, 0), 3, utc(2026, 2, 28, 0, 0)},
		{"Dec 15 + 3 = Mar 15 next year", utc(2025, 12, 15, 0, 0), 3, utc(2026, 3, 15, 0, 0)},
		{"Dec 31 + 1 = Jan 31", utc(2025, 12, 31, 0, 0), 1, utc(2026, 1, 31, 0, 0)},
		{"Oct 31 + 4 = Feb 28", utc(2025, 10, 31, 0, 0), 4, utc(2026, 2, 28, 0, 0)},
		{"+ 0 months", utc(2025, 5, 31, 9, 0), 0, utc(2025, 5, 31, 9, 0)},
		{"+ 24 months", utc(2025, 5, 31, 9, 0), 24, utc(2027, 5, 31, 9, 0)},
		{"- 1 month clamps too", utc(2025, 3, 31, 9, 0), -1, utc(2025, 2, 28, 9, 0)},
		{"time of day kept", time.Date(2025, 1, 31, 23, 59, 58, 123456789, time.UTC), 1,
			time.Date(2025, 2, 28, 23, 59, 58, 123456789, time.UTC)},
	} {
		got := AddMonths(tc.in, tc.n)
		if !got.Equal(tc.want) || got.Location() != tc.want.Location() {
			t.Errorf("%s: AddMonths(%v, %d) = %v, want %v", tc.name, tc.in, tc.n, got, tc.want)
		}
	}
}

func TestAddMonthsKeepsLocationAndWallClock(t *testing.T) {
	plus2 := time.FixedZone("UTC+2", 2*3600)
	in := time.Date(2025, 1, 31, 0, 30, 0, 0, plus2) // Jan 30 22:30 UTC
	got := AddMonths(in, 1)
	if want := time.Date(2025, 2, 28, 0, 30, 0, 0, plus2); !got.Equal(want) || got.Location() != plus2 {
		t.Errorf("AddMonths(%v, 1) = %v, want %v (months count in the local calendar)", in, got, want)
	}

	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Across the switch to summer time, the wall clock stays at 10:00.
	in = time.Date(2025, 3, 15, 10, 0, 0, 0, berlin)
	got = AddMonths(in, 1)
	if got.Hour() != 10 || got.Day() != 15 || got.Month() != time.April || got.Location() != berlin {
		t.Errorf("AddMonths(%v, 1) = %v, want 2025-04-15 10:00 Europe/Berlin", in, got)
	}
	if d := got.Sub(in); d != 31*24*time.Hour-time.Hour {
		t.Errorf("elapsed = %v, want 743h (one hour lost to DST)", d)
	}
}

func TestIntakeClocks(t *testing.T) {
	submitted := time.Date(2025, 1, 24, 14, 30, 0, 0, time.UTC)
	ack := time.Date(2025, 1, 31, 14, 30, 0, 0, time.UTC)
	ackDue := Due{Clock: Acknowledge, Started: submitted, DueAt: ack, Rule: RuleAcknowledge}
	feedback := Due{Clock: Feedback, Started: ack, DueAt: time.Date(2025, 4, 30, 14, 30, 0, 0, time.UTC), Rule: RuleFeedback}
	gdpr := Due{Clock: GDPRReply, Started: submitted, DueAt: time.Date(2025, 2, 24, 14, 30, 0, 0, time.UTC), Rule: RuleGDPRReply}

	for _, tc := range []struct {
		kind string
		want []Due
	}{
		{"contest_decision", []Due{ackDue, feedback, gdpr}},
		{"explanation_request", []Due{ackDue, feedback, gdpr}},
		{"concern", []Due{ackDue, feedback}},
		{"incident", []Due{ackDue, feedback}},
		{"retaliation", []Due{ackDue, feedback}},
		{"", []Due{ackDue, feedback}},
		{"Contest_Decision", []Due{ackDue, feedback}},
	} {
		got := IntakeClocks(tc.kind, submitted)
		if len(got) != len(tc.want) {
			t.Errorf("%q: %d clocks, want %d: %+v", tc.kind, len(got), len(tc.want), got)
			continue
		}
		for i := range got {
			g, w := got[i], tc.want[i]
			if g.Clock != w.Clock || !g.Started.Equal(w.Started) || !g.DueAt.Equal(w.DueAt) || g.Rule != w.Rule {
				t.Errorf("%q clock %d = %+v\nwant %+v", tc.kind, i, g, w)
			}
		}
	}
}

func TestIntakeClocksMonthEnd(t *testing.T) {
	// Submitted 24 Nov: acknowledge by 1 Dec, feedback by 1 Mar, GDPR reply by 24 Dec.
	// Submitted 31 Jan 2024: acknowledge by 7 Feb, feedback by 7 May, GDPR reply by 29 Feb.
	for _, tc := range []struct {
		submitted, ack, feedback, gdpr time.Time
	}{
		{utc(2025, 11, 24, 8, 0), utc(2025, 12, 1, 8, 0), utc(2026, 3, 1, 8, 0), utc(2025, 12, 24, 8, 0)},
		{utc(2024, 1, 31, 8, 0), utc(2024, 2, 7, 8, 0), utc(2024, 5, 7, 8, 0), utc(2024, 2, 29, 8, 0)},
		{utc(2025, 11, 23, 8, 0), utc(2025, 11, 30, 8, 0), utc(2026, 2, 28, 8, 0), utc(2025, 12, 23, 8, 0)},
		{utc(2025, 12, 25, 8, 0), utc(2026, 1, 1, 8, 0), utc(2026, 4, 1, 8, 0), utc(2026, 1, 25, 8, 0)},
	} {
		got := IntakeClocks("contest_decision", tc.submitted)
		if len(got) != 3 {
			t.Fatalf("%v: %d clocks, want 3", tc.submitted, len(got))
		}
		if !got[0].DueAt.Equal(tc.ack) || !got[1].Started.Equal(tc.ack) || !got[1].DueAt.Equal(tc.feedback) || !got[2].DueAt.Equal(tc.gdpr) {
			t.Errorf("submitted %v: ack %v, feedback %v→%v, gdpr %v; want ack %v, feedback %v, gdpr %v",
				tc.submitted, got[0].DueAt, got[1].Started, got[1].DueAt, got[2].DueAt, tc.ack, tc.feedback, tc.gdpr)
		}
	}
}

func TestFeedbackAfterAck(t *testing.T) {
	for _, tc := range []struct{ ack, due time.Time }{
		{utc(2025, 2, 3, 9, 15), utc(2025, 5, 3, 9, 15)},
		{utc(2025, 11, 30, 9, 15), utc(2026, 2, 28, 9, 15)},
		{utc(2023, 11, 29, 0, 0), utc(2024, 2, 29, 0, 0)},
		{utc(2025, 5, 31, 23, 59), utc(2025, 8, 31, 23, 59)},
	} {
		got := FeedbackAfterAck(tc.ack)
		if got.Clock != "feedback" || !got.Started.Equal(tc.ack) || !got.DueAt.Equal(tc.due) || got.Rule != RuleFeedback {
			t.Errorf("FeedbackAfterAck(%v) = %+v, want due %v", tc.ack, got, tc.due)
		}
	}
	if RuleFeedback.Code != "eu_whistleblowing_feedback" || RuleAcknowledge.Code != "eu_whistleblowing_ack" || RuleGDPRReply.Code != "gdpr_12_3" {
		t.Errorf("rule codes changed: %q %q %q", RuleFeedback.Code, RuleAcknowledge.Code, RuleGDPRReply.Code)
	}
	if Acknowledge != "acknowledge" || Feedback != "feedback" || GDPRReply != "gdpr_reply" {
		t.Errorf("clock names changed: %q %q %q", Acknowledge, Feedback, GDPRReply)
	}
}
