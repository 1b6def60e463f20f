package api_test

import (
	"encoding/hex"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestCaseRecordVerifiesAndShowsTampering(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	// Nobody holds the case: a supervisor of its queue acts on it (issue 15).
	tok := s.Login("supervisor@example.org")
	f := s.File(teststack.ValidCase())
	path := "/api/v1/cases/" + f.ID
	s.Do(req{Method: "POST", Path: path + "/acknowledge", Token: tok})
	s.Do(req{Method: "POST", Path: path + "/messages", Token: tok, Body: map[string]string{"body": "Looking into it.", "visibility": "complainant"}})
	// A supervisor may move a case nobody holds yet.
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: s.Login("supervisor@example.org"),
		Body: map[string]string{"to": "in_review", "reason": "Started."}}); r.Status != 200 {
		t.Fatalf("in review: %d %s", r.Status, r.Body)
	}

	audit := func() map[string]any {
		t.Helper()
		r := s.Do(req{Method: "GET", Path: path + "/audit", Token: tok})
		if r.Status != 200 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}
	rec := audit()
	v := rec["verification"].(map[string]any)
	if v["verified"] != true || v["entries"].(float64) != 4 {
		t.Fatalf("fresh record does not verify: %v", v)
	}
	var actions []string
	for _, e := range rec["items"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	if strings.Join(actions, ",") != "case.submitted,case.acknowledged,message.sent,case.in_review" {
		t.Errorf("actions %v", actions)
	}
	// The acknowledgement records when the feedback clock, restarted by it, is due.
	ack := rec["items"].([]any)[1].(map[string]any)["data"].(map[string]any)
	var feedbackDue string
	for _, d := range s.Do(req{Method: "GET", Path: path, Token: tok}).JSON(t)["due_dates"].([]any) {
		if d := d.(map[string]any); d["clock"] == "feedback" {
			feedbackDue, _ = d["due_at"].(string)
		}
	}
	recorded, _ := ack["feedback_due"].(string)
	a, errA := time.Parse(time.RFC3339Nano, recorded)
	b, errB := time.Parse(time.RFC3339Nano, feedbackDue)
	if errA != nil || errB != nil || !a.Equal(b) {
		t.Errorf("the acknowledgement records feedback_due %q; the feedback clock is due %q", recorded, feedbackDue)
	}

	// The application's own connection cannot rewrite or delete history.
	if err := s.Core.DB.Exec(`UPDATE audit_entries SET action = 'case.closed' WHERE case_id = ?`, f.ID).Error; err == nil {
		t.Fatal("UPDATE of audit_entries was allowed")
	}
	if err := s.Core.DB.Exec(`DELETE FROM audit_entries WHERE case_id = ?`, f.ID).Error; err == nil {
		t.Fatal("DELETE from audit_entries was allowed")
	}

	// Someone with superuser rights switches the trigger off and edits a row behind the app's back.
	tamper := func(sql string) {
		t.Helper()
		err := s.Core.DB.Exec(`BEGIN; SET LOCAL session_replication_role = replica; ` + sql + `; COMMIT;`).Error
		if err != nil {
			t.Fatalf("tamper: %v", err)
		}
	}
	tamper(`UPDATE audit_entries SET data = '{"from":"submitted","to":"rejected"}' WHERE case_id = '` + f.ID + `' AND seq = 2`)
	v = audit()["verification"].(map[string]any)
	if v["verified"] != false || v["broken_at_seq"].(float64) != 2 {
		t.Fatalf("edited entry not detected: %v", v)
	}

	// Recomputing that entry's hash does not help: the next entry's link breaks.
	g := teststack.New(t, teststack.Options{})
	f2 := g.File(teststack.ValidCase())
	gt := g.Login("supervisor@example.org") // nobody holds the case (issue 15)
	if r := g.Do(req{Method: "POST", Path: "/api/v1/cases/" + f2.ID + "/acknowledge", Token: gt}); r.Status != 200 {
		t.Fatalf("acknowledge: %d %s", r.Status, r.Body)
	}
	if r := g.Do(req{Method: "POST", Path: "/api/v1/cases/" + f2.ID + "/transitions", Token: g.Login("supervisor@example.org"),
		Body: map[string]string{"to": "in_review", "reason": "x"}}); r.Status != 200 {
		t.Fatalf("in review: %d %s", r.Status, r.Body)
	}
	if err := g.Core.DB.Exec(`BEGIN; SET LOCAL session_replication_role = replica;
		DELETE FROM audit_entries WHERE case_id = '` + f2.ID + `' AND seq = 2; COMMIT;`).Error; err != nil {
		t.Fatal(err)
	}
	r := g.Do(req{Method: "GET", Path: "/api/v1/cases/" + f2.ID + "/audit", Token: gt})
	v = r.JSON(t)["verification"].(map[string]any)
	if v["verified"] != false || !strings.Contains(v["problem"].(string), "missing") {
		t.Fatalf("deleted entry not detected: %v", v)
	}
}

// Nothing a complainant wrote is stored or logged in the clear, and neither
// their IP address nor their user agent is stored or logged at all.
func TestPrivacyNothingInTheClear(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	const (
		ua        = "Mozilla/5.0 (PrivacyProbe-7c1e) Gecko/20100101"
		forwarded = "203.0.113.77"
	)
	secrets := []string{
		"Zanele Mokoena-Probe", "zanele.probe@example.net", "+27 82 555 0199",
		"14 Probe Street, Soweto", "I was flagged as a fraud risk after my shift pattern changed probe",
		"Reinstate my benefit probe", "Union of Probe Workers", "mandate-probe-2026",
		"My reply to the reviewer, probe",
	}
	body := with(func(m map[string]any) {
		m["anonymous"] = false
		m["description"] = secrets[4]
		m["desired_outcome"] = secrets[5]
		m["contact"] = map[string]any{"name": secrets[0], "email": secrets[1], "phone": secrets[2], "address": secrets[3], "preferred_channel": "post"}
		m["representative"] = map[string]any{"name": "Rep", "organisation": secrets[6], "mandate": secrets[7]}
	})
	hdr := map[string]string{"User-Agent": ua, "X-Forwarded-For": forwarded, "X-Real-IP": forwarded, "Forwarded": "for=" + forwarded}
	r := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: body, Header: hdr})
	if r.Status != 201 {
		t.Fatalf("%d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	f := teststack.Filed{Reference: m["reference"].(string), Receipt: m["receipt"].(string)}
	sess := s.Do(req{Method: "POST", Path: "/api/v1/complainant/session", Header: hdr,
		Body: map[string]string{"reference": f.Reference, "receipt": f.Receipt}})
	tok := sess.JSON(t)["token"].(string)
	s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: tok, Header: hdr, Body: map[string]string{"body": secrets[8]}})
	s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok, Header: hdr})
	// Let the worker take the event, so its writes are in the dump too.
	testenv.Eventually(t, 10*time.Second, "the worker to receive the case", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM cases WHERE received_at IS NOT NULL`).Scan(&n)
		return n == 1
	})

	dump := testenv.Dump(t, s.DBURL)
	logs := s.Logs.String()
	if !strings.Contains(dump, f.Reference) || !strings.Contains(logs, "/api/v1/cases") {
		t.Fatal("the dump or the logs are empty: the test would prove nothing")
	}
	forbidden := append([]string{ua, "PrivacyProbe", forwarded, "127.0.0.1", f.Receipt,
		strings.ReplaceAll(f.Receipt, "-", "")}, secrets...)
	for _, x := range forbidden {
		for where, text := range map[string]string{"database": dump, "logs": logs} {
			if strings.Contains(strings.ToLower(text), strings.ToLower(x)) {
				t.Errorf("%s holds %q", where, x)
			}
			if strings.Contains(text, hex.EncodeToString([]byte(x))) {
				t.Errorf("%s holds %q hex-encoded (stored unencrypted in a bytea)", where, x)
			}
		}
	}
}
