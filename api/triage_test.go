package api_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

func triage(scale, scope, irr int, status string) map[string]any {
	return map[string]any{
		"scale": scale, "scale_rationale": "Hours cut to zero: loss of income.",
		"scope": scope, "scope_rationale": "One worker so far.",
		"irremediability": irr, "irremediability_rationale": "Back pay can put it right.",
		"rights": []string{"work"}, "harm_types": []string{"financial"}, "mechanisms": []string{"data_error"},
		"harm_status": status,
	}
}

func TestTriageSetsPriorityAndDowngradesNeedAnotherSupervisor(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil { // P3 by the default rule
		t.Fatal(err)
	}
	rita := s.Reviewer()
	sup := s.Login("supervisor@example.org")
	path := "/api/v1/cases/" + f.ID

	// Only the assignee triages.
	if r := s.Do(req{Method: "POST", Path: path + "/triage", Token: rita, Body: triage(2, 1, 1, "occurred")}); r.Status != 403 {
		t.Fatalf("unclaimed triage: %d %s", r.Status, r.Body)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: rita}); r.Status != 200 {
		t.Fatalf("claim: %d", r.Status)
	}
	bad := triage(5, 1, 1, "soon")
	delete(bad, "scope_rationale")
	r := s.Do(req{Method: "POST", Path: path + "/triage", Token: rita, Body: bad})
	if r.Status != 422 || len(r.JSON(t)["errors"].([]any)) != 3 {
		t.Fatalf("bad triage: %d %s", r.Status, r.Body)
	}

	// Imminent harm lifts a mild case to P1 at once.
	r = s.Do(req{Method: "POST", Path: path + "/triage", Token: rita, Body: triage(2, 1, 1, "imminent")})
	if r.Status != 200 {
		t.Fatalf("triage: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if m["triage"].(map[string]any)["priority_change"] != "raised" || m["case"].(map[string]any)["priority"] != "P1" {
		t.Fatalf("raise: %s", r.Body)
	}
	// The harm turns out to have passed: the downgrade to P2 waits.
	r = s.Do(req{Method: "POST", Path: path + "/triage", Token: rita, Body: triage(2, 1, 1, "occurred")})
	m = r.JSON(t)
	if m["triage"].(map[string]any)["priority_change"] != "pending_approval" || m["case"].(map[string]any)["priority"] != "P1" ||
		m["case"].(map[string]any)["pending_priority"] != "P2" {
		t.Fatalf("downgrade: %s", r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/priority/approve", Token: rita, Body: map[string]any{"approve": true, "reason": "x"}}); r.Status != 403 {
		t.Errorf("reviewer approving: %d", r.Status)
	}
	// A supervisor who asked for a downgrade cannot approve it.
	if r := s.Do(req{Method: "POST", Path: path + "/triage", Token: sup, Body: triage(1, 1, 1, "potential")}); r.Status != 200 {
		t.Fatalf("supervisor triage: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/priority/approve", Token: sup, Body: map[string]any{"approve": true, "reason": "ok"}}); r.Status != 403 ||
		r.JSON(t)["code"] != "four_eyes" {
		t.Fatalf("self-approval: %d %s", r.Status, r.Body)
	}
	admin := s.Login("admin@example.org")
	if r := s.Do(req{Method: "POST", Path: path + "/priority/approve", Token: admin, Body: map[string]any{"reason": "ok"}}); r.Status != 422 {
		t.Errorf("approve without a decision: %d", r.Status)
	}
	r = s.Do(req{Method: "POST", Path: path + "/priority/approve", Token: admin, Body: map[string]any{"approve": true, "reason": "Harm has passed; P3 stands."}})
	if r.Status != 200 || r.JSON(t)["priority"] != "P3" || r.JSON(t)["pending_priority"] != nil {
		t.Fatalf("approve: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/priority/approve", Token: admin, Body: map[string]any{"approve": true, "reason": "again"}}); r.Status != 409 {
		t.Errorf("nothing pending: %d", r.Status)
	}
	// The case record holds every step with its reasons.
	var actions []string
	s.Core.DB.Raw(`SELECT action FROM audit_entries WHERE case_id = ? AND (action LIKE 'case.triaged' OR action LIKE 'priority.%') ORDER BY seq`,
		f.ID).Scan(&actions)
	if len(actions) != 4 || actions[3] != "priority.downgrade_approved" {
		t.Errorf("record: %v", actions)
	}
	d := s.Do(req{Method: "GET", Path: path, Token: admin}).JSON(t)
	cl := d["classification"].(map[string]any)
	if cl["source"] != "triage" || cl["scope_rationale"] != "One worker so far." || len(cl["priority_reasons"].([]any)) != 1 {
		t.Errorf("classification %v", cl)
	}
}
