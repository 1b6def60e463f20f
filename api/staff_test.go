package api_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestStaffRoutesCheckRoles(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	body := s.Login("regulator@example.org")
	routes := []struct{ method, path string }{
		{"GET", "/api/v1/cases"},
		{"GET", "/api/v1/cases/" + f.ID},
		{"GET", "/api/v1/cases/" + f.ID + "/audit"},
		{"POST", "/api/v1/cases/" + f.ID + "/messages"},
		{"POST", "/api/v1/cases/" + f.ID + "/acknowledge"},
		{"POST", "/api/v1/cases/" + f.ID + "/transitions"},
	}
	for _, r := range routes {
		if got := s.Do(req{Method: r.method, Path: r.path}); got.Status != 401 {
			t.Errorf("%s %s without a token: %d", r.method, r.path, got.Status)
		}
		if got := s.Do(req{Method: r.method, Path: r.path, Token: body, Body: map[string]any{}}); got.Status != 403 {
			t.Errorf("%s %s as a body user: %d", r.method, r.path, got.Status)
		}
		if got := s.Do(req{Method: r.method, Path: r.path, Token: "not.a.jwt"}); got.Status != 401 {
			t.Errorf("%s %s with a bad token: %d", r.method, r.path, got.Status)
		}
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/me", Token: body}); r.Status != 200 || r.JSON(t)["role"] != "body" {
		t.Errorf("me: %d %s", r.Status, r.Body)
	}
	// A disabled account's token stops working at once.
	if err := s.Core.DB.Exec(`UPDATE users SET active = false WHERE email = 'regulator@example.org'`).Error; err != nil {
		t.Fatal(err)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/me", Token: body}); r.Status != 401 {
		t.Errorf("disabled user: %d", r.Status)
	}
}

func TestStaffSignIn(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	bad := []map[string]string{
		{"email": "reviewer@example.org", "password": "wrong password!"},
		{"email": "nobody@example.org", "password": teststack.DemoPassword},
	}
	for _, b := range bad {
		r := s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: b})
		if r.Status != 401 || r.JSON(t)["code"] != "invalid_credentials" {
			t.Errorf("%v: %d %s", b, r.Status, r.Body)
		}
	}
	r := s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: map[string]string{"email": " Reviewer@Example.org ", "password": teststack.DemoPassword}})
	m := r.JSON(t)
	if r.Status != 200 || m["token_type"] != "Bearer" || m["expires_in"].(float64) <= 0 || m["access_token"] == "" {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: map[string]string{}}); r.Status != 422 {
		t.Errorf("empty sign-in: %d", r.Status)
	}
}

func TestStaffCaseList(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	tok := s.Reviewer()
	sysID := registerID(t, s)
	var ids []string
	for i := range 7 {
		body := teststack.ValidCase()
		body["description"] = fmt.Sprintf("Complaint number %d about the scheduler.", i)
		if i%2 == 0 {
			delete(body, "ai_system_other")
			body["ai_system_id"] = sysID
			body["kind"] = "explanation_request"
		}
		ids = append(ids, s.File(body).ID)
	}
	// Nobody holds the case: a supervisor of its queue acknowledges it (issue 15).
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + ids[0] + "/acknowledge", Token: s.Login("supervisor@example.org")}); r.Status != 200 {
		t.Fatalf("acknowledge: %d %s", r.Status, r.Body)
	}

	// Pages of 3, newest first, every case once.
	seen := map[string]bool{}
	cursor := ""
	pages := 0
	for {
		q := url.Values{"limit": {"3"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		r := s.Do(req{Method: "GET", Path: "/api/v1/cases?" + q.Encode(), Token: tok})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		m := r.JSON(t)
		for _, it := range m["items"].([]any) {
			id := it.(map[string]any)["id"].(string)
			if seen[id] {
				t.Fatalf("case %s on two pages", id)
			}
			seen[id] = true
		}
		pages++
		cursor, _ = m["next_cursor"].(string)
		if cursor == "" {
			break
		}
	}
	if len(seen) != 7 || pages != 3 {
		t.Errorf("saw %d cases on %d pages, want 7 on 3", len(seen), pages)
	}

	filters := []struct {
		query string
		want  int
	}{
		{"status=acknowledged", 1},
		{"status=submitted,acknowledged", 7},
		{"kind=explanation_request", 4},
		{"ai_system_id=" + sysID, 4},
		{"kind=explanation_request&status=submitted", 3},
		{"breached=true", 0},
		{"breached=false", 7},
		{"priority=P1", 0},
	}
	for _, f := range filters {
		r := s.Do(req{Method: "GET", Path: "/api/v1/cases?" + f.query, Token: tok})
		if got := len(r.JSON(t)["items"].([]any)); r.Status != 200 || got != f.want {
			t.Errorf("%s: %d cases (status %d), want %d", f.query, got, r.Status, f.want)
		}
	}
	bad := []struct{ query, field string }{
		{"status=open", "status[0]"},
		// The statuses are written into the list's SQL as constants (for the
		// partial indexes of the active cases): anything outside the
		// vocabulary is refused before any SQL is built.
		{"status=" + url.QueryEscape("in_review') OR true --"), "status[0]"},
		{"status=" + url.QueryEscape("in_review,closed'||'"), "status[1]"},
		{"kind=other", "kind"},
		{"limit=0", "limit"},
		{"limit=many", "limit"},
		{"cursor=xyz", "cursor"},
		{"queue_id=7", "queue_id"},
		{"breached=maybe", "breached"},
		{"priority=P9", "priority"},
	}
	for _, b := range bad {
		r := s.Do(req{Method: "GET", Path: "/api/v1/cases?" + b.query, Token: tok})
		if r.Status != 422 || r.JSON(t)["errors"].([]any)[0].(map[string]any)["field"] != b.field {
			t.Errorf("%s: %d %s", b.query, r.Status, r.Body)
		}
	}
}

func TestStaffCaseDetailOpensSealedFields(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	tok := s.Reviewer()
	f := s.File(with(func(m map[string]any) {
		m["anonymous"] = false
		m["contact"] = map[string]any{"name": "Amina K.", "email": "amina@example.net", "preferred_channel": "email"}
		m["representative"] = map[string]any{"name": "Lena Ortiz", "mandate": "Signed authorisation"}
	}))
	r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: tok})
	if r.Status != 200 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	d := r.JSON(t)
	if d["description"] != teststack.ValidCase()["description"] || d["desired_outcome"] != teststack.ValidCase()["desired_outcome"] {
		t.Errorf("description/desired outcome not opened: %v / %v", d["description"], d["desired_outcome"])
	}
	// The identity stays sealed in the detail; …/identity opens it, and the
	// access log records that.
	if d["contact"] != nil || d["representative"] != nil || d["has_contact"] != true || d["represented"] != true ||
		strings.Contains(string(r.Body), "amina@example.net") || strings.Contains(string(r.Body), "Lena Ortiz") {
		t.Errorf("identity in the case's detail: %s", r.Body)
	}
	who := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/identity", Token: tok})
	if who.Status != 200 {
		t.Fatalf("identity: %d %s", who.Status, who.Body)
	}
	id := who.JSON(t)
	if c := id["contact"].(map[string]any); c["email"] != "amina@example.net" || id["preferred_channel"] != "email" {
		t.Errorf("contact %v", c)
	}
	if rep := id["representative"].(map[string]any); rep["mandate"] != "Signed authorisation" {
		t.Errorf("representative %v", rep)
	}
	cl := d["classification"].(map[string]any)
	if fmt.Sprint(cl["rights"]) != "[work non_discrimination]" || cl["source"] != "complainant" {
		t.Errorf("classification %v", cl)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/cases/not-a-uuid", Token: tok}); r.Status != 422 {
		t.Errorf("bad id: %d", r.Status)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/cases/6f1c1d0e-0000-4000-8000-000000000000", Token: tok}); r.Status != 404 {
		t.Errorf("unknown id: %d", r.Status)
	}
}

func TestTransitions(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	tok := s.Reviewer()
	f := s.File(teststack.ValidCase())
	path := "/api/v1/cases/" + f.ID
	// Only the case's reviewer moves it: Rita claims it first.
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: tok}); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}

	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   string
	}{
		{"unknown status", map[string]any{"to": "archived", "reason": "x"}, 422, ""},
		{"no reason", map[string]any{"to": "rejected"}, 422, ""},
		{"acknowledge through transitions", map[string]any{"to": "acknowledged", "reason": "x"}, 422, ""},
		{"decided only through a decision", map[string]any{"to": "decided", "reason": "done"}, 422, ""},
		{"closed only through close", map[string]any{"to": "closed", "reason": "done"}, 422, ""},
		{"appealed only by the complainant", map[string]any{"to": "appealed", "reason": "done"}, 422, ""},
		{"remedies come with an offer", map[string]any{"to": "remedy_in_progress", "reason": "done"}, 422, ""},
		{"into review", map[string]any{"to": "in_review", "reason": "Reviewing the scheduling data."}, 200, "in_review"},
		{"ask the complainant", map[string]any{"to": "awaiting_complainant", "reason": "Which shifts?"}, 200, "awaiting_complainant"},
		{"pending approval only through a decision", map[string]any{"to": "pending_approval", "reason": "x"}, 422, ""},
		{"back to review", map[string]any{"to": "in_review", "reason": "Reply received."}, 200, "in_review"},
	}
	for _, tc := range cases {
		r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: tok, Body: tc.body})
		if r.Status != tc.status {
			t.Fatalf("%s: %d %s", tc.name, r.Status, r.Body)
		}
		if tc.want != "" && r.JSON(t)["status"] != tc.want {
			t.Errorf("%s: status %v", tc.name, r.JSON(t)["status"])
		}
		if tc.status == 409 && r.JSON(t)["code"] != "illegal_transition" {
			t.Errorf("%s: %s", tc.name, r.Body)
		}
	}
	// An acknowledge after the case has moved on is refused too.
	if r := s.Do(req{Method: "POST", Path: path + "/acknowledge", Token: tok}); r.Status != 409 {
		t.Errorf("late acknowledge: %d", r.Status)
	}
}

// The database itself refuses an illegal move, whoever issues the UPDATE.
func TestDatabaseRefusesIllegalTransitions(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	err := s.Core.DB.Exec(`UPDATE cases SET status = 'closed' WHERE id = ?`, f.ID).Error
	if err == nil {
		t.Fatal("submitted → closed was accepted by the database")
	}
	if err := s.Core.DB.Exec(`UPDATE cases SET status = 'archived' WHERE id = ?`, f.ID).Error; err == nil {
		t.Fatal("an unknown status was accepted by the database")
	}
	if err := s.Core.DB.Exec(`UPDATE cases SET status = 'in_review' WHERE id = ?`, f.ID).Error; err == nil {
		t.Fatal("in_review without acknowledged_at was accepted")
	}
	if err := s.Core.DB.Exec(`UPDATE cases SET status = 'acknowledged', acknowledged_at = now() WHERE id = ?`, f.ID).Error; err != nil {
		t.Fatalf("a legal move was refused: %v", err)
	}
	var status string
	_ = s.Core.DB.WithContext(context.Background()).Raw(`SELECT status FROM cases WHERE id = ?`, f.ID).Scan(&status)
	if status != "acknowledged" {
		t.Errorf("status %s", status)
	}
}

// Wrong passwords back the source off after five (docs/sign-in.md; the
// owner's side is in signin_bound_test.go): the sixth try is 429 with
// Retry-After, even with the right password, and the source's try at
// another account too.
func TestSignInIsThrottledPerAccount(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff})
	for i := range 5 {
		r := s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: map[string]string{"email": "admin@example.org", "password": fmt.Sprint("guess ", i)}})
		if r.Status != 401 {
			t.Fatalf("attempt %d: %d", i, r.Status)
		}
	}
	r := s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: map[string]string{"email": "Admin@example.org", "password": teststack.DemoPassword}})
	if r.Status != 429 || r.JSON(t)["code"] != "too_many_attempts" || r.Header.Get("Retry-After") == "" {
		t.Fatalf("6th attempt: %d %v %s", r.Status, r.Header, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: map[string]string{"email": "reviewer@example.org", "password": teststack.DemoPassword}}); r.Status != 429 {
		t.Errorf("the same source, another account: %d", r.Status)
	}
}
