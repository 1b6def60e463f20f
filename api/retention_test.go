package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// withdraw moves a case to withdrawn as the supervisor.
func withdraw(t *testing.T, s *teststack.Stack, sup, id string) {
	t.Helper()
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + id + "/transitions", Token: sup,
		Body: map[string]string{"to": "withdrawn", "reason": "The complainant withdrew the complaint."}}); r.Status != 200 {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
}

func concernCase() map[string]any {
	body := teststack.NamedCase()
	body["kind"] = "concern"
	return body
}

// A retention run erases exactly the cases its schedules make due, skips
// the one under a legal hold, and an erased case reads as erased
// everywhere — its description, its contact details, its file — while its
// record's chain still verifies and the other cases read as before.
func TestRetentionRunErasesTheDueCasesAndSkipsTheHeldOne(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sup, adm := s.Login("supervisor@example.org"), s.Login("admin@example.org")

	due, held, kept, open := s.File(concernCase()), s.File(concernCase()), s.File(teststack.NamedCase()), s.File(concernCase())
	// The complainant of the due case adds a file.
	me := s.ComplainantToken(due)
	up := upload(s, "/api/v1/complainant/case/evidence", me, nil, filepart("payslip.txt", []byte("Payslip of Maria, November: 0 hours")))
	if up.Status != 201 {
		t.Fatalf("upload: %d %s", up.Status, up.Body)
	}
	evidenceID := up.JSON(t)["id"].(string)
	for _, f := range []teststack.Filed{due, held, kept} {
		withdraw(t, s, sup, f.ID)
	}
	// Concerns: 60 days after they ended; contested decisions: 400.
	for _, sc := range []map[string]any{{"ending": "withdrawn", "keep_days": 60},
		{"kind": "contest_decision", "ending": "any", "keep_days": 400, "note": "Claims in court take a year."}} {
		if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/retention/schedules", Token: adm, Body: sc}); r.Status != 200 {
			t.Fatalf("schedule: %d %s", r.Status, r.Body)
		}
	}
	hold := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + held.ID + "/legal-holds", Token: sup,
		Body: map[string]string{"reason": "The complainant has brought a claim before the labour court."}})
	if hold.Status != 201 {
		t.Fatalf("hold: %d %s", hold.Status, hold.Body)
	}
	// A reviewer may not place one.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + held.ID + "/legal-holds", Token: s.Reviewer(),
		Body: map[string]string{"reason": "The complainant has brought a claim before the labour court."}}); r.Status != 403 {
		t.Errorf("a reviewer's hold: %d %s", r.Status, r.Body)
	}

	// Aggregate statistics stay as they were: they count codes and dates, never a sealed value.
	statsBefore := s.Do(req{Method: "GET", Path: "/api/v1/stats/public"})

	// 61 days on, the day's run.
	run, err := s.Core.Retention.RunDue(context.Background(), time.Now().AddDate(0, 0, 61))
	if err != nil || run == nil {
		t.Fatalf("run: %v, %v", run, err)
	}
	if run.Erased != 1 || run.Held != 1 || run.Requests != 0 {
		t.Fatalf("the run erased %d, held %d, carried out %d requests: %s", run.Erased, run.Held, run.Requests, run.Details)
	}
	if !strings.Contains(string(run.Details), due.Reference) || !strings.Contains(string(run.Details), held.Reference) ||
		strings.Contains(string(run.Details), kept.Reference) || strings.Contains(string(run.Details), open.Reference) {
		t.Errorf("the run's details: %s", run.Details)
	}
	// Of several workers, one runs the day.
	if again, err := s.Core.Retention.RunDue(context.Background(), time.Now().AddDate(0, 0, 61)); err != nil || again != nil {
		t.Errorf("a second run the same day: %v, %v", again, err)
	}

	if after := s.Do(req{Method: "GET", Path: "/api/v1/stats/public"}); after.Status != 200 || string(after.Body) != string(statsBefore.Body) {
		t.Errorf("the public statistics changed with the erasure:\nbefore %s\nafter  %s", statsBefore.Body, after.Body)
	}

	// The erased case, as staff read it.
	c := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + due.ID, Token: sup})
	if c.Status != 200 {
		t.Fatalf("erased case: %d %s", c.Status, c.Body)
	}
	if body := string(c.Body); strings.Contains(body, "Maria") || strings.Contains(body, "612 345") ||
		strings.Contains(body, "SHIFT-2026-11-0042") || strings.Contains(body, "scheduling app") ||
		!strings.Contains(body, "[erased on ") || !strings.Contains(body, "retention schedule, any kind, withdrawn, kept 60 days") {
		t.Errorf("the erased case reads: %.800s", body)
	}
	for _, path := range []string{"/identity", "/evidence/" + evidenceID} {
		r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + due.ID + path, Token: sup})
		if r.Status != 410 || r.JSON(t)["code"] != "case_erased" {
			t.Errorf("GET %s of the erased case: %d %s", path, r.Status, r.Body)
		}
	}
	rec := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + due.ID + "/audit", Token: sup}).JSON(t)
	if rec["verification"].(map[string]any)["verified"] != true {
		t.Errorf("the erased case's record does not verify: %v", rec["verification"])
	}
	raw, _ := json.Marshal(rec)
	if !strings.Contains(string(raw), `"case.erased"`) {
		t.Errorf("the record has no case.erased: %.600s", raw)
	}
	ret := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + due.ID + "/retention", Token: sup}).JSON(t)
	if ret["erased"] == nil {
		t.Errorf("retention of the erased case: %v", ret)
	}
	// The complainant still opens their case, and reads that it was erased.
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me})
	if view.Status != 200 || strings.Contains(string(view.Body), "Maria") || !strings.Contains(string(view.Body), `"erased":{"at"`) {
		t.Errorf("the complainant's view of the erased case: %d %.600s", view.Status, view.Body)
	}
	// The data key is gone from the keystore; the case keeps its erasure.
	var wrapped int64
	s.Core.DB.Raw(`SELECT count(*) FROM keystore.case_keys WHERE case_id = ? AND wrapped IS NOT NULL`, due.ID).Scan(&wrapped)
	if wrapped != 0 {
		t.Errorf("the erased case's data key is still in the keystore")
	}

	// The held case and the one kept 400 days read as before.
	for _, f := range []teststack.Filed{held, kept, open} {
		r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/identity", Token: sup})
		if r.Status != 200 || !strings.Contains(string(r.Body), "Maria Lopez-Garcia") {
			t.Errorf("identity of %s: %d %s", f.Reference, r.Status, r.Body)
		}
	}

	// Released, the held case goes at the next run.
	hid := hold.JSON(t)["id"].(string)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + held.ID + "/legal-holds/" + hid + "/release", Token: sup,
		Body: map[string]string{"reason": "The court dismissed the claim; nothing more to keep."}}); r.Status != 200 {
		t.Fatalf("release: %d %s", r.Status, r.Body)
	}
	run, err = s.Core.Retention.RunNow(context.Background(), time.Now().AddDate(0, 0, 62))
	if err != nil || run.Erased != 1 || run.Held != 0 {
		t.Fatalf("the run after the release: %+v, %v", run, err)
	}
	runs := s.Do(req{Method: "GET", Path: "/api/v1/admin/retention/runs", Token: adm}).JSON(t)["items"].([]any)
	if len(runs) != 2 {
		t.Errorf("runs: %v", runs)
	}
}

// The complainant asks for erasure, may cancel it, and a supervisor may
// refuse it only with a legal ground, which the complainant reads; one not
// refused is carried out after the delay and withdraws the open case.
func TestComplainantAsksForErasure(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sup := s.Login("supervisor@example.org")
	f := s.File(teststack.NamedCase())
	me := s.ComplainantToken(f)
	ask := func(want int) map[string]any {
		t.Helper()
		r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/erasure", Token: me, Body: map[string]any{}})
		if r.Status != want {
			t.Fatalf("ask: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}
	first := ask(201)
	if first["status"] != "pending" {
		t.Errorf("request: %v", first)
	}
	eff, _ := time.Parse(time.RFC3339Nano, first["effective_at"].(string))
	if d := time.Until(eff); d < 13*24*time.Hour || d > 15*24*time.Hour {
		t.Errorf("effective in %s, want 14 days", d)
	}
	if ask(409)["code"] != "erasure_pending" {
		t.Error("a second request while one waits")
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/erasure/cancel", Token: me, Body: map[string]any{}}); r.Status != 200 ||
		r.JSON(t)["status"] != "cancelled" {
		t.Fatalf("cancel: %d %s", r.Status, r.Body)
	}
	ask(201)
	// Refusing needs a legal ground and words for the complainant.
	refuse := "/api/v1/cases/" + f.ID + "/erasure/refuse"
	if r := s.Do(req{Method: "POST", Path: refuse, Token: sup, Body: map[string]string{"ground": "too_busy", "note": "no"}}); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"ground"`) || !strings.Contains(string(r.Body), `"note"`) {
		t.Errorf("a refusal without a ground: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: refuse, Token: s.Reviewer(), Body: map[string]string{"ground": "legal_claims",
		"note": "We must keep it for the claim."}}); r.Status != 403 {
		t.Errorf("a reviewer's refusal: %d %s", r.Status, r.Body)
	}
	note := "Your employer has brought a claim about this decision; we must keep the file until the court rules."
	if r := s.Do(req{Method: "POST", Path: refuse, Token: sup, Body: map[string]string{"ground": "legal_claims", "note": note}}); r.Status != 200 {
		t.Fatalf("refuse: %d %s", r.Status, r.Body)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	er := view["retention"].(map[string]any)["erasure_request"].(map[string]any)
	if er["status"] != "refused" || er["ground"] != "legal_claims" || er["note"] != note {
		t.Errorf("the complainant reads the refusal as: %v", er)
	}
	// Asked again and not refused, it is carried out after the delay; the
	// open case is withdrawn.
	ask(201)
	run, err := s.Core.Retention.RunNow(context.Background(), time.Now().Add(15*24*time.Hour))
	if err != nil || run.Requests != 1 {
		t.Fatalf("run: %+v, %v", run, err)
	}
	view = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	raw, _ := json.Marshal(view)
	if view["status"] != "withdrawn" || strings.Contains(string(raw), "Maria") ||
		!strings.Contains(string(raw), "the complainant's request") || !strings.Contains(string(raw), `"case.erased"`) {
		t.Errorf("after the erasure the complainant reads: %.1000s", raw)
	}
	if ask(409)["code"] != "case_erased" {
		t.Error("a request after the erasure")
	}
	// Nothing more can be added to the case.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/legal-holds", Token: sup,
		Body: map[string]string{"reason": "Too late to hold this one, it is erased."}}); r.Status != 409 {
		t.Errorf("a hold on an erased case: %d %s", r.Status, r.Body)
	}
}

// Schedules are validated and named back.
func TestRetentionSchedulesAreValidated(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	adm := s.Login("admin@example.org")
	r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/retention/schedules", Token: adm,
		Body: map[string]any{"kind": "gossip", "ending": "forgotten", "keep_days": 3}})
	if r.Status != 422 {
		t.Fatalf("bad schedule: %d %s", r.Status, r.Body)
	}
	for _, f := range []string{`"kind"`, `"ending"`, `"keep_days"`} {
		if !strings.Contains(string(r.Body), f) {
			t.Errorf("the 422 does not name %s: %s", f, r.Body)
		}
	}
	put := func(days int) map[string]any {
		r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/retention/schedules", Token: adm,
			Body: map[string]any{"ending": "referred", "keep_days": days}})
		if r.Status != 200 {
			t.Fatalf("schedule: %d %s", r.Status, r.Body)
		}
		return r.JSON(t)
	}
	a, b := put(1825), put(2000)
	if a["id"] != b["id"] || b["keep_days"] != float64(2000) {
		t.Errorf("the same kind and ending replaced: %v then %v", a, b)
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/admin/retention/schedules", Token: s.Login("supervisor@example.org")}); r.Status != 403 {
		t.Errorf("a supervisor reads the schedules: %d", r.Status)
	}
	if r := s.Do(req{Method: "DELETE", Path: "/api/v1/admin/retention/schedules/" + b["id"].(string), Token: adm}); r.Status != 204 {
		t.Errorf("delete: %d %s", r.Status, r.Body)
	}
	if items := s.Do(req{Method: "GET", Path: "/api/v1/admin/retention/schedules", Token: adm}).JSON(t)["items"].([]any); len(items) != 0 {
		t.Errorf("after delete: %v", items)
	}
}

// A schedule may name the final decision's outcome: a closed case whose AI
// decision was confirmed is kept as that schedule says, before the one for
// any closed case.
func TestRetentionScheduleByDecisionOutcome(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita, adm := s.Reviewer(), s.Login("admin@example.org")
	f := claimed(t, s, teststack.ValidCase(), rita)
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Token: rita,
		Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/close", Token: rita,
		Body: map[string]string{"root_cause": "threshold", "reason": "Decided; nothing more to do."}}); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	for _, sc := range []map[string]any{{"ending": "closed", "keep_days": 60}, {"ending": "decision_confirmed", "keep_days": 730}} {
		if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/retention/schedules", Token: adm, Body: sc}); r.Status != 200 {
			t.Fatalf("schedule: %d %s", r.Status, r.Body)
		}
	}
	ctx := context.Background()
	if run, err := s.Core.Retention.RunNow(ctx, time.Now().AddDate(0, 0, 61)); err != nil || run.Erased != 0 {
		t.Fatalf("61 days on, the confirmed decision's schedule keeps it: %+v, %v", run, err)
	}
	run, err := s.Core.Retention.RunNow(ctx, time.Now().AddDate(0, 0, 731))
	if err != nil || run.Erased != 1 || !strings.Contains(string(run.Details), "decision_confirmed, kept 730 days") {
		t.Fatalf("731 days on: %+v, %v", run, err)
	}
}

// A determined organisation sets a short schedule to be rid of a case a
// body still works on, or one its complainant may still appeal: the run
// keeps both (held, with why) and erases only the case that needs nothing.
func TestRetentionKeepsACaseWithAnOpenReferralOrAppeal(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sam, adm := s.Login("supervisor@example.org"), s.Login("admin@example.org")
	referred, appealable, done := s.File(concernCase()), s.File(concernCase()), s.File(concernCase())
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + referred.ID + "/escalations", Token: sam, Body: map[string]any{
		"body_id": bodyID(t, s, "demo-dpa"), "consent_scope": "identity_withheld",
		"reason": "The scheduler cut the worker's hours.", "legal_basis": "GDPR art. 77"}}); r.Status != 201 {
		t.Fatalf("refer: %d %s", r.Status, r.Body)
	}
	for _, f := range []teststack.Filed{referred, appealable, done} {
		withdraw(t, s, sam, f.ID)
	}
	if err := s.Core.DB.Exec(`UPDATE cases SET appeal_by = now() + interval '1000 days' WHERE id = ?`, appealable.ID).Error; err != nil {
		t.Fatal(err)
	}
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/retention/schedules", Token: adm,
		Body: map[string]any{"ending": "any", "keep_days": 30}}); r.Status != 200 {
		t.Fatalf("schedule: %d %s", r.Status, r.Body)
	}
	run, err := s.Core.Retention.RunNow(context.Background(), time.Now().AddDate(0, 0, 31))
	if err != nil || run.Erased != 1 || run.Held != 2 {
		t.Fatalf("the run: %+v, %v", run, err)
	}
	details := string(run.Details)
	for _, want := range []string{referred.Reference, "open referral", appealable.Reference, "appeal still possible", done.Reference} {
		if !strings.Contains(details, want) {
			t.Errorf("the run's details lack %q: %s", want, details)
		}
	}
	if r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + referred.ID + "/identity", Token: sam}); r.Status != 200 {
		t.Errorf("the referred case after the run: %d %s", r.Status, r.Body)
	}
}
