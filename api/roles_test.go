package api

import (
	"testing"

	"github.com/redresshq/redress/internal/access"
)

// Only a supervisor or admin of the case's queue works on a case they do not
// hold: every other ground — a reviewer who may take it, an admin who broke
// the glass, an unknown or empty one — fails closed.
func TestOnlySupervisorsGroundWorksOnAnyCase(t *testing.T) {
	for g, want := range map[access.Ground]bool{
		access.Supervisor: true,
		access.Assignee:   false, access.QueueMember: false, access.BreakGlass: false, "": false, "auditor": false,
	} {
		if got := g.MayWork(); got != want {
			t.Errorf("%q.MayWork() = %v, want %v", g, got, want)
		}
	}
}
