// Package sla computes due dates. This file holds the statutory calendar
// clocks that apply from intake; each due date carries the rule that made it,
// so people see why a date is what it is.
package sla

import "time"

// ClockName names a case's clock (case_clocks.clock, owned by
// internal/clocks): one of Clocks, or a task's clock, which internal/clocks
// names after its task (BodyItemClock, ProviderRequestClock).
type ClockName string

// Clock names.
const (
	Acknowledge ClockName = "acknowledge"
	Feedback    ClockName = "feedback"
	GDPRReply   ClockName = "gdpr_reply"
)

// Rule is a statutory or policy rule behind a due date.
type Rule struct {
	Code   string `json:"code"`
	Source string `json:"source"`
	Period string `json:"period"`
}

// String is the rule as people read it behind a due date: "source,
// period", the source alone without a period, the code without a source.
func (r Rule) String() string {
	switch {
	case r.Source != "" && r.Period != "":
		return r.Source + ", " + r.Period
	case r.Source != "":
		return r.Source
	default:
		return r.Code
	}
}

// Rules known at intake. Issue #3 turns them into per-jurisdiction data.
var (
	RuleAcknowledge = Rule{"eu_whistleblowing_ack", "EU Whistleblowing Directive 2019/1937 art. 9(1)(b)", "7 days"}
	RuleFeedback    = Rule{"eu_whistleblowing_feedback", "EU Whistleblowing Directive 2019/1937 art. 9(1)(f)", "3 months from acknowledgement (or from day 7 if none)"}
	RuleGDPRReply   = Rule{"gdpr_12_3", "GDPR art. 12(3)", "1 month"}
)

// Due is one clock's due date and its rule.
type Due struct {
	Clock   ClockName
	Started time.Time
	DueAt   time.Time
	Rule    Rule
}

// AddMonths adds n calendar months the way EU law counts them (Regulation
// 1182/71 art. 3(2)(c)): the same day of the month, or the month's last day
// when that day does not exist (31 January + 1 month = 28 or 29 February).
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	if d > last {
		d = last
	}
	return time.Date(first.Year(), first.Month(), d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
}

// IntakeClocks returns the clocks a case of kind starts with at submitted.
func IntakeClocks(kind string, submitted time.Time) []Due {
	ack := submitted.AddDate(0, 0, 7)
	out := []Due{
		{Clock: Acknowledge, Started: submitted, DueAt: ack, Rule: RuleAcknowledge},
		{Clock: Feedback, Started: ack, DueAt: AddMonths(ack, 3), Rule: RuleFeedback},
	}
	if kind == "contest_decision" || kind == "explanation_request" {
		out = append(out, Due{Clock: GDPRReply, Started: submitted, DueAt: AddMonths(submitted, 1), Rule: RuleGDPRReply})
	}
	return out
}

// FeedbackAfterAck is the feedback clock once the case is acknowledged at ack.
func FeedbackAfterAck(ack time.Time) Due {
	return Due{Clock: Feedback, Started: ack, DueAt: AddMonths(ack, 3), Rule: RuleFeedback}
}
