package remedy_test

import (
	"os"
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The forms and statuses Go names are the ones a remedy component (a
// case's or a systemic issue's) may have in the database.
func TestVocabularyMatchesDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	for _, tc := range []struct {
		column string
		want   []string
	}{
		{"form", testenv.Sorted(remedy.Forms)},
		{"status", testenv.Sorted(remedy.Statuses)},
	} {
		if got := testenv.CheckValues(t, gdb, "remedy_components", tc.column); !slices.Equal(got, tc.want) {
			t.Errorf("remedy_components.%s allows %q, Go names %q", tc.column, got, tc.want)
		}
	}
	// Every form has its subtypes.
	for _, f := range remedy.Forms {
		if len(remedy.Subtypes[f]) == 0 {
			t.Errorf("form %s has no subtypes", f)
		}
	}
}
