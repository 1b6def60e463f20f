package frontend_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The outcome of a decision reads the same way round to everyone (issue 13,
// broken promise 2). A reviewer who agrees with the complainant chooses the
// option whose label says so, and the complainant then reads that the
// decision is reversed, never that it "stays as it was"; a reviewer who
// confirms the AI's decision chooses the option that says the decision
// stands, and the complainant reads that it stays. The body the case is
// referred to reads the same in its portal.
func TestBrowserOutcomeReadsTheSameToEveryone(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	rita := s.Reviewer()
	general := queueID(t, s, "general")
	dpa := refBody(t, s, "demo-dpa")

	rev := b.Tab(t)
	signIn(t, rev, base, "reviewer@example.org")
	regulator := b.Tab(t, browser.NoJavaScript()) // every section of the referral at once
	signIn(t, regulator, base, "regulator@example.org")

	for _, tc := range []struct {
		name      string
		choose    string   // what the label the reviewer chooses says
		staff     string   // what the staff read in the decision's heading
		reads     []string // what the complainant reads, in en and in ar
		never     []string // what the complainant must not read, in en and in ar
		body      string   // what the body reads in its portal
		rationale string
	}{
		{name: "reversed", choose: "the complaint is right", staff: "reversed",
			reads: []string{"The decision is reversed", "أُلغي القرار"}, never: []string{"stays as it was", "يبقى القرار كما كان"},
			body: "was reversed", rationale: "The rota data show the cut followed the sick-leave flag, not demand: you were right."},
		{name: "confirmed", choose: "decision stands", staff: "stands",
			reads: []string{"The decision stays as it was", "يبقى القرار كما كان"}, never: []string{"reversed", "أُلغي القرار"},
			body: "stood", rationale: "The rota data show the cut followed falling demand in the whole warehouse, not your leave."},
	} {
		// The case, filed and taken into review through the API.
		f := staffCase(t, s, "general", nil)
		for _, r := range []teststack.Request{
			{Method: "POST", Path: "/api/v1/queues/" + general + "/claim"},
			{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/transitions", Body: map[string]string{"to": "in_review", "reason": "Reading the rota data."}},
		} {
			r.Token = rita
			if resp := s.Do(r); resp.Status != 200 {
				t.Fatalf("%s: %s: %d %s", tc.name, r.Path, resp.Status, resp.Body)
			}
		}
		s.RecordAIDecision(rita, f.ID)

		// The reviewer decides in the workspace, choosing by what the label says.
		browser.Navigate(t, rev, base+"/cases/"+f.ID+"/decision")
		value := radioByLabel(t, rev, "outcome", tc.choose)
		fillDecision(t, rev, value, tc.rationale, "none")
		browser.Click(t, rev, `#decide`)
		if st := caseStatus(t, s, f.ID); st != "decided" {
			t.Fatalf("%s: after deciding the case is %s", tc.name, st)
		}
		if h := browser.Text(t, rev, `#decision article h3`); !strings.Contains(h, tc.staff) {
			t.Errorf("%s: the reviewer reads %q above the decision, want %q", tc.name, h, tc.staff)
		}
		audit(t, rev, "workspace, decided "+tc.name)

		// The complainant reads it: in English at 320 px without JavaScript,
		// and in Arabic at 1280 px with it.
		for i, tab := range []context.Context{
			b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 800)),
			b.Tab(t, browser.AcceptLanguage("ar")),
		} {
			openInBrowser(t, tab, base, f.Code)
			text := browser.Text(t, tab, "main")
			if !strings.Contains(text, tc.reads[i]) || strings.Contains(text, tc.never[i]) {
				t.Errorf("%s: the complainant (%d) reads, above reasons saying %q:\n%s\nwant %q and never %q",
					tc.name, i, tc.rationale, browser.Text(t, tab, "#decision + dl"), tc.reads[i], tc.never[i])
			}
			audit(t, tab, "follow-up, decided "+tc.name)
		}

		// The complainant asks for a referral; the body reads the same outcome.
		r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: s.ComplainantToken(f),
			Body: map[string]any{"body_id": dpa, "consent_scope": "identity_withheld",
				"reason": "I want the data protection authority to look at how my data were used."}})
		if r.Status != 201 {
			t.Fatalf("%s: escalate: %d %s", tc.name, r.Status, r.Body)
		}
		browser.Navigate(t, regulator, base+"/referrals/"+r.JSON(t)["id"].(string))
		if text := browser.Text(t, regulator, "main"); !strings.Contains(text, tc.body) {
			t.Errorf("%s: the body does not read %q in the dossier's handling:\n%s", tc.name, tc.body, text)
		}
	}
}

// radioByLabel is the value of the one radio button named name whose visible
// label contains phrase (case-insensitive), as a person picks it.
func radioByLabel(t *testing.T, ctx context.Context, name, phrase string) string {
	t.Helper()
	found, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+
		jsQuote(`input[type=radio][name="`+name+`"]`)+`)).filter(el => el.labels.length > 0 &&
		el.labels[0].innerText.toLowerCase().includes(`+jsQuote(strings.ToLower(phrase))+`)).map(el => el.value)`))
	if err != nil {
		t.Fatalf("radio buttons %s: %v", name, err)
	}
	if len(found) != 1 {
		labels, _ := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll(`+
			jsQuote(`input[type=radio][name="`+name+`"]`)+`)).map(el => el.labels.length ? el.labels[0].innerText : "(no label)")`))
		t.Fatalf("%d options of %s say %q; they read %q", len(found), name, phrase, labels)
	}
	return found[0]
}

// The labels staff, bodies and complainants read for each outcome agree in
// every language: each says what happened to the AI's decision with the same
// words, and none uses another outcome's words.
func TestOutcomeLabelsAgree(t *testing.T) {
	t.Parallel()
	// The words that carry each outcome's meaning, per language.
	words := map[string]map[decision.Outcome]string{
		"en": {"decision_confirmed": "stands", "decision_overturned": "reversed", "decision_modified": "changed",
			"not_within_scope": "scope"},
		"fr": {"decision_confirmed": "maintenue", "decision_overturned": "annulée", "decision_modified": "modifiée",
			"not_within_scope": "champ"},
		"es": {"decision_confirmed": "se mantiene", "decision_overturned": "anulada", "decision_modified": "modificada",
			"not_within_scope": "ámbito"},
		"ar": {"decision_confirmed": "كما كان", "decision_overturned": "أُلغي", "decision_modified": "عُدّل",
			"not_within_scope": "نطاق"},
	}
	// The body reads the past (the decision was reversed); the words stay.
	wordsBody := map[string]map[decision.Outcome]string{
		"en": {"decision_confirmed": "stood", "decision_overturned": "was reversed", "decision_modified": "was changed",
			"not_within_scope": "scope"},
	}
	for lang, want := range words {
		cat := map[string]string{}
		for _, file := range []string{"staff.json", "complainant.json", "body.json"} {
			raw, err := os.ReadFile(filepath.Join("locales", lang, file))
			if err != nil {
				t.Fatal(err)
			}
			var m map[string]any
			if err := json.Unmarshal(raw, &m); err != nil {
				t.Fatalf("%s/%s: %v", lang, file, err)
			}
			for k, v := range m {
				if v, ok := v.(string); ok {
					cat[k] = v
				}
			}
		}
		if len(want) != len(decision.Outcomes) {
			t.Fatalf("%s: %d outcomes have words, Go has %v", lang, len(want), decision.Outcomes)
		}
		for _, o := range decision.Outcomes {
			for _, prefix := range []string{"cw.outcome.", "cp.outcome.", "ref.decision_outcome."} {
				label, ok := cat[prefix+string(o)]
				if !ok {
					t.Errorf("%s: no label %s%s", lang, prefix, o)
					continue
				}
				w := want[o]
				if prefix == "ref.decision_outcome." && wordsBody[lang] != nil {
					w = wordsBody[lang][o]
				}
				if !strings.Contains(strings.ToLower(label), w) {
					t.Errorf("%s: %s%s = %q does not say %q", lang, prefix, o, label, w)
				}
				for other, ow := range want {
					if other != o && ow != w && strings.Contains(strings.ToLower(label), ow) {
						t.Errorf("%s: %s%s = %q uses %q, the words of %s", lang, prefix, o, label, ow, other)
					}
				}
			}
			// No label uses the word that is read both ways round.
			for _, trap := range []string{"upheld", "uphold"} {
				for _, prefix := range []string{"cw.outcome.", "cp.outcome.", "ref.decision_outcome."} {
					if strings.Contains(strings.ToLower(cat[prefix+string(o)]), trap) {
						t.Errorf("%s: %s%s = %q says %q", lang, prefix, o, cat[prefix+string(o)], trap)
					}
				}
			}
		}
	}
}

// A dossier signed before the outcomes were renamed is never changed, so it
// keeps "upheld" (the AI's decision stood); the body's portal shows it with
// the current label, never as "the complaint was right".
func TestRefPortalShowsAnOldDossiersOutcomeByItsCurrentName(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := staffCase(t, s, "general", nil)
	for _, r := range []teststack.Request{
		{Method: "POST", Path: "/api/v1/queues/" + queueID(t, s, "general") + "/claim"},
		{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/transitions", Body: map[string]string{"to": "in_review", "reason": "Reading the rota data."}},
		{Method: "PUT", Path: "/api/v1/cases/" + f.ID + "/ai-decision", Body: teststack.AIDecisionRecord()},
		{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/decision", Body: teststack.Decision(decision.OutcomeConfirmed)},
	} {
		r.Token = rita
		if resp := s.Do(r); resp.Status != 200 {
			t.Fatalf("%s: %d %s", r.Path, resp.Status, resp.Body)
		}
	}
	r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: s.ComplainantToken(f),
		Body: map[string]any{"body_id": refBody(t, s, "demo-dpa"), "consent_scope": "identity_withheld",
			"reason": "I want the data protection authority to look at how my data were used."}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["id"].(string)

	// The dossier as it was signed before issue 13.
	purpose := "referral.dossier:" + id
	var sealed []byte
	if err := s.Core.DB.Raw(`SELECT dossier_enc FROM referrals WHERE id = ?`, id).Row().Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	doc, err := s.Core.Keys.Open(purpose, sealed)
	if err != nil {
		t.Fatal(err)
	}
	now := `"outcome":"` + string(decision.OutcomeConfirmed) + `"`
	if strings.Count(string(doc), now) != 1 {
		t.Fatalf("the dossier does not hold one %s: %s", now, doc)
	}
	if sealed, err = s.Core.Keys.Seal(purpose, []byte(strings.Replace(string(doc), now, `"outcome":"upheld"`, 1))); err != nil {
		t.Fatal(err)
	}
	conn, err := db.SQL(s.Core.DB).Conn(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Replication mode skips the trigger that keeps a dossier unchanged.
	for _, q := range []string{`SET session_replication_role = replica`, `UPDATE referrals SET dossier_enc = $1 WHERE id = $2`,
		`RESET session_replication_role`} {
		var args []any
		if strings.HasPrefix(q, "UPDATE") {
			args = []any{sealed, id}
		}
		if _, err := conn.ExecContext(context.Background(), q, args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	p := signedIn(t, s, "regulator@example.org").get("/referrals/" + id)
	expect(t, "an old dossier", p, 200, "The AI&#39;s decision stood: the reviewer did not find the complaint right")
	if strings.Contains(p.Body, "the complaint was right") || strings.Contains(p.Body, "⟦") {
		t.Errorf("an old dossier's outcome reads the wrong way round:\n%s", p.Body)
	}
}
