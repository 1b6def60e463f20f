package api_test

import (
	"encoding/json"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestComplainantSession(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	a := s.File(teststack.ValidCase())
	b := s.File(with(func(m map[string]any) { m["description"] = "A second, unrelated complaint about the chatbot." }))

	wrong := []struct {
		name, ref, rec string
	}{
		{"wrong receipt", a.Reference, "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF"},
		{"other case's receipt", a.Reference, b.Receipt},
		{"unknown reference", "RD-000-000-000", a.Receipt},
		{"mistyped reference", "RD-111-111-112", a.Receipt},
		{"malformed receipt", a.Reference, "hello"},
		{"malformed reference", "case 42", a.Receipt},
	}
	var first []byte
	for _, tc := range wrong {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/session", Body: map[string]string{"reference": tc.ref, "receipt": tc.rec}})
			if r.Status != 401 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			m := r.JSON(t)
			delete(m, "request_id")
			if first == nil {
				first = mustJSON(t, m)
			} else if string(mustJSON(t, m)) != string(first) {
				t.Errorf("401 differs between wrong pairs:\n%s\n%s", first, mustJSON(t, m))
			}
		})
	}
	t.Run("missing fields name each field", func(t *testing.T) {
		// Nothing at all asks for the one code (TestComplainantOneCode); half a pair names the other half.
		r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/session", Body: map[string]string{"reference": "", "receipt": " "}})
		if r.Status != 422 || len(r.JSON(t)["errors"].([]any)) != 1 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("right pair, as people type it", func(t *testing.T) {
		lower := ""
		for _, c := range a.Receipt {
			if c != '-' {
				lower += string(c | 0x20)
			}
		}
		r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/session", Body: map[string]string{"reference": a.Reference, "receipt": lower}})
		if r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		m := r.JSON(t)
		exp, err := time.Parse(time.RFC3339, m["expires_at"].(string))
		if err != nil || exp.Before(time.Now()) || exp.After(time.Now().Add(31*time.Minute)) {
			t.Errorf("expires_at %v is not within the token lifetime", m["expires_at"])
		}
	})
	t.Run("the token opens only its own case", func(t *testing.T) {
		view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(b)})
		if view.Status != 200 || view.JSON(t)["reference"] != b.Reference {
			t.Fatalf("%d %s", view.Status, view.Body)
		}
		if cc := view.Header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q", cc)
		}
	})
	t.Run("expired token", func(t *testing.T) {
		past := s.Core.Tokens.WithClock(func() time.Time { return time.Now().Add(-2 * time.Hour) })
		tok, _, err := past.Issue(auth.AudienceComplainant, uuid.MustParse(a.ID), "", 30*time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		r := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok})
		if r.Status != 401 || r.JSON(t)["code"] != "invalid_token" {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
	})
	t.Run("a staff token is not a complainant token, nor the reverse", func(t *testing.T) {
		if r := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.Reviewer()}); r.Status != 401 {
			t.Errorf("staff token on complainant route: %d", r.Status)
		}
		if r := s.Do(req{Method: "GET", Path: "/api/v1/cases", Token: s.ComplainantToken(a)}); r.Status != 401 {
			t.Errorf("complainant token on staff route: %d", r.Status)
		}
	})
	t.Run("no token", func(t *testing.T) {
		r := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case"})
		if r.Status != 401 || r.Header.Get("WWW-Authenticate") == "" {
			t.Fatalf("%d %v", r.Status, r.Header)
		}
	})
}

func TestComplainantFollowUp(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	tok := s.ComplainantToken(f)
	// Nobody holds the case: a supervisor of its queue answers (issue 15).
	staff := s.Login("supervisor@example.org")

	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok}).JSON(t)
	if view["status"] != "submitted" || view["stage"].(map[string]any)["code"] != "received" {
		t.Errorf("status/stage: %v %v", view["status"], view["stage"])
	}
	dues := view["due_dates"].([]any)
	clocks := map[string]map[string]any{}
	for _, d := range dues {
		d := d.(map[string]any)
		clocks[d["clock"].(string)] = d
	}
	for _, c := range []string{"acknowledge", "feedback", "gdpr_reply"} {
		rule, _ := clocks[c]["rule"].(map[string]any)
		if rule == nil || rule["source"] == "" || rule["period"] == "" {
			t.Errorf("clock %s has no rule: %v", c, clocks[c])
		}
	}

	// Staff reply to the complainant and leave an internal note; the complainant sees only the reply.
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/messages", Token: staff,
		Body: map[string]string{"body": "Thank you. Which shifts were cut?", "visibility": "complainant"}}); r.Status != 201 {
		t.Fatalf("staff message: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/messages", Token: staff,
		Body: map[string]string{"body": "Check the scheduler's sick-leave feature.", "visibility": "internal"}}); r.Status != 201 {
		t.Fatalf("internal note: %d %s", r.Status, r.Body)
	}
	// A visibility outside the vocabulary (grievance.Visibilities) is a 422
	// naming the field, and writes nothing.
	r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/messages", Token: staff,
		Body: map[string]string{"body": "Meant for everyone.", "visibility": "public"}})
	if _, fields := problemFields(t, r); r.Status != 422 || !slices.Equal(fields, []string{"visibility"}) {
		t.Errorf("visibility public: %d %s", r.Status, r.Body)
	}
	if n := len(s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: staff}).JSON(t)["messages"].([]any)); n != 2 {
		t.Errorf("after a refused message the case holds %d messages, want 2", n)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: tok,
		Body: map[string]string{"body": "All my Tuesday and Thursday shifts since 3 November."}}); r.Status != 201 {
		t.Fatalf("complainant message: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: tok,
		Body: map[string]string{"body": ""}}); r.Status != 422 {
		t.Errorf("empty message: %d", r.Status)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: tok,
		Body: map[string]string{"body": "x", "visibility": "internal"}}); r.Status != 422 {
		t.Errorf("complainant setting visibility: %d %s", r.Status, r.Body)
	}

	view = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok}).JSON(t)
	msgs := view["messages"].([]any)
	if len(msgs) != 2 {
		t.Fatalf("complainant sees %d messages, want 2 (no internal note): %v", len(msgs), msgs)
	}
	for _, m := range msgs {
		m := m.(map[string]any)
		if m["body"] == "Check the scheduler's sick-leave feature." {
			t.Error("complainant sees the internal note")
		}
		if _, named := m["author_id"]; named {
			t.Error("complainant sees a staff member's id")
		}
	}
	timeline := view["timeline"].([]any)
	actions := []string{}
	for _, e := range timeline {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	if len(actions) != 3 || actions[0] != "case.submitted" || actions[1] != "message.sent" || actions[2] != "message.sent" {
		t.Errorf("public timeline %v", actions)
	}

	detail := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: staff}).JSON(t)
	if got := len(detail["messages"].([]any)); got != 3 {
		t.Errorf("staff see %d messages, want 3", got)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
