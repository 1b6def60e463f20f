package frontend_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestAdminAISystemForms(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := signedIn(t, s, "admin@example.org")
	before := countOf(t, s, `SELECT count(*) FROM ai_systems`)

	// Bad input: 422 naming the fields, nothing written.
	p := c.post("/admin/ai-systems", url.Values{"slug": {"Not A Slug"}, "name": {""}, "provider": {"Acme"},
		"purpose": {""}, "deployed_since": {"someday"}, "active": {"on"}})
	wantInvalid(t, "bad system", p, "f-slug", "f-name", "f-purpose", "f-deployed-since")
	if !strings.Contains(p.Body, `value="Acme"`) {
		t.Error("the form lost what was typed")
	}
	if n := countOf(t, s, `SELECT count(*) FROM ai_systems`); n != before {
		t.Errorf("%d systems after a refused form", n)
	}
	// The happy path.
	p = c.post("/admin/ai-systems", url.Values{"slug": {"tenant-screener"}, "name": {"Tenant screener"}, "provider": {"Acme"},
		"version": {"1.2"}, "purpose": {"Screens rental applications"}, "risk_area": {"essential services"},
		"eu_database_id": {"EU-DB-42"}, "deployed_since": {"2025-06-01"}, "active": {"on"}})
	id := idOf(t, s, `SELECT id::text FROM ai_systems WHERE slug = 'tenant-screener' AND eu_database_id = 'EU-DB-42' AND active`)
	wantRedirect(t, "create system", p, "/admin/ai-systems/"+id)
	if p := c.get("/admin/ai-systems/" + id); !strings.Contains(p.Body, "The AI system was added to the register.") {
		t.Error("no flash after creating")
	}
	// The same slug again: 409 naming the slug.
	p = c.post("/admin/ai-systems", url.Values{"slug": {"tenant-screener"}, "name": {"Again"}, "provider": {"Acme"}, "purpose": {"x"}})
	if p.Status != 409 || !strings.Contains(p.Body, `href="#f-slug"`) {
		t.Errorf("taken slug: %d", p.Status)
	}
	// Edit: deactivate and change the version.
	p = c.post("/admin/ai-systems/"+id, url.Values{"slug": {"tenant-screener"}, "name": {"Tenant screener"}, "provider": {"Acme"},
		"version": {"2.0"}, "purpose": {"Screens rental applications"}})
	wantRedirect(t, "edit system", p, "/admin/ai-systems/"+id)
	if n := countOf(t, s, `SELECT count(*) FROM ai_systems WHERE id = ? AND version = '2.0' AND NOT active`, id); n != 1 {
		t.Error("the edit was not saved")
	}
	// Alerting: bad, then good.
	wantInvalid(t, "alerting", c.post("/admin/ai-systems/"+id+"/alerting", url.Values{"threshold": {"1"}, "window_hours": {"x"}}),
		"f-threshold", "f-window-hours")
	wantRedirect(t, "alerting", c.post("/admin/ai-systems/"+id+"/alerting", url.Values{"threshold": {"3"}, "window_hours": {"48"}}),
		"/admin/ai-systems/"+id)
	if n := countOf(t, s, `SELECT count(*) FROM ai_systems WHERE id = ? AND alert_threshold = 3 AND alert_window_hours = 48`, id); n != 1 {
		t.Error("alerting not saved")
	}
	// Lifting a suspension: 409 when there is none; then with one.
	if p := c.post("/admin/ai-systems/"+id+"/lift-suspension", url.Values{"reason": {"fixed"}}); p.Status != 409 {
		t.Errorf("lift without a suspension: %d", p.Status)
	}
	s.Core.DB.Exec(`UPDATE ai_systems SET suspended_at = now() WHERE id = ?`, id)
	if p := c.get("/admin/ai-systems/" + id); !strings.Contains(p.Body, "Lift the suspension") {
		t.Error("a suspended system offers no lifting")
	}
	wantInvalid(t, "lift without a reason", c.post("/admin/ai-systems/"+id+"/lift-suspension", url.Values{"reason": {" "}}), "f-reason")
	wantRedirect(t, "lift", c.post("/admin/ai-systems/"+id+"/lift-suspension", url.Values{"reason": {"The provider fixed it."}}),
		"/admin/ai-systems/"+id)
	if n := countOf(t, s, `SELECT count(*) FROM ai_systems WHERE id = ? AND suspended_at IS NULL`, id); n != 1 {
		t.Error("still suspended")
	}
}

func TestAdminQueueForms(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := signedIn(t, s, "admin@example.org")
	queue := idOf(t, s, `SELECT id::text FROM queues WHERE slug = 'general'`)
	rev2 := idOf(t, s, `SELECT id::text FROM users WHERE email = 'reviewer2@example.org'`)
	regulator := idOf(t, s, `SELECT id::text FROM users WHERE email = 'regulator@example.org'`)
	members := func() int {
		return countOf(t, s, `SELECT count(*) FROM queue_members WHERE queue_id = ?`, queue)
	}
	// The demo's staff are members of every queue: take Rui out first.
	if err := s.Core.DB.Exec(`DELETE FROM queue_members WHERE queue_id = ? AND user_id = ?`, queue, rev2).Error; err != nil {
		t.Fatal(err)
	}
	n := members()
	wantInvalid(t, "no member chosen", c.post("/admin/queues/"+queue+"/members", url.Values{"user_id": {""}}), "f-user-id")
	wantInvalid(t, "a body's user", c.post("/admin/queues/"+queue+"/members", url.Values{"user_id": {regulator}}), "f-user-id")
	// Nobody adds themselves: it would open the queue's cases without break-glass.
	me := idOf(t, s, `SELECT id::text FROM users WHERE email = 'admin@example.org'`)
	if err := s.Core.DB.Exec(`DELETE FROM queue_members WHERE queue_id = ? AND user_id = ?`, queue, me).Error; err != nil {
		t.Fatal(err)
	}
	if p := c.post("/admin/queues/"+queue+"/members", url.Values{"user_id": {me}}); p.Status != 403 ||
		!strings.Contains(p.Body, "cannot add yourself") {
		t.Errorf("an admin adds themselves: %d", p.Status)
	}
	n = members()
	wantRedirect(t, "add member", c.post("/admin/queues/"+queue+"/members", url.Values{"user_id": {rev2}}), "/admin/queues/"+queue)
	if members() != n+1 {
		t.Fatal("member not added")
	}
	if p := c.get("/admin/queues/" + queue); !strings.Contains(p.Body, "Remove Rui Reviewer") {
		t.Error("the new member is not listed")
	}
	wantRedirect(t, "remove member", c.post("/admin/queues/"+queue+"/members/"+rev2+"/remove", url.Values{}), "/admin/queues/"+queue)
	if members() != n {
		t.Error("member not removed")
	}
	wantInvalid(t, "cap", c.post("/admin/queues/"+queue+"/auto-assignment", url.Values{"auto_assign": {"on"}, "cap": {"0"}}), "f-cap")
	wantRedirect(t, "auto-assign", c.post("/admin/queues/"+queue+"/auto-assignment", url.Values{"auto_assign": {"on"}, "cap": {"4"}}),
		"/admin/queues/"+queue)
	if countOf(t, s, `SELECT count(*) FROM queues WHERE id = ? AND auto_assign AND assign_cap = 4`, queue) != 1 {
		t.Error("auto-assignment not saved")
	}
}

func TestAdminRoutingRuleForms(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := signedIn(t, s, "admin@example.org")
	queue := idOf(t, s, `SELECT id::text FROM queues WHERE slug = 'general'`)
	system := idOf(t, s, `SELECT id::text FROM ai_systems WHERE slug = 'credit-scorer'`)
	rules := func() int { return countOf(t, s, `SELECT count(*) FROM routing_rules`) }
	n := rules()
	wantInvalid(t, "bad rule", c.post("/admin/routing-rules", url.Values{"name": {""}, "queue_id": {""}, "priority": {"P9"},
		"required_skills": {"a,{b}"}}), "f-name", "f-queue-id", "f-priority", "f-required-skills")
	if rules() != n {
		t.Fatal("a refused rule was written")
	}
	p := c.post("/admin/routing-rules", url.Values{"name": {"Credit in French"}, "enabled": {"on"}, "kinds": {"contest_decision", "concern"},
		"ai_system_ids": {system}, "rights": {"credit_and_essential_services"}, "languages": {"fr, fr-BE"},
		"queue_id": {queue}, "priority": {"P1"}, "sla_policy": {"eu-default"}, "required_languages": {"fr"}})
	wantRedirect(t, "create rule", p, "/admin/routing-rules")
	id := idOf(t, s, `SELECT id::text FROM routing_rules WHERE name = 'Credit in French' AND priority = 'P1'
		AND kinds = '{contest_decision,concern}' AND languages = '{fr,fr-BE}' AND sla_policy = 'eu-default'`)
	// Edit it: disable.
	wantRedirect(t, "edit rule", c.post("/admin/routing-rules/"+id, url.Values{"name": {"Credit in French"},
		"queue_id": {queue}, "priority": {"P2"}}), "/admin/routing-rules")
	if countOf(t, s, `SELECT count(*) FROM routing_rules WHERE id = ? AND NOT enabled AND priority = 'P2' AND kinds = '{}'`, id) != 1 {
		t.Error("edit not saved")
	}
	// Reorder: the list's buttons carry the new order; the new rule moves up.
	list := c.get("/admin/routing-rules")
	if !strings.Contains(list.Body, "Move Credit in French up") {
		t.Fatalf("no move button:\n%s", list.Body)
	}
	var order []string
	s.Core.DB.Raw(`SELECT id::text FROM routing_rules WHERE NOT is_default ORDER BY position`).Scan(&order)
	if order[len(order)-1] != id {
		t.Fatalf("the new rule is not last: %v", order)
	}
	moved := append([]string{}, order...)
	moved[len(moved)-1], moved[len(moved)-2] = moved[len(moved)-2], moved[len(moved)-1]
	wantRedirect(t, "reorder", c.post("/admin/routing-rules/order", url.Values{"ids": moved}), "/admin/routing-rules")
	var after []string
	s.Core.DB.Raw(`SELECT id::text FROM routing_rules WHERE NOT is_default ORDER BY position`).Scan(&after)
	if after[len(after)-2] != id {
		t.Errorf("order after moving up: %v", after)
	}
	// A stale order (a rule missing) is refused and changes nothing.
	if p := c.post("/admin/routing-rules/order", url.Values{"ids": moved[:1]}); p.Status != 422 {
		t.Errorf("stale order: %d", p.Status)
	}
	// The default rule keeps matching everything: its form sends no conditions.
	def := idOf(t, s, `SELECT id::text FROM routing_rules WHERE is_default`)
	wantRedirect(t, "edit default", c.post("/admin/routing-rules/"+def, url.Values{"name": {"Everything else"},
		"queue_id": {queue}, "priority": {"P3"}}), "/admin/routing-rules")
	if countOf(t, s, `SELECT count(*) FROM routing_rules WHERE is_default AND enabled AND name = 'Everything else'`) != 1 {
		t.Error("default rule edit")
	}
}

func TestAdminSLAForms(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := signedIn(t, s, "admin@example.org")

	// A calendar: bad time zone and a malformed span, named; nothing written.
	cals := countOf(t, s, `SELECT count(*) FROM sla_calendars`)
	p := c.post("/admin/sla/calendars", url.Values{"slug": {"paris"}, "name": {"Paris office"}, "time_zone": {"Mars/Olympus"},
		"hours.1": {"09:00-17:00"}})
	wantInvalid(t, "bad zone", p, "f-time-zone")
	p = c.post("/admin/sla/calendars", url.Values{"slug": {"paris"}, "name": {"Paris office"}, "time_zone": {"Europe/Paris"},
		"hours.2": {"9 to 5"}})
	wantInvalid(t, "bad span", p, "f-hours-2")
	if countOf(t, s, `SELECT count(*) FROM sla_calendars`) != cals {
		t.Fatal("a refused calendar was written")
	}
	// The happy path: weekdays' spans, two holidays in rows 0 and 3, the rest empty.
	form := url.Values{"slug": {"paris"}, "name": {"Paris office"}, "time_zone": {"Europe/Paris"},
		"holidays[0]": {"2026-07-14"}, "holidays[1]": {""}, "holidays[2]": {""}, "holidays[3]": {"2026-12-25"}}
	for d := 1; d <= 5; d++ {
		form.Set("hours."+string(rune('0'+d)), "09:00-12:30, 13:30-17:00")
	}
	wantRedirect(t, "create calendar", c.post("/admin/sla/calendars", form), "/admin/sla")
	cal := idOf(t, s, `SELECT id::text FROM sla_calendars WHERE slug = 'paris' AND spec->>'time_zone' = 'Europe/Paris'
		AND spec->'holidays' = '["2026-07-14", "2026-12-25"]'::jsonb AND spec->'hours'->'1' = '["09:00-12:30", "13:30-17:00"]'::jsonb`)
	if p := c.get("/admin/sla/calendars/" + cal); !strings.Contains(p.Body, `value="2026-12-25"`) || !strings.Contains(p.Body, `id="f-holidays-7"`) {
		t.Error("the calendar's form does not show its holidays and blank rows")
	}
	// Edit: the slug taken by another calendar is refused on the slug.
	form.Set("slug", "eu-office")
	wantInvalid(t, "taken slug", c.post("/admin/sla/calendars/"+cal, form), "f-slug")

	// A policy from the default's values, on the new calendar.
	newPolicy := c.get("/admin/sla/policies/new")
	if !strings.Contains(newPolicy.Body, `name="tiers.P0[0].clock"`) || !strings.Contains(newPolicy.Body, `value="ai_act_73_2" checked`) {
		t.Fatalf("the new policy form does not start from the default policy")
	}
	pol := url.Values{"slug": {"fr-strict"}, "name": {"France, strict"}, "jurisdiction": {"FR"}, "calendar": {"paris"},
		"statutory": {"eu_whistleblowing_ack", "gdpr_12_3"}, "warn_fractions": {"0.5, 0.8"},
		"breach.notify": {"on"}, "breach.move_to_queue": {"supervisors"}, "appeal.amount": {"15"}, "appeal.unit": {"calendar_days"},
		"tiers.P1[0].clock": {"acknowledge"}, "tiers.P1[0].amount": {"1"}, "tiers.P1[0].unit": {"business_days"}, "tiers.P1[0].from": {"submitted"},
		"tiers.P1[1].clock": {""}, "tiers.P1[1].amount": {""}, "tiers.P1[1].unit": {"hours"}, "tiers.P1[1].from": {"submitted"},
		"tiers.P1[2].clock": {"decision"}, "tiers.P1[2].amount": {"20"}, "tiers.P1[2].unit": {"calendar_days"}, "tiers.P1[2].from": {"submitted"}}
	// Bad: a row with a deadline but no length, and falling warnings.
	bad := url.Values{}
	for k, v := range pol {
		bad[k] = v
	}
	bad.Set("tiers.P1[2].amount", "")
	bad.Set("warn_fractions", "0.9, x")
	bad["statutory"] = []string{"eu_whistleblowing_ack", "no_such_law"}
	wantInvalid(t, "bad policy", c.post("/admin/sla/policies", bad), "f-tiers-P1-2-amount", "f-warn-fractions", "f-statutory")
	// Bad for the service: the same clock twice in one tier names that row.
	bad = url.Values{}
	for k, v := range pol {
		bad[k] = v
	}
	bad.Set("tiers.P1[2].clock", "acknowledge")
	bad.Set("warn_fractions", "0.9, 0.5")
	wantInvalid(t, "service-refused policy", c.post("/admin/sla/policies", bad), "f-tiers-P1-2-clock", "f-warn-fractions")
	if countOf(t, s, `SELECT count(*) FROM sla_policies WHERE slug = 'fr-strict'`) != 0 {
		t.Fatal("a refused policy was written")
	}
	wantRedirect(t, "create policy", c.post("/admin/sla/policies", pol), "/admin/sla")
	id := idOf(t, s, `SELECT p.id::text FROM sla_policies p JOIN sla_calendars c ON c.id = p.calendar_id
		WHERE p.slug = 'fr-strict' AND c.slug = 'paris' AND NOT p.is_default AND p.warn_fractions = '{0.5,0.8}'
		AND jsonb_array_length(p.tiers->'P1') = 2 AND p.tiers->'P1'->1->>'clock' = 'decision'
		AND p.tiers->'P1'->0->>'code' = 'policy_acknowledge' AND jsonb_array_length(p.statutory) = 2
		AND p.breach_actions->>'move_to_queue' = 'supervisors' AND p.appeal_window->>'amount' = '15'`)
	// Edit: make it the default; the old default loses the mark.
	edit := c.get("/admin/sla/policies/" + id)
	if !strings.Contains(edit.Body, `value="France, strict"`) {
		t.Fatal("the policy's form does not show it")
	}
	pol.Set("is_default", "on")
	wantRedirect(t, "edit policy", c.post("/admin/sla/policies/"+id, pol), "/admin/sla")
	if countOf(t, s, `SELECT count(*) FROM sla_policies WHERE is_default AND slug = 'fr-strict'`) != 1 ||
		countOf(t, s, `SELECT count(*) FROM sla_policies WHERE is_default`) != 1 {
		t.Error("the default did not move")
	}
	// The default policy cannot stop being it by itself: 422 on is_default.
	pol.Del("is_default")
	wantInvalid(t, "undefault", c.post("/admin/sla/policies/"+id, pol), "f-is-default")
}

func TestAdminBodyForms(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := signedIn(t, s, "admin@example.org")
	n := countOf(t, s, `SELECT count(*) FROM bodies`)
	wantInvalid(t, "bad body", c.post("/admin/bodies", url.Values{"slug": {"x"}, "name": {""}, "type": {"club"},
		"jurisdiction": {"Europe"}, "website": {"http://plain.example"}}),
		"f-slug", "f-name", "f-type", "f-jurisdiction", "f-legal-bases", "f-website", "f-portal")
	if countOf(t, s, `SELECT count(*) FROM bodies`) != n {
		t.Fatal("a refused body was written")
	}
	p := c.post("/admin/bodies", url.Values{"slug": {"fr-cnil"}, "name": {"CNIL"}, "type": {"data_protection_authority"},
		"jurisdiction": {"FR"}, "legal_bases": {"GDPR art. 77\nLoi Informatique et Libertés, art. 8"}, "languages": {"fr, en"},
		"website": {"https://www.cnil.fr"}, "portal": {"on"}, "email": {"plaintes@cnil.example"}, "active": {"on"}})
	id := idOf(t, s, `SELECT id::text FROM bodies WHERE slug = 'fr-cnil' AND jurisdiction = 'FR' AND active
		AND cardinality(legal_bases) = 2`)
	wantRedirect(t, "create body", p, "/admin/bodies/"+id)
	// Edit: a webhook without a secret gets one generated, shown once.
	p = c.post("/admin/bodies/"+id, url.Values{"slug": {"fr-cnil"}, "name": {"CNIL"}, "type": {"data_protection_authority"},
		"jurisdiction": {"FR"}, "legal_bases": {"GDPR art. 77"}, "portal": {"on"}, "webhook_url": {"https://hooks.cnil.example/redress"},
		"active": {"on"}})
	wantRedirect(t, "edit body", p, "/admin/bodies/"+id)
	shown := c.get("/admin/bodies/" + id)
	if !strings.Contains(shown.Body, `id="webhook-secret"`) || !strings.Contains(shown.Body, "https://hooks.cnil.example/redress") {
		t.Errorf("the generated secret is not shown:\n%s", shown.Body)
	}
	if again := c.get("/admin/bodies/" + id); strings.Contains(again.Body, `id="webhook-secret"`) {
		t.Error("the secret is shown twice")
	}
	if countOf(t, s, `SELECT count(*) FROM bodies WHERE id = ? AND cardinality(legal_bases) = 1`, id) != 1 {
		t.Error("edit not saved")
	}
	// Its portal user: bad, taken by staff (409), then added.
	wantInvalid(t, "bad user", c.post("/admin/bodies/"+id+"/users", url.Values{"user.name": {""}, "user.email": {"a@b.example"},
		"user.password": {"long enough password"}}), "f-user-name")
	wantInvalid(t, "short password", c.post("/admin/bodies/"+id+"/users", url.Values{"user.name": {"Camille"},
		"user.email": {"camille@cnil.example"}, "user.password": {"short"}}), "f-user-password")
	if p := c.post("/admin/bodies/"+id+"/users", url.Values{"user.name": {"Camille"}, "user.email": {"reviewer@example.org"},
		"user.password": {"long enough password"}}); p.Status != 409 || !strings.Contains(p.Body, `href="#f-user-email"`) {
		t.Errorf("staff address: %d", p.Status)
	}
	wantRedirect(t, "add user", c.post("/admin/bodies/"+id+"/users", url.Values{"user.name": {"Camille"},
		"user.email": {"camille@cnil.example"}, "user.password": {"long enough password"}}), "/admin/bodies/"+id)
	if countOf(t, s, `SELECT count(*) FROM users WHERE email = 'camille@cnil.example' AND role = 'body' AND body_id = ?`, id) != 1 {
		t.Error("body user not added")
	}
	u := newClient(t, s.URL)
	u.post("/login", url.Values{"email": {"camille@cnil.example"}, "password": {"long enough password"}})
	if p := u.get("/admin"); p.Status != 403 {
		t.Errorf("a body user on /admin: %d", p.Status)
	}
}

func TestAdminUserFormsAndTheLastAdmin(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := signedIn(t, s, "admin@example.org")
	admin := idOf(t, s, `SELECT id::text FROM users WHERE email = 'admin@example.org'`)

	wantInvalid(t, "bad user", c.post("/admin/users", url.Values{"name": {""}, "email": {"nope"}, "role": {"body"},
		"password": {"short"}, "languages": {"English!"}}), "f-name", "f-email", "f-role", "f-password", "f-languages")
	if p := c.post("/admin/users", url.Values{"name": {"X"}, "email": {"reviewer@example.org"}, "role": {"reviewer"},
		"password": {"long enough password"}}); p.Status != 409 || !strings.Contains(p.Body, `href="#f-email"`) ||
		strings.Contains(p.Body, "long enough password") {
		t.Errorf("taken email: %d", p.Status)
	}
	wantRedirect(t, "create user", c.post("/admin/users", url.Values{"name": {"Noor Admin"}, "email": {"noor@example.org"},
		"role": {"supervisor"}, "languages": {"ar, en"}, "skills": {"employment"}, "password": {teststack.DemoPassword}}), "/admin/users")
	noor := idOf(t, s, `SELECT id::text FROM users WHERE email = 'noor@example.org' AND role = 'supervisor' AND active
		AND languages = '{ar,en}' AND skills = '{employment}'`)

	// The only admin can neither be demoted nor deactivated: 409, nothing changed.
	if p := c.post("/admin/users/"+admin+"/role", url.Values{"role": {"reviewer"}}); p.Status != 409 ||
		!strings.Contains(p.Body, "last active administrator") {
		t.Errorf("demote the last admin: %d", p.Status)
	}
	if p := c.post("/admin/users/"+admin+"/active", url.Values{"active": {"false"}}); p.Status != 409 {
		t.Errorf("deactivate the last admin: %d", p.Status)
	}
	if countOf(t, s, `SELECT count(*) FROM users WHERE id = ? AND role = 'admin' AND active`, admin) != 1 {
		t.Fatal("the last admin changed")
	}
	wantInvalid(t, "unknown role", c.post("/admin/users/"+noor+"/role", url.Values{"role": {"owner"}}), "f-role-"+noor)

	// Noor becomes an admin; now the first admin may be demoted.
	wantRedirect(t, "promote", c.post("/admin/users/"+noor+"/role", url.Values{"role": {"admin"}}), "/admin/users")
	noorClient := signedIn(t, s, "noor@example.org")
	wantRedirect(t, "demote", noorClient.post("/admin/users/"+admin+"/role", url.Values{"role": {"supervisor"}}), "/admin/users")
	// A change of role ends the account's sessions (docs/sign-in.md): the
	// demoted admin is sent to sign in again.
	wantRedirect(t, "a demoted admin's session", c.get("/admin"), "/login?next=%2Fadmin")
	// Deactivating a signed-in user ends their session at once.
	rev := idOf(t, s, `SELECT id::text FROM users WHERE email = 'reviewer@example.org'`)
	reviewer := signedIn(t, s, "reviewer@example.org")
	if p := reviewer.get("/dashboard"); p.Status != 403 {
		t.Fatalf("the reviewer is not signed in: %d", p.Status)
	}
	if p := noorClient.post("/admin/users/"+rev+"/active", url.Values{}); p.Status != 422 || !strings.Contains(p.Body, `href="#f-active"`) ||
		countOf(t, s, `SELECT count(*) FROM users WHERE id = ? AND active`, rev) != 1 {
		t.Fatalf("a form without active: %d", p.Status)
	}
	wantRedirect(t, "deactivate", noorClient.post("/admin/users/"+rev+"/active", url.Values{"active": {"false"}}), "/admin/users")
	if p := reviewer.get("/dashboard"); p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Errorf("a deactivated user's session still works: %d %s", p.Status, p.Header.Get("Location"))
	}
	if p := newClient(t, s.URL).post("/login", url.Values{"email": {"reviewer@example.org"}, "password": {teststack.DemoPassword}}); p.Status != 401 {
		t.Errorf("a deactivated user signs in: %d", p.Status)
	}
	wantRedirect(t, "reactivate", noorClient.post("/admin/users/"+rev+"/active", url.Values{"active": {"true"}}), "/admin/users")
	// Noor, the last admin now, cannot deactivate herself.
	if p := noorClient.post("/admin/users/"+noor+"/active", url.Values{"active": {"false"}}); p.Status != 409 {
		t.Errorf("the last admin deactivates herself: %d", p.Status)
	}
}
