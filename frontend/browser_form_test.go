package frontend_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// formStep presses a button of the complaint form and checks the page it
// leads to: its status, the step it is on, and an audit of it.
func formStep(t *testing.T, tab context.Context, button string, want, step int) {
	t.Helper()
	if got := browser.Click(t, tab, button); got != want {
		t.Fatalf("%s: answered %d, want %d: %s", button, got, want, browser.Text(t, tab, "main"))
	}
	if !browser.Exists(t, tab, fmt.Sprintf(`input[name=step][value="%d"]`, step)) {
		t.Fatalf("%s: not on step %d: %s", button, step, browser.Text(t, tab, "#cp-progress"))
	}
	audit(t, tab, fmt.Sprintf("complaint form, step %d (%s)", step, browser.Location(t, tab)))
}

// catalogue reads files of a language's catalogue (complainant.json unless
// named), to assert what a person reads there, placeholders filled in.
func catalogue(t *testing.T, lang string, files ...string) func(id string, args ...string) string {
	t.Helper()
	if len(files) == 0 {
		files = []string{"complainant.json"}
	}
	msgs := messagesOf(t, lang, files...)
	return func(id string, args ...string) string {
		t.Helper()
		s, ok := msgs[id]
		if !ok {
			t.Fatalf("%s %v has no message %s", lang, files, id)
		}
		for i := 0; i+1 < len(args); i += 2 {
			s = strings.ReplaceAll(s, "{{."+args[i]+"}}", args[i+1])
		}
		return s
	}
}

// The complaint form as people use it: the shortest anonymous complaint on
// a 320 px phone with JavaScript off, in English and in Arabic — at most
// about 12 inputs, safety advice first, progress on every step, the
// errors of a step in form order under their own labels, answers kept when
// going back, a file attached while filing that the follow-up page then
// lists with its SHA-256 — and an identified complaint at 1280 px with
// JavaScript on, changed from the check-and-send step. Every step is
// audited (axe-core, reflow, catalogues).
func TestBrowserComplaintFormInSteps(t *testing.T) {
	t.Parallel() // the longest of the package: run beside each other, not one after the other
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	var system string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'shift-scheduler'`).Scan(&system)
	dir := t.TempDir()
	rotaPath := filepath.Join(dir, "rota.txt")
	rota := []byte("week 45: 32 hours\nweek 46: 0 hours\nweek 47: 0 hours\n")
	if err := os.WriteFile(rotaPath, rota, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(rota)

	for _, tc := range []struct {
		lang, accept, description string
	}{
		{"en", "en", "My hours were cut to zero the week after I took sick leave."},
		{"ar", "ar", "خُفّضت ساعات عملي إلى الصفر في الأسبوع الذي تلا إجازتي المرضية."},
	} {
		t.Run("anonymous-320-nojs-"+tc.lang, func(t *testing.T) {
			msg := catalogue(t, tc.lang)
			me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 640), browser.AcceptLanguage(tc.accept))
			inputs := 0 // what the person fills in, chooses or presses on the way
			noContact := func(where string) {
				t.Helper()
				for _, sel := range []string{`[name="contact.name"]`, `[name="contact.email"]`, `[name="representative.name"]`} {
					if browser.Exists(t, me, sel) {
						t.Errorf("%s: an anonymous filer is asked %s", where, sel)
					}
				}
			}
			visit(t, me, base, "/complaints/new", http.StatusOK, "complaint form, step 1, "+tc.lang)
			main := browser.Text(t, me, "main")
			for _, want := range []string{msg("complaint.safety.device"), msg("complaint.safety.private"), msg("complaint.safety.anonymous"),
				msg("complaint.progress", "N", "1", "Total", "5")} {
				if !strings.Contains(main, want) {
					t.Errorf("step 1 does not say %q", want)
				}
			}
			if strings.Index(main, msg("complaint.safety.title")) > strings.Index(main, msg("cp.field.kind")) {
				t.Errorf("the safety advice comes after the first question")
			}
			noContact("step 1")
			browser.Screenshot(t, me, "complaint-step-1-320-"+tc.lang)

			// Continue with nothing: the step's errors, in form order, each under its own label.
			formStep(t, me, `#cp-continue`, http.StatusUnprocessableEntity, 1)
			items, err := chromedp.Run(me, chromedp.Evaluate[[]string](
				`Array.from(document.querySelectorAll("#error-summary li")).map(li => li.innerText.replace(/\s+/g, " ").trim())`))
			if err != nil {
				t.Fatal(err)
			}
			want := []string{msg("cp.field.kind") + " " + msg("cp.error.kind.required"),
				msg("cp.field.description") + " " + msg("cp.error.description.required")}
			if strings.Join(items, "|") != strings.Join(want, "|") {
				t.Errorf("the error summary reads %q, want %q", items, want)
			}
			browser.Screenshot(t, me, "complaint-step-1-errors-320-"+tc.lang)

			// Step 1: what happened.
			browser.Check(t, me, `input[name=kind][value=concern]`)
			browser.Fill(t, me, `#f-description`, tc.description)
			inputs += 2
			formStep(t, me, `#cp-continue`, http.StatusOK, 2)
			inputs++
			if got := browser.Text(t, me, "#cp-progress"); got != msg("complaint.progress", "N", "2", "Total", "5") {
				t.Errorf("progress on step 2: %q", got)
			}
			noContact("step 2")
			// Step 2: which AI system.
			browser.Select(t, me, `#f-ai-system-id`, system)
			browser.Check(t, me, `input[name=informed_of_ai][value=unsure]`)
			inputs += 2
			formStep(t, me, `#cp-continue`, http.StatusOK, 3)
			inputs++
			noContact("step 3")
			// Back twice, and the answers are still there.
			formStep(t, me, `#cp-back`, http.StatusOK, 2)
			if got := fieldValue(t, me, `#f-ai-system-id`); got != system {
				t.Errorf("back on step 2, the system is %q", got)
			}
			formStep(t, me, `#cp-back`, http.StatusOK, 1)
			if got := fieldValue(t, me, `#f-description`); got != tc.description {
				t.Errorf("back on step 1, the description is %q", got)
			}
			if !browser.Exists(t, me, `input[name=kind][value=concern]:checked`) {
				t.Errorf("back on step 1, the kind is not chosen")
			}
			formStep(t, me, `#cp-continue`, http.StatusOK, 2)
			formStep(t, me, `#cp-continue`, http.StatusOK, 3)
			// Step 3: what they want: one right is all that is needed.
			browser.Check(t, me, `input[name=rights][value=work]`)
			inputs++
			formStep(t, me, `#cp-continue`, http.StatusOK, 4)
			inputs++
			noContact("step 4")
			// Step 4: who they are: anonymous, so nothing more is asked.
			browser.Check(t, me, `input[name=anonymous][value=true]`)
			inputs++
			formStep(t, me, `#cp-continue`, http.StatusOK, 5)
			inputs++
			noContact("step 5")
			summary := browser.Text(t, me, "main")
			for _, want := range []string{tc.description, msg("cp.kind.concern"), msg("cp.right.work"), msg("cp.anonymous.true"),
				msg("complaint.progress", "N", "5", "Total", "5")} {
				if !strings.Contains(summary, want) {
					t.Errorf("the check-and-send step does not show %q", want)
				}
			}
			browser.Screenshot(t, me, "complaint-step-5-320-"+tc.lang)
			// A file, attached while filing.
			if _, err := chromedp.Run(me, chromedp.SetUploadFiles(chromedp.CSS(`#f-evidence-file`), []string{rotaPath})); err != nil {
				t.Fatalf("attach the file: %v", err)
			}
			inputs++
			if got := browser.Click(t, me, `#cp-send`); got != http.StatusOK {
				t.Fatalf("send: %d %s", got, browser.Text(t, me, "main"))
			}
			inputs++
			// 11 for the shortest anonymous complaint, 12 with a file.
			if inputs > 12 {
				t.Errorf("the shortest anonymous complaint, with a file, took %d inputs", inputs)
			}
			if loc := browser.Location(t, me); !strings.HasSuffix(loc, "/complaints/receipt") {
				t.Fatalf("after sending: %s", loc)
			}
			reference := strings.TrimSpace(browser.Text(t, me, "#cp-reference"))
			var anonymous bool
			var files int
			s.Core.DB.Raw(`SELECT c.anonymous, (SELECT count(*) FROM evidence e WHERE e.case_id = c.id AND e.sha256 = ?)
				FROM cases c WHERE c.reference = ?`, sum[:], reference).Row().Scan(&anonymous, &files)
			if !anonymous || files != 1 {
				t.Errorf("case %s: anonymous %v, %d files with the rota's hash", reference, anonymous, files)
			}
			// The follow-up page lists the file with its SHA-256.
			visit(t, me, base, "/follow-up", http.StatusOK, "follow-up after filing with a file, "+tc.lang)
			evidence := browser.Text(t, me, "main")
			if !strings.Contains(evidence, "rota.txt") || !strings.Contains(evidence, hex.EncodeToString(sum[:])) {
				t.Errorf("the follow-up page does not list rota.txt with its SHA-256: %s", evidence)
			}
		})
	}

	// In French and Spanish, identified, on a phone: every step audited,
	// the contact step included, and the summary in the page's language.
	for _, lang := range []string{"fr", "es"} {
		t.Run("identified-320-nojs-"+lang, func(t *testing.T) {
			msg := catalogue(t, lang)
			me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 640), browser.AcceptLanguage(lang))
			visit(t, me, base, "/complaints/new", http.StatusOK, "complaint form, step 1, "+lang)
			browser.Check(t, me, `input[name=kind][value=explanation_request]`)
			browser.Fill(t, me, `#f-description`, "Le système a refusé mon dossier sans explication.")
			formStep(t, me, `#cp-continue`, http.StatusOK, 2)
			browser.Select(t, me, `#f-ai-system-id`, "other")
			browser.Fill(t, me, `#f-ai-system-other`, "Appli de planning")
			browser.Check(t, me, `input[name=informed_of_ai][value=yes]`)
			formStep(t, me, `#cp-continue`, http.StatusOK, 3)
			browser.Check(t, me, `input[name=rights][value=due_process]`)
			formStep(t, me, `#cp-continue`, http.StatusOK, 4)
			browser.Check(t, me, `input[name=anonymous][value=false]`)
			formStep(t, me, `#cp-continue`, http.StatusOK, 4)
			browser.Fill(t, me, `#f-contact-name`, "Camille Martin")
			browser.Check(t, me, `input[name="contact.preferred_channel"][value=post]`)
			formStep(t, me, `#cp-continue`, http.StatusUnprocessableEntity, 4)
			if got := browser.Text(t, me, "#error-summary"); !strings.Contains(got, msg("cp.error.contact.address.required")) {
				t.Errorf("the missing address reads %q", got)
			}
			browser.Fill(t, me, `#f-contact-address`, "1 rue de la Paix, Paris")
			formStep(t, me, `#cp-continue`, http.StatusOK, 5)
			summary := browser.Text(t, me, "main")
			for _, want := range []string{msg("complaint.summary.title"), msg("cp.kind.explanation_request"), msg("complaint.system_other"),
				msg("cp.channel.post"), msg("complaint.summary.none"), msg("complaint.files.title")} {
				if !strings.Contains(summary, want) {
					t.Errorf("the %s summary lacks %q", lang, want)
				}
			}
		})
	}

	t.Run("identified-1280-js", func(t *testing.T) {
		msg := catalogue(t, "en")
		me := b.Tab(t)
		visit(t, me, base, "/complaints/new?system="+system, http.StatusOK, "complaint form, step 1, from the register")
		browser.Check(t, me, `input[name=kind][value=contest_decision]`)
		browser.Fill(t, me, `#f-description`, "The scheduler gave my shifts to others after I joined the union.")
		browser.Fill(t, me, `#f-decision-date`, "2026-11-02")
		formStep(t, me, `#cp-continue`, http.StatusOK, 2)
		if got := fieldValue(t, me, `#f-ai-system-id`); got != system {
			t.Errorf("the system from the register link is not chosen: %q", got)
		}
		browser.Check(t, me, `input[name=informed_of_ai][value=no]`)
		formStep(t, me, `#cp-continue`, http.StatusOK, 3)
		browser.Check(t, me, `input[name=rights][value=assembly_and_association]`)
		browser.Fill(t, me, `#f-desired-outcome`, "Give me my shifts back.")
		formStep(t, me, `#cp-continue`, http.StatusOK, 4)
		// Giving one's name asks, on the same step, how to reach them.
		browser.Check(t, me, `input[name=anonymous][value=false]`)
		formStep(t, me, `#cp-continue`, http.StatusOK, 4)
		browser.Fill(t, me, `#f-contact-name`, "Amina Haddad")
		browser.Check(t, me, `input[name="contact.preferred_channel"][value=email]`)
		formStep(t, me, `#cp-continue`, http.StatusUnprocessableEntity, 4)
		if got := browser.Text(t, me, "#error-summary li"); !strings.Contains(got, msg("cp.field.contact.email")) ||
			!strings.Contains(got, msg("cp.error.contact.email.required")) {
			t.Errorf("the missing email reads %q", got)
		}
		browser.Fill(t, me, `#f-contact-email`, "amina@example.org")
		formStep(t, me, `#cp-continue`, http.StatusOK, 5)
		browser.Screenshot(t, me, "complaint-step-5-1280-en")
		// Change what happened from the summary, and come back.
		formStep(t, me, `#cp-change-what`, http.StatusOK, 1)
		if got := fieldValue(t, me, `#f-decision-date`); got != "2026-11-02" {
			t.Errorf("the decision date on changing step 1: %q", got)
		}
		browser.Fill(t, me, `#f-decision-reference`, "SHIFT-2026-11-0042")
		for step := 2; step <= 5; step++ {
			formStep(t, me, `#cp-continue`, http.StatusOK, step)
		}
		summary := browser.Text(t, me, "main")
		for _, want := range []string{"SHIFT-2026-11-0042", "Amina Haddad", "amina@example.org", msg("cp.anonymous.false")} {
			if !strings.Contains(summary, want) {
				t.Errorf("the summary lacks %q", want)
			}
		}
		if got := browser.Click(t, me, `#cp-send`); got != http.StatusOK {
			t.Fatalf("send: %d", got)
		}
		reference := strings.TrimSpace(browser.Text(t, me, "#cp-reference"))
		var row struct {
			Anonymous  bool
			HasContact bool
			Channel    string
			Files      int
		}
		s.Core.DB.Raw(`SELECT anonymous, contact_enc IS NOT NULL AS has_contact, coalesce(preferred_channel, '') AS channel,
			(SELECT count(*) FROM evidence e WHERE e.case_id = c.id) AS files FROM cases c WHERE reference = ?`, reference).Scan(&row)
		if row.Anonymous || !row.HasContact || row.Channel != "email" || row.Files != 0 {
			t.Errorf("the identified case %s: %+v", reference, row)
		}
	})
}
