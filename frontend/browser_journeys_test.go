package frontend_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// journeyCode is what a complainant keeps after filing: the one code, and
// the reference staff and bodies see (shown beside it). The helpers below
// are the only places that read it from the receipt page and type it into
// the follow-up page.
type journeyCode struct{ Reference, Code string }

// journeyReadCode reads the code from the receipt page, as the person
// writes it down.
func journeyReadCode(t *testing.T, tab context.Context) journeyCode {
	t.Helper()
	c := journeyCode{
		Reference: strings.TrimSpace(browser.Text(t, tab, "#cp-reference")),
		Code:      strings.TrimSpace(browser.Text(t, tab, "#cp-code")),
	}
	if c.Reference == "" || c.Code == "" {
		t.Fatalf("the receipt page shows no code: %s", browser.Text(t, tab, "main"))
	}
	return c
}

// journeyFollowUp opens the follow-up page in tab and types the code in, as
// the person does when they come back another day.
func journeyFollowUp(t *testing.T, tab context.Context, base string, c journeyCode) {
	t.Helper()
	browser.Navigate(t, tab, base+"/follow-up")
	if !browser.Exists(t, tab, "#f-code") { // still signed in from an earlier visit
		if !browser.Exists(t, tab, "#status") {
			t.Fatalf("the follow-up page shows neither the sign-in form nor a case: %s", browser.Text(t, tab, "main"))
		}
		return
	}
	openInBrowser(t, tab, base, c.Code)
}

// journeyMessages reads one catalogue (complainant, staff, admin, body,
// common) of a language, to assert the very words a person reads there.
func journeyMessages(t *testing.T, lang, file string) func(id string, args ...string) string {
	t.Helper()
	return catalogue(t, lang, file+".json")
}

// journeyReads fails unless the text of selector holds every want.
func journeyReads(t *testing.T, tab context.Context, who, selector string, wants ...string) {
	t.Helper()
	text := browser.Text(t, tab, selector)
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s does not read %q in %s:\n%s", who, want, selector, text)
		}
	}
}

// journeyStep checks the page a person is on and photographs it (when
// screenshots are asked for): its messages and its reflow always, and
// axe-core too when axe is true.
func journeyStep(t *testing.T, tab context.Context, name string, axe bool) {
	t.Helper()
	auditing(t, tab, name+" ("+browser.Location(t, tab)+")", axe)
	browser.Screenshot(t, tab, name)
}

// journeyFlash fails unless the message after an action reads want.
func journeyFlash(t *testing.T, tab context.Context, who, want string) {
	t.Helper()
	if got := strings.TrimSpace(browser.Text(t, tab, ".flash")); !strings.Contains(got, want) {
		t.Errorf("%s reads %q after the action, want %q", who, got, want)
	}
}

// The seven journeys of issue 13, each as the person lives it, in English
// and in Arabic, each once on a 320 px phone with JavaScript off and once at
// 1280 px with JavaScript on (one stack and one browser for all four): an
// anonymous worker files the shortest complaint with a
// file; an identified customer files with name and email; a reviewer
// claims, acknowledges, asks a question, triages the case up to P1,
// records the AI decision and reverses it; a supervisor, landing on the
// dashboard, follows it to the queue and approves the decision (four
// eyes); the reviewer offers a restitution; the complainant reads the exact
// question and answers it, reads the outcome in words that match the
// decision and the offer, and accepts; the complainant asks for a referral
// to the data protection authority, whose user sets its status, and the
// complainant reads that status in words; the admin lands on /admin, edits
// the register and reads the change on the public page. Every page state is
// checked (catalogues, reflow; axe-core in two variants, below) and, when
// asked for, photographed; the texts asserted come from the catalogues of
// the page's language.
func TestBrowserJourneys(t *testing.T) {
	t.Parallel() // the longest of the package: run beside each other, not one after the other
	s := teststack.New(t, teststack.Options{Worker: true})
	b := browser.New(t)
	base := s.WebURL
	var system, dpa string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'shift-scheduler'`).Scan(&system)
	s.Core.DB.Raw(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`).Scan(&dpa)
	if system == "" || dpa == "" {
		t.Fatalf("demo data: system %q, body %q", system, dpa)
	}

	// What the people type, in their language.
	type words struct{ description, question, answer, rationale, offer, reason, purpose string }
	en := words{
		description: "My hours were cut to zero by the scheduling system the week after I took sick leave.",
		question:    "Which shifts were removed? Please list their dates, and say who told you about the change.",
		answer:      "The shifts of 3, 4 and 5 November, 08:00 to 16:00. The depot manager told me on the phone.",
		rationale:   "The rota data show the cut followed the sick-leave flag, not demand: the complaint is right.",
		offer:       "Your hours are restored from next week and the sick-leave flag is removed from the scheduler.",
		reason:      "I want the data protection authority to look at how my sick-leave data were used.",
		purpose:     "Plans warehouse shifts from demand forecasts; a person approves every rota."}
	ar := words{
		description: "خُفّضت ساعات عملي إلى الصفر في الأسبوع الذي تلا إجازتي المرضية.",
		question:    "ما هي تواريخ المناوبات التي أُلغيت بالضبط؟ ومن أخبرك بالتغيير؟",
		answer:      "ألغيت مناوبات ٣ و٤ و٥ نوفمبر. أخبرني مدير المستودع.",
		rationale:   "تُظهر بيانات الجدول أن التخفيض تبع علامة الإجازة المرضية لا الطلب: الشكوى محقة.",
		offer:       "تُعاد ساعاتك ابتداءً من الأسبوع القادم وتُحذف علامة الإجازة المرضية من النظام.",
		reason:      "أريد أن تنظر هيئة حماية البيانات في طريقة استخدام بيانات إجازتي المرضية.",
		purpose:     "يخطط مناوبات المستودع من توقعات الطلب؛ ويوافق شخص على كل جدول."}
	phone := []browser.TabOption{browser.NoJavaScript(), browser.Viewport(320, 800)}
	// axe-core audits every step in two of the four variants, which between
	// them have each language, each width and each of JavaScript on and off:
	// an audit is most of a step's cost, and the markup axe judges differs
	// between the variants only by its words and direction, which every
	// variant checks (catalogues, reflow). TestBrowserEveryPageInEveryRole
	// audits every page in English, Arabic and at 320 px without JavaScript.
	for _, v := range []struct {
		name, lang string
		opts       []browser.TabOption
		words
		axe bool
	}{
		{"en-320-nojs", "en", phone, en, false},
		{"en-1280-js", "en", nil, en, true},
		{"ar-320-nojs", "ar", phone, ar, true},
		{"ar-1280-js", "ar", nil, ar, false},
	} {
		t.Run(v.name, func(t *testing.T) {
			cp := journeyMessages(t, v.lang, "complainant")
			cw := journeyMessages(t, v.lang, "staff")
			adm := journeyMessages(t, v.lang, "admin")
			ref := journeyMessages(t, v.lang, "body")
			tab := func() context.Context {
				return b.Tab(t, append([]browser.TabOption{browser.AcceptLanguage(v.lang)}, v.opts...)...)
			}
			shot := func(ctx context.Context, step string) { t.Helper(); journeyStep(t, ctx, step, v.axe) } // t.Name() names the variant

			// 1. The anonymous worker files the shortest complaint, with a file.
			rotaPath := filepath.Join(t.TempDir(), "rota-week-45.txt")
			rota := []byte("week 44: 32 hours\nweek 45: 0 hours\n" + v.name + "\n")
			if err := os.WriteFile(rotaPath, rota, 0o600); err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(rota)
			worker := tab()
			browser.Navigate(t, worker, base+"/")
			shot(worker, "start")
			visit(t, worker, base, "/complaints/new", http.StatusOK, "complaint form, step 1, "+v.name)
			journeyReads(t, worker, "the worker", "main", cp("complaint.safety.device"), cp("complaint.progress", "N", "1", "Total", "5"))
			browser.Check(t, worker, `input[name=kind][value=contest_decision]`)
			browser.Fill(t, worker, `#f-description`, v.description)
			shot(worker, "complaint-form")
			formStep(t, worker, `#cp-continue`, http.StatusOK, 2)
			browser.Select(t, worker, `#f-ai-system-id`, system)
			browser.Check(t, worker, `input[name=informed_of_ai][value=no]`)
			formStep(t, worker, `#cp-continue`, http.StatusOK, 3)
			browser.Check(t, worker, `input[name=rights][value=work]`)
			formStep(t, worker, `#cp-continue`, http.StatusOK, 4)
			browser.Check(t, worker, `input[name=anonymous][value=true]`)
			formStep(t, worker, `#cp-continue`, http.StatusOK, 5)
			journeyReads(t, worker, "the worker", "main", v.description, cp("cp.anonymous.true"), cp("complaint.progress", "N", "5", "Total", "5"))
			browser.Upload(t, worker, `#f-evidence-file`, rotaPath)
			shot(worker, "complaint-check")
			if got := browser.Click(t, worker, `#cp-send`); got != http.StatusOK {
				t.Fatalf("sending the complaint: %d %s", got, browser.Text(t, worker, "main"))
			}
			journeyReads(t, worker, "the worker", "main", cp("receipt.filed"), cp("receipt.code"), cp("receipt.write_down"))
			code := journeyReadCode(t, worker)
			shot(worker, "receipt")
			// Another day, on the follow-up page: the file is there.
			later := tab()
			journeyFollowUp(t, later, base, code)
			journeyReads(t, later, "the worker", "#status", cp("followup.anonymous"))
			journeyReads(t, later, "the worker", "#evidence-files", "rota-week-45.txt", hex.EncodeToString(sum[:]))
			shot(later, "follow-up-filed")
			var caseID string
			s.Core.DB.Raw(`SELECT id::text FROM cases WHERE reference = ?`, code.Reference).Scan(&caseID)

			// 2. The identified customer files with name and email, and chooses email.
			customer := tab()
			visit(t, customer, base, "/complaints/new", http.StatusOK, "complaint form, identified, "+v.name)
			browser.Check(t, customer, `input[name=kind][value=explanation_request]`)
			browser.Fill(t, customer, `#f-description`, v.description)
			formStep(t, customer, `#cp-continue`, http.StatusOK, 2)
			browser.Select(t, customer, `#f-ai-system-id`, "other")
			browser.Fill(t, customer, `#f-ai-system-other`, "Loyalty scoring app")
			browser.Check(t, customer, `input[name=informed_of_ai][value=unsure]`)
			formStep(t, customer, `#cp-continue`, http.StatusOK, 3)
			browser.Check(t, customer, `input[name=rights][value=due_process]`)
			formStep(t, customer, `#cp-continue`, http.StatusOK, 4)
			browser.Check(t, customer, `input[name=anonymous][value=false]`)
			formStep(t, customer, `#cp-continue`, http.StatusOK, 4)
			browser.Fill(t, customer, `#f-contact-name`, "Amina Haddad")
			browser.Fill(t, customer, `#f-contact-email`, "amina."+v.name+"@example.org")
			browser.Check(t, customer, `input[name="contact.preferred_channel"][value=email]`)
			formStep(t, customer, `#cp-continue`, http.StatusOK, 5)
			journeyReads(t, customer, "the customer", "main", "Amina Haddad", "amina."+v.name+"@example.org",
				cp("cp.anonymous.false"), cp("cp.channel.email"))
			shot(customer, "complaint-check-identified")
			if got := browser.Click(t, customer, `#cp-send`); got != http.StatusOK {
				t.Fatalf("sending the identified complaint: %d %s", got, browser.Text(t, customer, "main"))
			}
			journeyReads(t, customer, "the customer", "main", cp("receipt.filed"), cp("receipt.emails_text"))
			customerCode := journeyReadCode(t, customer)
			shot(customer, "receipt-identified")
			var channel string
			s.Core.DB.Raw(`SELECT coalesce(preferred_channel, '') FROM cases WHERE reference = ?`, customerCode.Reference).Scan(&channel)
			if channel != "email" {
				t.Errorf("the identified case %s has channel %q, want email", customerCode.Reference, channel)
			}
			customerLater := tab()
			journeyFollowUp(t, customerLater, base, customerCode)
			journeyReads(t, customerLater, "the customer", "#status", cp("followup.identified"))
			shot(customerLater, "follow-up-identified")

			// 3. The reviewer claims the worker's case from the employment queue.
			var queue string
			testenv.Eventually(t, 60*time.Second, "the worker's case is routed", func() bool {
				s.Core.DB.Raw(`SELECT coalesce(queue_id::text, '') FROM cases WHERE id = ?`, caseID).Scan(&queue)
				return queue != ""
			})
			rev := tab()
			signIn(t, rev, base, "reviewer@example.org")
			visit(t, rev, base, "/queue", http.StatusOK, "queue, "+v.name)
			shot(rev, "queue")
			browser.Click(t, rev, `form[action="/queue/`+queue+`/claim"] button`)
			if loc := browser.Location(t, rev); !strings.Contains(loc, "/cases/"+caseID) {
				t.Fatalf("claiming the next case opened %s, want case %s", loc, caseID)
			}
			journeyReads(t, rev, "the reviewer", "main", code.Reference)
			shot(rev, "workspace-claimed")
			browser.Click(t, rev, `#acknowledge`)
			journeyFlash(t, rev, "the reviewer", cw("cw.flash.acknowledged"))
			// Asks the complainant a question.
			browser.Navigate(t, rev, base+"/cases/"+caseID+"/messages")
			browser.Fill(t, rev, `#f-information-reason`, v.question)
			if got := browser.Click(t, rev, `form[action$="/request-information"] button[type=submit]`); got != http.StatusOK {
				t.Fatalf("asking: %d", got)
			}
			journeyFlash(t, rev, "the reviewer", cw("cw.flash.information_requested"))
			shot(rev, "workspace-asked")

			// 4. The complainant reads the exact question where they answer it, and answers.
			journeyFollowUp(t, later, base, code)
			journeyReads(t, later, "the worker", "#question", v.question, cp("followup.question_title"))
			shot(later, "follow-up-question")
			browser.Fill(t, later, `#f-message-body`, v.answer)
			if got := browser.Click(t, later, `form[action="/follow-up/messages"] button[type=submit]`); got != http.StatusOK {
				t.Fatalf("answering: %d", got)
			}
			journeyReads(t, later, "the worker", "#messages", v.question, v.answer)
			shot(later, "follow-up-answered")

			// 3. The reviewer reads the answer, triages the case up to P1,
			// records the AI decision and reverses it.
			browser.Navigate(t, rev, base+"/cases/"+caseID+"/messages")
			journeyReads(t, rev, "the reviewer", "#messages", v.answer)
			browser.Navigate(t, rev, base+"/cases/"+caseID+"/triage")
			browser.Check(t, rev, `input[name=scale][value="3"]`)
			browser.Fill(t, rev, `#f-triage-scale-rationale`, "Every shift of the week is lost.")
			browser.Check(t, rev, `input[name=scope][value="1"]`)
			browser.Fill(t, rev, `#f-triage-scope-rationale`, "One worker.")
			browser.Check(t, rev, `input[name=irremediability][value="2"]`)
			browser.Fill(t, rev, `#f-triage-irremediability-rationale`, "Lost wages can be paid back.")
			browser.Check(t, rev, `input[name=rights][value=work]`)
			browser.Check(t, rev, `input[name=harm_status][value=ongoing]`)
			browser.Click(t, rev, `#triage-submit`)
			journeyFlash(t, rev, "the reviewer", cw("cw.flash.triaged_raised"))
			shot(rev, "workspace-triaged")
			browser.Navigate(t, rev, base+"/cases/"+caseID+"/ai-decision")
			browser.Fill(t, rev, `#f-ai-decision-system-version`, "4.2.1")
			browser.Fill(t, rev, `#f-ai-decision-inputs`, "Sick-leave flag\nDemand forecast")
			browser.Fill(t, rev, `#f-ai-decision-output`, "0 hours in week 45")
			browser.Check(t, rev, `input[name=solely_automated][value=true]`)
			browser.Check(t, rev, `input[name=human_oversight][value=none]`)
			browser.Check(t, rev, `input[name=person_informed][value=no]`)
			browser.Click(t, rev, `form[action$="/ai-decision"] button[type=submit]`)
			journeyFlash(t, rev, "the reviewer", cw("cw.flash.ai_decision"))
			journeyReads(t, rev, "the reviewer", "#ai-decision", "0 hours in week 45")
			shot(rev, "workspace-ai-decision")
			browser.Navigate(t, rev, base+"/cases/"+caseID+"/decision")
			overturned := radioByLabel(t, rev, "outcome", cw("cw.outcome.decision_overturned"))
			if overturned != "decision_overturned" {
				t.Fatalf("the option reading %q records %s", cw("cw.outcome.decision_overturned"), overturned)
			}
			fillDecision(t, rev, overturned, v.rationale, "contributed")
			browser.Click(t, rev, `#decide`)
			journeyFlash(t, rev, "the reviewer", cw("cw.flash.decision_pending"))
			journeyReads(t, rev, "the reviewer", "#decision article h3", cw("cw.outcome.decision_overturned"))
			shot(rev, "workspace-decision-pending")

			// 6. The supervisor lands on the dashboard, follows it to the
			// queue, and approves the P1 decision.
			sup := tab()
			signIn(t, sup, base, "supervisor@example.org")
			if loc := browser.Location(t, sup); !strings.HasSuffix(loc, "/dashboard") {
				t.Errorf("the supervisor lands on %s", loc)
			}
			journeyReads(t, sup, "the supervisor", "main", adm("dash.title"), adm("dash.backlog.title"))
			shot(sup, "dashboard")
			// The backlog's row of the case's queue opens the list of its cases.
			browser.Click(t, sup, `main a[href*="queue_id=`+queue+`"]`)
			if loc := browser.Location(t, sup); !strings.Contains(loc, "/queue") {
				t.Errorf("the dashboard's link leads to %s", loc)
			}
			journeyReads(t, sup, "the supervisor", "main", code.Reference)
			shot(sup, "dashboard-to-queue")
			visit(t, sup, base, "/cases/"+caseID+"/decision", http.StatusOK, "workspace, approval, "+v.name)
			journeyReads(t, sup, "the supervisor", "#decision", v.rationale, cw("cw.approval.title"))
			browser.Check(t, sup, `input[name=approve][value=yes]`)
			browser.Click(t, sup, `#approve-decision`)
			journeyFlash(t, sup, "the supervisor", cw("cw.flash.decision_approved"))
			shot(sup, "workspace-approved")
			if st := caseStatus(t, s, caseID); st != "decided" {
				t.Fatalf("after the approval the case is %s", st)
			}

			// 3. The reviewer offers a restitution.
			browser.Navigate(t, rev, base+"/cases/"+caseID+"/remedies")
			browser.Select(t, rev, `#f-remedies-components-0-form`, "restitution")
			browser.Select(t, rev, `#f-remedies-components-0-subtype`, "decision_reversed")
			browser.Fill(t, rev, `#f-remedies-components-0-description`, v.offer)
			browser.Select(t, rev, `#f-remedies-components-0-responsible`, "deployer")
			browser.Fill(t, rev, `#f-remedies-components-0-due-at`, time.Now().AddDate(0, 0, 14).Format(time.DateOnly))
			browser.Check(t, rev, `#f-remedies-offer`)
			browser.Click(t, rev, `#propose-remedies`)
			journeyFlash(t, rev, "the reviewer", cw("cw.flash.remedies_offered"))
			journeyReads(t, rev, "the reviewer", "main", v.offer)
			shot(rev, "workspace")

			// 4. The complainant reads the outcome in words that match the
			// decision, reads the offer, and accepts it.
			journeyFollowUp(t, later, base, code)
			journeyReads(t, later, "the worker", "#decision", cp("cp.outcome.decision_overturned"), v.rationale)
			if strings.Contains(browser.Text(t, later, "#decision"), cp("cp.outcome.decision_confirmed")) {
				t.Errorf("the worker reads that the decision stays as it was")
			}
			journeyReads(t, later, "the worker", "#remedies", cp("cp.remedy_form.restitution"), v.offer, cp("cp.remedy_status.offered"))
			shot(later, "follow-up-offer")
			browser.Check(t, later, `form[action^="/follow-up/remedies/"] input[name=accept][value=true]`)
			if got := browser.Click(t, later, `form[action^="/follow-up/remedies/"] button[type=submit]`); got != http.StatusOK {
				t.Fatalf("accepting the offer: %d", got)
			}
			journeyReads(t, later, "the worker", "#remedies", cp("cp.remedy_status.accepted"))
			shot(later, "follow-up-accepted")

			// 5. The complainant asks for a referral, identity withheld.
			browser.Select(t, later, `#f-escalation-body-id`, dpa)
			browser.Check(t, later, `input[name=consent_scope][value=identity_withheld]`)
			browser.Fill(t, later, `#f-escalation-reason`, v.reason)
			if got := browser.Click(t, later, `form[action="/follow-up/escalations"] button[type=submit]`); got != http.StatusOK {
				t.Fatalf("asking for a referral: %d", got)
			}
			journeyReads(t, later, "the worker", "#escalation", cp("cp.referral_status.sent"), cp("cp.scope.identity_withheld"))
			shot(later, "follow-up")
			var referral string
			s.Core.DB.Raw(`SELECT id::text FROM referrals WHERE case_id = ?`, caseID).Scan(&referral)
			if referral == "" {
				t.Fatal("no referral")
			}
			// The body's user opens it and sets its status.
			body := tab()
			signIn(t, body, base, "regulator@example.org")
			visit(t, body, base, "/referrals", http.StatusOK, "referrals, "+v.name)
			journeyReads(t, body, "the body's user", "main", code.Reference)
			browser.Click(t, body, `a[href="/referrals/`+referral+`"]`)
			journeyReads(t, body, "the body's user", "main", v.reason)
			shot(body, "referral")
			browser.Check(t, body, `#ref-status-form input[name=status][value=investigating]`)
			browser.Click(t, body, `#ref-status-form button[type=submit]`)
			journeyFlash(t, body, "the body's user", ref("ref.flash.status"))
			journeyReads(t, body, "the body's user", "main", ref("ref.status.investigating"))
			shot(body, "referral-investigating")
			// The complainant reads the body's status in words.
			journeyFollowUp(t, later, base, code)
			journeyReads(t, later, "the worker", "#escalation", cp("cp.referral_status.investigating"))
			shot(later, "follow-up-investigating")

			// 7. The admin lands on /admin, edits the register, and the public reads it.
			admin := tab()
			signIn(t, admin, base, "admin@example.org")
			if loc := browser.Location(t, admin); !strings.HasSuffix(loc, "/admin") {
				t.Errorf("the admin lands on %s", loc)
			}
			shot(admin, "admin")
			visit(t, admin, base, "/admin/ai-systems/"+system, http.StatusOK, "register entry, "+v.name)
			// The purpose in the reader's language: its translation (the demo register has one in every language).
			browser.Fill(t, admin, `#f-translations-`+v.lang+`-purpose`, v.purpose)
			browser.Click(t, admin, `#form-system button[type=submit]`)
			journeyFlash(t, admin, "the admin", adm("adm.sys.saved"))
			shot(admin, "admin-register-saved")
			public := tab()
			visit(t, public, base, "/ai-systems", http.StatusOK, "register, "+v.name)
			journeyReads(t, public, "the public", "main", v.purpose)
			shot(public, "register")
		})
	}
}
