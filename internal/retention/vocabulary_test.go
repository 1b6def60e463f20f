package retention_test

import (
	"os"
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The codes Go names are the ones the tables accept.
func TestRetentionVocabularyMatchesDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	for _, c := range []struct {
		table, column string
		want          []string
	}{
		{"retention_schedules", "ending", retention.Endings},
		{"retention_schedules", "kind", retention.Kinds},
		{"erasure_requests", "status", retention.RequestStatuses},
		{"erasure_requests", "ground", retention.RefusalGrounds},
		{"retention_runs", "trigger", []string{retention.TriggerSchedule, retention.TriggerAdmin}},
	} {
		if got := testenv.CheckValues(t, gdb, c.table, c.column); !slices.Equal(got, testenv.Sorted(c.want)) {
			t.Errorf("%s.%s allows %q, Go names %q", c.table, c.column, got, testenv.Sorted(c.want))
		}
	}
}
