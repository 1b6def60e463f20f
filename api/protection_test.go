package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// retaliationCase is a complaint of retaliation, as a worker would file it.
func retaliationCase() map[string]any {
	return with(func(m map[string]any) {
		m["kind"] = "retaliation"
		m["description"] = "After I complained about the scheduler, my manager said they threatened my contract."
		m["harm_types"] = []string{"psychological"}
	})
}

// Retaliation goes to the supervisors at P1 by the rules every install has
// (migration 00027), with the P1 tier's clocks, not the 90 days of P3.
func TestRetaliationIsRoutedToSupervisorsAtP1(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(retaliationCase())
	got := waitRouted(t, s, f.ID)
	if want := (routedCase{"supervisors", "P1", "Retaliation against a complainant"}); got != want {
		t.Fatalf("retaliation routed %+v, want %+v", got, want)
	}
	var decisionDue time.Time
	s.Core.DB.Raw(`SELECT due_at FROM case_clocks WHERE case_id = ? AND clock = 'decision'`, f.ID).Scan(&decisionDue)
	if d := time.Until(decisionDue); d > 31*24*time.Hour || d < 29*24*time.Hour {
		t.Errorf("decision due in %v, want the P1 tier's 30 days", d)
	}
	// The rules are the install's, not the demo's: they come first.
	var first []string
	s.Core.DB.Raw(`SELECT name FROM routing_rules WHERE NOT is_default ORDER BY position LIMIT 2`).Scan(&first)
	if len(first) != 2 || first[0] != "Retaliation against a complainant" || first[1] != "Someone is about to lose a job, benefit or home" {
		t.Errorf("first rules: %v", first)
	}
}

func countOfSQL(t *testing.T, s *teststack.Stack, q string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Core.DB.Raw(q, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// A retaliation case at P1 with an interim measure: refused until the
// complainant consents, its own clock warns and then breaches while it is
// not in place, and it ends once in place.
func TestInterimMeasureWithConsentAndClock(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(retaliationCase())
	waitRouted(t, s, f.ID)
	sup := s.Login("supervisor@example.org")
	tok := s.ComplainantToken(f)
	base := "/api/v1/cases/" + f.ID

	// Bad input names each field and writes nothing.
	r := s.Do(req{Method: "POST", Path: base + "/measures", Token: sup,
		Body: map[string]any{"kind": "fire_the_manager", "description": "x", "due_at": "2001-01-01"}})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"kind"`) || !strings.Contains(string(r.Body), `"due_at"`) || !strings.Contains(string(r.Body), `"description"`) {
		t.Fatalf("bad measure: %d %s", r.Status, r.Body)
	}
	// A reviewer who does not hold the case cannot propose one.
	if r := s.Do(req{Method: "POST", Path: base + "/measures", Token: s.Reviewer(), Body: map[string]any{"kind": "protection_note",
		"description": "Note on the file.", "due_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339)}}); r.Status != 403 && r.Status != 404 {
		t.Errorf("a reviewer who does not hold the case: %d %s", r.Status, r.Body)
	}
	if n := countOfSQL(t, s, `SELECT count(*) FROM protective_measures WHERE case_id = ?`, f.ID); n != 0 {
		t.Fatalf("%d measures written by refused requests", n)
	}
	propose := func(kind, text string) string {
		r := s.Do(req{Method: "POST", Path: base + "/measures", Token: sup, Body: map[string]any{"kind": kind,
			"description": text, "due_at": time.Now().Add(72 * time.Hour).Format(time.RFC3339)}})
		if r.Status != 201 {
			t.Fatalf("propose %s: %d %s", kind, r.Status, r.Body)
		}
		return r.JSON(t)["id"].(string)
	}
	pause := propose("pause_decision", "We pause the end of your contract while we look into what happened.")
	manager := propose("change_line_manager", "Your shifts are set by another manager until the case is decided.")

	// Not in place without consent.
	if r := s.Do(req{Method: "POST", Path: base + "/measures/" + pause + "/in-place", Token: sup, Body: map[string]any{}}); r.Status != 409 ||
		!strings.Contains(string(r.Body), "consent") {
		t.Fatalf("in place before consent: %d %s", r.Status, r.Body)
	}
	// The complainant reads what is proposed, in full, and answers.
	p := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/protection", Token: tok})
	if p.Status != 200 || !strings.Contains(string(p.Body), "We pause the end of your contract") || !strings.Contains(string(p.Body), `"status":"proposed"`) {
		t.Fatalf("complainant's protection: %d %s", p.Status, p.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/measures/" + pause + "/consent", Token: tok,
		Body: map[string]any{}}); r.Status != 422 || !strings.Contains(string(r.Body), `"consent"`) {
		t.Errorf("an answer without consent: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/measures/" + pause + "/consent", Token: tok,
		Body: map[string]any{"consent": true}}); r.Status != 200 || r.JSON(t)["status"] != "consented" {
		t.Fatalf("consent: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/measures/" + manager + "/consent", Token: tok,
		Body: map[string]any{"consent": false}}); r.Status != 200 || r.JSON(t)["status"] != "declined" {
		t.Fatalf("decline: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/measures/" + manager + "/consent", Token: tok,
		Body: map[string]any{"consent": true}}); r.Status != 409 {
		t.Errorf("a second answer: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: base + "/measures/" + manager + "/in-place", Token: sup, Body: map[string]any{}}); r.Status != 409 ||
		!strings.Contains(string(r.Body), "declined") {
		t.Errorf("a declined measure put in place: %d %s", r.Status, r.Body)
	}

	// The clock: three quarters of the time used → a warning; the due date
	// passed while not in place → a breach, an SLA event for the staff.
	exec(t, s, `UPDATE protective_measures SET proposed_at = now() - interval '3 days', warn_at = now() - interval '1 second',
		next_fire_at = now() - interval '1 second', due_at = now() + interval '1 hour' WHERE id = ?`, pause)
	testenv.Eventually(t, 20*time.Second, "the measure's warning", func() bool {
		return countOfSQL(t, s, `SELECT count(*) FROM protective_measures WHERE id = ? AND warned_at IS NOT NULL AND breached_at IS NULL`, pause) == 1
	})
	exec(t, s, `UPDATE protective_measures SET due_at = now() - interval '1 second', next_fire_at = now() - interval '1 second' WHERE id = ?`, pause)
	testenv.Eventually(t, 20*time.Second, "the measure's breach", func() bool {
		return countOfSQL(t, s, `SELECT count(*) FROM protective_measures WHERE id = ? AND breached_at IS NOT NULL AND next_fire_at IS NULL`, pause) == 1
	})
	if n := countOfSQL(t, s, `SELECT count(*) FROM outbox WHERE subject = 'redress.sla.breached' AND payload->'data'->>'clock' = 'protective_measure'
		OR subject = 'redress.sla.breached' AND payload->>'clock' = 'protective_measure'`); n != 1 {
		t.Errorf("%d breach events for the measure's clock", n)
	}
	// The staff hear of the breach as of any clock's: the supervisors by email.
	testenv.Eventually(t, 20*time.Second, "the breach email to the supervisors", func() bool {
		return countOfSQL(t, s, `SELECT count(*) FROM notifications_sent WHERE case_id = ? AND template = 'staff_sla_breached'
			AND data->>'clock' = 'protective_measure'`, f.ID) >= 1
	})
	for _, action := range []string{"measure.proposed", "measure.consented", "measure.declined", "measure.warning", "measure.breached"} {
		if n := countOfSQL(t, s, `SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = ?`, f.ID, action); n < 1 {
			t.Errorf("no %s in the case record", action)
		}
	}
	// The complainant sees it is late; then it is put in place.
	if p := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/protection", Token: tok}); !strings.Contains(string(p.Body), `"overdue":true`) {
		t.Errorf("the late measure is not shown as late: %s", p.Body)
	}
	r = s.Do(req{Method: "POST", Path: base + "/measures/" + pause + "/in-place", Token: sup, Body: map[string]any{}})
	if r.Status != 200 || r.JSON(t)["status"] != "in_place" {
		t.Fatalf("in place: %d %s", r.Status, r.Body)
	}
	if p := s.Do(req{Method: "GET", Path: base + "/protection", Token: sup}); p.Status != 200 || !strings.Contains(string(p.Body), `"in_place"`) {
		t.Errorf("staff protection: %d %s", p.Status, p.Body)
	}
}

// closeBySQL closes a filed case the short way (submitted → escalated →
// closed, legal moves), as the closing paths are other tests' business: the
// check-ins come from the closing update itself.
func closeBySQL(t *testing.T, s *teststack.Stack, id string) {
	t.Helper()
	exec(t, s, `UPDATE cases SET status = 'escalated', acknowledged_at = now() WHERE id = ?`, id)
	exec(t, s, `UPDATE cases SET status = 'closed', closed_at = now() WHERE id = ?`, id)
}

// After closure the complainant is asked at 30 and 90 days; the worker asks
// what is due (once, and an email for who chose email), and a "yes" opens
// a retaliation case linked both ways, routed at P1, that the same receipt opens.
func TestCheckinYesOpensLinkedRetaliationCase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(teststack.NamedCase())
	waitRouted(t, s, f.ID)
	tok := s.ComplainantToken(f)
	closeBySQL(t, s, f.ID)
	if n := countOfSQL(t, s, `SELECT count(*) FROM case_checkins WHERE case_id = ? AND asked_at IS NULL
		AND (after_days = 30 AND due_at BETWEEN now() + interval '29 days' AND now() + interval '31 days'
		  OR after_days = 90 AND due_at BETWEEN now() + interval '89 days' AND now() + interval '91 days')`, f.ID); n != 2 {
		t.Fatalf("%d check-ins scheduled at 30 and 90 days", n)
	}
	// Nothing is asked before it is due.
	if p := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/protection", Token: tok}); !strings.Contains(string(p.Body), `"checkins":[]`) {
		t.Fatalf("check-ins shown before due: %s", p.Body)
	}
	// Thirty days on.
	exec(t, s, `UPDATE case_checkins SET due_at = now() - interval '1 second' WHERE case_id = ? AND after_days = 30`, f.ID)
	testenv.Eventually(t, 20*time.Second, "the 30-day check-in to be asked", func() bool {
		return countOfSQL(t, s, `SELECT count(*) FROM case_checkins WHERE case_id = ? AND after_days = 30 AND asked_at IS NOT NULL`, f.ID) == 1
	})
	testenv.Eventually(t, 20*time.Second, "the complainant's email about it", func() bool {
		return countOfSQL(t, s, `SELECT count(*) FROM notifications_sent n JOIN outbox o ON o.id = n.event_id
			WHERE n.case_id = ? AND o.subject = 'redress.checkin.asked' AND n.recipient_kind = 'complainant'`, f.ID) == 1
	})
	if n := countOfSQL(t, s, `SELECT count(*) FROM case_checkins WHERE case_id = ? AND asked_at IS NOT NULL`, f.ID); n != 1 {
		t.Errorf("%d check-ins asked, want only the 30-day one", n)
	}
	p := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/protection", Token: tok})
	var prot struct {
		Checkins []struct {
			ID        string `json:"id"`
			AfterDays int    `json:"after_days"`
		} `json:"checkins"`
	}
	p.Decode(t, &prot)
	if len(prot.Checkins) != 1 || prot.Checkins[0].AfterDays != 30 {
		t.Fatalf("check-ins shown: %s", p.Body)
	}
	ask := "/api/v1/complainant/case/checkins/" + prot.Checkins[0].ID
	if r := s.Do(req{Method: "POST", Path: ask, Token: tok, Body: map[string]any{"text": "no answer"}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"happened"`) {
		t.Errorf("an answer without yes or no: %d %s", r.Status, r.Body)
	}
	r := s.Do(req{Method: "POST", Path: ask, Token: tok, Body: map[string]any{"happened": true,
		"text": "Since the case closed my manager moved me to night shifts and said it was because I complained."}})
	if r.Status != 200 || r.JSON(t)["retaliation_reference"] == nil {
		t.Fatalf("answer yes: %d %s", r.Status, r.Body)
	}
	newRef := r.JSON(t)["retaliation_reference"].(string)
	if r := s.Do(req{Method: "POST", Path: ask, Token: tok, Body: map[string]any{"happened": false}}); r.Status != 409 {
		t.Errorf("a second answer: %d %s", r.Status, r.Body)
	}
	var nc struct {
		ID, Kind, Related string
		Anonymous         bool
	}
	s.Core.DB.Raw(`SELECT c.id::text AS id, c.kind, e.reference AS related, c.anonymous FROM cases c JOIN cases e ON e.id = c.related_case_id
		WHERE c.reference = ?`, newRef).Scan(&nc)
	if nc.Kind != "retaliation" || nc.Related != f.Reference || nc.Anonymous {
		t.Fatalf("the new case: %+v", nc)
	}
	if got := waitRouted(t, s, nc.ID); got.Queue != "supervisors" || got.Priority != "P1" {
		t.Errorf("the retaliation case routed %+v", got)
	}
	// Linked both ways, and the complainant sees it from the earlier case.
	if p := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/protection", Token: tok}); !strings.Contains(string(p.Body), newRef) ||
		!strings.Contains(string(p.Body), `"relation":"retaliation_case"`) {
		t.Errorf("the earlier case does not show the new one: %s", p.Body)
	}
	// Their receipt opens the new case, with its own reference.
	tok2 := s.ComplainantToken(teststack.Filed{Reference: newRef, Receipt: f.Receipt})
	if p := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/protection", Token: tok2}); !strings.Contains(string(p.Body), f.Reference) ||
		!strings.Contains(string(p.Body), `"relation":"earlier_case"`) {
		t.Errorf("the new case does not show the earlier one: %s", p.Body)
	}
	if v := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok2}); v.JSON(t)["kind"] != "retaliation" {
		t.Errorf("the new case's view: %s", v.Body)
	}
	// The staff read the complainant's words on the new case.
	sup := s.Login("supervisor@example.org")
	if g := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + nc.ID, Token: sup}); !strings.Contains(string(g.Body), "moved me to night shifts") {
		t.Errorf("the new case's description: %d %s", g.Status, g.Body)
	}
	// Asking is once: the sweep again asks nothing.
	if n, err := s.Core.Grievance.SweepCheckins(context.Background(), 100); err != nil || n != 0 {
		t.Errorf("a second sweep asked %d (%v)", n, err)
	}
}
