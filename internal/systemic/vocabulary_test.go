package systemic_test

import (
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/systemic"
	"github.com/redresshq/redress/internal/testenv"
)

// The issue statuses Go names are the ones systemic_issues accepts.
func TestIssueStatusesMatchDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	want := testenv.Sorted(systemic.Statuses)
	if got := testenv.CheckValues(t, gdb, "systemic_issues", "status"); !slices.Equal(got, want) {
		t.Errorf("systemic_issues.status allows %q, Go names %q", got, want)
	}
}
