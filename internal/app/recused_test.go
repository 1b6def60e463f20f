package app_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestRecusedOperatorNeverSeesTheCase (issue 14, "Done when"): the demo's
// reviewer2, who operates ShiftWise, and a supervisor who owns it — both
// members of every queue — never meet a complaint about ShiftWise: 404 on
// every case route of the API and the pages (its evidence and dossier
// downloads too), absent from the case lists, the queue's list and page,
// the reference search, the queue counts, the systemic issue and alert
// views, the dashboard and its drill-down lists, and no email about it.
// The demo supervisor, not recused, sees each of these, so each check
// can fail.
func TestRecusedOperatorNeverSeesTheCase(t *testing.T) {
	s := teststack.New(t, teststack.Options{Worker: true})
	exec := func(q string, args ...any) { t.Helper(); dbExec(t, s, q, args...) }
	one := func(q string, args ...any) string { t.Helper(); return dbOne(t, s, q, args...) }
	want := func(r *teststack.Response, status int, what string) map[string]any {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%s: %d %s", what, r.Status, r.Body)
		}
		return r.JSON(t)
	}
	rui := s.Login("reviewer2@example.org")
	ruiID := one(`SELECT id::text FROM users WHERE email = 'reviewer2@example.org'`)
	vera := s.StaffUser("recused-supervisor@example.org", "supervisor")
	veraID := one(`SELECT id::text FROM users WHERE email = 'recused-supervisor@example.org'`)
	sam := s.Login("supervisor@example.org")
	samID := one(`SELECT id::text FROM users WHERE email = 'supervisor@example.org'`)
	admin := s.Login("admin@example.org")
	shift := one(`SELECT id::text FROM ai_systems WHERE slug = 'shift-scheduler'`)
	exec(`INSERT INTO ai_system_staff (ai_system_id, user_id, role) VALUES (?, ?, 'owner')`, shift, veraID)
	// All three would hear of every new case and reply, were it not for recusal.
	exec(`UPDATE queue_members SET notify_new_cases = true WHERE user_id IN (?, ?, ?)`, ruiID, veraID, samID)
	// Two ShiftWise cases within a day raise a systemic alert.
	want(s.Do(teststack.Request{Method: "PUT", Path: "/api/v1/admin/ai-systems/" + shift + "/alerting", Token: admin,
		Body: map[string]int{"threshold": 2, "window_hours": 24}}), 200, "alerting")

	fileShift := func(body map[string]any) teststack.Filed {
		delete(body, "ai_system_other")
		body["ai_system_id"] = shift
		return s.File(body)
	}
	f := fileShift(teststack.NamedCase())
	f2 := fileShift(teststack.ValidCase())
	var queue string
	testenv.Eventually(t, 30*time.Second, "the cases routed", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM cases WHERE id IN (?, ?) AND queue_id IS NOT NULL`, f.ID, f2.ID).Scan(&n)
		return n == 2
	})
	queue = one(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID)

	// The complainant replies, adds a file and asks for a referral.
	me := s.ComplainantToken(f)
	want(s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: me,
		Body: map[string]string{"body": "I found my rota for May; the cut came the day after my sick note."}}), 201, "reply")
	ids := caseIDs{Case: f.ID}
	ids.Evidence = uploadEvidence(t, s, "/api/v1/complainant/case/evidence", me, false)
	ids.Referral = want(s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: me, Body: map[string]any{
		"body_id": one(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`), "consent_scope": "identity_withheld",
		"reason": "I want the authority to look at how the scheduler treats sick leave."}}), 201, "referral")["id"].(string)
	ids.Remedy = uuid.NewString()
	issue := want(s.Do(teststack.Request{Method: "POST", Path: "/api/v1/systemic-issues", Token: sam, Body: map[string]any{
		"ai_system_id": shift, "mechanism": "erroneous_output", "title": "Sick leave cuts shifts",
		"description": "Several cases say the scheduler cuts the hours of people back from sick leave.",
		"case_ids":    []string{f.ID, f2.ID}}}), 201, "systemic issue")["id"].(string)
	testenv.Eventually(t, 30*time.Second, "the alert and the supervisor's emails", func() bool {
		var alerts, mails int
		s.Core.DB.Raw(`SELECT count(*) FROM systemic_alerts WHERE ai_system_id = ?`, shift).Scan(&alerts)
		s.Core.DB.Raw(`SELECT count(DISTINCT template) FROM notifications_sent WHERE case_id = ? AND recipient_ref = ?
			AND template IN ('staff_new_case', 'staff_reply')`, f.ID, samID).Scan(&mails)
		return alerts == 1 && mails == 2
	})

	// Someone outside the queue who has the case's id can neither link it
	// to an issue nor take it off one: to them it is no case.
	olga := s.Outsider("outsider@example.org", "reviewer")
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/systemic-issues/" + issue + "/cases", Token: olga,
		Body: map[string]any{"case_ids": []string{f2.ID}}}); r.Status != 422 || !strings.Contains(string(r.Body), `"not_found"`) {
		t.Errorf("an outsider links a case they may not see: %d %s", r.Status, r.Body)
	}
	if r := s.Do(teststack.Request{Method: "DELETE", Path: "/api/v1/systemic-issues/" + issue + "/cases/" + f2.ID + "?reason=mine",
		Token: olga}); r.Status != 404 || !strings.Contains(string(r.Body), "case_not_found") {
		t.Errorf("an outsider unlinks a case they may not see: %d %s", r.Status, r.Body)
	}

	fx := &matrixFixture{}
	fx.csrfNonce, fx.csrfToken, _ = pagesCSRF(s)
	routes := appRoutes(s)
	samWeb := webSignIn(t, s, "supervisor@example.org")
	for _, v := range []struct {
		name, id, token, web string
		supervisor           bool
	}{{"reviewer2 (operator)", ruiID, rui, webSignIn(t, s, "reviewer2@example.org"), false},
		{"supervisor (owner)", veraID, vera, webSignIn(t, s, "recused-supervisor@example.org"), true}} {
		t.Run(v.name, func(t *testing.T) {
			me := session{bearer: v.token, web: v.web}
			a := &matrixActor{name: v.name, creds: me, ids: &ids}
			nobody := &matrixActor{name: v.name, creds: me, ids: &caseIDs{Case: uuid.NewString(),
				Evidence: uuid.NewString(), Remedy: uuid.NewString(), Referral: uuid.NewString()}}
			// Every case route: 404, or the same 403 a case that does not
			// exist gets (a route their role may not use at all).
			for _, r := range routes {
				if !strings.HasPrefix(r.path, "/api/v1/cases/:id") && !strings.HasPrefix(r.path, "/cases/:id") {
					continue
				}
				got := askRoute(t, s, fx, r, a, me)
				if got == 'N' {
					continue
				}
				if none := askRoute(t, s, fx, r, nobody, me); got != 'F' || none != 'F' || v.supervisor {
					t.Errorf("%s: %c for the case, %c for no case: want N", r, got, none)
				}
			}
			// Every tab of the workspace.
			for _, tab := range []string{"messages", "triage", "ai-decision", "points-of-view", "evidence", "decision",
				"remedies", "escalation", "incident", "actions", "timeline", "record"} {
				if r := s.Do(teststack.Request{Method: "GET", Path: "/cases/" + f.ID + "/" + tab, Token: v.token,
					Header: map[string]string{"Cookie": "redress_staff=" + v.web}}); r.Status != 404 {
					t.Errorf("/cases/%s/%s: %d", f.ID, tab, r.Status)
				}
			}

			// Lists, searches, counts: nothing names the cases.
			// control: the supervisor who may see the cases finds them
			// there, so the check can fail.
			hides := func(what, path string, control bool) {
				t.Helper()
				r := s.Do(teststack.Request{Method: "GET", Path: path, Token: v.token,
					Header: map[string]string{"Cookie": "redress_staff=" + v.web}})
				if r.Status != 200 {
					t.Errorf("%s (%s): %d %s", what, path, r.Status, r.Body)
					return
				}
				for _, c := range []teststack.Filed{f, f2} {
					if strings.Contains(string(r.Body), c.ID) || (!strings.Contains(path, "reference=") && strings.Contains(string(r.Body), c.Reference)) {
						t.Errorf("%s (%s) names case %s", what, path, c.Reference)
					}
				}
				if !control {
					return
				}
				if sr := s.Do(teststack.Request{Method: "GET", Path: path, Token: sam,
					Header: map[string]string{"Cookie": "redress_staff=" + samWeb}}); !strings.Contains(string(sr.Body), f.ID) {
					t.Errorf("%s (%s): the supervisor who may see the case does not find it either: the check proves nothing", what, path)
				}
			}
			hides("the case list", "/api/v1/cases", true)
			hides("the case list by reference", "/api/v1/cases?reference="+f.Reference, true)
			hides("the queue's cases", "/api/v1/queues/"+queue+"/cases", true)
			hides("the queue page", "/queue", true)
			hides("the reference search", "/queue?reference="+f.Reference, true)
			hides("the systemic issue", "/api/v1/systemic-issues/"+issue, true)
			hides("the systemic issues", "/api/v1/systemic-issues", false)
			if v.supervisor {
				hides("the dashboard", "/dashboard", false)
				hides("the dashboard's queue drill-down", "/queue?queue_id="+queue+"&status=open", true)
				hides("the dashboard's AI system drill-down", "/queue?ai_system_id="+shift, true)
				hides("the systemic alerts", "/api/v1/systemic-alerts", true)
			}
			// The queue counts count what they may see: nothing there.
			var counts struct {
				Items []struct {
					ID         string `json:"id"`
					Open       int    `json:"open"`
					Unassigned int    `json:"unassigned"`
				} `json:"items"`
			}
			if r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/queues", Token: v.token}); r.Status != 200 {
				t.Errorf("queues: %d %s", r.Status, r.Body)
			} else {
				r.Decode(t, &counts)
			}
			for _, q := range counts.Items {
				if q.ID == queue && (q.Open != 0 || q.Unassigned != 0) {
					t.Errorf("the queue counts %d open, %d unassigned cases for them", q.Open, q.Unassigned)
				}
			}
			// No email names the cases.
			var mails int
			s.Core.DB.Raw(`SELECT count(*) FROM notifications_sent WHERE case_id IN (?, ?) AND recipient_ref = ?`,
				f.ID, f2.ID, v.id).Scan(&mails)
			if mails != 0 {
				t.Errorf("%d emails about the cases were owed to them", mails)
			}
		})
	}
}

// dbExec runs a statement for a test's fixtures.
func dbExec(t *testing.T, s *teststack.Stack, q string, args ...any) {
	t.Helper()
	if err := s.Core.DB.WithContext(context.Background()).Exec(q, args...).Error; err != nil {
		t.Fatal(err)
	}
}

// dbOne reads one value as text.
func dbOne(t *testing.T, s *teststack.Stack, q string, args ...any) string {
	t.Helper()
	var v string
	if err := s.Core.DB.WithContext(context.Background()).Raw(q, args...).Scan(&v).Error; err != nil {
		t.Fatal(err)
	}
	return v
}
