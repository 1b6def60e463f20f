package auth

import (
	"context"
	"os"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func TestStaffAdministration(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	u := NewUsers(gdb, PasswordCost{})
	ctx := context.Background()

	admin, err := u.CreateStaff(ctx, NewUser{Email: " Ada@Example.org ", Name: "Ada", Role: RoleAdmin,
		Password: "a long enough password", Languages: []string{"en", " fr ", "", "en"}, Skills: []string{"employment"}})
	if err != nil {
		t.Fatal(err)
	}
	if admin.Email != "ada@example.org" || !admin.Active || len(admin.Languages) != 2 || admin.Skills[0] != "employment" {
		t.Errorf("created: %+v", admin)
	}
	// The same email: a conflict on email; bad input names each field.
	if _, err := u.CreateStaff(ctx, NewUser{Email: "ada@example.org", Name: "Other", Role: RoleReviewer,
		Password: "a long enough password"}); !fault.Is(err, fault.Conflict) || fault.FieldNames(err)[0] != "email" {
		t.Errorf("taken: %v", err)
	}
	_, err = u.CreateStaff(ctx, NewUser{Email: "nope", Role: RoleBody, Password: "short", Languages: []string{"English!"}})
	if got := fault.FieldNames(err); len(got) != 5 {
		t.Errorf("bad input: %v", got)
	}

	// The only admin can be neither demoted nor deactivated.
	if _, err := u.SetRole(ctx, admin.ID, RoleReviewer); !fault.Is(err, fault.Conflict) {
		t.Errorf("demote the last admin: %v", err)
	}
	if _, err := u.SetActive(ctx, admin.ID, false); !fault.Is(err, fault.Conflict) {
		t.Errorf("deactivate the last admin: %v", err)
	}
	if _, err := u.SetRole(ctx, admin.ID, "root"); fault.FieldNames(err)[0] != "role" {
		t.Errorf("unknown role: %v", err)
	}
	// With a second admin, one may go; Get no longer finds a deactivated user.
	rev, err := u.CreateStaff(ctx, NewUser{Email: "rev@example.org", Name: "Rev", Role: RoleReviewer, Password: "a long enough password"})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := u.SetRole(ctx, rev.ID, RoleAdmin); err != nil || got.Role != RoleAdmin {
		t.Fatalf("promote: %+v %v", got, err)
	}
	if got, err := u.SetActive(ctx, admin.ID, false); err != nil || got.Active {
		t.Fatalf("deactivate: %+v %v", got, err)
	}
	if _, err := u.Get(ctx, admin.ID); !fault.Is(err, fault.Unauthorized) {
		t.Errorf("a deactivated user still loads: %v", err)
	}
	if _, err := u.Authenticate(ctx, "ada@example.org", "a long enough password"); err == nil {
		t.Error("a deactivated user signs in")
	}
	if _, err := u.SetActive(ctx, admin.ID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := u.SetActive(ctx, uuid.New(), true); !fault.Is(err, fault.NotFound) {
		t.Errorf("unknown user: %v", err)
	}
	staff, _ := u.Staff(ctx)
	if len(staff) != 2 {
		t.Errorf("staff: %+v", staff)
	}

	// Two admins demoting each other at the same time: one stays admin.
	var wg sync.WaitGroup
	for _, id := range []uuid.UUID{admin.ID, rev.ID} {
		wg.Add(1)
		go func() { defer wg.Done(); _, _ = u.SetRole(ctx, id, RoleReviewer) }()
	}
	wg.Wait()
	var admins int64
	gdb.Raw(`SELECT count(*) FROM users WHERE role = 'admin' AND active`).Scan(&admins)
	if admins != 1 {
		t.Errorf("%d active admins after a race", admins)
	}
}
