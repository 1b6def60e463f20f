package evidence_test

import (
	"os"
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The sources Go names are the ones a piece of evidence may have in the
// database.
func TestSourceVocabularyMatchesDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	if got, want := testenv.CheckValues(t, gdb, "evidence", "source"), testenv.Sorted(evidence.Sources); !slices.Equal(got, want) {
		t.Errorf("evidence.source allows %q, Go names %q", got, want)
	}
}
