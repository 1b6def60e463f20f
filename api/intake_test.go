package api_test

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

type req = teststack.Request

func with(mut func(m map[string]any)) map[string]any {
	m := teststack.ValidCase()
	mut(m)
	return m
}

func registerID(t *testing.T, s *teststack.Stack) string {
	t.Helper()
	r := s.Do(req{Method: "GET", Path: "/api/v1/ai-systems"})
	items := r.JSON(t)["items"].([]any)
	if len(items) != 5 {
		t.Fatalf("register has %d systems, want the 5 demo systems", len(items))
	}
	return items[0].(map[string]any)["id"].(string)
}

func TestIntakeAccepts(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sysID := registerID(t, s)
	prior := s.File(teststack.ValidCase())
	cases := []struct {
		name string
		body map[string]any
	}{
		{"anonymous, system not listed", teststack.ValidCase()},
		{"identified, system from the register", with(func(m map[string]any) {
			delete(m, "ai_system_other")
			m["ai_system_id"] = sysID
			m["anonymous"] = false
			m["contact"] = map[string]any{"name": "Amina K.", "email": "amina@example.net", "preferred_channel": "email"}
		})},
		{"identified by phone", with(func(m map[string]any) {
			m["anonymous"] = false
			m["contact"] = map[string]any{"name": "Jo", "phone": "+33 6 12 34 56 78", "preferred_channel": "phone"}
		})},
		{"filed by a representative with a mandate", with(func(m map[string]any) {
			m["representative"] = map[string]any{"name": "Lena Ortiz", "organisation": "Warehouse Workers Union",
				"mandate": "Written authorisation signed 3 Nov 2026"}
		})},
		{"retaliation linked to an earlier case", with(func(m map[string]any) {
			m["kind"] = "retaliation"
			m["related_reference"] = strings.ToLower(strings.ReplaceAll(prior.Reference, "-", " "))
			m["preliminary_severity"] = "imminent_loss"
		})},
		{"each kind: incident, concern without framing", with(func(m map[string]any) {
			m["kind"] = "incident"
			delete(m, "decision_reference")
			delete(m, "decision_date")
			delete(m, "harm_types")
			delete(m, "desired_outcome")
			delete(m, "language")
		})},
		{"explanation request in Arabic", with(func(m map[string]any) {
			m["kind"] = "explanation_request"
			m["language"] = "ar"
			m["description"] = "رُفض طلبي للحصول على قرض ولم يشرح لي أحد السبب."
		})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: tc.body})
			if r.Status != 201 {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			m := r.JSON(t)
			ref, _ := m["reference"].(string)
			rec, _ := m["receipt"].(string)
			if len(ref) != len("RD-123-456-789") || !strings.HasPrefix(ref, "RD-") {
				t.Errorf("reference %q is not RD-ddd-ddd-ddd", ref)
			}
			if len(rec) != 29 {
				t.Errorf("receipt %q is not 6 groups of 4", rec)
			}
			if m["status"] != "submitted" || m["acknowledge_by"] == nil {
				t.Errorf("status/acknowledge_by: %v", m)
			}
			if cc := r.Header.Get("Cache-Control"); cc != "no-store" {
				t.Errorf("Cache-Control = %q, want no-store", cc)
			}
		})
	}
}

func TestIntakeValidation(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sysID := registerID(t, s)
	long := strings.Repeat("x", 20001)
	cases := []struct {
		name        string
		body        map[string]any
		field, code string
	}{
		{"kind missing", with(func(m map[string]any) { delete(m, "kind") }), "kind", "required"},
		{"kind unknown", with(func(m map[string]any) { m["kind"] = "complaint" }), "kind", "invalid"},
		{"no AI system", with(func(m map[string]any) { delete(m, "ai_system_other") }), "ai_system_id", "required"},
		{"both id and other", with(func(m map[string]any) { m["ai_system_id"] = sysID }), "ai_system_id", "conflict"},
		{"system id not a uuid", with(func(m map[string]any) { delete(m, "ai_system_other"); m["ai_system_id"] = "hiring" }), "ai_system_id", "invalid"},
		{"system id not in register", with(func(m map[string]any) {
			delete(m, "ai_system_other")
			m["ai_system_id"] = "4f9d3c2e-1111-4222-8333-944455556666"
		}), "ai_system_id", "not_found"},
		{"decision date malformed", with(func(m map[string]any) { m["decision_date"] = "02/11/2026" }), "decision_date", "invalid"},
		{"decision date in future", with(func(m map[string]any) { m["decision_date"] = "2999-01-01" }), "decision_date", "in_future"},
		{"informed_of_ai missing", with(func(m map[string]any) { delete(m, "informed_of_ai") }), "informed_of_ai", "required"},
		{"informed_of_ai unknown", with(func(m map[string]any) { m["informed_of_ai"] = "maybe" }), "informed_of_ai", "invalid"},
		{"description missing", with(func(m map[string]any) { delete(m, "description") }), "description", "required"},
		{"description too short", with(func(m map[string]any) { m["description"] = "bad" }), "description", "too_short"},
		{"description too long", with(func(m map[string]any) { m["description"] = long }), "description", "too_long"},
		{"description with NUL", with(func(m map[string]any) { m["description"] = "ten chars and \x00 a nul" }), "description", "invalid_text"}, // the input gate (issue 15) answers first
		{"no rights", with(func(m map[string]any) { m["rights"] = []string{} }), "rights", "required"},
		{"unknown right", with(func(m map[string]any) { m["rights"] = []string{"work", "happiness"} }), "rights[1]", "invalid"},
		{"duplicate right", with(func(m map[string]any) { m["rights"] = []string{"work", "work"} }), "rights[1]", "duplicate"},
		{"unknown harm", with(func(m map[string]any) { m["harm_types"] = []string{"boredom"} }), "harm_types[0]", "invalid"},
		{"language malformed", with(func(m map[string]any) { m["language"] = "English" }), "language", "invalid"},
		{"anonymous missing", with(func(m map[string]any) { delete(m, "anonymous") }), "anonymous", "required"},
		{"anonymous with contact", with(func(m map[string]any) {
			m["contact"] = map[string]any{"name": "A", "email": "a@example.net", "preferred_channel": "email"}
		}), "contact", "not_allowed"},
		{"identified without contact", with(func(m map[string]any) { m["anonymous"] = false }), "contact", "required"},
		{"contact without name", with(func(m map[string]any) {
			m["anonymous"] = false
			m["contact"] = map[string]any{"email": "a@example.net", "preferred_channel": "email"}
		}), "contact.name", "required"},
		{"contact bad email", with(func(m map[string]any) {
			m["anonymous"] = false
			m["contact"] = map[string]any{"name": "A", "email": "not-an-email", "preferred_channel": "email"}
		}), "contact.email", "invalid"},
		{"channel email without email", with(func(m map[string]any) {
			m["anonymous"] = false
			m["contact"] = map[string]any{"name": "A", "phone": "+44 20 7946 0000", "preferred_channel": "email"}
		}), "contact.email", "required"},
		{"channel unknown", with(func(m map[string]any) {
			m["anonymous"] = false
			m["contact"] = map[string]any{"name": "A", "preferred_channel": "pigeon"}
		}), "contact.preferred_channel", "invalid"},
		{"phone malformed", with(func(m map[string]any) {
			m["anonymous"] = false
			m["contact"] = map[string]any{"name": "A", "phone": "call me", "preferred_channel": "phone"}
		}), "contact.phone", "invalid"},
		{"post without address", with(func(m map[string]any) {
			m["anonymous"] = false
			m["contact"] = map[string]any{"name": "A", "preferred_channel": "post"}
		}), "contact.address", "required"},
		{"representative without mandate", with(func(m map[string]any) {
			m["representative"] = map[string]any{"name": "Union rep"}
		}), "representative.mandate", "required"},
		{"related reference malformed", with(func(m map[string]any) { m["related_reference"] = "RD-123" }), "related_reference", "invalid"},
		{"related reference unknown", with(func(m map[string]any) { m["related_reference"] = "RD-000-000-000" }), "related_reference", "not_found"},
		{"severity unknown", with(func(m map[string]any) { m["preliminary_severity"] = "urgent" }), "preliminary_severity", "invalid"},
		{"unknown field", with(func(m map[string]any) { m["ip_address"] = "1.2.3.4" }), "ip_address", "unknown_field"},
		{"wrong type", with(func(m map[string]any) { m["anonymous"] = "yes" }), "anonymous", "wrong_type"},
		{"rights not a list", with(func(m map[string]any) { m["rights"] = "work" }), "rights", "wrong_type"},
	}
	before := countCases(t, s)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: tc.body})
			if r.Status != 422 {
				t.Fatalf("status %d, want 422: %s", r.Status, r.Body)
			}
			if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
				t.Errorf("Content-Type %q", ct)
			}
			errs := r.JSON(t)["errors"].([]any)
			found := false
			for _, e := range errs {
				e := e.(map[string]any)
				if e["field"] == tc.field && e["code"] == tc.code && e["message"] != "" {
					found = true
				}
			}
			if !found {
				t.Errorf("no error {field %s, code %s} in %s", tc.field, tc.code, r.Body)
			}
		})
	}
	if after := countCases(t, s); after != before {
		t.Errorf("rejected requests wrote %d cases", after-before)
	}
}

func TestIntakeListsEveryBadFieldAtOnce(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	r := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: map[string]any{"kind": "x", "rights": []string{"y"}}})
	if r.Status != 422 {
		t.Fatalf("status %d", r.Status)
	}
	got := map[string]bool{}
	for _, e := range r.JSON(t)["errors"].([]any) {
		got[e.(map[string]any)["field"].(string)] = true
	}
	for _, f := range []string{"kind", "rights[0]", "ai_system_id", "informed_of_ai", "description", "anonymous"} {
		if !got[f] {
			t.Errorf("missing error for %s in %s", f, r.Body)
		}
	}
}

func TestIntakeMalformedRequests(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	cases := []struct {
		name   string
		r      req
		status int
		code   string
	}{
		{"not JSON", req{Method: "POST", Path: "/api/v1/cases", Body: "{kind:"}, 400, "malformed_json"},
		{"empty body", req{Method: "POST", Path: "/api/v1/cases", Body: ""}, 400, "empty_body"},
		{"array", req{Method: "POST", Path: "/api/v1/cases", Body: "[1]"}, 400, "malformed_json"},
		{"two objects", req{Method: "POST", Path: "/api/v1/cases", Body: "{} {}"}, 400, "malformed_json"},
		{"form encoded", req{Method: "POST", Path: "/api/v1/cases", Body: "kind=concern",
			Header: map[string]string{"Content-Type": "application/x-www-form-urlencoded"}}, 415, "unsupported_media_type"},
		{"bad idempotency key", req{Method: "POST", Path: "/api/v1/cases", Body: teststack.ValidCase(),
			Header: map[string]string{"Idempotency-Key": "has space"}}, 422, "validation_failed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := s.Do(tc.r)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Body)
			}
			if code := r.JSON(t)["code"]; code != tc.code {
				t.Errorf("code %v, want %s", code, tc.code)
			}
		})
	}
	if n := countCases(t, s); n != 0 {
		t.Errorf("%d cases written by malformed requests", n)
	}
}

// A body over the limit is refused from its Content-Length, before it is read.
func TestIntakeBodyTooLarge(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(conn, "POST /api/v1/cases HTTP/1.1\r\nHost: redress\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n{", 400<<10)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 413 {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if n := countCases(t, s); n != 0 {
		t.Errorf("%d cases written", n)
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	key := map[string]string{"Idempotency-Key": "retry-7f3a9c"}
	first := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: teststack.ValidCase(), Header: key})
	if first.Status != 201 {
		t.Fatalf("first: %d %s", first.Status, first.Body)
	}
	again := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: teststack.ValidCase(), Header: key})
	if again.Status != 201 || again.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v %s", again.Status, again.Header, again.Body)
	}
	if string(first.Body) != string(again.Body) {
		t.Errorf("replay differs:\n%s\n%s", first.Body, again.Body)
	}
	// The replayed receipt works: it was re-derived, not stored.
	m := again.JSON(t)
	tok := s.Do(req{Method: "POST", Path: "/api/v1/complainant/session", Body: map[string]any{"reference": m["reference"], "receipt": m["receipt"]}})
	if tok.Status != 201 {
		t.Errorf("replayed receipt does not open the case: %d %s", tok.Status, tok.Body)
	}
	other := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: with(func(m map[string]any) { m["description"] = "A different complaint entirely." }), Header: key})
	if other.Status != 409 || other.JSON(t)["code"] != "idempotency_key_reused" {
		t.Errorf("different body, same key: %d %s", other.Status, other.Body)
	}
	if n := countCases(t, s); n != 1 {
		t.Errorf("%d cases, want 1", n)
	}

	// Ten concurrent retries of one request make one case and ten identical answers.
	key2 := map[string]string{"Idempotency-Key": "concurrent-1"}
	var wg sync.WaitGroup
	bodies := make([]string, 10)
	for i := range bodies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: teststack.ValidCase(), Header: key2})
			bodies[i] = fmt.Sprint(r.Status, string(r.Body))
		}()
	}
	wg.Wait()
	for _, b := range bodies[1:] {
		if b != bodies[0] {
			t.Fatalf("concurrent answers differ:\n%s\n%s", bodies[0], b)
		}
	}
	if n := countCases(t, s); n != 2 {
		t.Errorf("%d cases after concurrent retries, want 2", n)
	}
}

func countCases(t *testing.T, s *teststack.Stack) int {
	t.Helper()
	var n int
	if err := s.Core.DB.Raw(`SELECT count(*) FROM cases`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}
