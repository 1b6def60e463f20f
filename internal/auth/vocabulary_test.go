package auth_test

import (
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv"
)

// The roles Go names are the roles the database accepts: a user's, a
// sign-in policy's, and (staff who read cases only) an access log entry's.
func TestRolesMatchDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	for _, tc := range []struct {
		table string
		want  []auth.Role
	}{
		{"users", auth.Roles},
		{"sign_in_policies", auth.Roles},
		{"access_log", auth.StaffRoles},
	} {
		got, want := testenv.CheckValues(t, gdb, tc.table, "role"), testenv.Sorted(tc.want)
		if !slices.Equal(got, want) {
			t.Errorf("%s.role allows %q, Go names %q", tc.table, got, want)
		}
	}
}
