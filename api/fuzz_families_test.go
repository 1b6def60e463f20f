package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/textcheck"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Fuzz targets per route family (issue 15, item 3), each seeded with the
// control-character corpus: sign-in, admin writes and staff writes on a
// case (intake and evidence are FuzzIntake and FuzzEvidenceUpload). Every
// answer is a success or a 4xx problem document, never a 5xx.

// corpusSeeds are JSON bodies carrying each character of the corpus in each
// of fields, and in a nested object and a list.
func corpusSeeds(fields ...string) []string {
	var out []string
	for _, c := range textcheck.JSONCorpus {
		for _, f := range fields {
			out = append(out, `{"`+f+`":"a`+c+`b"}`)
		}
		out = append(out, `{"x":{"y":["ok","`+c+`"]}}`, `{"k`+c+`":1}`)
	}
	return out
}

func noServerError(t *testing.T, r *teststack.Response) {
	t.Helper()
	if r.Status >= 500 {
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
	if r.Status >= 400 && r.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("%d without a problem document: %s", r.Status, r.Body)
	}
	if r.Status == 422 && strings.Contains(string(r.Body), "invalid_text") {
		var p struct{ Errors []struct{ Field string } }
		if json.Unmarshal(r.Body, &p) != nil || len(p.Errors) != 1 || p.Errors[0].Field == "" {
			t.Fatalf("invalid_text without its field: %s", r.Body)
		}
	}
}

// FuzzSignIn posts arbitrary bodies to the sign-in route.
func FuzzSignIn(f *testing.F) {
	f.Add([]byte(`{"email":"admin@example.org","password":"` + teststack.DemoPassword + `"}`))
	f.Add([]byte(`{"email":"admin@example.org\u0000","password":"x"}`))
	for _, seed := range corpusSeeds("email", "password", "code") {
		f.Add([]byte(seed))
	}
	s := teststack.New(f, teststack.Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		noServerError(t, s.With(t).Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: body}))
	})
}

// FuzzAdminWrites posts arbitrary bodies to the admin routes that answered
// 500 to a NUL (SLA policies, calendars, routing rules, a body's users).
func FuzzAdminWrites(f *testing.F) {
	paths := []string{"/api/v1/admin/sla/policies", "/api/v1/admin/sla/calendars", "/api/v1/admin/routing-rules",
		"/api/v1/admin/bodies", "/api/v1/admin/routing-rules/order"}
	for i, seed := range corpusSeeds("name", "description", "slug", "email", "time_zone", "holidays", "conditions") {
		f.Add(uint8(i), []byte(seed))
	}
	f.Add(uint8(0), []byte(`{"name":"P","response_hours":24}`))
	s := teststack.New(f, teststack.Options{})
	admin := s.Login("admin@example.org")
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := paths[int(which)%len(paths)]
		noServerError(t, s.With(t).Do(req{Method: "POST", Path: path, Token: admin, Body: body}))
	})
}

// FuzzStaffCaseWrites posts arbitrary bodies to a case's write routes as
// the admin (a member of its queue).
func FuzzStaffCaseWrites(f *testing.F) {
	routes := []string{"messages", "transitions", "triage", "decision", "points-of-view", "remedies", "incident"}
	for i, seed := range corpusSeeds("body", "reason", "rationale", "to", "text") {
		f.Add(uint8(i), []byte(seed))
	}
	s := teststack.New(f, teststack.Options{})
	c := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(c.ID)); err != nil {
		f.Fatal(err)
	}
	admin := s.Login("admin@example.org")
	f.Fuzz(func(t *testing.T, which uint8, body []byte) {
		path := "/api/v1/cases/" + c.ID + "/" + routes[int(which)%len(routes)]
		noServerError(t, s.With(t).Do(req{Method: "POST", Path: path, Token: admin, Body: body}))
	})
}

// FuzzTextCheckJSON: the gate's scanner never panics, and what it lets
// through decodes (when it is JSON) to strings without a refused character.
func FuzzTextCheckJSON(f *testing.F) {
	for _, seed := range corpusSeeds("a") {
		f.Add([]byte(seed))
	}
	f.Add([]byte(`{"a":"\ud83d\ude00","b":[1,true,null]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		if _, found := textcheck.JSON(body); found {
			return
		}
		var v any
		if json.Unmarshal(body, &v) != nil {
			return
		}
		var walk func(any)
		walk = func(v any) {
			switch x := v.(type) {
			case string:
				if !textcheck.Valid(x) {
					t.Fatalf("%q let through (%q)", body, x)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			case map[string]any:
				for k, e := range x {
					walk(k)
					walk(e)
				}
			}
		}
		walk(v)
	})
}
