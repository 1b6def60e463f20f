package api

import (
	"testing"

	"github.com/redresshq/redress/internal/auth"
)

// Only supervisors and admins work on any case: every other role — an
// independent body, an unknown or empty one — works on the cases it holds.
// (Today a body token never reaches a workspace handler: the route table
// admits case workers only; this is the check behind it.)
func TestAnyCaseRoleFailsClosed(t *testing.T) {
	for role, want := range map[string]bool{
		auth.RoleSupervisor: true, auth.RoleAdmin: true,
		auth.RoleReviewer: false, auth.RoleBody: false, "": false, "auditor": false, "Supervisor": false,
	} {
		if got := anyCaseRole(role); got != want {
			t.Errorf("anyCaseRole(%q) = %v, want %v", role, got, want)
		}
	}
	for _, r := range auth.Roles {
		if r != auth.RoleSupervisor && r != auth.RoleAdmin && anyCaseRole(r) {
			t.Errorf("%s works on any case", r)
		}
	}
}
