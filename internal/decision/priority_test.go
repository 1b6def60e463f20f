package decision_test

import (
	"testing"

	"github.com/redresshq/redress/internal/decision"
)

func TestPriorityTakesTheMaximum(t *testing.T) {
	linked := []struct {
		name    string
		s       decision.Severity
		f       decision.Factors
		want    string
		reasons int
	}{
		{"all low", decision.Severity{1, 1, 1}, decision.Factors{Kind: "concern", HarmStatus: "potential"}, "P3", 1},
		{"one grave dimension is enough, no averaging", decision.Severity{1, 1, 4}, decision.Factors{}, "P0", 1},
		{"scale 3", decision.Severity{3, 1, 2}, decision.Factors{}, "P1", 1},
		{"scope 2", decision.Severity{1, 2, 1}, decision.Factors{}, "P2", 1},
		{"imminent harm lifts a low severity", decision.Severity{1, 1, 1}, decision.Factors{HarmStatus: "imminent"}, "P1", 2},
		{"ongoing harm", decision.Severity{1, 1, 1}, decision.Factors{HarmStatus: "ongoing"}, "P2", 2},
		{"ongoing harm does not lower P1", decision.Severity{3, 1, 1}, decision.Factors{HarmStatus: "ongoing"}, "P1", 2},
		{"children", decision.Severity{1, 1, 1}, decision.Factors{Rights: []string{"education", "children"}}, "P1", 2},
		{"incident", decision.Severity{2, 1, 1}, decision.Factors{Kind: "incident"}, "P1", 2},
		{"about to lose a job", decision.Severity{1, 1, 1}, decision.Factors{PreliminarySeverity: "imminent_loss"}, "P1", 2},
		{"several factors, still the maximum", decision.Severity{4, 1, 1}, decision.Factors{Kind: "incident", HarmStatus: "imminent"}, "P0", 3},
	}
	for _, tc := range linked {
		got, reasons := decision.Priority(tc.s, tc.f)
		if got != tc.want || len(reasons) != tc.reasons {
			t.Errorf("%s: %s with %d reasons %v, want %s with %d", tc.name, got, len(reasons), reasons, tc.want, tc.reasons)
		}
	}
	p1 := "P1"
	if !decision.MoreUrgent("P0", &p1) || decision.MoreUrgent("P2", &p1) || !decision.MoreUrgent("P3", nil) {
		t.Error("MoreUrgent")
	}
}
