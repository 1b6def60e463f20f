package api_test

import (
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// A known API path called with another method is 405 with an Allow header
// naming the path's methods (as the spec promises), not the pages' 404; an
// unknown API path stays the API's 404; the pages keep their HTML 404.
func TestWrongMethodIs405WithAllow(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	tok := s.Reviewer()
	f := s.File(teststack.ValidCase())
	for _, c := range []struct {
		method, path, token, allow string
	}{
		{"POST", "/api/v1/ai-systems", "", "GET"},
		{"DELETE", "/api/v1/cases", tok, "GET, POST"},
		{"PUT", "/api/v1/cases/" + f.ID, tok, "GET"},
		{"GET", "/api/v1/cases/" + f.ID + "/acknowledge", tok, "POST"},
		{"PATCH", "/api/v1/admin/sla/policies/" + f.ID, tok, "PUT"},
		{"POST", "/api/v1/admin/queues/" + f.ID + "/members/" + f.ID, tok, "PUT, DELETE"},
		{"GET", "/api/v1/auth/token", "", "POST"},
		{"POST", "/livez", "", "GET, HEAD"},
		{"DELETE", "/api/openapi.yaml", "", "GET, HEAD"},
		{"POST", "/.well-known/redress-signing-key", "", "GET"},
	} {
		r := s.Do(teststack.Request{Method: c.method, Path: c.path, Token: c.token})
		if r.Status != 405 {
			t.Errorf("%s %s: %d, want 405\n%s", c.method, c.path, r.Status, r.Body)
			continue
		}
		if got := r.Header.Get("Allow"); got != c.allow {
			t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
		}
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("%s %s: Content-Type %q, want the API's problem+json", c.method, c.path, ct)
		}
		m := r.JSON(t)
		if m["code"] != "method_not_allowed" || m["status"] != float64(405) ||
			!strings.Contains(m["detail"].(string), c.allow) {
			t.Errorf("%s %s: problem %v", c.method, c.path, m)
		}
	}
	// Nothing was changed by the refused calls: the case is still submitted.
	if r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: tok}); r.Status != 200 ||
		r.JSON(t)["status"] != "submitted" {
		t.Errorf("case after the refused calls: %d %s", r.Status, r.Body)
	}
	for _, p := range []string{"/api/v1/nowhere", "/api/v1/cases/" + f.ID + "/nowhere", "/.well-known/nothing"} {
		r := s.Do(teststack.Request{Method: "POST", Path: p, Token: tok})
		if r.Status != 404 || r.Header.Get("Content-Type") != "application/problem+json" || r.Header.Get("Allow") != "" ||
			r.JSON(t)["code"] != "not_found" {
			t.Errorf("POST %s: %d %q %s, want the API's 404", p, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
	}
	r := s.Do(teststack.Request{Method: "GET", Path: "/no-such-page"})
	if r.Status != 404 || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
		t.Errorf("GET /no-such-page: %d %q, want the pages' HTML 404", r.Status, r.Header.Get("Content-Type"))
	}
}
