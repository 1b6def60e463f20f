package frontend_test

import (
	"net/http"
	"testing"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Every page, in every role that may open it, passes axe-core with no
// violation, has all its messages, and fits the window: in English, in
// Arabic (right to left) and on a 320 px screen. Forms that come back with
// errors are audited by the flow and sign-in tests.
func TestBrowserEveryPageInEveryRole(t *testing.T) {
	t.Parallel() // the longest of the package: run beside each other, not one after the other
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL

	// A case with a referral, in a queue: the workspace and the portal have something to show.
	f, referral := refEscalate(t, s, "demo-dpa", "identity_withheld")
	if err := s.Core.DB.Exec(`UPDATE cases SET queue_id = (SELECT id FROM queues WHERE slug = 'general'), routed_at = now(),
		priority = coalesce(priority, 'P3') WHERE id = ?`, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	caseID := "/cases/" + f.ID
	// More complaints about the register's systems, so the dashboard has bars.
	for i, slug := range []string{"shift-scheduler", "shift-scheduler", "shift-scheduler", "hiring-screener",
		"hiring-screener", "credit-scorer", "benefits-fraud-detector", "shift-scheduler"} {
		body := teststack.ValidCase()
		delete(body, "ai_system_other")
		body["ai_system_id"] = idOf(t, s, `SELECT id::text FROM ai_systems WHERE slug = ?`, slug)
		other := s.File(body)
		if err := s.Core.DB.Exec(`UPDATE cases SET queue_id = (SELECT id FROM queues WHERE slug = ?), routed_at = now(),
			priority = coalesce(priority, 'P3'), submitted_at = now() - make_interval(days => ?) WHERE id = ?`,
			[]string{"employment", "general", "credit-and-benefits"}[i%3], 9*i, other.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	id := func(q string) string { return idOf(t, s, q) }
	system := id(`SELECT id::text FROM ai_systems ORDER BY slug LIMIT 1`)
	queue := id(`SELECT id::text FROM queues WHERE slug = 'general'`)
	rule := id(`SELECT id::text FROM routing_rules ORDER BY position LIMIT 1`)
	calendar := id(`SELECT id::text FROM sla_calendars ORDER BY name LIMIT 1`)
	policy := id(`SELECT id::text FROM sla_policies ORDER BY name LIMIT 1`)
	body := id(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`)

	public := []string{"/", "/procedure", "/ai-systems", "/bodies", "/complaints/new", "/follow-up", "/login"}
	roles := []struct {
		email string
		pages []string
	}{
		{"reviewer@example.org", []string{"/queue", caseID}},
		{"supervisor@example.org", []string{"/queue", caseID, "/dashboard"}},
		{"admin@example.org", []string{caseID, "/dashboard", "/admin",
			"/admin/ai-systems", "/admin/ai-systems/new", "/admin/ai-systems/" + system,
			"/admin/queues", "/admin/queues/" + queue,
			"/admin/routing-rules", "/admin/routing-rules/new", "/admin/routing-rules/" + rule,
			"/admin/sla", "/admin/sla/calendars/new", "/admin/sla/calendars/" + calendar,
			"/admin/sla/policies/new", "/admin/sla/policies/" + policy,
			"/admin/bodies", "/admin/bodies/new", "/admin/bodies/" + body,
			"/admin/users", "/admin/users/new", "/admin/organisation", "/admin/retention"}},
		{"regulator@example.org", []string{"/referrals", "/referrals/" + referral}},
	}
	for _, view := range []struct {
		name string
		opts []browser.TabOption
	}{
		{"en", nil},
		{"ar", []browser.TabOption{browser.AcceptLanguage("ar")}},
		{"320px", []browser.TabOption{browser.Viewport(320, 640), browser.NoJavaScript()}},
	} {
		t.Run(view.name, func(t *testing.T) {
			anon := b.Tab(t, view.opts...)
			for _, p := range public {
				visit(t, anon, base, p, http.StatusOK, view.name+" "+p)
			}
			for _, r := range roles {
				tab := b.Tab(t, view.opts...)
				signIn(t, tab, base, r.email)
				for _, p := range r.pages {
					visit(t, tab, base, p, http.StatusOK, view.name+" "+r.email+" "+p)
				}
				if !browser.ScreenshotsWanted() {
					continue
				}
				if view.name == "en" && r.email == "supervisor@example.org" {
					browser.Navigate(t, tab, base+"/dashboard")
					browser.Screenshot(t, tab, "dashboard")
				}
				if view.name == "ar" && r.email == "reviewer@example.org" {
					browser.Navigate(t, tab, base+caseID)
					browser.Screenshot(t, tab, "workspace-ar")
				}
			}
		})
	}
}
