package frontend_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Issue 16, item 1: an admin gives the AI system's provider a contact, and
// staff send the provider a request for information from the AI decision
// tab and record its answer, with plain forms (no JavaScript). Before the
// contact exists the tab says what is missing.
func TestStaffProviderRequestForms(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	var sysID string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'shift-scheduler'`).Scan(&sysID)
	f := staffCase(t, s, "general", func(b map[string]any) {
		delete(b, "ai_system_other")
		b["ai_system_id"] = sysID
	})
	sam := signedIn(t, s, "supervisor@example.org")
	path := "/cases/" + f.ID
	questions := "Which inputs did the scheduler weigh for this rota, and with which weights?"
	send := url.Values{"questions": {questions}, "due_days": {"10"}}

	expect(t, "the tab offers the request", sam.get(path+"/ai-decision"), 200,
		"Requests for information to the provider", "No request has been sent to the provider.",
		`action="`+path+`/provider-requests"`, `name="due_days"`)
	// No contact in the register: the form says so, nothing is sent.
	expect(t, "no contact", sam.post(path+"/provider-requests", send), 409, "no contact email for the provider")
	expect(t, "bad days", sam.post(path+"/provider-requests", url.Values{"questions": {questions}, "due_days": {"x"}}), 422,
		`href="#f-provider-request-due-days"`)

	// The admin page takes the provider's contact, and refuses a bad one naming the field.
	ada := signedIn(t, s, "admin@example.org")
	sys := url.Values{"slug": {"shift-scheduler"}, "name": {"ShiftWise scheduling"}, "provider": {"ShiftWise Inc."},
		"purpose": {"Schedules shifts"}, "active": {"on"}, "provider_email": {"not an address"}}
	wantInvalid(t, "bad provider email", ada.post("/admin/ai-systems/"+sysID, sys), "f-provider-email")
	sys.Set("provider_email", "ai-support@shiftwise.example")
	wantRedirect(t, "provider email", ada.post("/admin/ai-systems/"+sysID, sys), "/admin/ai-systems/"+sysID)
	expect(t, "the admin form shows it", ada.get("/admin/ai-systems/"+sysID), 200, `value="ai-support@shiftwise.example"`)

	redirected(t, "send", sam.post(path+"/provider-requests", send), path+"/ai-decision")
	p := sam.get(path + "/ai-decision")
	expect(t, "sent", p, 200, "The request for information is sent to the provider.", questions,
		"ai-support@shiftwise.example", "Awaiting the provider")
	var rid string
	s.Core.DB.Raw(`SELECT id::text FROM provider_requests WHERE case_id = ?`, f.ID).Scan(&rid)
	answerAt := path + "/provider-requests/" + rid + "/answer"
	if !strings.Contains(p.Body, `action="`+answerAt+`"`) {
		t.Fatalf("no answer form:\n%s", p.Body)
	}
	expect(t, "empty answer", sam.post(answerAt, url.Values{"answer": {" "}}), 422,
		`href="#f-provider-answer-`+rid+`-answer"`)
	redirected(t, "answer", sam.post(answerAt, url.Values{"answer": {"Sick-leave days weighed 0.4, past rotas 0.3."}}),
		path+"/ai-decision")
	p = sam.get(path + "/ai-decision")
	expect(t, "answered", p, 200, "Sick-leave days weighed 0.4, past rotas 0.3.", "Answered")
	if strings.Contains(p.Body, `action="`+answerAt+`"`) {
		t.Error("an answered request still offers the answer form")
	}
	// The complainant's page says nothing of it.
	if cp := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)}); strings.Contains(string(cp.Body), "provider_request") {
		t.Errorf("the complainant sees the provider request: %s", cp.Body)
	}
}
