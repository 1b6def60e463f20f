package frontend_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The complainant asks for their case to be erased (JavaScript off, 320
// px): without ticking "I understand this cannot be undone" the page says so
// beside the box; ticked, the page reads the date it will happen, 14 days
// on; they cancel, and ask again. A reviewer of the queue sees the request
// but no refusal form; the supervisor of the queue (JavaScript on) refuses
// it with a ground and a note (a note left empty is named beside its
// field). The complainant reads the refusal's ground in words and the note,
// and their timeline says what happened.
func TestBrowserErasureRequestCancelAndRefusal(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	f := namedCase(t, s)
	cp := messagesOf(t, "en", "complainant.json", "common.json")
	staff := messagesOf(t, "en", "staff.json", "common.json")

	me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openCase(t, me, base, f)
	if got := browser.Text(t, me, "#erasure"); !strings.Contains(got, cp["followup.erasure.destroyed"]) ||
		!strings.Contains(got, strings.ReplaceAll(cp["followup.erasure.delay"], "{{.Days}}", "14")) {
		t.Fatalf("the erasure section does not say what erasure means: %q", got)
	}
	audit(t, me, "follow-up, erasure offered")
	// Without the box ticked: refused, said beside the box.
	if got := browser.Click(t, me, "#erasure-ask"); got != http.StatusUnprocessableEntity {
		t.Fatalf("asking without the box ticked: %d", got)
	}
	if got := browser.Text(t, me, "#f-erasure-confirm-error"); got != cp["cp.error.confirm.required"] {
		t.Errorf("beside the box: %q", got)
	}
	if browser.Exists(t, me, "#erasure-pending") {
		t.Fatal("a request was recorded without the box ticked")
	}
	audit(t, me, "follow-up, erasure box not ticked")
	ask := func() {
		t.Helper()
		browser.Check(t, me, "#f-erasure-confirm")
		if got := browser.Click(t, me, "#erasure-ask"); got != http.StatusOK {
			t.Fatalf("asking for erasure: %d: %s", got, browser.Text(t, me, "main"))
		}
	}
	ask()
	on := time.Now().Add(retention.DefaultDelay).In(s.Core.Config.TimeZone).Format("2 January 2006")
	if got := browser.Text(t, me, "#erasure-pending"); !strings.Contains(got, on) {
		t.Errorf("the pending request reads %q, without its date %s", got, on)
	}
	if browser.Exists(t, me, "#erasure-ask") {
		t.Error("the page offers to ask again while a request waits")
	}
	audit(t, me, "follow-up, erasure pending")
	browser.Screenshot(t, me, "erasure-pending-320-nojs")
	if got := browser.Click(t, me, "#erasure-cancel"); got != http.StatusOK {
		t.Fatalf("cancelling: %d", got)
	}
	if !browser.Exists(t, me, "#erasure-cancelled") || browser.Exists(t, me, "#erasure-pending") {
		t.Fatalf("after cancelling the section reads %q", browser.Text(t, me, "#erasure"))
	}
	ask()
	if !browser.Exists(t, me, "#erasure-pending") {
		t.Fatalf("asking again: %q", browser.Text(t, me, "#erasure"))
	}

	path := "/cases/" + f.ID
	// A reviewer of the queue reads the request, with no form to refuse it.
	rev := b.Tab(t, browser.Viewport(1280, 900))
	signIn(t, rev, base, "reviewer@example.org")
	browser.Navigate(t, rev, base+path)
	if got := browser.Text(t, rev, "#erasure-request"); !strings.Contains(got, staff["cw.erasure_status.pending"]) || !strings.Contains(got, on) {
		t.Errorf("the reviewer reads the request as %q", got)
	}
	if browser.Exists(t, rev, "#form-refusal") || browser.Exists(t, rev, "#form-hold") {
		t.Error("a reviewer is offered the supervisor's retention forms")
	}

	sup := b.Tab(t, browser.Viewport(1280, 900))
	signIn(t, sup, base, "supervisor@example.org")
	visit(t, sup, base, path, http.StatusOK, "workspace, erasure requested")
	browser.Select(t, sup, "#f-refusal-ground", "legal_claims")
	if got := browser.Click(t, sup, "#form-refusal button[type=submit]"); got != http.StatusUnprocessableEntity {
		t.Fatalf("refusing without a note: %d", got)
	}
	if !browser.Exists(t, sup, "#f-refusal-refusal-note-error") {
		t.Fatalf("no error beside the note: %q", browser.Text(t, sup, "#retention"))
	}
	const note = "The complainant's employer has brought a claim before the labour court; the file is evidence in it."
	browser.Select(t, sup, "#f-refusal-ground", "legal_claims")
	browser.Fill(t, sup, "#f-refusal-refusal-note", note)
	if got := browser.Click(t, sup, "#form-refusal button[type=submit]"); got != http.StatusOK {
		t.Fatalf("refusing: %d: %s", got, browser.Text(t, sup, "main"))
	}
	if got := browser.Text(t, sup, "#erasure-request"); !strings.Contains(got, staff["cw.erasure_status.refused"]) ||
		!strings.Contains(got, staff["cw.refusal_ground.legal_claims"]) || !strings.Contains(got, note) {
		t.Errorf("after refusing, the request reads %q", got)
	}
	audit(t, sup, "workspace, erasure refused")
	// A legal hold placed, then released (a reason too short is named
	// beside its field); the case's timeline names both.
	const why = "The labour court ordered the parties to keep every record of the shifts."
	browser.Fill(t, sup, "#f-hold-reason", why)
	if got := browser.Click(t, sup, "#form-hold button[type=submit]"); got != http.StatusOK {
		t.Fatalf("placing a hold: %d: %s", got, browser.Text(t, sup, "main"))
	}
	if got := browser.Text(t, sup, "#legal-holds"); !strings.Contains(got, why) || !strings.Contains(got, staff["cw.retention.hold_on"]) ||
		!strings.Contains(got, userName(t, s, "supervisor@example.org")) || !strings.Contains(got, staff["cw.retention.until_released"]) {
		t.Errorf("the hold reads %q", got)
	}
	audit(t, sup, "workspace, hold placed")
	browser.Screenshot(t, sup, "workspace-retention")
	release := "#legal-holds form[action$=\"/release\"]"
	browser.Fill(t, sup, release+" textarea", "over")
	if got := browser.Click(t, sup, release+" button[type=submit]"); got != http.StatusUnprocessableEntity {
		t.Fatalf("releasing with a short reason: %d", got)
	}
	if !browser.Exists(t, sup, release+" .field-error") {
		t.Errorf("no error beside the release's reason: %q", browser.Text(t, sup, "#legal-holds"))
	}
	browser.Fill(t, sup, release+" textarea", "The court's order to keep the records has ended.")
	if got := browser.Click(t, sup, release+" button[type=submit]"); got != http.StatusOK {
		t.Fatalf("releasing the hold: %d", got)
	}
	if got := browser.Text(t, sup, "#legal-holds"); !strings.Contains(got, staff["cw.retention.hold_off"]) ||
		!strings.Contains(got, "The court's order to keep the records has ended.") || browser.Exists(t, sup, release) {
		t.Errorf("the released hold reads %q", got)
	}
	browser.Navigate(t, sup, base+path+"/timeline")
	record := browser.Text(t, sup, "#timeline")
	for _, id := range []string{"cw.action.erasure.requested", "cw.action.erasure.cancelled", "cw.action.erasure.refused",
		"cw.action.case.legal_hold_placed", "cw.action.case.legal_hold_released"} {
		if !strings.Contains(record, staff[id]) {
			t.Errorf("the staff timeline lacks %q: %q", staff[id], record)
		}
	}

	browser.Navigate(t, me, base+"/follow-up")
	if got := browser.Text(t, me, "#erasure-ground"); got != cp["cp.refusal_ground.legal_claims"] {
		t.Errorf("the complainant reads the ground as %q", got)
	}
	if got := browser.Text(t, me, "#erasure-note"); got != note {
		t.Errorf("the complainant reads the note as %q", got)
	}
	timeline := browser.Text(t, me, "#timeline")
	for _, id := range []string{"cp.action.erasure_requested", "cp.action.erasure_cancelled", "cp.action.erasure_refused"} {
		if !strings.Contains(timeline, cp[id]) {
			t.Errorf("the timeline lacks %q: %q", cp[id], timeline)
		}
	}
	audit(t, me, "follow-up, erasure refused")
	// The same, in Arabic.
	ar := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720), browser.AcceptLanguage("ar"))
	openCase(t, ar, base, f)
	if got, want := browser.Text(t, ar, "#erasure-ground"), messagesOf(t, "ar", "complainant.json")["cp.refusal_ground.legal_claims"]; got != want {
		t.Errorf("ar: the ground reads %q, want %q", got, want)
	}
	audit(t, ar, "follow-up, erasure refused, ar")
}

// An erased case: the admin sets a schedule on /admin/retention, the case
// is withdrawn, and a run past its time erases it. The complainant's page
// shows the erased banner, their message reads "[erased on …", and no form
// adds anything; the workspace shows the erasure and the description erased.
func TestBrowserErasedCase(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	f := namedCase(t, s)
	cp := messagesOf(t, "en", "complainant.json", "common.json")

	me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openCase(t, me, base, f)
	const message = "My shifts of 3 and 4 November were removed; my manager told me on the phone."
	browser.Fill(t, me, "#f-message-body", message)
	if got := browser.Click(t, me, `form[action="/follow-up/messages"] button[type=submit]`); got != http.StatusOK {
		t.Fatalf("sending a message: %d", got)
	}

	payslip := filepath.Join(t.TempDir(), "payslip-november.txt")
	if err := os.WriteFile(payslip, []byte("Payslip, November: 0 hours."), 0o600); err != nil {
		t.Fatal(err)
	}
	browser.Upload(t, me, "#f-evidence-file", payslip)
	if got := browser.Click(t, me, `form[action^="/follow-up/evidence"] button[type=submit]`); got != http.StatusOK {
		t.Fatalf("adding a file: %d", got)
	}
	var evidenceID string
	s.Core.DB.Raw(`SELECT id::text FROM evidence WHERE case_id = ?`, f.ID).Scan(&evidenceID)

	admin := b.Tab(t, browser.Viewport(1280, 900))
	signIn(t, admin, base, "admin@example.org")
	browser.Navigate(t, admin, base+"/admin/retention")
	browser.Select(t, admin, "#f-ending", "withdrawn")
	browser.Fill(t, admin, "#f-keep-days", "30")
	if got := browser.Click(t, admin, "#form-schedule button[type=submit]"); got != http.StatusOK {
		t.Fatalf("setting the schedule: %d: %s", got, browser.Text(t, admin, "main"))
	}
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/transitions", Token: s.Login("supervisor@example.org"),
		Body: map[string]string{"to": "withdrawn", "reason": "The complainant withdrew the complaint."}}); r.Status != 200 {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
	// Another case, open, whose complainant asked for erasure: the same run
	// carries the request out.
	g := namedCase(t, s)
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/erasure", Token: s.ComplainantToken(g),
		Body: map[string]any{}}); r.Status != 201 {
		t.Fatalf("asking for erasure: %d %s", r.Status, r.Body)
	}
	run, err := s.Core.Retention.RunNow(context.Background(), time.Now().AddDate(0, 0, 31))
	if err != nil || run == nil || run.Erased != 1 || run.Requests != 1 {
		t.Fatalf("the run: %+v, %v", run, err)
	}

	browser.Navigate(t, me, base+"/follow-up")
	today := time.Now().AddDate(0, 0, 31).In(s.Core.Config.TimeZone).Format("2 January 2006")
	banner := browser.Text(t, me, "#erased-banner")
	want := strings.NewReplacer("{{.Date}}", today, "{{.Ground}}", cp["cp.erased_ground.retention"]).Replace(cp["followup.erased_banner"])
	if banner != want {
		t.Errorf("the banner reads %q, want %q", banner, want)
	}
	if !before(t, me, "#erased-banner", "#status") {
		t.Error("the banner is not at the top of the page")
	}
	if got := browser.Text(t, me, "#messages"); !strings.Contains(got, "[erased on ") || strings.Contains(got, message) {
		t.Errorf("the messages read %q", got)
	}
	for _, form := range []string{"/follow-up/messages", "/follow-up/evidence", "/follow-up/escalations", "/follow-up/erasure", "/follow-up/feedback", "/follow-up/appeal"} {
		if browser.Exists(t, me, `form[action="`+form+`"]`) {
			t.Errorf("the erased case's page offers the form %s", form)
		}
	}
	if got := browser.Text(t, me, "#evidence-files"); !strings.Contains(got, "[erased on ") || strings.Contains(got, "payslip") {
		t.Errorf("the erased case's files read: %q", got)
	}
	if got := browser.Text(t, me, "#timeline"); !strings.Contains(got, cp["cp.action.case_erased"]) {
		t.Errorf("the timeline does not say the case was erased: %q", got)
	}
	audit(t, me, "follow-up, erased")
	browser.Screenshot(t, me, "erased-320-nojs")
	other := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openCase(t, other, base, g)
	if got := browser.Text(t, other, "#erased-banner"); !strings.Contains(got, "("+cp["cp.erased_ground.request"]+")") {
		t.Errorf("the banner of the case erased on request reads %q", got)
	}

	sup := b.Tab(t, browser.Viewport(1280, 900))
	signIn(t, sup, base, "supervisor@example.org")
	visit(t, sup, base, "/cases/"+f.ID, http.StatusOK, "workspace, erased")
	if got := browser.Text(t, sup, "#retention-erased"); !strings.Contains(got, today) {
		t.Errorf("the workspace's erasure reads %q", got)
	}
	if got := browser.Text(t, sup, "#summary"); !strings.Contains(got, "[erased on ") {
		t.Errorf("the workspace's description is not erased: %q", got)
	}
	if browser.Exists(t, sup, "#form-hold") {
		t.Error("the workspace offers to hold an erased case")
	}
	if got := browser.Text(t, sup, "#contact-erased"); got == "" {
		t.Error("the workspace does not say the contact details were erased")
	}
	if sel := `form[method="post"][action^="/cases/` + f.ID + `/"]`; browser.Exists(t, sup, sel) {
		t.Errorf("the workspace of an erased case offers a form: %s", browser.Text(t, sup, sel))
	}
	// The file is gone for good: its download says so, in words.
	if got := browser.Navigate(t, sup, base+"/cases/"+f.ID+"/evidence/"+evidenceID); got != http.StatusGone ||
		!strings.Contains(browser.Text(t, sup, "main"), messagesOf(t, "en", "common.json")["error.code.case_erased"]) {
		t.Errorf("the erased case's file: %d %q", got, browser.Text(t, sup, "main"))
	}
	browser.Navigate(t, sup, base+"/cases/"+f.ID+"/timeline")
	if got, want := browser.Text(t, sup, "#timeline"), messagesOf(t, "en", "staff.json")["cw.action.case.erased"]; !strings.Contains(got, want) {
		t.Errorf("the staff timeline lacks %q: %q", want, got)
	}
}

// The admin, from the administration's sections, opens Retention and
// erasure; days left empty are named beside their field; a schedule set is
// listed; "Run now" lists the run; a schedule deleted is gone.
func TestBrowserAdminRetentionPage(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	adm := messagesOf(t, "en", "admin.json", "common.json")

	admin := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	signIn(t, admin, base, "admin@example.org")
	browser.Navigate(t, admin, base+"/admin")
	if got := browser.Click(t, admin, `a[href="/admin/retention"]`); got != http.StatusOK {
		t.Fatalf("the Retention link: %d", got)
	}
	if !browser.Exists(t, admin, "#no-schedules") || !browser.Exists(t, admin, "#no-runs") {
		t.Fatalf("a new page reads %q", browser.Text(t, admin, "main"))
	}
	audit(t, admin, "admin retention, empty")
	browser.Select(t, admin, "#f-kind", "concern")
	browser.Select(t, admin, "#f-ending", "closed")
	if got := browser.Click(t, admin, "#form-schedule button[type=submit]"); got != http.StatusUnprocessableEntity {
		t.Fatalf("a schedule without days: %d", got)
	}
	if !browser.Exists(t, admin, "#f-keep-days-error") {
		t.Fatalf("no error beside the days: %q", browser.Text(t, admin, "main"))
	}
	if v := fieldValue(t, admin, "#f-kind"); v != "concern" {
		t.Errorf("the kind chosen came back as %q", v)
	}
	audit(t, admin, "admin retention, days missing")
	browser.Fill(t, admin, "#f-keep-days", "400")
	browser.Fill(t, admin, "#f-note", "Claims before the labour court take a year.")
	if got := browser.Click(t, admin, "#form-schedule button[type=submit]"); got != http.StatusOK {
		t.Fatalf("setting the schedule: %d: %s", got, browser.Text(t, admin, "main"))
	}
	row := browser.Text(t, admin, "#table-schedules tbody tr")
	for _, want := range []string{adm["adm.kind.concern"], adm["adm.ret.ending.closed"], "400", "Claims before the labour court"} {
		if !strings.Contains(row, want) {
			t.Errorf("the schedule reads %q, without %q", row, want)
		}
	}
	if got := browser.Click(t, admin, "#form-run button[type=submit]"); got != http.StatusOK {
		t.Fatalf("Run now: %d", got)
	}
	runs := browser.Text(t, admin, "#retention-runs")
	if !strings.Contains(runs, adm["adm.ret.trigger.admin"]) || !strings.Contains(runs, adm["adm.ret.nothing"]) {
		t.Errorf("the runs read %q", runs)
	}
	audit(t, admin, "admin retention, a schedule and a run")
	browser.Screenshot(t, admin, "admin-retention-320-nojs")
	if got := browser.Click(t, admin, "#table-schedules tbody tr form button[type=submit]"); got != http.StatusOK {
		t.Fatalf("deleting the schedule: %d", got)
	}
	if !browser.Exists(t, admin, "#no-schedules") {
		t.Errorf("after deleting, the schedules read %q", browser.Text(t, admin, "#h-schedules ~ *"))
	}
}
