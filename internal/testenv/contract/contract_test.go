package contract

import (
	"net/http"
	"strings"
	"testing"
)

const spec = `openapi: 3.1.0
info: {title: t, version: "1"}
servers: [{url: /}]
paths:
  /api/v1/things/{id}:
    parameters:
      - {name: id, in: path, required: true, schema: {type: string, format: uuid}}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: false
              required: [name]
              properties:
                name: {type: string, minLength: 1}
      responses:
        "201":
          description: made
          content:
            application/json:
              schema:
                type: object
                required: [id]
                properties:
                  id: {type: string}
        "413":
          description: too large
          content:
            application/problem+json:
              schema: {$ref: "#/components/schemas/Problem"}
        "422":
          description: invalid
          content:
            application/problem+json:
              schema: {$ref: "#/components/schemas/Problem"}
components:
  schemas:
    Problem:
      type: object
      required: [code, status]
      properties:
        code: {type: string}
        status: {type: integer}
`

const (
	id      = "7b0c4e4e-1111-4222-8333-944455556666"
	problem = "application/problem+json"
	jsonCT  = "application/json"
)

func hdr(ct string) http.Header {
	h := http.Header{}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	return h
}

// The checker passes what the spec says and fails every kind of mismatch.
func TestCheckFindsEveryKindOfMismatch(t *testing.T) {
	c, err := New([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, method, path, reqBody string
		status                      int
		header                      http.Header
		body                        string
		wantErr                     string // "" when the exchange matches
	}{
		{"matches", "POST", "/api/v1/things/" + id, `{"name":"a"}`, 201, hdr(jsonCT), `{"id":"x"}`, ""},
		{"undeclared status", "POST", "/api/v1/things/" + id, `{"name":"a"}`, 409, hdr(problem), `{"code":"c","status":409}`, "status is not supported"},
		{"answer off schema", "POST", "/api/v1/things/" + id, `{"name":"a"}`, 201, hdr(jsonCT), `{"ident":"x"}`, "does not match the spec"},
		{"answer of another type", "POST", "/api/v1/things/" + id, `{"name":"a"}`, 201, hdr("text/plain"), `x`, "does not match the spec"},
		{"bad request accepted", "POST", "/api/v1/things/" + id, `{"nom":"a"}`, 201, hdr(jsonCT), `{"id":"x"}`, "the request does not match the spec"},
		{"bad request refused", "POST", "/api/v1/things/" + id, `{"nom":"a"}`, 422, hdr(problem), `{"code":"validation_failed","status":422}`, ""},
		{"spec looser than the decoder", "POST", "/api/v1/things/" + id, `{"name":"a"}`, 422, hdr(problem),
			`{"code":"validation_failed","status":422,"errors":[{"field":"name","code":"wrong_type"}]}`, "looser than the decoder"},
		// A body refused for its size is not decoded; the answer still is checked.
		{"too large refused", "POST", "/api/v1/things/" + id, `{"name":"` + strings.Repeat("a", 1<<10), 413, hdr(problem), `{"code":"too_large","status":413}`, ""},
		{"too large, answer off schema", "POST", "/api/v1/things/" + id, `{"name":"a"}`, 413, hdr(problem), `{"code":"too_large"}`, "does not match the spec"},
		{"405 with Allow", "GET", "/api/v1/things/" + id, "", 405, http.Header{"Content-Type": {problem}, "Allow": {"POST"}}, `{"code":"method_not_allowed","status":405}`, ""},
		{"405 without Allow", "GET", "/api/v1/things/" + id, "", 405, hdr(problem), `{"code":"method_not_allowed","status":405}`, "promises 405 with Allow"},
		{"wrong method as 404", "GET", "/api/v1/things/" + id, "", 404, hdr(problem), `{"code":"not_found","status":404}`, "promises 405"},
		{"unknown path 404", "GET", "/api/v1/nothing", "", 404, hdr(problem), `{"code":"not_found","status":404}`, ""},
		{"unknown path not 404", "GET", "/api/v1/nothing", "", 200, hdr(jsonCT), `{}`, "promises 404"},
		{"unknown path as HTML", "GET", "/api/v1/nothing", "", 404, hdr("text/html"), `<p>no</p>`, "not application/problem+json"},
		{"a page is not checked", "GET", "/queue", "", 200, hdr("text/html"), `<p>hi</p>`, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, err := http.NewRequest(tc.method, "http://127.0.0.1:1"+tc.path, strings.NewReader(tc.reqBody))
			if err != nil {
				t.Fatal(err)
			}
			if tc.reqBody != "" {
				req.Header.Set("Content-Type", jsonCT)
			}
			err = c.Check(req, []byte(tc.reqBody), tc.status, tc.header, []byte(tc.body))
			switch {
			case tc.wantErr == "" && err != nil:
				t.Errorf("want a match, got %v", err)
			case tc.wantErr != "" && err == nil:
				t.Errorf("want a mismatch (%s), got none", tc.wantErr)
			case tc.wantErr != "" && !strings.Contains(err.Error(), tc.wantErr):
				t.Errorf("want %q, got %v", tc.wantErr, err)
			}
		})
	}
}

// A 3.1 document is checked with kin-openapi's own validator unless a schema
// says nullable; the first exchange of each operation, status and content
// type is also checked with its 3.1 validator, and verdicts that differ are a
// mismatch.
func TestTheFastValidatorIsWatched(t *testing.T) {
	c, err := New([]byte(spec))
	if err != nil {
		t.Fatal(err)
	}
	if c.fast == nil {
		t.Error("the fast validator is off for a document without nullable")
	}
	withNullable := strings.Replace(spec, "code: {type: string}", "code: {type: string, nullable: true}", 1)
	if c, err := New([]byte(withNullable)); err != nil {
		t.Fatal(err)
	} else if c.fast != nil {
		t.Error("the fast validator is on for a document with nullable")
	}

	// An answer that sends a writeOnly property: kin-openapi's own
	// validator refuses it, its 3.1 one (a schema without a reference to a
	// component goes to JSON Schema) lets it through.
	writeOnly := strings.Replace(spec, "                  id: {type: string}\n",
		"                  id: {type: string}\n                  secret: {type: string, writeOnly: true}\n", 1)
	c, err = New([]byte(writeOnly))
	if err != nil {
		t.Fatal(err)
	}
	exchange := func() error {
		req, _ := http.NewRequest("POST", "http://127.0.0.1:1/api/v1/things/"+id, strings.NewReader(`{"name":"a"}`))
		req.Header.Set("Content-Type", jsonCT)
		return c.Check(req, []byte(`{"name":"a"}`), 201, hdr(jsonCT), []byte(`{"id":"x","secret":"s"}`))
	}
	if err := exchange(); err == nil || !strings.Contains(err.Error(), "validators disagree") {
		t.Errorf("the first exchange: want the two validators' disagreement, got %v", err)
	}
	// Later exchanges of the operation, status and content type: the fast
	// validator alone.
	if err := exchange(); err == nil || strings.Contains(err.Error(), "disagree") {
		t.Errorf("a later exchange: want the fast validator's refusal alone, got %v", err)
	}
}
