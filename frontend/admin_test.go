package frontend_test

import (
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// idOf is the id of the row the database holds for query.
func idOf(t *testing.T, s *teststack.Stack, query string, args ...any) string {
	t.Helper()
	var id string
	if err := s.Core.DB.Raw(query, args...).Row().Scan(&id); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return id
}

// countOf is a count the database gives.
func countOf(t *testing.T, s *teststack.Stack, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Core.DB.Raw(query, args...).Row().Scan(&n); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// wantRedirect fails unless p is a 303 to path.
func wantRedirect(t *testing.T, what string, p page, path string) {
	t.Helper()
	if p.Status != 303 || p.Header.Get("Location") != path {
		t.Fatalf("%s: %d to %q, want 303 to %s\n%s", what, p.Status, p.Header.Get("Location"), path, p.Body)
	}
}

// wantInvalid fails unless p is a 422 naming each field (summary link and aria-invalid).
func wantInvalid(t *testing.T, what string, p page, ids ...string) {
	t.Helper()
	if p.Status != 422 {
		t.Fatalf("%s: %d, want 422\n%s", what, p.Status, p.Body)
	}
	for _, id := range ids {
		if !strings.Contains(p.Body, `href="#`+id+`"`) || !regexp.MustCompile(`id="`+regexp.QuoteMeta(id)+`"[^>]*aria-invalid="true"|id="`+regexp.QuoteMeta(id)+`" class="has-error"`).MatchString(p.Body) {
			t.Errorf("%s: %s not named\n%s", what, id, p.Body)
		}
	}
}

func TestAdminPagesAreForAdminsOnly(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	system := idOf(t, s, `SELECT id::text FROM ai_systems WHERE slug = 'hiring-screener'`)
	queue := idOf(t, s, `SELECT id::text FROM queues WHERE slug = 'general'`)
	rule := idOf(t, s, `SELECT id::text FROM routing_rules WHERE is_default`)
	calendar := idOf(t, s, `SELECT id::text FROM sla_calendars LIMIT 1`)
	policy := idOf(t, s, `SELECT id::text FROM sla_policies WHERE is_default`)
	body := idOf(t, s, `SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`)
	pages := map[string]string{
		"/admin": "<h1>Administration</h1>", "/admin/ai-systems": "TalentSift hiring screener",
		"/admin/ai-systems/new": "Add an AI system", "/admin/ai-systems/" + system: "Alerts on repeated complaints",
		"/admin/queues": "General review", "/admin/queues/" + queue: "Auto-assignment",
		"/admin/routing-rules": "Every case", "/admin/routing-rules/new": "Where matching cases go",
		"/admin/routing-rules/" + rule: "This is the default rule",
		"/admin/sla":                   "Office hours, Europe/Brussels", "/admin/sla/calendars/new": "Working hours",
		"/admin/sla/calendars/" + calendar: "09:00-17:00", "/admin/sla/policies/new": "Deadlines per priority",
		"/admin/sla/policies/" + policy: "GDPR art. 12(3)",
		"/admin/bodies":                 "Data Protection Authority (demo)", "/admin/bodies/new": "Add an independent body",
		"/admin/bodies/" + body: "Regina Regulator", "/admin/users": "Rita Reviewer", "/admin/users/new": "Initial password",
	}
	admin := signedIn(t, s, "admin@example.org")
	supervisor := signedIn(t, s, "supervisor@example.org")
	anonymous := newClient(t, s.URL)
	for path, want := range pages {
		p := admin.get(path)
		if p.Status != 200 || !strings.Contains(p.Body, want) {
			t.Errorf("admin %s: %d, lacks %q\n%s", path, p.Status, want, p.Body)
		}
		if strings.Count(p.Body, "<h1") != 1 || strings.Contains(p.Body, "⟦") || strings.Contains(p.Body, "style=") {
			t.Errorf("admin %s: h1 %d, or a missing message, or inline style", path, strings.Count(p.Body, "<h1"))
		}
		if p := supervisor.get(path); p.Status != 403 {
			t.Errorf("supervisor %s: %d", path, p.Status)
		}
		if p := anonymous.get(path); p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
			t.Errorf("anonymous %s: %d", path, p.Status)
		}
	}
	// A supervisor cannot post either; an unknown id is a 404.
	if p := supervisor.post("/admin/users", url.Values{"name": {"X"}}); p.Status != 403 {
		t.Errorf("supervisor post: %d", p.Status)
	}
	for _, path := range []string{"/admin/ai-systems/not-a-uuid", "/admin/queues/00000000-0000-0000-0000-000000000000",
		"/admin/bodies/00000000-0000-0000-0000-000000000000", "/admin/sla/policies/00000000-0000-0000-0000-000000000000"} {
		if p := admin.get(path); p.Status != 404 {
			t.Errorf("%s: %d", path, p.Status)
		}
	}
}
