package frontend_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// inOrder checks that each of wants appears in body, each after the one before.
func inOrder(t *testing.T, name, body string, wants ...string) {
	t.Helper()
	at := -1
	for i, w := range wants {
		n := strings.Index(body, w)
		if n < 0 {
			t.Errorf("%s lacks %q", name, w)
			continue
		}
		if n < at {
			t.Errorf("%s: %q comes before %q", name, w, wants[i-1])
		}
		at = n
	}
}

// openFollowUp signs a complainant in to their case page, as the form does.
func openFollowUp(t *testing.T, s *teststack.Stack, f teststack.Filed) *client {
	t.Helper()
	c := newClient(t, s.URL)
	if p := c.post("/follow-up", url.Values{"reference": {f.Reference}, "receipt": {f.Receipt}}); p.Status != 303 {
		t.Fatalf("open: %d %s", p.Status, p.Body)
	}
	return c
}

// The question reaches the page in full, above the reply form; the page
// says what to do now first; only options that apply are offered; the
// timeline names who did what.
func TestFollowUpPageShowsTheQuestionWhereItIsAnswered(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	path := "/api/v1/cases/" + f.ID
	const question = "Which shifts were removed? Please list their dates & times, and who told you <if anyone>."
	for _, r := range []teststack.Request{
		{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim"},
		{Method: "POST", Path: path + "/transitions", Body: map[string]string{"to": "in_review", "reason": "Reading the rota."}},
		{Method: "POST", Path: path + "/transitions", Body: map[string]string{"to": "awaiting_complainant", "reason": question}},
	} {
		r.Token = rita
		if resp := s.Do(r); resp.Status != 200 {
			t.Fatalf("%s: %d %s", r.Path, resp.Status, resp.Body)
		}
	}
	c := openFollowUp(t, s, f)
	p := c.get("/follow-up")
	cpHasOneH1(t, "case waiting on the complainant", p)
	escaped := "Which shifts were removed? Please list their dates &amp; times, and who told you &lt;if anyone&gt;."
	// Where it stands and what to do now, then the messages with the
	// question above the reply form, then files, dates, bodies, history.
	inOrder(t, "the page", p.Body, `<section id="status"`, `<a href="#question">Answer our question below`,
		`<section id="messages"`, `<section id="question"`, `<blockquote dir="auto">`+escaped+`</blockquote>`, `action="/follow-up/messages"`,
		`<section id="evidence"`, `<section id="dates"`, `<section id="escalation"`, `<section id="timeline"`)
	if n := strings.Count(p.Body, escaped); n != 2 {
		t.Errorf("the question appears %d times, want 2 (among the messages, and above the reply form)", n)
	}
	for _, no := range []string{"They may know who you are", `value="identity_shared"`, `id="appeal"`, `action="/follow-up/appeal"`,
		`id="feedback"`, `action="/follow-up/feedback"`, "(you)", "(us)", "A person started reviewing"} {
		if strings.Contains(p.Body, no) {
			t.Errorf("the page of an anonymous complainant waiting for a question offers %q", no)
		}
	}
	inOrder(t, "the timeline", p.Body, `<section id="timeline"`, "You sent your complaint",
		"The reviewer started reviewing your complaint", "The reviewer asked you for more information")

	// The answer: the question is answered, and the timeline says who did it.
	if p := c.post("/follow-up/messages", url.Values{"body": {"The shifts of 3, 4 and 5 November."}}); p.Status != 303 {
		t.Fatalf("answer: %d %s", p.Status, p.Body)
	}
	p = c.get("/follow-up")
	if strings.Contains(p.Body, `id="question"`) || strings.Contains(p.Body, "Answer our question below") {
		t.Error("the page still asks the question after the answer")
	}
	inOrder(t, "the timeline after the answer", p.Body, `<section id="timeline"`, "The reviewer asked you for more information",
		"You sent a message", "You answered, and your complaint went back to the reviewer")
	if strings.Contains(p.Body, "(you)") || strings.Contains(p.Body, "A person started reviewing") {
		t.Error("the timeline credits the complainant with the reviewer's work")
	}
	staff := s.Do(teststack.Request{Method: "GET", Path: path, Token: rita}).JSON(t)
	if sm := staff["messages"].([]any); len(sm) != 2 || sm[1].(map[string]any)["body"] != "The shifts of 3, 4 and 5 November." {
		t.Errorf("the reviewer's messages: %v", sm)
	}
	// In Arabic, the question is kept as written and isolated for direction.
	s.Do(teststack.Request{Method: "POST", Path: path + "/transitions", Token: rita,
		Body: map[string]string{"to": "awaiting_complainant", "reason": "ما هي تواريخ المناوبات؟"}})
	c.header.Set("Accept-Language", "ar")
	p = c.get("/follow-up")
	inOrder(t, "the Arabic page", p.Body, `<section id="question"`, `<blockquote dir="auto">ما هي تواريخ المناوبات؟</blockquote>`,
		`action="/follow-up/messages"`)
	cpHasOneH1(t, "ar case waiting on the complainant", p)
}

// A decided case: the decision and offers after the files, then dates,
// appeal, bodies and feedback; after escalating to a body the page shows
// the referral's status and no longer offers that body; an identified
// complainant may share who they are.
func TestFollowUpPageOffersOnlyWhatApplies(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	f, _ := cpDecided(t, s)
	c := openFollowUp(t, s, f)
	p := c.get("/follow-up")
	inOrder(t, "the decided case", p.Body, `<section id="status"`, `<section id="messages"`, `<section id="evidence"`, `<section id="decision"`,
		`<section id="remedies"`, `<section id="dates"`, `<section id="appeal"`, `<section id="escalation"`, `<section id="feedback"`, `<section id="timeline"`)
	for _, want := range []string{`action="/follow-up/appeal"`, `action="/follow-up/feedback"`, "The reviewer made a decision",
		"At any time, you can take your complaint to an independent body"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("the decided case lacks %q", want)
		}
	}
	if strings.Contains(p.Body, `value="identity_shared"`) {
		t.Error("an anonymous complainant is offered identity_shared")
	}
	var ombudsman string
	s.Core.DB.Raw(`SELECT id::text FROM bodies WHERE slug = 'demo-ombudsman'`).Scan(&ombudsman)
	if !strings.Contains(p.Body, `<option value="`+ombudsman+`"`) {
		t.Fatal("the ombudsman is not offered before escalating")
	}
	// Sent anyway, it is refused beside the choice, and nothing is written.
	p = c.post("/follow-up/escalations", url.Values{"body_id": {ombudsman}, "consent_scope": {"identity_shared"}})
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-escalation-consent-scope"`) ||
		!strings.Contains(p.Body, "You made your complaint anonymously, so there is no name to share.") {
		t.Errorf("identity_shared for an anonymous case: %d", p.Status)
	}
	if n := countOf(t, s, `SELECT count(*) FROM referrals WHERE case_id = ?`, f.ID); n != 0 {
		t.Fatalf("a refused escalation wrote %d referrals", n)
	}
	if p := c.post("/follow-up/escalations", url.Values{"body_id": {ombudsman}, "consent_scope": {"anonymous"},
		"reason": {"I want an outside view."}}); p.Status != 303 {
		t.Fatalf("escalate: %d %s", p.Status, p.Body)
	}
	p = c.get("/follow-up")
	if strings.Contains(p.Body, `<option value="`+ombudsman+`"`) {
		t.Error("after escalating to the ombudsman, the page offers it again")
	}
	for _, want := range []string{"Ombudsman (demo)", "Your complaint is with an independent body", "Send it to another body",
		"You asked us to send your complaint to an independent body"} {
		if !strings.Contains(p.Body, want) {
			t.Errorf("after escalating, the page lacks %q", want)
		}
	}
	if strings.Contains(p.Body, "At any time, you can take your complaint to an independent body") {
		t.Error("after escalating, the page still suggests escalating")
	}
	cpHasOneH1(t, "escalated case", p)

	// An identified complainant may let a body know who they are.
	g := s.File(teststack.NamedCase())
	p = openFollowUp(t, s, g).get("/follow-up")
	if !strings.Contains(p.Body, `value="identity_shared"`) || !strings.Contains(p.Body, "They may know who you are") {
		t.Error("an identified complainant is not offered to share who they are")
	}
	if strings.Contains(p.Body, `id="appeal"`) || strings.Contains(p.Body, `id="feedback"`) {
		t.Error("a new case offers an appeal or feedback")
	}
}
