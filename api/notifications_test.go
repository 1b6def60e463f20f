package api_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// problemField returns the status and the first field error of a problem.
func problemField(t *testing.T, r *teststack.Response) (int, string, string) {
	t.Helper()
	m := r.JSON(t)
	errs, _ := m["errors"].([]any)
	if len(errs) == 0 {
		return r.Status, "", fmt.Sprint(m["code"])
	}
	e := errs[0].(map[string]any)
	return r.Status, e["field"].(string), e["code"].(string)
}

func TestWebhooksAdmin(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	admin := s.Login("admin@example.org")
	path := "/api/v1/admin/webhooks"
	for _, tok := range []string{s.Reviewer(), s.Login("supervisor@example.org")} {
		if r := s.Do(req{Method: "GET", Path: path, Token: tok}); r.Status != 403 {
			t.Errorf("non-admin listing webhooks: %d", r.Status)
		}
		if r := s.Do(req{Method: "POST", Path: path, Token: tok, Body: map[string]any{"url": "https://x.example.org/"}}); r.Status != 403 {
			t.Errorf("non-admin creating a webhook: %d", r.Status)
		}
	}
	if r := s.Do(req{Method: "GET", Path: path}); r.Status != 401 {
		t.Errorf("anonymous listing webhooks: %d", r.Status)
	}

	tooMany := make([]string, 51)
	for i := range tooMany {
		tooMany[i] = "redress.case.submitted"
	}
	bad := []struct {
		body        any
		status      int
		field, code string
	}{
		{map[string]any{}, 422, "url", "required"},
		{map[string]any{"url": "http://hooks.example.org/redress"}, 422, "url", "invalid"},
		{map[string]any{"url": "https://user:pw@hooks.example.org/"}, 422, "url", "invalid"},
		{map[string]any{"url": "not a url"}, 422, "url", "invalid"},
		{map[string]any{"url": "https://hooks.example.org/", "secret": "short"}, 422, "secret", "invalid_length"},
		{map[string]any{"url": "https://hooks.example.org/", "events": []string{"case.submitted"}}, 422, "events[0]", "invalid"},
		{map[string]any{"url": "https://hooks.example.org/", "events": []string{"redress.case.submitted", "redress"}}, 422, "events[1]", "invalid"},
		{map[string]any{"url": "https://hooks.example.org/", "events": tooMany}, 422, "events", "too_many"},
		{map[string]any{"url": "https://hooks.example.org/", "events": "redress.>"}, 422, "events", "wrong_type"},
		{map[string]any{"url": "https://hooks.example.org/", "active": true}, 422, "active", "unknown_field"},
		{`{"url": "https://hooks.example.org/"`, 400, "", "malformed_json"},
		{`[]`, 400, "", "malformed_json"},
	}
	for _, b := range bad {
		r := s.Do(req{Method: "POST", Path: path, Token: admin, Body: b.body})
		if status, field, code := problemField(t, r); status != b.status || field != b.field || code != b.code {
			t.Errorf("%v: %d %s", b.body, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: admin, Body: "url=https://x", Header: map[string]string{"Content-Type": "text/plain"}}); r.Status != 415 {
		t.Errorf("form body: %d", r.Status)
	}
	var n int
	s.Core.DB.Raw(`SELECT count(*) FROM webhook_endpoints`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d endpoints after bad requests", n)
	}

	// The admin's own secret is kept sealed and never shown back.
	const mine = "my-own-shared-secret-of-forty-characters!"
	r := s.Do(req{Method: "POST", Path: path, Token: admin, Body: map[string]any{"url": "https://hooks.example.org/redress",
		"secret": mine, "events": []string{"redress.sla.>", "redress.case.submitted"}}})
	if r.Status != 201 || strings.Contains(string(r.Body), mine) || r.JSON(t)["active"] != true {
		t.Fatalf("create with a secret: %d %s", r.Status, r.Body)
	}
	first := r.JSON(t)["id"].(string)
	// Without one, a secret is generated and shown once.
	r = s.Do(req{Method: "POST", Path: path, Token: admin, Body: map[string]any{"url": "http://127.0.0.1:9999/hook"}})
	generated, _ := r.JSON(t)["secret"].(string)
	if r.Status != 201 || !strings.HasPrefix(generated, "whsec_") || len(generated) < 40 || r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	second := r.JSON(t)["id"].(string)
	list := s.Do(req{Method: "GET", Path: path, Token: admin})
	if list.Status != 200 || strings.Contains(string(list.Body), generated) || strings.Contains(string(list.Body), mine) ||
		strings.Contains(string(list.Body), `"secret"`) {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	items := list.JSON(t)["items"].([]any)
	if len(items) != 2 || items[0].(map[string]any)["id"] != first || items[1].(map[string]any)["id"] != second ||
		fmt.Sprint(items[0].(map[string]any)["events"]) != "[redress.sla.> redress.case.submitted]" ||
		fmt.Sprint(items[1].(map[string]any)["events"]) != "[]" {
		t.Errorf("items %v", items)
	}
	if dump := testenv.Dump(t, s.DBURL); strings.Contains(dump, mine) || strings.Contains(dump, generated) {
		t.Error("a webhook secret is stored in the clear")
	}

	// Pause and resume.
	active := path + "/" + first + "/active"
	for _, b := range []struct {
		path        string
		body        any
		status      int
		field, code string
	}{
		{path + "/nope/active", map[string]any{"active": false}, 422, "id", "invalid"},
		{path + "/" + uuid.NewString() + "/active", map[string]any{"active": false}, 404, "", "endpoint_not_found"},
		{active, map[string]any{}, 422, "active", "required"},
		{active, map[string]any{"active": "no"}, 422, "active", "wrong_type"},
		{active, map[string]any{"active": nil}, 422, "active", "required"},
	} {
		r := s.Do(req{Method: "POST", Path: b.path, Token: admin, Body: b.body})
		if status, field, code := problemField(t, r); status != b.status || field != b.field || code != b.code {
			t.Errorf("%s %v: %d %s", b.path, b.body, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: active, Token: admin, Body: map[string]any{"active": false}}); r.Status != 200 ||
		r.JSON(t)["active"] != false || r.JSON(t)["id"] != first {
		t.Errorf("pause: %d %s", r.Status, r.Body)
	}
	var isActive bool
	s.Core.DB.Raw(`SELECT active FROM webhook_endpoints WHERE id = ?`, first).Scan(&isActive)
	if isActive {
		t.Error("still active after the pause")
	}

	// The delivery log.
	for _, b := range []struct {
		path        string
		status      int
		field, code string
	}{
		{path + "/nope/deliveries", 422, "id", "invalid"},
		{path + "/" + uuid.NewString() + "/deliveries", 404, "", "endpoint_not_found"},
		{path + "/" + first + "/deliveries?limit=0", 422, "limit", "out_of_range"},
		{path + "/" + first + "/deliveries?limit=201", 422, "limit", "out_of_range"},
		{path + "/" + first + "/deliveries?cursor=abc", 422, "cursor", "invalid"},
		{path + "/" + first + "/deliveries?cursor=-4", 422, "cursor", "invalid"},
	} {
		r := s.Do(req{Method: "GET", Path: b.path, Token: admin})
		if status, field, code := problemField(t, r); status != b.status || field != b.field || code != b.code {
			t.Errorf("%s: %d %s", b.path, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "GET", Path: path + "/" + first + "/deliveries", Token: admin}); r.Status != 200 ||
		string(r.Body) != `{"items":[],"next_cursor":""}` {
		t.Errorf("empty log: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: path + "/" + first + "/deliveries", Token: s.Reviewer()}); r.Status != 403 {
		t.Errorf("reviewer reading the log: %d", r.Status)
	}
}

func TestQueueMembersAdmin(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	admin := s.Login("admin@example.org")
	queues := queueIDs(t, s, admin)
	users := map[string]string{}
	var rows []struct{ ID, Email string }
	s.Core.DB.Raw(`SELECT id::text, email FROM users`).Scan(&rows)
	for _, r := range rows {
		users[r.Email] = r.ID
	}
	members := func(queue string) []string {
		t.Helper()
		r := s.Do(req{Method: "GET", Path: "/api/v1/admin/queues/" + queue + "/members", Token: admin})
		if r.Status != 200 {
			t.Fatalf("members: %d %s", r.Status, r.Body)
		}
		var out []string
		for _, it := range r.JSON(t)["items"].([]any) {
			out = append(out, it.(map[string]any)["email"].(string))
		}
		return out
	}
	// The demo's members: every demo account of the staff works every
	// queue; only the first ones are emailed of each new case.
	notified := func(queue string) []string {
		t.Helper()
		var out []string
		for _, it := range s.Do(req{Method: "GET", Path: "/api/v1/admin/queues/" + queue + "/members", Token: admin}).JSON(t)["items"].([]any) {
			if m := it.(map[string]any); m["notify_new_cases"] == true {
				out = append(out, m["email"].(string))
			}
		}
		return out
	}
	const all = "[admin@example.org reviewer2@example.org reviewer@example.org supervisor@example.org]"
	for slug, want := range map[string]string{"general": "[reviewer@example.org]", "employment": "[reviewer@example.org]",
		"credit-and-benefits": "[reviewer2@example.org]", "supervisors": "[supervisor@example.org]", "incidents": "[]"} {
		if got := fmt.Sprint(members(queues[slug])); got != all {
			t.Errorf("%s members %s, want %s", slug, got, all)
		}
		if got := fmt.Sprint(notified(queues[slug])); got != want {
			t.Errorf("%s notified members %s, want %s", slug, got, want)
		}
	}
	// The rest works on an empty queue of its own.
	if err := s.Core.DB.Exec(`INSERT INTO queues (slug, name) VALUES ('empty', 'Empty')`).Error; err != nil {
		t.Fatal(err)
	}
	var empty string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'empty'`).Scan(&empty)
	queues["incidents"] = empty

	incidents := "/api/v1/admin/queues/" + queues["incidents"] + "/members/"
	for _, b := range []struct {
		method, path string
		status       int
		field, code  string
	}{
		{"PUT", "/api/v1/admin/queues/nope/members/" + users["reviewer@example.org"], 422, "id", "invalid"},
		{"PUT", incidents + "nope", 422, "user_id", "invalid"},
		{"PUT", "/api/v1/admin/queues/" + uuid.NewString() + "/members/" + users["reviewer@example.org"], 404, "", "queue_not_found"},
		{"PUT", incidents + uuid.NewString(), 404, "", "user_not_found"},
		{"PUT", incidents + users["regulator@example.org"], 422, "user_id", "not_staff"},
		{"DELETE", "/api/v1/admin/queues/" + uuid.NewString() + "/members/" + users["reviewer@example.org"], 404, "", "queue_not_found"},
		{"DELETE", incidents + "nope", 422, "user_id", "invalid"},
		{"GET", "/api/v1/admin/queues/nope/members", 422, "id", "invalid"},
		{"GET", "/api/v1/admin/queues/" + uuid.NewString() + "/members", 404, "", "queue_not_found"},
	} {
		r := s.Do(req{Method: b.method, Path: b.path, Token: admin})
		if status, field, code := problemField(t, r); status != b.status || field != b.field || code != b.code {
			t.Errorf("%s %s: %d %s", b.method, b.path, r.Status, r.Body)
		}
	}
	// Disabled users cannot join.
	s.Core.DB.Exec(`UPDATE users SET active = false WHERE email = 'reviewer2@example.org'`)
	if r := s.Do(req{Method: "PUT", Path: incidents + users["reviewer2@example.org"], Token: admin}); r.Status != 404 {
		t.Errorf("disabled user: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: incidents + users["reviewer@example.org"], Token: s.Login("supervisor@example.org")}); r.Status != 403 {
		t.Errorf("supervisor adding a member: %d", r.Status)
	}
	if got := members(queues["incidents"]); len(got) != 0 {
		t.Fatalf("members after refused requests: %v", got)
	}

	// Add twice, remove twice: idempotent.
	for range 2 {
		if r := s.Do(req{Method: "PUT", Path: incidents + users["supervisor@example.org"], Token: admin}); r.Status != 204 {
			t.Errorf("add: %d %s", r.Status, r.Body)
		}
	}
	// An admin cannot add themselves (their id in upper case included):
	// membership would open the queue's cases without break-glass.
	if r := s.Do(req{Method: "PUT", Path: incidents + strings.ToUpper(users["admin@example.org"]), Token: admin}); r.Status != 403 ||
		!strings.Contains(string(r.Body), "own_membership") {
		t.Errorf("an admin adds themselves: %d %s", r.Status, r.Body)
	}
	other := s.Outsider("admin2@example.org", "admin")
	if r := s.Do(req{Method: "PUT", Path: incidents + users["admin@example.org"], Token: other}); r.Status != 204 {
		t.Errorf("another admin adds the admin: %d %s", r.Status, r.Body)
	}
	if got := fmt.Sprint(members(queues["incidents"])); got != "[admin@example.org supervisor@example.org]" {
		t.Errorf("members %s", got)
	}
	for range 2 {
		if r := s.Do(req{Method: "DELETE", Path: incidents + users["supervisor@example.org"], Token: admin}); r.Status != 204 {
			t.Errorf("remove: %d %s", r.Status, r.Body)
		}
	}
	if got := fmt.Sprint(members(queues["incidents"])); got != "[admin@example.org]" {
		t.Errorf("members after removal %s", got)
	}
}
