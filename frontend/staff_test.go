package frontend_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// staffCase files a case and routes it to the queue slug, as the worker
// would, without running the worker.
func staffCase(t *testing.T, s *teststack.Stack, slug string, change func(map[string]any)) teststack.Filed {
	t.Helper()
	body := teststack.ValidCase()
	if change != nil {
		change(body)
	}
	f := s.File(body)
	if err := s.Core.DB.Exec(`UPDATE cases SET queue_id = (SELECT id FROM queues WHERE slug = ?), routed_at = now(),
		priority = coalesce(priority, 'P3') WHERE id = ?`, slug, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	return f
}

func queueID(t *testing.T, s *teststack.Stack, slug string) string {
	t.Helper()
	var id string
	if err := s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = ?`, slug).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("queue %s: %v", slug, err)
	}
	return id
}

func signedIn(t *testing.T, s *teststack.Stack, email string) *client {
	t.Helper()
	c := newClient(t, s.URL)
	c.signIn(email, teststack.DemoPassword)
	return c
}

// expect fails unless p has status and contains every want.
func expect(t *testing.T, what string, p page, status int, want ...string) {
	t.Helper()
	if p.Status != status {
		t.Fatalf("%s: status %d, want %d\n%s", what, p.Status, status, p.Body)
	}
	if strings.Contains(p.Body, "⟦") {
		t.Fatalf("%s: a message is missing from the catalogues\n%s", what, p.Body)
	}
	for _, w := range want {
		if !strings.Contains(p.Body, w) {
			t.Fatalf("%s: the page lacks %q\n%s", what, w, p.Body)
		}
	}
}

// redirected fails unless p is a 303 to where.
func redirected(t *testing.T, what string, p page, where string) {
	t.Helper()
	if p.Status != http.StatusSeeOther || p.Header.Get("Location") != where {
		t.Fatalf("%s: %d to %q, want 303 to %q\n%s", what, p.Status, p.Header.Get("Location"), where, p.Body)
	}
}

func caseStatus(t *testing.T, s *teststack.Stack, id string) string {
	t.Helper()
	return idOf(t, s, `SELECT status FROM cases WHERE id = ?`, id)
}

// apiCase is the case as the JSON API shows it to staff.
func apiCase(t *testing.T, s *teststack.Stack, id string) map[string]any {
	t.Helper()
	r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + id, Token: s.Login("supervisor@example.org")})
	if r.Status != 200 {
		t.Fatalf("GET case: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)
}

func TestStaffPagesAreForCaseWorkers(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := staffCase(t, s, "general", nil)
	for _, email := range []string{"reviewer@example.org", "supervisor@example.org", "admin@example.org"} {
		c := signedIn(t, s, email)
		expect(t, email+" /queue", c.get("/queue"), 200, "<h1>Queue</h1>", "General", f.Reference)
		expect(t, email+" /cases", c.get("/cases/"+f.ID), 200, "Case "+f.Reference, `id="summary"`, "What to do next",
			`<a href="/cases/`+f.ID+`" aria-current="page">Summary</a>`, `<a href="/cases/`+f.ID+`/record">Case record</a>`,
			"The complainant is anonymous", "My hours were cut to zero")
		expect(t, email+" /cases/…/record", c.get("/cases/"+f.ID+"/record"), 200, `id="record"`,
			`<a href="/cases/`+f.ID+`/record" aria-current="page">Case record</a>`)
		if p := c.get("/cases/" + f.ID); strings.Count(p.Body, "<h1") != 1 {
			t.Errorf("%s: the workspace has %d h1", email, strings.Count(p.Body, "<h1"))
		}
	}
	// A body's user is refused; a visitor is sent to sign in.
	body := signedIn(t, s, "regulator@example.org")
	expect(t, "body /queue", body.get("/queue"), 403)
	expect(t, "body /cases", body.get("/cases/"+f.ID), 403)
	if p := body.post("/cases/"+f.ID+"/acknowledge", url.Values{}); p.Status != 403 {
		t.Errorf("body acknowledges: %d", p.Status)
	}
	anon := newClient(t, s.URL)
	redirected(t, "visitor /queue", anon.get("/queue"), "/login?next=%2Fqueue")
	redirected(t, "visitor /cases", anon.get("/cases/"+f.ID), "/login?next=%2Fcases%2F"+f.ID)
	// An admin may look but not claim or decide (api/routes.go: claimers).
	admin := signedIn(t, s, "admin@example.org")
	expect(t, "admin claims", admin.post("/queue/"+queueID(t, s, "general")+"/claim", url.Values{}), 403)
	if strings.Contains(admin.get("/queue").Body, "Claim the next case") {
		t.Error("an admin is offered claim buttons")
	}
	// Availability: away, then refused when it is neither.
	rita := signedIn(t, s, "reviewer@example.org")
	redirected(t, "away", rita.post("/queue/availability", url.Values{"availability": {"away"}}), "/queue")
	expect(t, "away", rita.get("/queue"), 200, "You are away: no new case will be assigned to you automatically.", "Mark me as available")
	var availability string
	s.Core.DB.Raw(`SELECT availability FROM users WHERE email = 'reviewer@example.org'`).Scan(&availability)
	if availability != "away" {
		t.Fatalf("availability %q", availability)
	}
	expect(t, "bad availability", rita.post("/queue/availability", url.Values{"availability": {"asleep"}}), 422)
	// An unknown case is a 404 page.
	expect(t, "unknown case", admin.get("/cases/00000000-0000-0000-0000-000000000000"), 404)
	expect(t, "bad id", admin.get("/cases/nope"), 404)
}

func TestStaffReviewPathFromClaimToRemedy(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := staffCase(t, s, "general", nil)
	rita := signedIn(t, s, "reviewer@example.org")
	path := "/cases/" + f.ID
	general := queueID(t, s, "general")

	// Claim next: the case opens.
	redirected(t, "claim", rita.post("/queue/"+general+"/claim", url.Values{}), path)
	expect(t, "claimed case", rita.get(path), 200, "The case is yours now.", "Rita")
	var assignee string
	s.Core.DB.Raw(`SELECT u.email FROM cases c JOIN users u ON u.id = c.assignee_id WHERE c.id = ?`, f.ID).Scan(&assignee)
	if assignee != "reviewer@example.org" {
		t.Fatalf("assignee %q", assignee)
	}
	// An empty queue says so.
	redirected(t, "claim from an empty queue", rita.post("/queue/"+general+"/claim", url.Values{}), "/queue")
	expect(t, "empty queue", rita.get("/queue"), 200, "That queue has no case you can take right now.")
	expect(t, "my cases", rita.get("/queue"), 200, `id="mine-caption"`, f.Reference)

	// Acknowledge; again is a conflict shown as a notice, nothing changed.
	redirected(t, "acknowledge", rita.post(path+"/acknowledge", url.Values{}), path)
	if st := caseStatus(t, s, f.ID); st != "acknowledged" {
		t.Fatalf("status %s", st)
	}
	expect(t, "acknowledge twice", rita.post(path+"/acknowledge", url.Values{}), 409, "That could not be done")

	// A move needs a reason, named at its field.
	p := rita.post(path+"/transition", url.Values{"to": {"in_review"}, "reason": {""}})
	expect(t, "move without reason", p, 422, `href="#f-move-reason"`, `id="f-move-reason" name="reason" rows="4" aria-invalid="true"`)
	redirected(t, "in review", rita.post(path+"/transition", url.Values{"to": {"in_review"}, "reason": {"Reading the rota data."}}), path+"/actions")

	// Triage: bad input names the fields and writes nothing.
	p = rita.post(path+"/triage", url.Values{"scale": {"9"}, "scope": {"1"}, "irremediability": {"1"},
		"harm_status": {"sometime"}})
	expect(t, "bad triage", p, 422, `href="#f-triage-scale"`, `href="#f-triage-rights"`, `href="#f-triage-harm-status"`,
		`href="#f-triage-scale-rationale"`, `aria-invalid="true"`, "There is a problem")
	var source string
	s.Core.DB.Raw(`SELECT source FROM case_classifications WHERE case_id = ?`, f.ID).Scan(&source)
	if source != "complainant" {
		t.Fatalf("a refused triage wrote: source %s", source)
	}
	// A grave scale makes it P1.
	triage := url.Values{"scale": {"3"}, "scale_rationale": {"Her income went to zero."}, "scope": {"1"},
		"scope_rationale": {"One worker so far."}, "irremediability": {"2"}, "irremediability_rationale": {"Back pay can fix it."},
		"rights": {"work", "non_discrimination"}, "harm_types": {"financial"}, "mechanisms": {"biased_output"},
		"harm_status": {"occurred"}}
	redirected(t, "triage", rita.post(path+"/triage", triage), path+"/triage")
	if got := apiCase(t, s, f.ID); got["priority"] != "P1" {
		t.Fatalf("priority after triage: %v", got["priority"])
	}
	expect(t, "triaged", rita.get(path+"/triage"), 200, "The triage is saved and the priority raised.", "P1 – high", "Biased output")

	// A message to the complainant and an internal note.
	redirected(t, "message", rita.post(path+"/messages", url.Values{"body": {"Which shifts were removed?"}, "visibility": {"complainant"}}), path+"/messages")
	redirected(t, "note", rita.post(path+"/messages", url.Values{"body": {"Check the rota export first."}, "visibility": {"internal"}}), path+"/messages")
	expect(t, "empty message", rita.post(path+"/messages", url.Values{"body": {""}, "visibility": {"complainant"}}), 422, `href="#f-messages-body"`)
	me := s.ComplainantToken(f)
	view := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	if msgs := view["messages"].([]any); len(msgs) != 1 || msgs[0].(map[string]any)["body"] != "Which shifts were removed?" {
		t.Fatalf("the complainant sees: %v", msgs)
	}
	staffMsgs := apiCase(t, s, f.ID)["messages"].([]any)
	if len(staffMsgs) != 2 || staffMsgs[1].(map[string]any)["visibility"] != "internal" {
		t.Fatalf("staff messages: %v", staffMsgs)
	}

	// The AI decision record: refused without its parts, then recorded.
	expect(t, "bad AI record", rita.post(path+"/ai-decision", url.Values{"inputs": {""}}), 422,
		`href="#f-ai-decision-system-version"`, `href="#f-ai-decision-inputs"`, `href="#f-ai-decision-solely-automated"`)
	redirected(t, "AI record", rita.post(path+"/ai-decision", url.Values{"system_version": {"ShiftPlanner 4.2.1"},
		"inputs": {"attendance records\r\nsick-leave flag\r\n"}, "output": {"Hours set to zero."}, "solely_automated": {"true"},
		"human_oversight": {"none"}, "person_informed": {"no"}, "decision_date": {"2026-01-02"}}), path+"/ai-decision")
	ai := apiCase(t, s, f.ID)["ai_decision"].(map[string]any)
	if ai["system_version"] != "ShiftPlanner 4.2.1" || len(ai["inputs"].([]any)) != 2 || ai["solely_automated"] != true {
		t.Fatalf("AI record: %v", ai)
	}

	// The complainant heard.
	heard := time.Now().Add(-time.Hour).UTC().Format("2006-01-02T15:04")
	redirected(t, "point of view", rita.post(path+"/points-of-view", url.Values{"heard_via": {"call"}, "heard_at": {heard},
		"summary": {"She says the cut came the week after her sick leave."}}), path+"/points-of-view")

	// Evidence: uploaded with its hash, downloaded checked.
	content := []byte("week,hours\n44,32\n45,0\n")
	r := rita.upload(path+"/evidence", map[string]string{"source": "deployer", "description": "The rota."}, "rota.csv", content)
	redirected(t, "evidence", r, path+"/evidence")
	sum := sha256.Sum256(content)
	p = rita.get(path + "/evidence")
	expect(t, "evidence listed", p, 200, "rota.csv", hex.EncodeToString(sum[:]))
	link := regexp.MustCompile(`href="(/cases/[^"]+/evidence/[^"]+)"`).FindStringSubmatch(p.Body)
	if link == nil {
		t.Fatal("no evidence link")
	}
	dl := rita.get(link[1])
	if dl.Status != 200 || dl.Body != string(content) || dl.Header.Get("X-Content-SHA256") != hex.EncodeToString(sum[:]) ||
		!strings.Contains(dl.Header.Get("Content-Disposition"), "rota.csv") || !strings.Contains(dl.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Fatalf("download: %d %v %q", dl.Status, dl.Header, dl.Body)
	}
	expect(t, "evidence without a file", rita.upload(path+"/evidence", map[string]string{"source": "deployer"}, "", nil), 422, `href="#f-evidence-file"`)

	// The decision: refused without attestation, then a P1 decision waits for a supervisor.
	decision := url.Values{"outcome": {"decision_overturned"}, "rationale": {"The rota data show the cut followed the sick-leave flag."},
		"involvement.deployer": {"caused"}, "involvement.provider": {"contributed"}, "explanation.ai_role": {"decisive"},
		"explanation.main_factors": {"sick-leave flag"}, "explanation.inputs": {"attendance records"},
		"explanation.how_to_contest": {"Appeal within 30 days, or go to the labour inspectorate."}}
	p = rita.post(path+"/decision", decision)
	expect(t, "decision without attestation", p, 422, `href="#f-decision-attestation-had-authority"`, `href="#f-decision-attestation-not-a-model-rerun"`)
	if st := caseStatus(t, s, f.ID); st != "in_review" {
		t.Fatalf("a refused decision moved the case to %s", st)
	}
	decision.Set("attestation.had_authority", "true")
	decision.Set("attestation.not_a_model_rerun", "true")
	redirected(t, "decide", rita.post(path+"/decision", decision), path+"/decision")
	if st := caseStatus(t, s, f.ID); st != "pending_approval" {
		t.Fatalf("after deciding: %s", st)
	}
	// Four eyes: the reviewer cannot approve; a supervisor does.
	expect(t, "reviewer approves", rita.post(path+"/decision/approve", url.Values{"approve": {"yes"}}), 403)
	sam := signedIn(t, s, "supervisor@example.org")
	expect(t, "approval form", sam.get(path+"/decision"), 200, "Second approval", "Waiting for approval")
	expect(t, "approval without answer", sam.post(path+"/decision/approve", url.Values{}), 422, `href="#f-approval-approve"`)
	redirected(t, "approve", sam.post(path+"/decision/approve", url.Values{"approve": {"yes"}}), path+"/decision")
	if st := caseStatus(t, s, f.ID); st != "decided" {
		t.Fatalf("after approval: %s", st)
	}

	// Remedies: a bad row is named by its row, empty rows are ignored.
	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	bad := url.Values{"components[1].form": {"compensation"}, "components[1].subtype": {"financial_loss"},
		"components[1].description": {"Pay the wages lost."}, "components[1].responsible": {"deployer"},
		"components[1].amount": {"12.345"}, "components[1].currency": {"EUR"}, "components[1].due_at": {due}}
	expect(t, "bad remedy", rita.post(path+"/remedies", bad), 422, `href="#f-remedies-components-1-amount"`)
	if n := countOf(t, s, `SELECT count(*) FROM remedy_components rc JOIN remedy_bundles b ON b.id = rc.bundle_id
		WHERE b.case_id = ?`, f.ID); n != 0 {
		t.Fatalf("a refused bundle wrote %d components", n)
	}
	bad.Set("components[1].amount", "1250.50")
	redirected(t, "propose", rita.post(path+"/remedies", bad), path+"/remedies")
	comps := apiCase(t, s, f.ID)["remedies"].([]any)
	if len(comps) != 1 || comps[0].(map[string]any)["status"] != "proposed" || comps[0].(map[string]any)["amount"] != "1250.50" {
		t.Fatalf("remedies: %v", comps)
	}
	rid := comps[0].(map[string]any)["id"].(string)
	expect(t, "proposed remedy", rita.get(path+"/remedies"), 200, "Compensation", "Financial loss", "Offer it to the complainant")
	redirected(t, "offer", rita.post(path+"/remedies/"+rid+"/status", url.Values{"status": {"offered"}}), path+"/remedies")
	got := apiCase(t, s, f.ID)
	if got["status"] != "remedy_in_progress" || got["remedies"].([]any)[0].(map[string]any)["status"] != "offered" {
		t.Fatalf("after the offer: %v %v", got["status"], got["remedies"])
	}

	// The case record verifies, in words.
	expect(t, "record", rita.get(path+"/record"), 200, `<span class="badge ok">Verified</span>`)
	expect(t, "timeline", rita.get(path+"/timeline"), 200, "Decision approved", "Remedies proposed")

	// Another language: the workspace speaks it.
	rita.get("/lang/fr?next=/queue")
	expect(t, "French workspace", rita.get(path+"/record"), 200, `lang="fr"`, "Registre du dossier", "Vérifié")
}

func TestStaffReferralsAndListFilters(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	a := staffCase(t, s, "general", nil)
	b := staffCase(t, s, "employment", func(m map[string]any) { m["kind"] = "concern" })
	sam := signedIn(t, s, "supervisor@example.org")

	// Filters: status, queue, priority, breached, AI system.
	if err := s.Core.DB.Exec(`UPDATE cases SET status = 'in_review', acknowledged_at = now(), priority = 'P1' WHERE id = ?`, b.ID).Error; err != nil {
		t.Fatal(err)
	}
	p := sam.get("/queue?status=in_review")
	expect(t, "status filter", p, 200, b.Reference)
	if strings.Contains(p.Body, a.Reference) {
		t.Error("the status filter shows a submitted case")
	}
	p = sam.get("/queue?queue_id=" + queueID(t, s, "general"))
	if !strings.Contains(p.Body, a.Reference) || strings.Contains(p.Body, b.Reference) {
		t.Error("the queue filter is wrong")
	}
	p = sam.get("/queue?priority=P1")
	if !strings.Contains(p.Body, b.Reference) || strings.Contains(p.Body, a.Reference) {
		t.Error("the priority filter is wrong")
	}
	if err := s.Core.DB.Exec(`UPDATE case_clocks SET due_at = now() - interval '1 day' WHERE case_id = ?`, a.ID).Error; err != nil {
		t.Fatal(err)
	}
	p = sam.get("/queue?breached=true")
	if !strings.Contains(p.Body, a.Reference) || strings.Contains(p.Body, b.Reference) {
		t.Error("the breached filter is wrong")
	}
	var sys string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems ORDER BY name LIMIT 1`).Scan(&sys)
	expect(t, "AI system filter", sam.get("/queue?ai_system_id="+sys), 200, "No case matches these filters.")
	expect(t, "bad filter", sam.get("/queue?priority=P9&queue_id=nope"), 422, `href="#f-priority"`, `href="#f-queue-id"`)
	// Keyset pages: one case a page.
	// (The page size is the list's; a cursor from the API pages the web list too.)
	r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases?limit=1", Token: s.Login("supervisor@example.org")})
	cursor := r.JSON(t)["next_cursor"].(string)
	p = sam.get("/queue?cursor=" + url.QueryEscape(cursor))
	if !strings.Contains(p.Body, a.Reference) || strings.Contains(p.Body, `<a href="/cases/`+b.ID+`">`) {
		t.Errorf("the next page: %s", p.Body)
	}

	// A referral from the workspace: the supervisor refers, it appears with its status and dossier links.
	var body string
	s.Core.DB.Raw(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`).Scan(&body)
	path := "/cases/" + a.ID
	expect(t, "referral without consent", sam.post(path+"/escalations", url.Values{"body_id": {body}, "reason": {"x"}}), 422,
		`href="#f-escalate-consent-scope"`, `href="#f-escalate-legal-basis"`)
	redirected(t, "refer", sam.post(path+"/escalations", url.Values{"body_id": {body}, "consent_scope": {"identity_withheld"},
		"reason": {"The acknowledge date was missed."}, "legal_basis": {"GDPR art. 77"}}), path+"/escalation")
	p = sam.get(path + "/escalation")
	expect(t, "referral shown", p, 200, "The case is referred", "Identity withheld", "GDPR art. 77", "/dossier.pdf")
	var status, rid string
	if err := s.Core.DB.Raw(`SELECT status, id::text FROM referrals WHERE case_id = ?`, a.ID).Row().Scan(&status, &rid); err != nil {
		t.Fatal(err)
	}
	if word, ok := map[string]string{"sent": "Sent", "received": "Received"}[status]; !ok || !strings.Contains(p.Body, ">"+word+"</span>") {
		t.Errorf("the referral's status %s is not shown", status)
	}
	d := sam.get(path + "/referrals/" + rid + "/dossier")
	if d.Status != 200 || !strings.Contains(d.Header.Get("Redress-Signature"), "Ed25519") {
		t.Fatalf("dossier: %d %v", d.Status, d.Header)
	}
	redirected(t, "message to the body", sam.post(path+"/referrals/"+rid+"/messages", url.Values{"body": {"The rota export is attached to the dossier."}}), path+"/escalation")
	expect(t, "message shown", sam.get(path+"/escalation"), 200, "The rota export is attached to the dossier.")
	// Another case's referral is not this case's.
	expect(t, "dossier under another case", sam.get("/cases/"+b.ID+"/referrals/"+rid+"/dossier"), 404)
}

func TestStaffIncidentsAndPriorityApproval(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := staffCase(t, s, "incidents", func(m map[string]any) { m["kind"] = "incident" })
	path := "/cases/" + f.ID
	if err := s.Core.DB.Exec(`UPDATE cases SET priority = 'P1' WHERE id = ?`, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	rita := signedIn(t, s, "reviewer@example.org")
	redirected(t, "claim", rita.post("/queue/"+queueID(t, s, "incidents")+"/claim", url.Values{}), path)
	expect(t, "incident case", rita.get(path+"/incident"), 200, `id="incident"`, "Record when the organisation became aware")

	// Awareness: in the future is refused, then recorded; the tasks appear.
	future := time.Now().Add(48 * time.Hour).UTC().Format("2006-01-02T15:04")
	expect(t, "aware in the future", rita.post(path+"/incident", url.Values{"aware_at": {future}, "subtype": {"other"}}), 422, `href="#f-incident-aware-at"`)
	aware := time.Now().Add(-2 * time.Hour).UTC().Format("2006-01-02T15:04")
	redirected(t, "incident", rita.post(path+"/incident", url.Values{"aware_at": {aware}, "subtype": {"other"}}), path+"/incident")
	expect(t, "tasks", rita.get(path+"/incident"), 200, "Tell the provider", "Decide on suspension", "Other serious incident (15 days)")
	expect(t, "suspension without outcome", rita.post(path+"/incident/tasks/suspension_decision", url.Values{"note": {"Keep it running."}}), 422,
		`href="#f-task-suspension-decision-outcome"`)
	redirected(t, "task", rita.post(path+"/incident/tasks/provider_notice", url.Values{"note": {"Emailed the provider's incident desk."}}), path+"/incident")
	expect(t, "task done", rita.get(path+"/incident"), 200, "Emailed the provider&#39;s incident desk.")

	// A lower priority waits for a supervisor other than its author.
	low := url.Values{"scale": {"1"}, "scale_rationale": {"Minor."}, "scope": {"1"}, "scope_rationale": {"One person."},
		"irremediability": {"1"}, "irremediability_rationale": {"Easily undone."}, "rights": {"work"}, "harm_status": {"potential"}}
	if err := s.Core.DB.Exec(`UPDATE cases SET kind = 'concern' WHERE id = ?`, f.ID).Error; err != nil {
		t.Fatal(err)
	}
	redirected(t, "triage down", rita.post(path+"/triage", low), path+"/triage")
	expect(t, "pending priority", rita.get(path+"/triage"), 200, "waits for a supervisor’s approval")
	expect(t, "reviewer approves priority", rita.post(path+"/priority/approve", url.Values{"approve": {"yes"}}), 403)
	sam := signedIn(t, s, "supervisor@example.org")
	redirected(t, "approve priority", sam.post(path+"/priority/approve", url.Values{"approve": {"yes"}, "reason": {"The harm is only potential."}}), path+"/triage")
	if got := apiCase(t, s, f.ID); got["priority"] != "P3" {
		t.Fatalf("priority after approval: %v", got["priority"])
	}
	// A supervisor reassigns; the reviewer releases.
	var reviewer2 string
	s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = 'reviewer2@example.org'`).Scan(&reviewer2)
	expect(t, "assign nobody", sam.post(path+"/assign", url.Values{"user_id": {""}}), 422, `href="#f-assign-user-id"`)
	redirected(t, "assign", sam.post(path+"/assign", url.Values{"user_id": {reviewer2}}), path)
	var holderEmail string
	s.Core.DB.Raw(`SELECT u.email FROM cases c JOIN users u ON u.id = c.assignee_id WHERE c.id = ?`, f.ID).Scan(&holderEmail)
	if holderEmail != "reviewer2@example.org" {
		t.Fatalf("reassigned to %q", holderEmail)
	}
	// Rui holds it now: for Rita it does not exist (need to know).
	expect(t, "release another's case", rita.post(path+"/release", url.Values{}), 404, "")
	redirected(t, "supervisor releases", sam.post(path+"/release", url.Values{}), path)
	if n := countOf(t, s, `SELECT count(*) FROM cases WHERE id = ? AND assignee_id IS NULL`, f.ID); n != 1 {
		t.Fatal("the released case is still held")
	}
	// Arabic: right to left, every message there.
	sam.get("/lang/ar?next=/queue")
	expect(t, "Arabic workspace", sam.get(path), 200, `dir="rtl"`, "سجل القضية")
	expect(t, "Arabic queue", sam.get("/queue"), 200, `dir="rtl"`, "قائمة الانتظار")
}
