package frontend_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The reviewer's question reaches the complainant: a reviewer asks for
// information in the workspace (JavaScript on, 1280 px); the anonymous
// complainant (JavaScript off, 320 px) reads the exact question above the
// reply form, answers it, and the reviewer reads the answer. A second
// question, in Arabic, reaches the complainant's Arabic page the same way.
// The page follows the complainant's order, offers an anonymous
// complainant no "They may know who you are", and its timeline says who did
// what.
func TestBrowserFollowUpQuestionAndAnswer(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	f := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: s.Reviewer()}); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}

	rev := b.Tab(t)
	signIn(t, rev, base, "reviewer@example.org")
	workspace := "/cases/" + f.ID
	visit(t, rev, base, workspace, http.StatusOK, "workspace, claimed")
	browser.Click(t, rev, `#acknowledge`)
	ask := func(question string) {
		t.Helper()
		browser.Navigate(t, rev, base+workspace+"/messages")
		browser.Fill(t, rev, `#f-information-reason`, question)
		if got := browser.Click(t, rev, `form[action$="/request-information"] button[type=submit]`); got != http.StatusOK {
			t.Fatalf("asking %q: %d", question, got)
		}
		if st := caseStatus(t, s, f.ID); st != "awaiting_complainant" {
			t.Fatalf("after asking, the case is %s", st)
		}
	}
	const question = "Which shifts were removed? Please list their dates and times, and say who told you about the change."
	ask(question)
	audit(t, rev, "workspace, question asked")

	// The complainant, on a small screen without JavaScript, reads the
	// question where they answer it.
	me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openCase(t, me, base, f)
	audit(t, me, "follow-up, question")
	browser.Screenshot(t, me, "question-320-nojs")
	if got := browser.Text(t, me, "#question"); !strings.Contains(got, question) {
		t.Fatalf("the question box reads %q, want the question %q", got, question)
	}
	if !strings.Contains(browser.Text(t, me, "#question"), "Answer") {
		t.Errorf("the question box does not ask for an answer: %q", browser.Text(t, me, "#question"))
	}
	if !before(t, me, "#question", `form[action="/follow-up/messages"]`) {
		t.Error("the question is not above the reply form")
	}
	if got := browser.Text(t, me, "#messages"); !strings.Contains(got, question) {
		t.Errorf("the messages do not hold the question: %q", got)
	}
	if got := browser.Text(t, me, "#status"); !strings.Contains(got, "Answer our question") {
		t.Errorf("where it stands does not say what to do now: %q", got)
	}
	// The page in the complainant's order.
	order := []string{"#status", "#messages", "#evidence", "#dates", "#escalation", "#timeline"}
	for i := 1; i < len(order); i++ {
		if !before(t, me, order[i-1], order[i]) {
			t.Errorf("%s is not before %s", order[i-1], order[i])
		}
	}
	// Anonymous: no "They may know who you are"; no appeal before a decision.
	if browser.Exists(t, me, `input[name=consent_scope][value=identity_shared]`) {
		t.Error("an anonymous complainant is offered to share their identity")
	}
	if page := browser.Text(t, me, "main"); strings.Contains(page, "They may know who you are") {
		t.Error("an anonymous complainant reads \"They may know who you are\"")
	}
	if browser.Exists(t, me, `form[action="/follow-up/appeal"]`) {
		t.Error("an appeal is offered before any decision")
	}
	timeline := browser.Text(t, me, "#timeline")
	for _, want := range []string{"You sent your complaint", "The reviewer asked you for more information"} {
		if !strings.Contains(timeline, want) {
			t.Errorf("the timeline lacks %q: %q", want, timeline)
		}
	}
	if strings.Contains(timeline, "(you)") {
		t.Errorf("the timeline credits \"(you)\": %q", timeline)
	}

	const answer = "The shifts of 3, 4 and 5 November, 08:00 to 16:00. The depot manager told me on the phone."
	browser.Fill(t, me, `#f-message-body`, answer)
	if got := browser.Click(t, me, `form[action="/follow-up/messages"] button[type=submit]`); got != http.StatusOK {
		t.Fatalf("answering: %d", got)
	}
	audit(t, me, "follow-up, answered")
	if browser.Exists(t, me, "#question") {
		t.Error("the question is still asked after the answer")
	}
	if got := browser.Text(t, me, "#messages"); !strings.Contains(got, answer) || !strings.Contains(got, question) {
		t.Errorf("after answering, the messages read %q", got)
	}
	if got := browser.Text(t, me, "#timeline"); !strings.Contains(got, "You sent a message") || strings.Contains(got, "(you)") {
		t.Errorf("after answering, the timeline reads %q", got)
	}

	// The reviewer reads the answer.
	browser.Navigate(t, rev, base+workspace+"/messages")
	if got := browser.Text(t, rev, "#messages"); !strings.Contains(got, answer) {
		t.Fatalf("the reviewer does not read the answer: %q", got)
	}
	if st := caseStatus(t, s, f.ID); st != "in_review" {
		t.Errorf("after the answer the case is %s", st)
	}

	// A second question, in Arabic, to the complainant's Arabic page.
	const sual = "ما هي تواريخ المناوبات التي أُلغيت بالضبط؟ ومن أخبرك بالتغيير؟"
	ask(sual)
	ar := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720), browser.AcceptLanguage("ar"))
	openCase(t, ar, base, f)
	audit(t, ar, "follow-up, question, ar")
	browser.Screenshot(t, ar, "question-320-nojs-ar")
	if got := browser.Text(t, ar, "#question"); !strings.Contains(got, sual) {
		t.Fatalf("the Arabic page's question box reads %q, want %q", got, sual)
	}
	if !before(t, ar, "#question", `form[action="/follow-up/messages"]`) {
		t.Error("ar: the question is not above the reply form")
	}
	const jawab = "ألغيت مناوبات ٣ و٤ و٥ نوفمبر. أخبرني مدير المستودع."
	browser.Fill(t, ar, `#f-message-body`, jawab)
	if got := browser.Click(t, ar, `form[action="/follow-up/messages"] button[type=submit]`); got != http.StatusOK {
		t.Fatalf("answering in Arabic: %d", got)
	}
	browser.Navigate(t, rev, base+workspace+"/messages")
	if got := browser.Text(t, rev, "#messages"); !strings.Contains(got, jawab) {
		t.Errorf("the reviewer does not read the Arabic answer: %q", got)
	}
	audit(t, rev, "workspace, answered")
}

// openCase signs the complainant in to their case on the follow-up form.
func openCase(t *testing.T, ctx context.Context, base string, f teststack.Filed) {
	t.Helper()
	openInBrowser(t, ctx, base, f.Code)
}

// before reports whether the element a comes before the element b in the page.
func before(t *testing.T, ctx context.Context, a, b string) bool {
	t.Helper()
	got, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(() => {
		const a = document.querySelector(`+jsQuote(a)+`), b = document.querySelector(`+jsQuote(b)+`);
		return !!a && !!b && (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING) !== 0;
	})()`))
	if err != nil {
		t.Fatalf("compare %s and %s: %v", a, b, err)
	}
	return got
}
