package grievance_test

import (
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/testenv"
)

// The visibilities Go names are the ones a message on a case may have in
// the database.
func TestVisibilityVocabularyMatchesDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	if got, want := testenv.CheckValues(t, gdb, "messages", "visibility"), testenv.Sorted(grievance.Visibilities); !slices.Equal(got, want) {
		t.Errorf("messages.visibility allows %q, Go names %q", got, want)
	}
}
