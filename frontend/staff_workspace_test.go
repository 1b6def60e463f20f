package frontend_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The workspace is a summary plus one page per step, each with the same tab
// navigation; an unknown tab, or the incident tab of a case that is not an
// incident, is a 404.
func TestStaffWorkspaceTabs(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := staffCase(t, s, "general", nil)
	sam := signedIn(t, s, "supervisor@example.org")
	path := "/cases/" + f.ID
	tabs := map[string]string{"": "Summary", "/messages": "Messages", "/triage": "Triage",
		"/ai-decision": "The contested AI decision", "/points-of-view": "The complainant heard", "/evidence": "Evidence",
		"/decision": "Decision", "/remedies": "Remedies", "/escalation": "Escalation to an independent body",
		"/actions": "Handle the case", "/timeline": "Timeline", "/record": "Case record"}
	for tab, name := range tabs {
		p := sam.get(path + tab)
		expect(t, "tab "+name, p, 200, `<a href="`+path+tab+`" aria-current="page">`+name+`</a>`, "Case "+f.Reference)
		if n := strings.Count(p.Body, `aria-current="page"`); n != 1 {
			t.Errorf("tab %s: %d current tabs", name, n)
		}
		if strings.Contains(p.Body, `href="`+path+`/incident"`) {
			t.Errorf("tab %s offers the incident tab of a case that is not an incident", name)
		}
	}
	expect(t, "summary", sam.get(path), 200, "What to do next", "Acknowledge the case", `id="acknowledge"`)
	if err := s.Core.DB.Exec(`UPDATE cases SET status = 'in_review', acknowledged_at = now() WHERE id = ?`, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	expect(t, "request information sits with the messages", sam.get(path+"/messages"), 200, `action="`+path+`/request-information"`)
	expect(t, "next step in review", sam.get(path), 200, "then decide.", `<a href="`+path+`/decision" class="button secondary">Go to Decision</a>`)
	expect(t, "a tab's own title", sam.get(path+"/triage"), 200, "<title>Triage – Case "+f.Reference+" · ")
	expect(t, "unknown tab", sam.get(path+"/nope"), 404)
	expect(t, "incident tab of a concern", sam.get(path+"/incident"), 404)
	// A failed form shows its own tab with the error, at the action's address.
	expect(t, "message without body", sam.post(path+"/messages", url.Values{"body": {""}, "visibility": {"complainant"}}), 422,
		`<a href="`+path+`/messages" aria-current="page">Messages</a>`, `href="#f-messages-body"`)
}

// Search by reference: an exact reference, typed loosely, opens the case;
// anything else says there is no such case and opens nothing.
func TestStaffQueueSearchByReference(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := staffCase(t, s, "general", nil)
	rita := signedIn(t, s, "reviewer@example.org")
	loose := strings.ToLower(strings.ReplaceAll(f.Reference, "-", " "))
	redirected(t, "search", rita.get("/queue?reference="+url.QueryEscape(loose)), "/cases/"+f.ID)
	for _, ref := range []string{"RD-123", "nonsense"} {
		p := rita.get("/queue?reference=" + url.QueryEscape(ref))
		expect(t, "search "+ref, p, 200, "No case with the reference "+ref+" that you can see.", `aria-invalid="true"`)
		if strings.Contains(p.Body, `id="cases-caption"`) && !strings.Contains(p.Body, f.Reference) {
			t.Errorf("search %s: the list is wrong", ref)
		}
	}
	// A well-formed reference that no case has (any more) reads the same.
	var other string
	s.Core.DB.Raw(`SELECT reference FROM cases WHERE id = ?`, f.ID).Scan(&other)
	if err := s.Core.DB.Exec(`UPDATE cases SET reference = 'RD-000-000-000' WHERE id = ?`, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	expect(t, "gone", rita.get("/queue?reference="+url.QueryEscape(other)), 200, "No case with the reference "+other+" that you can see.")
	// A body's user has no queue at all.
	expect(t, "body searches", signedIn(t, s, "regulator@example.org").get("/queue?reference="+url.QueryEscape(other)), 403)
}

// A remedy's kind belongs to its form: the list groups the kinds by form,
// and a kind of another form is refused naming the field, nothing written.
func TestStaffRemedyKindsFollowTheForm(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f, _ := cpDecided(t, s)
	rita := signedIn(t, s, "reviewer@example.org")
	path := "/cases/" + f.ID
	expect(t, "grouped kinds", rita.get(path+"/remedies"), 200,
		`<optgroup label="Compensation" data-form="compensation"><option value="financial_loss">Financial loss</option>`,
		`data-follows="f-remedies-components-0-form"`)
	before := countOf(t, s, `SELECT count(*) FROM remedy_components rc JOIN remedy_bundles b ON b.id = rc.bundle_id WHERE b.case_id = ?`, f.ID)
	bad := url.Values{"components[0].form": {"compensation"}, "components[0].subtype": {"apology"},
		"components[0].description": {"Say sorry for the lost shifts."}, "components[0].responsible": {"deployer"}}
	p := rita.post(path+"/remedies", bad)
	expect(t, "kind of another form", p, 422, `href="#f-remedies-components-0-subtype"`, `id="f-remedies-components-0-subtype-error"`)
	if after := countOf(t, s, `SELECT count(*) FROM remedy_components rc JOIN remedy_bundles b ON b.id = rc.bundle_id WHERE b.case_id = ?`, f.ID); after != before {
		t.Errorf("a refused bundle wrote %d components", after-before)
	}
	// The chosen pair comes back as chosen: "other" under the row's own form only.
	bad.Set("components[0].subtype", "other")
	bad.Set("components[0].description", "")
	p = rita.post(path+"/remedies", bad)
	if n := strings.Count(p.Body, `<option value="other" selected>`); p.Status != 422 || n != 1 ||
		!strings.Contains(p.Body, `data-form="compensation"><option value="financial_loss">Financial loss</option><option value="non_material_harm">Non-material harm</option><option value="costs">Costs</option><option value="other" selected>`) {
		t.Errorf("the row's kind came back %d times selected (%d)", n, p.Status)
	}
}

// The dashboard's backlog and per-system tables link to the cases behind
// their bars: the case list, filtered.
func TestDashboardLinksToTheCases(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := staffCase(t, s, "general", nil)
	sam := signedIn(t, s, "supervisor@example.org")
	general := queueID(t, s, "general")
	href := "/queue?queue_id=" + general + "&amp;status=open#cases"
	expect(t, "dashboard", sam.get("/dashboard"), 200, `<a href="`+href+`"><bdi>General review</bdi></a>`)
	expect(t, "the cases behind the bar", sam.get("/queue?queue_id="+general+"&status=open"), 200, f.Reference)
	if err := s.Core.DB.Exec(`UPDATE cases SET status = 'withdrawn' WHERE id = ?`, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	if p := sam.get("/queue?queue_id=" + general + "&status=open"); strings.Contains(p.Body, f.Reference) {
		t.Error("a withdrawn case is listed among the open ones")
	}
}
