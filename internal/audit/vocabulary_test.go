package audit_test

import (
	"os"
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// The actor kinds Go names are the ones the case record accepts.
func TestActorKindsMatchDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	want := testenv.Sorted(audit.ActorKinds)
	if got := testenv.CheckValues(t, gdb, "audit_entries", "actor_kind"); !slices.Equal(got, want) {
		t.Errorf("audit_entries.actor_kind allows %q, Go names %q", got, want)
	}
}
