package retention

import "testing"

// The most specific schedule decides: its kind's before any kind's; then
// referred, the decision's outcome, the status, any.
func TestMatchTakesTheMostSpecificSchedule(t *testing.T) {
	kind := func(k string) *string { return &k }
	schedules := []Schedule{
		{Ending: EndingAny, KeepDays: 1},
		{Ending: EndingClosed, KeepDays: 2},
		{Ending: "decision_overturned", KeepDays: 3},
		{Ending: EndingReferred, KeepDays: 4},
		{Kind: kind("concern"), Ending: EndingAny, KeepDays: 5},
		{Kind: kind("incident"), Ending: EndingWithdrawn, KeepDays: 6},
	}
	for _, c := range []struct {
		kind, status, outcome string
		referred              bool
		want                  int
	}{
		{"contest_decision", "closed", "", false, 2},
		{"contest_decision", "closed", "decision_overturned", false, 3},
		{"contest_decision", "closed", "decision_overturned", true, 4},
		{"contest_decision", "rejected", "", false, 1},
		{"concern", "closed", "decision_overturned", true, 5},
		{"incident", "withdrawn", "", false, 6},
		{"incident", "closed", "", false, 2},
	} {
		got := match(schedules, c.kind, c.status, c.outcome, c.referred)
		if got == nil || got.KeepDays != c.want {
			t.Errorf("%+v: %+v, want the schedule of %d days", c, got, c.want)
		}
	}
	if got := match(schedules[5:], "concern", "closed", "", false); got != nil {
		t.Errorf("no schedule matches: %+v", got)
	}
}
