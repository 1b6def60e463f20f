package api_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// token signs in with a code and returns the answer.
func signInWith(s *teststack.Stack, email, code string) *teststack.Response {
	body := map[string]string{"email": email, "password": teststack.DemoPassword}
	if code != "" {
		body["code"] = code
	}
	return s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: body})
}

func userIDOf(t *testing.T, s *teststack.Stack, email string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := s.Core.DB.Raw(`SELECT id FROM users WHERE email = ?`, email).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

func problemCode(t *testing.T, r *teststack.Response) string {
	t.Helper()
	c, _ := r.JSON(t)["code"].(string)
	return c
}

func totpAt(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := auth.TOTPAt(secret, at)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestTOTPSignInAndSessions enrols a second factor through the API, signs
// in with it, is refused a replayed and a wrong code, spends a recovery
// code once, lists the sessions and signs out everywhere.
func TestTOTPSignInAndSessions(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	const email = "tess.totp@example.org"
	first := s.StaffUser(email, auth.RoleSupervisor)

	// Start: a secret, its otpauth URL and a QR code drawn on the server.
	r := s.Do(req{Method: "POST", Path: "/api/v1/me/two-factor", Token: first})
	if r.Status != 201 {
		t.Fatalf("start: %d %s", r.Status, r.Body)
	}
	var e auth.Enrolment
	r.Decode(t, &e)
	if len(e.Secret) != 32 || !strings.HasPrefix(e.URL, "otpauth://totp/Redress:") || !strings.Contains(e.URL, "secret="+e.Secret) ||
		!strings.HasPrefix(e.SVG, "<svg") {
		t.Fatalf("enrolment: %+v", e)
	}

	// A wrong first code is refused; the right one turns it on with ten recovery codes.
	now := time.Now()
	wrong := totpAt(t, e.Secret, now.Add(-10*time.Minute))
	if r := s.Do(req{Method: "POST", Path: "/api/v1/me/two-factor/confirm", Token: first, Body: map[string]string{"code": wrong}}); r.Status != 401 || problemCode(t, r) != "invalid_second_factor" {
		t.Fatalf("confirm with a wrong code: %d %s", r.Status, r.Body)
	}
	confirmCode := totpAt(t, e.Secret, now)
	r = s.Do(req{Method: "POST", Path: "/api/v1/me/two-factor/confirm", Token: first, Body: map[string]string{"code": confirmCode}})
	if r.Status != 200 {
		t.Fatalf("confirm: %d %s", r.Status, r.Body)
	}
	var confirmed struct {
		Enabled       bool     `json:"enabled"`
		RecoveryCodes []string `json:"recovery_codes"`
	}
	r.Decode(t, &confirmed)
	if !confirmed.Enabled || len(confirmed.RecoveryCodes) != 10 {
		t.Fatalf("confirmed: %+v", confirmed)
	}

	// The secret is sealed at rest: neither its text nor its bytes are in the row.
	var userID uuid.UUID
	var sealed []byte
	if err := s.Core.DB.Raw(`SELECT u.id, f.secret_sealed FROM user_second_factors f JOIN users u ON u.id = f.user_id WHERE u.email = ?`, email).
		Row().Scan(&userID, &sealed); err != nil {
		t.Fatal(err)
	}
	raw, err := auth.TOTPRawSecret(e.Secret)
	if err != nil {
		t.Fatal(err)
	}
	if len(sealed) == 0 || bytes.Contains(sealed, []byte(e.Secret)) || bytes.Contains(sealed, raw) {
		t.Fatalf("the secret is stored in clear: %x", sealed)
	}
	if opened, err := s.Core.Keys.Open("user.totp_secret:"+userID.String(), sealed); err != nil || string(opened) != e.Secret {
		t.Fatalf("the sealed secret does not open to the secret: %v", err)
	}
	var clear int64
	if err := s.Core.DB.Raw(`SELECT count(*) FROM recovery_codes WHERE user_id = ? AND position(convert_to(?, 'UTF8') in code_hash) > 0`,
		userID, confirmed.RecoveryCodes[0]).Scan(&clear).Error; err != nil || clear != 0 {
		t.Fatalf("recovery codes stored in clear: %d %v", clear, err)
	}

	// Signing in now takes a code.
	if r := signInWith(s, email, ""); r.Status != 401 || problemCode(t, r) != "second_factor_required" {
		t.Fatalf("without a code: %d %s", r.Status, r.Body)
	}
	// The code that confirmed the enrolment was used: a replay is refused.
	if r := signInWith(s, email, confirmCode); r.Status != 401 || problemCode(t, r) != "invalid_second_factor" {
		t.Fatalf("replayed code: %d %s", r.Status, r.Body)
	}
	// The next step's code (within the ±1 step window) works, once.
	next := totpAt(t, e.Secret, now.Add(auth.TOTPPeriod))
	r = signInWith(s, email, next)
	if r.Status != 200 {
		t.Fatalf("sign in with a fresh code: %d %s", r.Status, r.Body)
	}
	second := r.JSON(t)["access_token"].(string)
	if r := signInWith(s, email, next); r.Status != 401 || problemCode(t, r) != "invalid_second_factor" {
		t.Fatalf("the same code again: %d %s", r.Status, r.Body)
	}
	if r := signInWith(s, email, "123 456"); r.Status != 401 || problemCode(t, r) != "invalid_second_factor" {
		t.Fatalf("a wrong code: %d %s", r.Status, r.Body)
	}
	// A recovery code works once, typed in lower case without its dash too.
	rc := strings.ToLower(strings.ReplaceAll(confirmed.RecoveryCodes[3], "-", ""))
	r = signInWith(s, email, rc)
	if r.Status != 200 {
		t.Fatalf("recovery code: %d %s", r.Status, r.Body)
	}
	third := r.JSON(t)["access_token"].(string)
	if r := signInWith(s, email, confirmed.RecoveryCodes[3]); r.Status != 401 || problemCode(t, r) != "invalid_second_factor" {
		t.Fatalf("a recovery code twice: %d %s", r.Status, r.Body)
	}

	// The sessions: three live ones, this token's marked.
	r = s.Do(req{Method: "GET", Path: "/api/v1/me/sessions", Token: second})
	var list struct{ Sessions []auth.Session }
	r.Decode(t, &list)
	if r.Status != 200 || len(list.Sessions) != 3 {
		t.Fatalf("sessions: %d %s", r.Status, r.Body)
	}
	current := 0
	for _, ss := range list.Sessions {
		if ss.Kind != "api" || ss.Role != auth.RoleSupervisor {
			t.Errorf("session %+v", ss)
		}
		if ss.Current {
			current++
		}
	}
	if current != 1 {
		t.Errorf("%d sessions marked current", current)
	}

	// Sign out everywhere: every earlier token of the account is refused.
	for _, tok := range []string{first, second, third} {
		if r := s.Do(req{Method: "GET", Path: "/api/v1/me", Token: tok}); r.Status != 200 {
			t.Fatalf("before sign-out everywhere: %d %s", r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/me/sessions/revoke", Token: third}); r.Status != 200 || r.JSON(t)["revoked"] != float64(3) {
		t.Fatalf("sign out everywhere: %d %s", r.Status, r.Body)
	}
	for i, tok := range []string{first, second, third} {
		if r := s.Do(req{Method: "GET", Path: "/api/v1/me", Token: tok}); r.Status != 401 || problemCode(t, r) != "invalid_token" {
			t.Errorf("token %d after sign-out everywhere: %d %s", i, r.Status, r.Body)
		}
	}

	// Two uses of one code at once: the conditional UPDATE lets one pass.
	later := s.Core.SignIn.WithClock(func() time.Time { return now.Add(10 * time.Minute) })
	code := totpAt(t, e.Secret, now.Add(10*time.Minute))
	var wg sync.WaitGroup
	var mu sync.Mutex
	passed := 0
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := later.Verify(ctx, userID, code); err == nil {
				mu.Lock()
				passed++
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if passed != 1 {
		t.Errorf("one code used at once by 4: %d passed", passed)
	}

	// Wrong codes are throttled per account: after five in five minutes,
	// even a right recovery code waits.
	var throttled error
	for i := 0; i < 6 && throttled == nil; i++ {
		if err := later.Verify(ctx, userID, "000000"); fault.Is(err, fault.TooMany) {
			throttled = err
		}
	}
	if throttled == nil {
		t.Fatal("six wrong codes in a row were not throttled")
	}
	if err := later.Verify(ctx, userID, confirmed.RecoveryCodes[5]); !fault.Is(err, fault.TooMany) {
		t.Errorf("a right code while throttled: %v", err)
	}
}

// TestSessionEndsWhenAccountChanges: a token stops working when its user is
// deactivated or given another role, and after sign-out.
func TestSessionEndsWhenAccountChanges(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	me := func(tok string) int { return s.Do(req{Method: "GET", Path: "/api/v1/me", Token: tok}).Status }

	gone := s.StaffUser("gone@example.org", auth.RoleReviewer)
	goneID := userIDOf(t, s, "gone@example.org")
	if me(gone) != 200 {
		t.Fatal("a fresh token is refused")
	}
	if _, err := s.Core.Users.SetActive(ctx, goneID, false); err != nil {
		t.Fatal(err)
	}
	if got := me(gone); got != 401 {
		t.Errorf("a deactivated user's token: %d", got)
	}
	var live int64
	s.Core.DB.Raw(`SELECT count(*) FROM staff_sessions WHERE user_id = ? AND revoked_at IS NULL`, goneID).Scan(&live)
	if live != 0 {
		t.Errorf("a deactivated user keeps %d live sessions", live)
	}
	// Reactivated, the old session stays ended.
	if _, err := s.Core.Users.SetActive(ctx, goneID, true); err != nil {
		t.Fatal(err)
	}
	if got := me(gone); got != 401 {
		t.Errorf("a reactivated user's old token: %d", got)
	}

	moved := s.StaffUser("moved@example.org", auth.RoleReviewer)
	movedID := userIDOf(t, s, "moved@example.org")
	if _, err := s.Core.Users.SetRole(ctx, movedID, auth.RoleSupervisor); err != nil {
		t.Fatal(err)
	}
	if got := me(moved); got != 401 {
		t.Errorf("a token of the old role: %d", got)
	}
	again := s.Login("moved@example.org")
	if r := s.Do(req{Method: "GET", Path: "/api/v1/me", Token: again}); r.Status != 200 || r.JSON(t)["role"] != "supervisor" {
		t.Errorf("signed in again: %d %s", r.Status, r.Body)
	}
	// Upsert with another role (the demo seed, `redress` tooling) ends them too.
	if _, err := s.Core.Users.Upsert(ctx, auth.NewUser{Email: "moved@example.org", Name: "Moved", Role: auth.RoleAdmin,
		Password: teststack.DemoPassword}); err != nil {
		t.Fatal(err)
	}
	if got := me(again); got != 401 {
		t.Errorf("a token after Upsert changed the role: %d", got)
	}

	// Sign-out ends this token's session alone.
	a, b := s.Reviewer(), s.Reviewer()
	// Last seen is noted, at most once a minute.
	reviewerID := userIDOf(t, s, "reviewer@example.org")
	s.Core.DB.Exec(`UPDATE staff_sessions SET last_seen_at = now() - interval '2 minutes' WHERE user_id = ?`, reviewerID)
	me(a)
	var stale, fresh int64
	s.Core.DB.Raw(`SELECT count(*) FILTER (WHERE last_seen_at < now() - interval '1 minute'),
		count(*) FILTER (WHERE last_seen_at > now() - interval '1 minute') FROM staff_sessions WHERE user_id = ?`, reviewerID).
		Row().Scan(&stale, &fresh)
	if stale != 1 || fresh != 1 {
		t.Errorf("last seen: %d stale, %d fresh sessions; want the used one fresh", stale, fresh)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/auth/sign-out", Token: a}); r.Status != 204 {
		t.Fatalf("sign-out: %d %s", r.Status, r.Body)
	}
	if me(a) != 401 || me(b) != 200 {
		t.Errorf("after sign-out: signed out %d, other %d", me(a), me(b))
	}
	// A token minted without a session (the JWT alone) is refused.
	bare, _, err := s.Core.Tokens.Issue(auth.AudienceStaff, reviewerID, auth.RoleReviewer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if got := me(bare); got != 401 {
		t.Errorf("a token naming no session: %d", got)
	}
}

// TestSignInPolicyRequiresEnrolment: once admins must use a second factor,
// an admin who has not turned it on is refused a token, and an earlier
// token of theirs no longer works, both with 403 naming the page.
func TestSignInPolicyRequiresEnrolment(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	admin := s.Login("admin@example.org")
	r := s.Do(req{Method: "GET", Path: "/api/v1/admin/sign-in-policy", Token: admin})
	var pol struct{ Policies []auth.Policy }
	r.Decode(t, &pol)
	if r.Status != 200 || len(pol.Policies) != 4 {
		t.Fatalf("policy: %d %s", r.Status, r.Body)
	}
	for _, p := range pol.Policies {
		if p.SecondFactorRequired {
			t.Errorf("the demo requires a second factor of %s", p.Role)
		}
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/sign-in-policy", Token: admin,
		Body: map[string]any{"policies": []map[string]any{{"role": "nobody", "second_factor_required": true}}}}); r.Status != 422 {
		t.Errorf("an unknown role: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "PUT", Path: "/api/v1/admin/sign-in-policy", Token: admin,
		Body: map[string]any{"policies": []map[string]any{{"role": "admin", "second_factor_required": true}}}})
	if r.Status != 200 {
		t.Fatalf("put policy: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "GET", Path: "/api/v1/me", Token: admin})
	if r.Status != 403 || problemCode(t, r) != "second_factor_enrolment_required" {
		t.Errorf("the admin's earlier token: %d %s", r.Status, r.Body)
	}
	r = signInWith(s, "admin@example.org", "")
	if r.Status != 403 || problemCode(t, r) != "second_factor_enrolment_required" ||
		!strings.Contains(r.JSON(t)["detail"].(string), "/account/two-factor") {
		t.Errorf("a new admin token: %d %s", r.Status, r.Body)
	}
	// Others are not held: a reviewer still signs in with a password.
	if r := s.Do(req{Method: "GET", Path: "/api/v1/me", Token: s.Reviewer()}); r.Status != 200 {
		t.Errorf("a reviewer: %d %s", r.Status, r.Body)
	}
	// The earlier admin token may still turn the factor on (the two-factor routes).
	r = s.Do(req{Method: "POST", Path: "/api/v1/me/two-factor", Token: admin})
	if r.Status != 201 {
		t.Fatalf("enrol while held: %d %s", r.Status, r.Body)
	}
	var e auth.Enrolment
	r.Decode(t, &e)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/me/two-factor/confirm", Token: admin,
		Body: map[string]string{"code": totpAt(t, e.Secret, time.Now())}}); r.Status != 200 {
		t.Fatalf("confirm while held: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/me", Token: admin}); r.Status != 200 {
		t.Errorf("after enrolling: %d %s", r.Status, r.Body)
	}
}

// TestTOTPTurnOffAndNewRecoveryCodes: new recovery codes replace the old
// ones; a role that does not require it may turn the factor off with a
// current code, one that does may not.
func TestTOTPTurnOffAndNewRecoveryCodes(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	u, at, e, now, old := enrolledReviewer(t, s, "rory@example.org")
	if _, err := at(0).StartEnrolment(ctx, u, true); err == nil {
		t.Error("a second enrolment while on")
	}
	fresh, err := at(time.Minute).NewRecoveryCodes(ctx, u, totpAt(t, e.Secret, now.Add(time.Minute)))
	if err != nil || len(fresh) != 10 {
		t.Fatalf("new codes: %v", err)
	}
	if err := at(time.Minute).Verify(ctx, u.ID, old[0]); err == nil {
		t.Error("an old recovery code still works")
	}
	if err := at(time.Minute).Verify(ctx, u.ID, fresh[0]); err != nil {
		t.Errorf("a new recovery code: %v", err)
	}
	// Reviewers need no second factor: Rory may turn it off, with a code.
	if err := at(2*time.Minute).Disable(ctx, u, "999999x"); err == nil {
		t.Error("turned off without a right code")
	}
	if err := at(2*time.Minute).Disable(ctx, u, totpAt(t, e.Secret, now.Add(2*time.Minute))); err != nil {
		t.Fatalf("turn off: %v", err)
	}
	if r := signInWith(s, "rory@example.org", ""); r.Status != 200 {
		t.Errorf("after turning it off: %d %s", r.Status, r.Body)
	}
	// Once reviewers must use it, it cannot be turned off.
	if _, err := s.Core.SignIn.SetPolicies(ctx, map[auth.Role]bool{auth.RoleReviewer: true}); err != nil {
		t.Fatal(err)
	}
	e, err = at(3*time.Minute).StartEnrolment(ctx, u, true)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := at(3*time.Minute).Confirm(ctx, u, totpAt(t, e.Secret, now.Add(3*time.Minute))); err != nil {
		t.Fatal(err)
	}
	if err := at(4*time.Minute).Disable(ctx, u, totpAt(t, e.Secret, now.Add(4*time.Minute))); !fault.Is(err, fault.Conflict) {
		t.Errorf("turned off although required: %v", err)
	}
}

// New recovery codes replace the old ones together or not at all: when the
// new ones cannot be written, the old ones still work.
func TestNewRecoveryCodesAllOrNothing(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	u, at, e, now, old := enrolledReviewer(t, s, "ravi@example.org")
	// The database refuses the new codes, after the old ones were deleted.
	for _, q := range []string{
		`CREATE FUNCTION refuse_codes() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no new codes'; END $$`,
		`CREATE TRIGGER refuse_codes BEFORE INSERT ON recovery_codes FOR EACH ROW EXECUTE FUNCTION refuse_codes()`,
	} {
		if err := s.Core.DB.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := at(time.Minute).NewRecoveryCodes(ctx, u, totpAt(t, e.Secret, now.Add(time.Minute))); err == nil {
		t.Fatal("new codes written through a refusing database")
	}
	var left int64
	if err := s.Core.DB.Table("recovery_codes").Where("user_id = ?", u.ID).Count(&left).Error; err != nil {
		t.Fatal(err)
	}
	if left != 10 {
		t.Errorf("%d recovery codes left after the failed replacement, want the 10 old ones", left)
	}
	if err := at(time.Minute).Verify(ctx, u.ID, old[0]); err != nil {
		t.Errorf("an old recovery code after the failed replacement: %v", err)
	}
}

// enrolledReviewer adds a reviewer with email whose second factor is on:
// the user, their sign-in at a time d after now, the enrolment (its
// secret), now, and the ten recovery codes confirming it gave.
func enrolledReviewer(t *testing.T, s *teststack.Stack, email string) (*auth.User, func(d time.Duration) *auth.SignIn,
	*auth.Enrolment, time.Time, []string) {
	t.Helper()
	ctx := context.Background()
	s.StaffUser(email, auth.RoleReviewer)
	u, err := s.Core.Users.Get(ctx, userIDOf(t, s, email))
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	at := func(d time.Duration) *auth.SignIn {
		return s.Core.SignIn.WithClock(func() time.Time { return now.Add(d) })
	}
	e, err := at(0).StartEnrolment(ctx, u, true)
	if err != nil {
		t.Fatal(err)
	}
	codes, err := at(0).Confirm(ctx, u, totpAt(t, e.Secret, now))
	if err != nil || len(codes) != 10 {
		t.Fatalf("confirm: %v %d", err, len(codes))
	}
	return u, at, e, now, codes
}
