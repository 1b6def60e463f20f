package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

type alertView struct {
	ID             string   `json:"id"`
	AISystemID     string   `json:"ai_system_id"`
	AISystemName   string   `json:"ai_system_name"`
	CaseCount      int      `json:"case_count"`
	Threshold      int      `json:"threshold"`
	WindowHours    int      `json:"window_hours"`
	CaseIDs        []string `json:"case_ids"`
	IssueIDs       []string `json:"issue_ids"`
	AcknowledgedBy *string  `json:"acknowledged_by"`
}

type issueView struct {
	ID        string  `json:"id"`
	Reference string  `json:"reference"`
	Status    string  `json:"status"`
	AlertID   *string `json:"alert_id"`
	CaseCount int     `json:"case_count"`
	Cases     []struct {
		ID        string `json:"id"`
		Reference string `json:"reference"`
		Status    string `json:"status"`
	} `json:"cases"`
}

func listAlerts(t *testing.T, s *teststack.Stack, tok, query string) []alertView {
	t.Helper()
	r := s.Do(req{Method: "GET", Path: "/api/v1/systemic-alerts" + query, Token: tok})
	if r.Status != 200 {
		t.Fatalf("alerts: %d %s", r.Status, r.Body)
	}
	var p struct{ Items []alertView }
	r.Decode(t, &p)
	return p.Items
}

// fileAbout files a case about the register's system id.
func fileAbout(t *testing.T, s *teststack.Stack, system string, i int) teststack.Filed {
	t.Helper()
	return s.File(with(func(m map[string]any) {
		delete(m, "ai_system_other")
		m["ai_system_id"] = system
		m["description"] = fmt.Sprintf("Case %d: the rota cut my hours after sick leave.", i)
	}))
}

// alertChecked waits until the worker's alert check has handled the case.
func alertChecked(t *testing.T, s *teststack.Stack, f teststack.Filed) {
	t.Helper()
	testenv.Eventually(t, 20*time.Second, "the alert check of "+f.Reference, func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM processed_events p JOIN outbox o ON o.id = p.event_id
			WHERE p.consumer = ? AND o.subject = ? AND o.payload->>'case_id' = ?`,
			events.ConsumerSystemic, events.CaseSubmitted, f.ID).Scan(&n)
		return n == 1
	})
}

// The issue's "done when": staff link five cases into a systemic issue and see the alert.
func TestLinksFiveCasesIntoASystemicIssueAndSeesTheAlert(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	admin, sup, rev := s.Login("admin@example.org"), s.Login("supervisor@example.org"), s.Reviewer()
	sys := systemIDs(t, s)
	sched := sys["shift-scheduler"]
	alerting := "/api/v1/admin/ai-systems/" + sched + "/alerting"

	// The admin sets the threshold; nobody else may, and bad values are named.
	for _, tok := range []string{rev, sup} {
		if r := s.Do(req{Method: "PUT", Path: alerting, Token: tok, Body: map[string]int{"threshold": 5, "window_hours": 24}}); r.Status != 403 {
			t.Errorf("alerting by a non-admin: %d %s", r.Status, r.Body)
		}
	}
	r := s.Do(req{Method: "PUT", Path: alerting, Token: admin, Body: map[string]int{"threshold": 1, "window_hours": 9000}})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"threshold"`) || !strings.Contains(string(r.Body), `"field":"window_hours"`) {
		t.Errorf("bad alerting: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: alerting, Token: admin, Body: map[string]any{"threshold": "5", "window_hours": 24}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"wrong_type"`) {
		t.Errorf("a threshold as text: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/ai-systems/" + uuid.NewString() + "/alerting", Token: admin,
		Body: map[string]int{"threshold": 5, "window_hours": 24}}); r.Status != 404 {
		t.Errorf("alerting of no system: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/ai-systems/scheduler/alerting", Token: admin,
		Body: map[string]int{"threshold": 5, "window_hours": 24}}); r.Status != 422 {
		t.Errorf("alerting of a bad id: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "PUT", Path: alerting, Token: admin, Body: map[string]int{"threshold": 5, "window_hours": 24}})
	if r.Status != 200 || r.JSON(t)["threshold"] != float64(5) {
		t.Fatalf("alerting: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: alerting, Token: admin}); r.Status != 200 || r.JSON(t)["window_hours"] != float64(24) {
		t.Errorf("read alerting: %d %s", r.Status, r.Body)
	}

	// Four cases: no alert yet. The fifth crosses the threshold.
	var filed []teststack.Filed
	for i := range 4 {
		filed = append(filed, fileAbout(t, s, sched, i))
	}
	for _, f := range filed {
		alertChecked(t, s, f)
	}
	if got := listAlerts(t, s, sup, ""); len(got) != 0 {
		t.Fatalf("an alert after 4 cases: %+v", got)
	}
	filed = append(filed, fileAbout(t, s, sched, 4))
	var alert alertView
	testenv.Eventually(t, 20*time.Second, "the systemic alert", func() bool {
		got := listAlerts(t, s, sup, "")
		if len(got) > 0 {
			alert = got[0]
		}
		return len(got) > 0
	})
	if alert.AISystemID != sched || alert.AISystemName != "ShiftWise scheduling" || alert.CaseCount != 5 || alert.Threshold != 5 ||
		alert.WindowHours != 24 || alert.AcknowledgedBy != nil || len(alert.IssueIDs) != 0 {
		t.Errorf("alert %+v", alert)
	}
	for _, f := range filed {
		if !slices.Contains(alert.CaseIDs, f.ID) {
			t.Errorf("case %s not in the alert", f.Reference)
		}
	}
	// The event is in the outbox and in JetStream: ids and counts only, about the fifth case.
	var payload string
	s.Core.DB.Raw(`SELECT payload::text FROM outbox WHERE subject = ?`, events.SystemicAlert).Scan(&payload)
	var env events.Envelope
	if err := json.Unmarshal([]byte(payload), &env); err != nil || env.CaseID.String() != filed[4].ID ||
		!strings.Contains(string(env.Data), alert.ID) || strings.Contains(payload, "sick leave") {
		t.Errorf("outbox event %s (%v)", payload, err)
	}
	testenv.Eventually(t, 20*time.Second, "the alert event in JetStream", func() bool {
		stream, err := s.JS.Stream(context.Background(), events.Stream)
		if err != nil {
			return false
		}
		msg, err := stream.GetLastMsgForSubject(context.Background(), events.SystemicAlert)
		return err == nil && msg.Header.Get("Nats-Msg-Id") == env.ID.String()
	})

	// A sixth case in the same window raises no second alert.
	sixth := fileAbout(t, s, sched, 5)
	alertChecked(t, s, sixth)
	if got := listAlerts(t, s, sup, ""); len(got) != 1 {
		t.Fatalf("%d alerts after the sixth case, want 1", len(got))
	}

	// A reviewer opens an issue from the alert, linking its five cases.
	issueBody := map[string]any{"ai_system_id": sched, "mechanism": "biased_output", "title": "Sick leave read as low availability",
		"description": "The rota model cuts the hours of workers back from sick leave.", "case_ids": alert.CaseIDs, "alert_id": alert.ID}
	r = s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: rev, Body: issueBody})
	if r.Status != 201 {
		t.Fatalf("create issue: %d %s", r.Status, r.Body)
	}
	var issue issueView
	r.Decode(t, &issue)
	if !strings.HasPrefix(issue.Reference, "SI-") || issue.Status != "open" || issue.CaseCount != 5 || len(issue.Cases) != 5 ||
		issue.AlertID == nil || *issue.AlertID != alert.ID || r.Header.Get("Location") != "/api/v1/systemic-issues/"+issue.ID {
		t.Fatalf("issue %s (Location %q)", r.Body, r.Header.Get("Location"))
	}
	// Each case's record has the link, and its chain verifies.
	for _, f := range filed {
		r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/audit", Token: rev})
		var rec struct {
			Items []struct {
				Action string          `json:"action"`
				Public bool            `json:"public"`
				Data   json.RawMessage `json:"data"`
			} `json:"items"`
			Verification struct {
				Verified bool `json:"verified"`
			} `json:"verification"`
		}
		r.Decode(t, &rec)
		if !rec.Verification.Verified {
			t.Errorf("case %s: chain does not verify: %s", f.Reference, r.Body)
		}
		linked := 0
		for _, e := range rec.Items {
			if e.Action == "systemic.linked" {
				linked++
				if e.Public || !strings.Contains(string(e.Data), issue.ID) || !strings.Contains(string(e.Data), issue.Reference) {
					t.Errorf("case %s link entry %s (public %v)", f.Reference, e.Data, e.Public)
				}
			}
		}
		if linked != 1 {
			t.Errorf("case %s has %d link entries, want 1", f.Reference, linked)
		}
		d := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: rev}).JSON(t)
		refs, _ := d["systemic_issues"].([]any)
		if len(refs) != 1 || refs[0].(map[string]any)["reference"] != issue.Reference {
			t.Errorf("case %s detail systemic_issues %v", f.Reference, d["systemic_issues"])
		}
	}
	var linkEvents int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = ?`, events.SystemicLinked).Scan(&linkEvents)
	if linkEvents != 5 {
		t.Errorf("%d link events, want 5", linkEvents)
	}
	// The alert names the issue that answers it; a supervisor acknowledges it, once.
	if got := listAlerts(t, s, sup, ""); len(got) != 1 || !slices.Equal(got[0].IssueIDs, []string{issue.ID}) {
		t.Errorf("alert issues %+v", got)
	}
	ack := "/api/v1/systemic-alerts/" + alert.ID + "/acknowledge"
	if r := s.Do(req{Method: "POST", Path: ack, Token: rev}); r.Status != 403 {
		t.Errorf("a reviewer acknowledges: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: ack, Token: sup}); r.Status != 200 || r.JSON(t)["acknowledged_by"] == nil {
		t.Errorf("acknowledge: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: ack, Token: admin, Body: map[string]any{}}); r.Status != 409 {
		t.Errorf("acknowledge twice: %d %s", r.Status, r.Body)
	}
	if got := listAlerts(t, s, sup, "?acknowledged=false"); len(got) != 0 {
		t.Errorf("unacknowledged alerts: %+v", got)
	}
	// A filter that is not one is a 422 naming it, not an unfiltered list.
	for _, b := range []struct{ query, field string }{
		{"?acknowledged=maybe", "acknowledged"}, {"?ai_system_id=7", "ai_system_id"}, {"?limit=0", "limit"},
	} {
		r := s.Do(req{Method: "GET", Path: "/api/v1/systemic-alerts" + b.query, Token: sup})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"`+b.field+`"`) {
			t.Errorf("alerts%s: %d %s", b.query, r.Status, r.Body)
		}
	}

	// The sixth case joins; a case about another system is refused, naming it.
	path := "/api/v1/systemic-issues/" + issue.ID
	credit := fileAbout(t, s, sys["credit-scorer"], 9)
	r = s.Do(req{Method: "POST", Path: path + "/cases", Token: rev, Body: map[string]any{"case_ids": []string{sixth.ID, credit.ID}}})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"case_ids[1]"`) || !strings.Contains(string(r.Body), "other_ai_system") {
		t.Fatalf("link another system's case: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: path + "/cases", Token: rev, Body: map[string]any{"case_ids": []string{sixth.ID}}})
	if r.Status != 200 || len(r.JSON(t)["cases"].([]any)) != 6 {
		t.Fatalf("link the sixth: %d %s", r.Status, r.Body)
	}
	// Unlink, with the reason in the query or in the body.
	if r := s.Do(req{Method: "DELETE", Path: path + "/cases/" + sixth.ID, Token: rev}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"field":"reason"`) {
		t.Errorf("unlink without a reason: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "DELETE", Path: path + "/cases/" + sixth.ID + "?reason=A+manual+rota+change%2C+not+the+model.", Token: rev}); r.Status != 200 ||
		len(r.JSON(t)["cases"].([]any)) != 5 {
		t.Errorf("unlink by query: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "DELETE", Path: path + "/cases/" + filed[0].ID, Token: rev,
		Body: map[string]string{"reason": "The complainant's hours were cut before the model was deployed."}}); r.Status != 200 ||
		len(r.JSON(t)["cases"].([]any)) != 4 {
		t.Errorf("unlink by body: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "DELETE", Path: path + "/cases/" + filed[0].ID + "?reason=again", Token: rev}); r.Status != 404 ||
		!strings.Contains(string(r.Body), "case_not_linked") {
		t.Errorf("unlink twice: %d %s", r.Status, r.Body)
	}

	// Lists filter and page.
	s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: sup, Body: map[string]any{"ai_system_id": sys["credit-scorer"],
		"mechanism": "data_error", "title": "Stale income data"}})
	r = s.Do(req{Method: "GET", Path: "/api/v1/systemic-issues?limit=1", Token: rev})
	page := r.JSON(t)
	if r.Status != 200 || len(page["items"].([]any)) != 1 || page["next_cursor"] == "" {
		t.Fatalf("first page: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "GET", Path: "/api/v1/systemic-issues?limit=1&cursor=" + page["next_cursor"].(string), Token: rev})
	if items := r.JSON(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["id"] != issue.ID {
		t.Errorf("second page: %s", r.Body)
	}
	r = s.Do(req{Method: "GET", Path: "/api/v1/systemic-issues?ai_system_id=" + sched + "&status=open", Token: rev})
	if items := r.JSON(t)["items"].([]any); len(items) != 1 || items[0].(map[string]any)["case_count"] != float64(4) {
		t.Errorf("filtered: %s", r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/systemic-issues?status=closed&cursor=zz", Token: rev}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"field":"status"`) || !strings.Contains(string(r.Body), `"field":"cursor"`) {
		t.Errorf("bad filters: %d %s", r.Status, r.Body)
	}

	// Resolving is for supervisors; a resolved issue takes no more links.
	if r := s.Do(req{Method: "POST", Path: path + "/resolve", Token: rev, Body: map[string]string{"note": "Fixed."}}); r.Status != 403 {
		t.Errorf("a reviewer resolves: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: path + "/resolve", Token: sup,
		Body: map[string]string{"note": "The provider removed sick-leave days from the availability features (release 7.1)."}})
	if r.Status != 200 || r.JSON(t)["status"] != "resolved" {
		t.Fatalf("resolve: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/cases", Token: rev, Body: map[string]any{"case_ids": []string{sixth.ID}}}); r.Status != 409 {
		t.Errorf("link to a resolved issue: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/resolve", Token: sup, Body: map[string]string{"note": "Again."}}); r.Status != 409 {
		t.Errorf("resolve twice: %d %s", r.Status, r.Body)
	}
}

// Who may call what, and unknown ids.
func TestSystemicRolesAndUnknownIDs(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rev, sup, body := s.Reviewer(), s.Login("supervisor@example.org"), s.Login("regulator@example.org")
	sched := systemIDs(t, s)["shift-scheduler"]
	for _, c := range []struct {
		method, path, tok string
	}{
		{"GET", "/api/v1/systemic-issues", body},
		{"POST", "/api/v1/systemic-issues", body},
		{"GET", "/api/v1/systemic-alerts", rev},
		{"POST", "/api/v1/systemic-alerts/" + uuid.NewString() + "/acknowledge", rev},
		{"GET", "/api/v1/admin/ai-systems/" + sched + "/alerting", sup},
		{"PUT", "/api/v1/admin/ai-systems/" + sched + "/alerting", sup},
	} {
		if r := s.Do(req{Method: c.method, Path: c.path, Token: c.tok, Body: map[string]any{}}); r.Status != 403 {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/systemic-issues"}); r.Status != 401 {
		t.Errorf("no token: %d", r.Status)
	}
	f := fileAbout(t, s, sched, 0)
	unknown := uuid.NewString()
	for _, c := range []struct {
		method, path, tok string
		body              any
		code              string
	}{
		{"GET", "/api/v1/systemic-issues/" + unknown, rev, nil, "systemic_issue_not_found"},
		{"POST", "/api/v1/systemic-issues/" + unknown + "/cases", rev, map[string]any{"case_ids": []string{f.ID}}, "systemic_issue_not_found"},
		{"DELETE", "/api/v1/systemic-issues/" + unknown + "/cases/" + f.ID + "?reason=x", rev, nil, "systemic_issue_not_found"},
		{"POST", "/api/v1/systemic-issues/" + unknown + "/resolve", sup, map[string]string{"note": "Done."}, "systemic_issue_not_found"},
		{"POST", "/api/v1/systemic-alerts/" + unknown + "/acknowledge", sup, nil, "alert_not_found"},
	} {
		if r := s.Do(req{Method: c.method, Path: c.path, Token: c.tok, Body: c.body}); r.Status != 404 || !strings.Contains(string(r.Body), c.code) {
			t.Errorf("%s %s: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/systemic-issues/SI-00001", Token: rev}); r.Status != 422 {
		t.Errorf("a reference for an id: %d %s", r.Status, r.Body)
	}
	// Unknown cases and alerts in a new issue are named.
	r := s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: rev, Body: map[string]any{"ai_system_id": sched,
		"mechanism": "biased_output", "title": "Sick leave", "case_ids": []string{f.ID, unknown}, "alert_id": unknown}})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"case_ids[1]","code":"not_found"`) ||
		!strings.Contains(string(r.Body), `"field":"alert_id","code":"not_found"`) {
		t.Errorf("unknown case and alert: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: rev, Body: map[string]any{"ai_system_id": sched,
		"mechanism": "biased_output", "title": "Sick leave", "surprise": true}}); r.Status != 422 || !strings.Contains(string(r.Body), "unknown_field") {
		t.Errorf("unknown field: %d %s", r.Status, r.Body)
	}
	// An issue with no case yet, then unlinking a case that exists but is not linked.
	r = s.Do(req{Method: "POST", Path: "/api/v1/systemic-issues", Token: rev, Body: map[string]any{"ai_system_id": sched,
		"mechanism": "biased_output", "title": "Sick leave"}})
	if r.Status != 201 {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)
	if r := s.Do(req{Method: "DELETE", Path: "/api/v1/systemic-issues/" + id + "/cases/" + unknown + "?reason=x", Token: rev}); r.Status != 404 ||
		!strings.Contains(string(r.Body), "case_not_found") {
		t.Errorf("unlink no case: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "DELETE", Path: "/api/v1/systemic-issues/" + id + "/cases/nope?reason=x", Token: rev}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"field":"case_id"`) {
		t.Errorf("unlink a bad case id: %d %s", r.Status, r.Body)
	}
	// Rui operates the shift scheduler: recused from its systemic issues.
	rui := s.Login("reviewer2@example.org")
	for _, c := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/api/v1/systemic-issues", map[string]any{"ai_system_id": sched, "mechanism": "biased_output", "title": "Sick leave"}},
		{"POST", "/api/v1/systemic-issues/" + id + "/cases", map[string]any{"case_ids": []string{f.ID}}},
		{"DELETE", "/api/v1/systemic-issues/" + id + "/cases/" + f.ID + "?reason=x", nil},
	} {
		if r := s.Do(req{Method: c.method, Path: c.path, Token: rui, Body: c.body}); r.Status != 403 ||
			!strings.Contains(string(r.Body), `"code":"recused"`) {
			t.Errorf("%s %s by a recused reviewer: %d %s", c.method, c.path, r.Status, r.Body)
		}
	}
}
