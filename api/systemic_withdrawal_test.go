package api_test

import (
	"testing"
	"time"

	"github.com/redresshq/redress/internal/stats"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Issue 16, item 2, for a systemic issue's guarantee: a reason on a
// guarantee the complainants have seen is a request that waits for a second
// person; the requester cannot approve it; once an admin approves it, each
// linked complainant reads it withdrawn with its reason, is told there is
// news, and the remedy deadline never counts as met.
func TestSystemicGuaranteeWithdrawalNeedsSecondPerson(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, sam, ada := s.Reviewer(), s.Login("supervisor@example.org"), s.Login("admin@example.org")
	body := aboutSystem(t, s, "hiring-screener")
	f := claimed(t, s, body, rita)
	r := s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: rita, Body: map[string]any{
		"ai_system_id": body["ai_system_id"], "mechanism": "biased_output", "title": "Career breaks scored as gaps",
		"case_ids": []string{f.ID}}})
	if r.Status != 201 {
		t.Fatalf("issue: %d %s", r.Status, r.Body)
	}
	issue := r.JSON(t)["id"].(string)
	due := time.Now().AddDate(0, 2, 0).UTC().Format(time.DateOnly)
	gid := itemIDs(t, s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues/" + issue + "/remedies", Token: sam,
		Body: map[string]any{"offer": true, "components": []map[string]any{{"form": "non_repetition", "subtype": "retrained",
			"responsible": "provider", "due_at": due, "description": "Stop scoring career breaks as unexplained gaps."}}}}))[0]
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita,
		Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	me := s.ComplainantToken(f)

	// The request: nothing changes for the complainant, the case stays open.
	why := "The provider retired the screener; no new version will be deployed."
	r = s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues/" + issue + "/remedies/" + gid + "/reason", Token: sam,
		Body: map[string]string{"reason": why}})
	if r.Status != 200 {
		t.Fatalf("ask to withdraw: %d %s", r.Status, r.Body)
	}
	if c := guarantee(t, r); c["withdrawn"] != false || c["reason"] != nil || c["pending_withdrawal"] == nil {
		t.Errorf("a withdrawal asked for took effect at once: %v", c)
	}
	mine := components(t, s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t))[0]
	if mine["withdrawn"] != false || mine["reason"] != nil || mine["pending_withdrawal"] != nil {
		t.Errorf("the complainant sees a withdrawal not yet approved: %v", mine)
	}
	closeBody := map[string]string{"root_cause": "model", "reason": "Decision confirmed for this person."}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/close", Token: rita, Body: closeBody}); r.Status != 409 {
		t.Fatalf("close with the withdrawal unapproved: %d %s", r.Status, r.Body)
	}

	approve := "/api/v1/systemic-issues/" + issue + "/remedies/" + gid + "/withdrawal/approve"
	if r := s.Do(req{Method: "POST", Path: approve, Token: sam, Body: map[string]any{"approve": true}}); r.Status != 403 ||
		code(t, r) != "four_eyes" {
		t.Errorf("the requester approves her own withdrawal: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: approve, Token: rita, Body: map[string]any{"approve": true}}); r.Status != 403 {
		t.Errorf("a reviewer approves a systemic withdrawal: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: approve, Token: ada, Body: map[string]any{"approve": false}}); r.Status != 422 {
		t.Errorf("a refusal without a reason: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: approve, Token: ada, Body: map[string]any{"approve": true}})
	if r.Status != 200 {
		t.Fatalf("approve the withdrawal: %d %s", r.Status, r.Body)
	}
	if c := guarantee(t, r); c["withdrawn"] != true || c["reason_approved_by"] == nil {
		t.Errorf("the staff view of the withdrawn guarantee: %v", c)
	}
	if r := s.Do(req{Method: "POST", Path: approve, Token: ada, Body: map[string]any{"approve": true}}); r.Status != 409 ||
		code(t, r) != "no_withdrawal_pending" {
		t.Errorf("approving twice: %d %s", r.Status, r.Body)
	}

	// The linked complainant reads why; the remedy date is not done.
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	mine = components(t, view)[0]
	if mine["withdrawn"] != true || mine["reason"] != why || mine["systemic_issue_id"] != issue {
		t.Errorf("the complainant's view of the withdrawn guarantee: %v", mine)
	}
	if d := dueDate(view, "remedy"); d == nil || d["unmet"] != true {
		t.Errorf("the remedy date after the withdrawal: %v", d)
	}
	var news int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = 'redress.remedy.status_changed'
		AND payload ->> 'case_id' = ? AND payload -> 'data' ->> 'systemic_issue_id' = ?
		AND payload -> 'data' ->> 'status' = 'withdrawn'`, f.ID, issue).Scan(&news)
	if news != 1 {
		t.Errorf("the linked complainant's news of the withdrawal: %d events", news)
	}
	var entries []string
	s.Core.DB.Raw(`SELECT action FROM audit_entries WHERE case_id = ? AND action LIKE 'remedy.withdraw%' ORDER BY seq`, f.ID).Scan(&entries)
	if len(entries) != 2 || entries[0] != "remedy.withdrawal_requested" || entries[1] != "remedy.withdrawn" {
		t.Errorf("the linked case's record: %v", entries)
	}

	// Settled, so the case closes, but the remedy deadline counts late.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/close", Token: rita, Body: closeBody}); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	var sys string
	s.Core.DB.Raw(`SELECT ai_system_id::text FROM cases WHERE id = ?`, f.ID).Scan(&sys)
	var st stats.SystemStats
	s.Do(req{Method: "GET", Path: "/api/v1/stats/ai-systems/" + sys, Token: sam}).Decode(t, &st)
	if k := st.SLA.ByClock["remedy"]; k.OnTime != 0 || k.Late != 1 {
		t.Errorf("the remedy clock in the system's SLA figures: %+v", k)
	}
}

// guarantee is the one component a systemic issue's remedy route answers.
func guarantee(t *testing.T, r *teststack.Response) map[string]any {
	t.Helper()
	items, _ := r.JSON(t)["items"].([]any)
	if len(items) != 1 {
		t.Fatalf("the issue's components: %s", r.Body)
	}
	return items[0].(map[string]any)
}
