package frontend_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The complainant of a retaliation case, on a small screen without
// JavaScript, reads the measure proposed to protect them, agrees to it, and
// after the case closes answers the 30-day check-in "yes": the page then
// names the new retaliation case.
func TestBrowserProtectionConsentAndCheckin(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	ctx := context.Background()
	body := teststack.ValidCase()
	body["kind"] = "retaliation"
	body["description"] = "After I complained about the scheduler, my manager said they threatened my contract."
	f := s.File(body)
	if _, err := s.Core.Routing.Route(ctx, uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	const measure = "We pause the end of your contract while we look into what happened."
	sup := s.Login("supervisor@example.org")
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/measures", Token: sup, Body: map[string]any{
		"kind": "pause_decision", "description": measure, "due_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339)}}); r.Status != 201 {
		t.Fatalf("propose: %d %s", r.Status, r.Body)
	}

	me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openCase(t, me, base, f)
	audit(t, me, "follow-up, measure proposed")
	got := browser.Text(t, me, "#protection")
	for _, want := range []string{"Protecting you while we work", "Pausing the decision you contest", measure,
		"Nothing is put in place unless you agree", "Waiting for your answer"} {
		if !strings.Contains(got, want) {
			t.Errorf("the protection section lacks %q: %q", want, got)
		}
	}
	// Sending without a choice names what is missing.
	if code := browser.Click(t, me, `form[action$="/consent"] button[type=submit]`); code != http.StatusUnprocessableEntity {
		t.Fatalf("an empty answer: %d", code)
	}
	if got := browser.Text(t, me, "main"); !strings.Contains(got, "Choose whether you agree to the measure or decline it.") {
		t.Errorf("the empty answer's error: %q", got)
	}
	audit(t, me, "follow-up, measure answer missing")
	browser.Check(t, me, `form[action$="/consent"] input[name=consent][value=true]`)
	if code := browser.Click(t, me, `form[action$="/consent"] button[type=submit]`); code != http.StatusOK {
		t.Fatalf("consent: %d", code)
	}
	if got := browser.Text(t, me, "main"); !strings.Contains(got, "You agreed to the measure") ||
		!strings.Contains(browser.Text(t, me, "#protection"), "You agreed; not in place yet") {
		t.Errorf("after consenting: %q", got)
	}
	if browser.Exists(t, me, `form[action$="/consent"]`) {
		t.Error("the consent form is still offered after the answer")
	}
	if got := browser.Text(t, me, "#timeline"); !strings.Contains(got, "We proposed a measure to protect you") ||
		!strings.Contains(got, "You agreed to a measure") {
		t.Errorf("the timeline: %q", got)
	}

	// The case closes; thirty days on, the check-in is asked.
	for _, q := range []string{`UPDATE cases SET status = 'escalated', acknowledged_at = now() WHERE id = ?`,
		`UPDATE cases SET status = 'closed', closed_at = now() WHERE id = ?`,
		`UPDATE case_checkins SET due_at = now() - interval '1 second' WHERE case_id = ? AND after_days = 30`} {
		if err := s.Core.DB.Exec(q, f.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s.Core.Grievance.SweepCheckins(ctx, 10); err != nil || n != 1 {
		t.Fatalf("sweep asked %d check-ins (%v)", n, err)
	}
	browser.Navigate(t, me, base+"/follow-up")
	audit(t, me, "follow-up, check-in asked")
	got = browser.Text(t, me, "#protection")
	if !strings.Contains(got, "Our check-in 30 days after your case closed") || !strings.Contains(got, "Has anything happened to you since your case closed") {
		t.Fatalf("the check-in is not asked: %q", got)
	}
	browser.Check(t, me, `form[action^="/follow-up/checkins/"] input[name=happened][value=true]`)
	browser.Fill(t, me, `form[action^="/follow-up/checkins/"] textarea[name=text]`, "My manager moved me to night shifts the week after.")
	if code := browser.Click(t, me, `form[action^="/follow-up/checkins/"] button[type=submit]`); code != http.StatusOK {
		t.Fatalf("answer the check-in: %d", code)
	}
	audit(t, me, "follow-up, check-in answered")
	var newRef string
	s.Core.DB.Raw(`SELECT reference FROM cases WHERE related_case_id = ? AND kind = 'retaliation'`, f.ID).Scan(&newRef)
	if newRef == "" {
		t.Fatal("no retaliation case was opened")
	}
	if got := browser.Text(t, me, "main"); !strings.Contains(got, "We opened a new case about what happened") {
		t.Errorf("after answering: %q", got)
	}
	got = browser.Text(t, me, "#protection")
	for _, want := range []string{"You told us something has happened since", "We opened case " + newRef, "Your same receipt opens it"} {
		if !strings.Contains(got, want) {
			t.Errorf("the protection section lacks %q: %q", want, got)
		}
	}

	// The supervisor's protection tab, with JavaScript: the measure, the
	// check-in's answer and the linked case.
	sam := b.Tab(t)
	signIn(t, sam, base, "supervisor@example.org")
	visit(t, sam, base, "/cases/"+f.ID+"/protection", http.StatusOK, "workspace, protection")
	got = browser.Text(t, sam, "#protection")
	for _, want := range []string{"Consented, not in place", "Mark as in place", "After 30 days",
		"something happened; retaliation case opened", newRef, "Propose a measure"} {
		if !strings.Contains(got, want) {
			t.Errorf("the workspace's protection tab lacks %q: %q", want, got)
		}
	}
}

// The workspace's protection tab: a supervisor proposes a measure (a bad
// form names each field), the complainant consents, the supervisor marks it
// in place; the page says so at each step.
func TestWorkspaceProtectionForms(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	body := teststack.ValidCase()
	body["kind"] = "retaliation"
	f := s.File(body)
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	c := signedIn(t, s, "supervisor@example.org")
	tab := "/cases/" + f.ID + "/protection"
	expect(t, "protection tab", c.get(tab), http.StatusOK, "Propose a measure", "No measure has been proposed.",
		"Check-ins are scheduled when the case closes")
	bad := c.post("/cases/"+f.ID+"/measures", url.Values{"description": {"x"}, "due_at": {"2001-01-01"}})
	if bad.Status != http.StatusUnprocessableEntity {
		t.Fatalf("a bad measure: %d\n%s", bad.Status, bad.Body)
	}
	for _, id := range []string{"f-measure-kind", "f-measure-description", "f-measure-due-at"} {
		if !strings.Contains(bad.Body, `href="#`+id+`"`) {
			t.Errorf("the bad measure's errors do not name %s", id)
		}
	}
	const text = "Your shifts are set by another manager until the case is decided."
	due := time.Now().AddDate(0, 0, 5).Format(time.DateOnly)
	wantRedirect(t, "propose", c.post("/cases/"+f.ID+"/measures", url.Values{"kind": {"change_line_manager"},
		"description": {text}, "due_at": {due}}), tab)
	expect(t, "after proposing", c.get(tab), http.StatusOK, "Change of line manager", text, "Waiting for consent")
	var mid string
	s.Core.DB.Raw(`SELECT id::text FROM protective_measures WHERE case_id = ?`, f.ID).Scan(&mid)
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/measures/" + mid + "/consent",
		Token: s.ComplainantToken(f), Body: map[string]any{"consent": true}}); r.Status != 200 {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	expect(t, "after consent", c.get(tab), http.StatusOK, "Consented, not in place", "Mark as in place")
	wantRedirect(t, "in place", c.post("/cases/"+f.ID+"/measures/"+mid+"/in-place", url.Values{}), tab)
	p := c.get(tab)
	expect(t, "in place", p, http.StatusOK, "In place since")
	if strings.Contains(p.Body, "Mark as in place") {
		t.Error("a measure in place is offered to be put in place again")
	}
	expect(t, "timeline", c.get("/cases/"+f.ID+"/timeline"), http.StatusOK, "Measure proposed",
		"Complainant consented to a measure", "Measure in place")
}
