package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

const bgReason = "The regulator asked for this file today; its queue's staff are all away."

// Break-glass (issue 14): an admin outside every queue cannot see a case;
// with a reason they open it for an hour, to read only; the case record, the
// outbox and the supervisors of its queue (and only they) hear of it; the
// recused, other roles and an expired grant get nothing.
func TestBreakGlassAPI(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	userID := func(email string) string {
		t.Helper()
		var id string
		if err := s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = ?`, email).Scan(&id).Error; err != nil || id == "" {
			t.Fatalf("user %s: %q %v", email, id, err)
		}
		return id
	}
	admin := s.Outsider("bg-admin@example.org", auth.RoleAdmin)
	adminID := userID("bg-admin@example.org")

	filed := s.File(teststack.NamedCase())
	var queueID string
	testenv.Eventually(t, 30*time.Second, "the case is routed", func() bool {
		s.Core.DB.Raw(`SELECT coalesce(queue_id::text, '') FROM cases WHERE id = ?`, filed.ID).Scan(&queueID)
		return queueID != ""
	})
	// A supervisor of the case's queue, and one of another queue only.
	s.Outsider("bg-sup-here@example.org", auth.RoleSupervisor)
	s.Outsider("bg-sup-there@example.org", auth.RoleSupervisor)
	supHere, supThere := userID("bg-sup-here@example.org"), userID("bg-sup-there@example.org")
	if err := s.Core.DB.Exec(`INSERT INTO queue_members (queue_id, user_id, notify_new_cases) VALUES (?, ?, false)`,
		queueID, supHere).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Core.DB.Exec(`INSERT INTO queue_members (queue_id, user_id, notify_new_cases)
		SELECT id, ?, true FROM queues WHERE id <> ? LIMIT 1`, supThere, queueID).Error; err != nil {
		t.Fatal(err)
	}

	casePath := "/api/v1/cases/" + filed.ID
	if r := s.Do(req{Method: "GET", Path: casePath, Token: admin}); r.Status != 404 {
		t.Fatalf("an admin outside every queue reads the case: %d %s", r.Status, r.Body)
	}

	bg := func(token, reference, reason string) *teststack.Response {
		t.Helper()
		return s.Do(req{Method: "POST", Path: "/api/v1/break-glass", Token: token,
			Body: map[string]string{"reference": reference, "reason": reason}})
	}
	// Refusals write nothing.
	if r := bg(admin, filed.Reference, "Need to check this"); r.Status != 422 {
		t.Errorf("a 19-character reason: %d %s", r.Status, r.Body)
	} else if _, field, code := problemField(t, r); field != "reason" || code != "too_short" {
		t.Errorf("a 19-character reason names %q %q", field, code)
	}
	if r := bg(admin, filed.Reference, "   "+strings.Repeat(" ", 30)+"x"); r.Status != 422 {
		t.Errorf("a reason of spaces: %d %s", r.Status, r.Body)
	}
	if r := bg(admin, "RD-not-a-ref", bgReason); r.Status != 422 {
		t.Errorf("a malformed reference: %d %s", r.Status, r.Body)
	} else if _, field, _ := problemField(t, r); field != "reference" {
		t.Errorf("a malformed reference names %q", field)
	}
	unknown, err := auth.NewReference()
	if err != nil {
		t.Fatal(err)
	}
	if r := bg(admin, unknown, bgReason); r.Status != 404 || r.JSON(t)["code"] != "case_not_found" {
		t.Errorf("an unknown reference: %d %s", r.Status, r.Body)
	}
	if r := bg(s.Reviewer(), filed.Reference, bgReason); r.Status != 403 {
		t.Errorf("a reviewer breaks the glass: %d %s", r.Status, r.Body)
	}
	if r := bg(s.Login("supervisor@example.org"), filed.Reference, bgReason); r.Status != 403 {
		t.Errorf("a supervisor breaks the glass: %d %s", r.Status, r.Body)
	}
	// The demo admin is a member of every queue: nothing to break.
	if r := bg(s.Login("admin@example.org"), filed.Reference, bgReason); r.Status != 409 || r.JSON(t)["code"] != "within_reach" {
		t.Errorf("an admin of the case's queue: %d %s", r.Status, r.Body)
	}
	var grants int
	s.Core.DB.Raw(`SELECT count(*) FROM break_glass`).Scan(&grants)
	if grants != 0 {
		t.Fatalf("refused break-glasses left %d grants", grants)
	}

	// A good reason, the reference typed loosely.
	before := time.Now()
	loose := strings.ToLower(strings.ReplaceAll(filed.Reference, "-", " "))
	r := bg(admin, loose, "  "+bgReason+"\n")
	if r.Status != 201 {
		t.Fatalf("break-glass: %d %s", r.Status, r.Body)
	}
	var grant struct {
		CaseID    string    `json:"case_id"`
		Reference string    `json:"reference"`
		ExpiresAt time.Time `json:"expires_at"`
	}
	r.Decode(t, &grant)
	if grant.CaseID != filed.ID || grant.Reference != filed.Reference {
		t.Errorf("grant %+v, want case %s %s", grant, filed.ID, filed.Reference)
	}
	if d := grant.ExpiresAt.Sub(before); d < 59*time.Minute || d > 61*time.Minute {
		t.Errorf("the grant lasts %s, want an hour", d)
	}
	if r := s.Do(req{Method: "GET", Path: casePath, Token: admin}); r.Status != 200 {
		t.Fatalf("the admin reads the case after break-glass: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: casePath + "/identity", Token: admin}); r.Status != 200 ||
		!strings.Contains(string(r.Body), "Maria Lopez-Garcia") {
		t.Errorf("the admin opens the identity after break-glass: %d %s", r.Status, r.Body)
	}
	var looks []struct{ What, Ground, Route string }
	if err := s.Core.Access.Flush(context.Background()); err != nil { // the reads' looks, written in a batch
		t.Fatal(err)
	}
	s.Core.DB.Raw(`SELECT what, ground, route FROM access_log WHERE case_id = ? AND user_id = ? ORDER BY id`,
		filed.ID, adminID).Scan(&looks)
	if len(looks) != 2 || looks[0].What != "content" || looks[0].Ground != "break_glass" ||
		looks[0].Route != "GET /api/v1/cases/:id" || looks[1].What != "identity" || looks[1].Ground != "break_glass" {
		t.Errorf("access log of the admin: %+v", looks)
	}

	// The case record, read by the admin: who, why, until when.
	rec := s.Do(req{Method: "GET", Path: casePath + "/audit", Token: admin})
	if rec.Status != 200 {
		t.Fatalf("audit: %d %s", rec.Status, rec.Body)
	}
	var record struct {
		Items []struct {
			Action  string         `json:"action"`
			Public  bool           `json:"public"`
			ActorID string         `json:"actor_id"`
			Data    map[string]any `json:"data"`
		} `json:"items"`
	}
	rec.Decode(t, &record)
	found := false
	for _, e := range record.Items {
		if e.Action == "case.break_glass" {
			found = true
			if e.Public || e.ActorID != adminID || e.Data["user_id"] != adminID || e.Data["reason"] != bgReason ||
				e.Data["expires_at"] == nil {
				t.Errorf("case.break_glass entry: %+v", e)
			}
		}
	}
	if !found {
		t.Errorf("no case.break_glass in the case record: %s", rec.Body)
	}

	// The outbox: ids and times, never the reason.
	var payloads []string
	s.Core.DB.Raw(`SELECT payload::text FROM outbox WHERE subject = 'redress.case.break_glass'`).Scan(&payloads)
	if len(payloads) != 1 || !strings.Contains(payloads[0], filed.ID) || !strings.Contains(payloads[0], adminID) ||
		strings.Contains(payloads[0], "regulator") {
		t.Errorf("break-glass events in the outbox: %q", payloads)
	}

	// The supervisors of the case's queue are emailed at once; a supervisor
	// of another queue is not.
	type sent struct{ RecipientRef, Data string }
	var mails []sent
	testenv.Eventually(t, 30*time.Second, "the queue's supervisor is owed an email", func() bool {
		mails = nil
		s.Core.DB.Raw(`SELECT recipient_ref, data::text AS data FROM notifications_sent
			WHERE template = 'staff_break_glass' AND case_id = ?`, filed.ID).Scan(&mails)
		for _, m := range mails {
			if m.RecipientRef == supHere {
				return true
			}
		}
		return false
	})
	for _, m := range mails {
		if m.RecipientRef == supThere {
			t.Errorf("a supervisor of another queue is emailed of the break-glass")
		}
		if m.RecipientRef == supHere && (!strings.Contains(m.Data, "bg-admin@example.org") || !strings.Contains(m.Data, "regulator")) {
			t.Errorf("the email lacks the admin or the reason: %s", m.Data)
		}
	}

	// Break-glass only reads.
	if r := s.Do(req{Method: "POST", Path: casePath + "/messages", Token: admin,
		Body: map[string]string{"body": "Hello from the admin", "visibility": "internal"}}); r.Status != 403 ||
		r.JSON(t)["code"] != "not_your_case" {
		t.Errorf("the admin writes a message by break-glass: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: casePath + "/acknowledge", Token: admin}); r.Status != 403 {
		t.Errorf("the admin acknowledges by break-glass: %d %s", r.Status, r.Body)
	}
	var msgs int
	s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND actor_id = ? AND action <> 'case.break_glass'`,
		filed.ID, adminID).Scan(&msgs)
	if msgs != 0 {
		t.Errorf("the admin's refused writes left %d entries", msgs)
	}
	// A second break-glass while the first runs: a new grant, told again.
	if r := bg(admin, filed.Reference, bgReason+" Still needed."); r.Status != 201 {
		t.Errorf("breaking the glass again: %d %s", r.Status, r.Body)
	}

	// A recused admin (an operator of the case's AI system) gets the same
	// answer as for a case that does not exist, and no grant.
	sys := map[string]string{}
	for _, it := range s.Do(req{Method: "GET", Path: "/api/v1/ai-systems"}).JSON(t)["items"].([]any) {
		m := it.(map[string]any)
		sys[m["slug"].(string)] = m["id"].(string)
	}
	body := teststack.ValidCase()
	delete(body, "ai_system_other")
	body["ai_system_id"] = sys["shift-scheduler"]
	about := s.File(body)
	recused := s.Outsider("bg-recused@example.org", auth.RoleAdmin)
	recusedID := userID("bg-recused@example.org")
	if err := s.Core.DB.Exec(`INSERT INTO ai_system_staff (ai_system_id, user_id, role) VALUES (?, ?, 'operator')`,
		sys["shift-scheduler"], recusedID).Error; err != nil {
		t.Fatal(err)
	}
	if r := bg(recused, about.Reference, bgReason); r.Status != 404 || r.JSON(t)["code"] != "case_not_found" {
		t.Errorf("a recused admin breaks the glass: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + about.ID, Token: recused}); r.Status != 404 {
		t.Errorf("a recused admin reads the case: %d", r.Status)
	}
	s.Core.DB.Raw(`SELECT count(*) FROM break_glass WHERE user_id = ?`, recusedID).Scan(&grants)
	if grants != 0 {
		t.Errorf("the recused admin's refused break-glass left %d grants", grants)
	}
	// The same admin may break the glass on a case they are not recused from.
	if r := bg(recused, filed.Reference, bgReason); r.Status != 201 {
		t.Errorf("the recused admin on another case: %d %s", r.Status, r.Body)
	}

	// An expired grant opens nothing.
	late := s.Outsider("bg-late@example.org", auth.RoleAdmin)
	if err := s.Core.DB.Exec(`INSERT INTO break_glass (case_id, user_id, reason, opened_at, expires_at)
		VALUES (?, ?, ?, now() - interval '2 hours', now() - interval '1 hour')`,
		filed.ID, userID("bg-late@example.org"), bgReason).Error; err != nil {
		t.Fatal(err)
	}
	if r := s.Do(req{Method: "GET", Path: casePath, Token: late}); r.Status != 404 {
		t.Errorf("an expired grant opens the case: %d", r.Status)
	}
}
