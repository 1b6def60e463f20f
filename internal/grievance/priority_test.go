package grievance_test

import (
	"testing"

	"github.com/redresshq/redress/internal/grievance"
)

func TestPriorityTakesTheMaximum(t *testing.T) {
	linked := []struct {
		name    string
		s       grievance.Severity
		f       grievance.Factors
		want    string
		reasons int
	}{
		{"all low", grievance.Severity{1, 1, 1}, grievance.Factors{Kind: "concern", HarmStatus: "potential"}, "P3", 1},
		{"one grave dimension is enough, no averaging", grievance.Severity{1, 1, 4}, grievance.Factors{}, "P0", 1},
		{"scale 3", grievance.Severity{3, 1, 2}, grievance.Factors{}, "P1", 1},
		{"scope 2", grievance.Severity{1, 2, 1}, grievance.Factors{}, "P2", 1},
		{"imminent harm lifts a low severity", grievance.Severity{1, 1, 1}, grievance.Factors{HarmStatus: "imminent"}, "P1", 2},
		{"ongoing harm", grievance.Severity{1, 1, 1}, grievance.Factors{HarmStatus: "ongoing"}, "P2", 2},
		{"ongoing harm does not lower P1", grievance.Severity{3, 1, 1}, grievance.Factors{HarmStatus: "ongoing"}, "P1", 2},
		{"children", grievance.Severity{1, 1, 1}, grievance.Factors{Rights: []string{"education", "children"}}, "P1", 2},
		{"incident", grievance.Severity{2, 1, 1}, grievance.Factors{Kind: "incident"}, "P1", 2},
		{"about to lose a job", grievance.Severity{1, 1, 1}, grievance.Factors{PreliminarySeverity: "imminent_loss"}, "P1", 2},
		{"several factors, still the maximum", grievance.Severity{4, 1, 1}, grievance.Factors{Kind: "incident", HarmStatus: "imminent"}, "P0", 3},
	}
	for _, tc := range linked {
		got, reasons := grievance.Priority(tc.s, tc.f)
		if got != tc.want || len(reasons) != tc.reasons {
			t.Errorf("%s: %s with %d reasons %v, want %s with %d", tc.name, got, len(reasons), reasons, tc.want, tc.reasons)
		}
	}
	p1 := "P1"
	if !grievance.MoreUrgent("P0", &p1) || grievance.MoreUrgent("P2", &p1) || !grievance.MoreUrgent("P3", nil) {
		t.Error("MoreUrgent")
	}
}
