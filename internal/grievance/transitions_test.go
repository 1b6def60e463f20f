package grievance_test

import (
	"os"
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// Go's transition map and the case_transitions table the trigger enforces are the same.
func TestTransitionsMatchDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	var rows []struct{ FromStatus, ToStatus string }
	if err := gdb.Raw(`SELECT from_status, to_status FROM case_transitions`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	inDB := map[[2]string]bool{}
	for _, r := range rows {
		inDB[[2]string{r.FromStatus, r.ToStatus}] = true
		if !grievance.CanTransition(r.FromStatus, r.ToStatus) {
			t.Errorf("database allows %s → %s, Go does not", r.FromStatus, r.ToStatus)
		}
	}
	n := 0
	for from, tos := range grievance.Transitions {
		for _, to := range tos {
			n++
			if !inDB[[2]string{from, to}] {
				t.Errorf("Go allows %s → %s, the database does not", from, to)
			}
		}
	}
	if n != len(rows) {
		t.Errorf("Go lists %d moves, the database %d", n, len(rows))
	}
	for from, tos := range grievance.Transitions {
		if !slices.Contains(grievance.Statuses, from) {
			t.Errorf("unknown status %s", from)
		}
		for _, to := range tos {
			if !slices.Contains(grievance.Statuses, to) {
				t.Errorf("unknown status %s", to)
			}
		}
	}
	if grievance.CanTransition(grievance.StatusWithdrawn, grievance.StatusInReview) {
		t.Error("a withdrawn case can be reopened")
	}
}

func TestEveryStatusHasAStage(t *testing.T) {
	for _, st := range grievance.Statuses {
		if s := grievance.StageOf(st); s.Code == "" || s.Label == "" {
			t.Errorf("status %s has no stage for the complainant", st)
		}
	}
}
