package cases_test

import (
	"os"
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// transition is a row of case_transitions: a move the trigger allows.
type transition struct{ FromStatus, ToStatus cases.Status }

// Go's transition map and the case_transitions table the trigger enforces are the same.
func TestTransitionsMatchDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	var rows []transition
	if err := gdb.Table("case_transitions").Select("from_status, to_status").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	inDB := map[[2]cases.Status]bool{}
	for _, r := range rows {
		inDB[[2]cases.Status{r.FromStatus, r.ToStatus}] = true
		if !cases.CanTransition(r.FromStatus, r.ToStatus) {
			t.Errorf("database allows %s → %s, Go does not", r.FromStatus, r.ToStatus)
		}
	}
	n := 0
	for from, tos := range cases.Transitions {
		for _, to := range tos {
			n++
			if !inDB[[2]cases.Status{from, to}] {
				t.Errorf("Go allows %s → %s, the database does not", from, to)
			}
		}
	}
	if n != len(rows) {
		t.Errorf("Go lists %d moves, the database %d", n, len(rows))
	}
	for from, tos := range cases.Transitions {
		if !slices.Contains(cases.Statuses, from) {
			t.Errorf("unknown status %s", from)
		}
		for _, to := range tos {
			if !slices.Contains(cases.Statuses, to) {
				t.Errorf("unknown status %s", to)
			}
		}
	}
	if cases.CanTransition(cases.StatusWithdrawn, cases.StatusInReview) {
		t.Error("a withdrawn case can be reopened")
	}
}
