package frontend_test

import (
	"context"
	"net/http"
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
}
