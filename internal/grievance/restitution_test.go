package grievance

import (
	"testing"

	"github.com/redresshq/redress/internal/remedy"
)

// TestRestitutionFollowsOutcomes checks that internal/remedy, which cannot
// import the decisions, names the outcomes that owe restitution as they do:
// every outcome, current or renamed, owes it exactly when it overturns or
// modifies the AI's decision.
func TestRestitutionFollowsOutcomes(t *testing.T) {
	names := append([]string{}, Outcomes...)
	for old := range RenamedOutcomes {
		names = append(names, old)
	}
	for _, o := range names {
		c := CurrentOutcome(o)
		want := c == OutcomeOverturned || c == OutcomeModified
		if got := remedy.OwesRestitution(o); got != want {
			t.Errorf("remedy.OwesRestitution(%q) = %v, want %v", o, got, want)
		}
	}
}
