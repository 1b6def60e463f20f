package decision_test

import (
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/testenv"
)

// The outcomes Go names are the ones a decision may have in the database
// (decisions.outcome is the only column that holds a decision's outcome).
func TestOutcomeVocabularyMatchesDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	if got, want := testenv.CheckValues(t, gdb, "decisions", "outcome"), testenv.Sorted(decision.Outcomes); !slices.Equal(got, want) {
		t.Errorf("decisions.outcome allows %q, Go names %q", got, want)
	}
}
