package api

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func loadSpec(t *testing.T) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapiSpec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("api/openapi.yaml is not valid OpenAPI: %v", err)
	}
	return doc
}

// closedObjects reports every object schema in s (s itself, its properties
// and list items, at any depth) that leaves out its properties or admits
// properties it does not name: the decoder refuses unknown fields at every
// depth (decodeJSON), so the spec says so.
func closedObjects(at string, s *openapi3.SchemaRef, seen map[*openapi3.Schema]bool) []string {
	if s == nil || s.Value == nil || seen[s.Value] {
		return nil
	}
	v := s.Value
	seen[v] = true
	var bad []string
	ap := v.AdditionalProperties
	closed := ap.Has != nil && !*ap.Has && ap.Schema == nil
	switch {
	case !v.Type.Is("object"):
	case len(v.Properties) == 0 && ap.Schema != nil:
		// A map (e.g. hours by weekday): any key, each value of a schema.
		bad = append(bad, closedObjects(at+"{}", ap.Schema, seen)...)
	case len(v.Properties) == 0 && !closed:
		bad = append(bad, at+": an object without properties")
	case !closed:
		bad = append(bad, at+": does not say additionalProperties: false")
	}
	for name, p := range v.Properties {
		bad = append(bad, closedObjects(at+"."+name, p, seen)...)
	}
	if v.Items != nil {
		bad = append(bad, closedObjects(at+"[]", v.Items, seen)...)
	}
	for i, x := range append(append(v.AllOf, v.AnyOf...), v.OneOf...) {
		bad = append(bad, closedObjects(fmt.Sprintf("%s(%d)", at, i), x, seen)...)
	}
	return bad
}

// Every JSON request body has a full schema: an object naming its
// properties that refuses others, as the decoder does.
func TestOpenAPIRequestBodiesAreFullSchemas(t *testing.T) {
	doc := loadSpec(t)
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.RequestBody == nil {
				continue
			}
			for ct, mt := range op.RequestBody.Value.Content {
				if !strings.HasSuffix(ct, "json") {
					continue
				}
				if mt.Schema == nil {
					t.Errorf("%s %s: %s body has no schema", method, path, ct)
					continue
				}
				for _, b := range closedObjects("body", mt.Schema, map[*openapi3.Schema]bool{}) {
					t.Errorf("%s %s: %s", method, path, b)
				}
			}
		}
	}
}

// Every status a route can answer is declared: the ones every route of a
// kind may answer, whatever the test suite happens to reach.
func TestOpenAPIDeclaresEveryStatusARouteCanAnswer(t *testing.T) {
	doc := loadSpec(t)
	want := func(method, path string, op *openapi3.Operation, codes ...int) {
		for _, c := range codes {
			if op.Responses.Status(c) == nil {
				t.Errorf("%s %s does not declare %d", method, path, c)
			}
		}
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.Responses.Status(http.StatusInternalServerError) == nil && !slices.Contains([]string{"/livez", "/readyz", "/metrics", "/api/openapi.yaml"}, path) {
				t.Errorf("%s %s does not declare 500", method, path)
			}
			// An id in the path: not a UUID is 422 naming it, none such 404.
			if strings.Contains(path, "{") {
				want(method, path, op, 404, 422)
			}
			if op.RequestBody != nil {
				// Too large, not JSON (or not multipart), unreadable, and
				// invalid: including text the input gate refuses.
				want(method, path, op, 400, 413, 415, 422)
			}
			if op.Security != nil && len(*op.Security) > 0 {
				want(method, path, op, 401)
			}
			// A role not admitted is 403 (routes every role may call
			// do not answer it).
			if roles, ok := op.Extensions["x-roles"].([]any); ok && len(roles) < 4 {
				want(method, path, op, 403)
			}
			// A write on a case: only its holder, or a supervisor or admin
			// of its queue (403 not_your_case); an unknown case is 404.
			if strings.HasPrefix(path, "/api/v1/cases/{id}") && method != http.MethodGet {
				want(method, path, op, 403, 404)
			}
		}
	}
	signIn := doc.Paths.Find("/api/v1/auth/token").Post
	want("POST", "/api/v1/auth/token", signIn, 429)
	if r := signIn.Responses.Status(429); r != nil && r.Value.Headers["Retry-After"] == nil {
		t.Errorf("POST /api/v1/auth/token: 429 does not declare Retry-After")
	}
}
