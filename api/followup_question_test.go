package api_test

import (
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The reviewer's question reaches the complainant (issue 13, broken promise
// 3): the reason of a move to awaiting_complainant is the question; the
// complainant's view has it in full among the messages and as the question
// to answer now; their answer reaches the reviewer and ends the question.
func TestQuestionReachesTheComplainant(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	me := s.ComplainantToken(f)
	path := "/api/v1/cases/" + f.ID
	const question = "Which shifts were removed? Please list their dates, and say who told you about the change " +
		"(the depot manager, the app, or someone else)."
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: rita,
		Body: map[string]string{"to": "awaiting_complainant", "reason": question}}); r.Status != 200 {
		t.Fatalf("ask: %d %s", r.Status, r.Body)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	msgs := view["messages"].([]any)
	if len(msgs) != 1 {
		t.Fatalf("the complainant sees %d messages, want the question: %v", len(msgs), msgs)
	}
	m := msgs[0].(map[string]any)
	if m["body"] != question || m["author_kind"] != "staff" || m["visibility"] != "complainant" {
		t.Errorf("the question as a message: %v", m)
	}
	if _, named := m["author_id"]; named {
		t.Error("the complainant sees the reviewer's id")
	}
	q, _ := view["question"].(map[string]any)
	if q == nil || q["body"] != question || q["message_id"] != m["id"] || q["asked_at"] == nil {
		t.Fatalf("the question to answer: %v", view["question"])
	}
	if steps := view["next_steps"].([]any); steps[0].(map[string]any)["code"] != "answer" {
		t.Errorf("the first next step: %v", steps[0])
	}
	// An anonymous complainant is not offered to share an identity.
	for _, st := range view["next_steps"].([]any) {
		if label := st.(map[string]any)["label"].(string); strings.Contains(label, "identity_shared") {
			t.Errorf("an anonymous complainant is offered identity_shared: %s", label)
		}
	}
	// The case record names the message that asked.
	var data string
	s.Core.DB.Raw(`SELECT data::text FROM audit_entries WHERE case_id = ? AND action = 'case.awaiting_complainant'`, f.ID).Scan(&data)
	if !strings.Contains(data, m["id"].(string)) {
		t.Errorf("the record of the request does not name its message: %s", data)
	}
	// The reviewer sees the question among the case's messages.
	staff := s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	if sm := staff["messages"].([]any); len(sm) != 1 || sm[0].(map[string]any)["body"] != question {
		t.Errorf("staff messages after asking: %v", sm)
	}

	// The answer reaches the reviewer; there is no question left.
	const answer = "The shifts of 3, 4 and 10 November. The depot manager told me on the phone."
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: me,
		Body: map[string]string{"body": answer}}); r.Status != 201 {
		t.Fatalf("answer: %d %s", r.Status, r.Body)
	}
	staff = s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	sm := staff["messages"].([]any)
	if staff["status"] != "in_review" || len(sm) != 2 || sm[1].(map[string]any)["body"] != answer ||
		sm[1].(map[string]any)["author_kind"] != "complainant" {
		t.Fatalf("after the answer: %v %v", staff["status"], sm)
	}
	view = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}).JSON(t)
	if view["question"] != nil {
		t.Errorf("a question is still asked after the answer: %v", view["question"])
	}
	// A question is a message: it is sealed at rest like every message.
	var plain int
	s.Core.DB.Raw(`SELECT count(*) FROM messages WHERE case_id = ? AND position(convert_to('depot manager', 'UTF8') in body_enc) > 0`,
		f.ID).Scan(&plain)
	if plain != 0 {
		t.Error("a message is stored in clear")
	}
}
