// Package contract checks HTTP exchanges against the API's OpenAPI
// description (api/openapi.yaml) with kin-openapi's openapi3filter: the API's
// tests run every request they make through it (teststack.Contract), so every
// API test is also a test that the spec tells the truth.
//
// An exchange is a mismatch when
//   - the path and method are not in the spec and the answer is not the 404 or
//     the 405 (with Allow) the spec promises for them;
//   - the status is not declared for the operation;
//   - a header or the body of the answer does not match what is declared for
//     that status and content type;
//   - the request does not match the spec (parameters, body) and the server
//     still accepted it (any answer under 400): the spec is stricter than the
//     server;
//   - the request matches the spec and the server refused its body as not
//     decodable (422 unknown_field or wrong_type, or 415 unsupported_media_type):
//     the spec is looser than the server.
package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
)

// The spec's server is "/": requests are matched as if sent to this origin.
const origin = "http://redress.test"

func init() {
	// Binary answers and this document: read as bytes (a string), not parsed.
	for _, ct := range []string{"application/pdf", "image/png", "image/jpeg", "text/html", "application/yaml"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
	}
}

// Checker checks exchanges against one OpenAPI document.
//
// Validating against an OpenAPI 3.1 document, kin-openapi compiles a JSON
// Schema validator for every value it checks and keeps none: nine tenths of
// the checker's time, and 12% of the api package's CPU under the race
// detector. For a schema that refers to a component and uses no keyword new
// in JSON Schema 2020-12 it then throws the compiled validator away and
// checks with its own validator. So the checker asks for that own validator
// from the start (fast, below) whenever the document allows it, and keeps
// watch that the verdicts stay the same: the first exchange of each
// operation, status and content type is checked both ways, and verdicts
// that differ are a mismatch.
type Checker struct {
	doc    *openapi3.T
	router routers.Router
	// fast is doc as kin-openapi's own validator reads it (OpenAPI 3.0),
	// or nil when doc needs the 3.1 validation (a schema with nullable,
	// which the two read differently).
	fast *openapi3.T

	compared sync.Map // operation, status and content type → struct{}: checked both ways
}

// New loads and validates spec (YAML or JSON).
func New(spec []byte) (*Checker, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("contract: load the spec: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contract: the spec is not valid OpenAPI: %w", err)
	}
	doc.Servers = openapi3.Servers{{URL: origin}}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contract: route the spec: %w", err)
	}
	c := &Checker{doc: doc, router: router}
	if doc.IsOpenAPI31OrLater() && !usesNullable(doc) {
		fast := *doc
		fast.OpenAPI = "3.0.3"
		c.fast = &fast
	}
	return c, nil
}

// usesNullable reports whether a schema of doc says nullable, which
// kin-openapi's own validator honours and its 3.1 validation ignores.
func usesNullable(doc *openapi3.T) bool {
	found := errors.New("nullable")
	err := doc.WalkSchemas(func(_ string, ref *openapi3.SchemaRef) error {
		if ref.Value != nil && ref.Value.Nullable {
			return found
		}
		return nil
	})
	return err != nil
}

// APIPath reports whether path is the API's (the spec's) rather than a page's.
func APIPath(path string) bool {
	switch strings.TrimSuffix(path, "/") {
	case "/livez", "/readyz", "/metrics":
		return true
	}
	return strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/.well-known/")
}

// Check checks one exchange: the request as sent (its body apart) and the
// answer. It returns nil for a path that is not the API's.
func (c *Checker) Check(req *http.Request, reqBody []byte, status int, header http.Header, body []byte) error {
	if !APIPath(req.URL.Path) {
		return nil
	}
	ctx := context.Background()
	u, err := url.Parse(origin + req.URL.RequestURI())
	if err != nil {
		return err
	}
	vreq, err := http.NewRequestWithContext(ctx, req.Method, u.String(), bytes.NewReader(reqBody))
	if err != nil {
		return err
	}
	vreq.Header = req.Header.Clone()
	if len(reqBody) == 0 {
		vreq.Body, vreq.ContentLength = http.NoBody, 0
	}

	route, params, err := c.router.FindRoute(vreq)
	switch {
	case errors.Is(err, routers.ErrMethodNotAllowed):
		if status != http.StatusMethodNotAllowed || header.Get("Allow") == "" {
			return fmt.Errorf("%s is not an operation of the spec, which promises 405 with Allow; the server answered %d (Allow %q)",
				req.Method, status, header.Get("Allow"))
		}
		return c.problem(status, header, body)
	case errors.Is(err, routers.ErrPathNotFound):
		if status != http.StatusNotFound {
			return fmt.Errorf("the path is not in the spec, which promises 404 for it; the server answered %d", status)
		}
		return c.problem(status, header, body)
	case err != nil:
		return fmt.Errorf("find the operation: %w", err)
	}

	if c.fast == nil {
		return c.check(route, vreq, params, reqBody, status, header, body)
	}
	fast := *route
	fast.Spec = c.fast
	err = c.check(&fast, vreq, params, reqBody, status, header, body)
	key := fmt.Sprintf("%s %s %d %s", route.Method, route.Path, status, header.Get("Content-Type"))
	if _, seen := c.compared.LoadOrStore(key, struct{}{}); !seen {
		if slow := c.check(route, vreq, params, reqBody, status, header, body); (slow == nil) != (err == nil) {
			return fmt.Errorf("kin-openapi's two validators disagree on %s: its own says %v; its OpenAPI 3.1 one says %v", key, err, slow)
		}
	}
	return err
}

// check validates one exchange against route (whose Spec says which of
// kin-openapi's validators to use).
func (c *Checker) check(route *routers.Route, vreq *http.Request, params map[string]string, reqBody []byte, status int, header http.Header, body []byte) error {
	ctx := vreq.Context()
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	if len(reqBody) == 0 {
		vreq.Body = http.NoBody
	}
	in := &openapi3filter.RequestValidationInput{
		Request: vreq, PathParams: params, Route: route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:                openapi3filter.NoopAuthenticationFunc,
			RejectWhenRequestBodyNotSpecified: true,
			SkipSettingDefaults:               true,
		},
	}
	// A body the server refused for its size (413) is not decoded here
	// either: no verdict below depends on it (only an answer under 400, a 415
	// and a 422 do), and decoding tens of megabytes under the race detector
	// took seconds of CPU.
	var reqErr error
	if status != http.StatusRequestEntityTooLarge {
		reqErr = openapi3filter.ValidateRequest(ctx, in)
	}
	if reqErr != nil && status < 400 {
		return fmt.Errorf("the request does not match the spec, yet the server answered %d: %v", status, oneLine(reqErr))
	}
	if reqErr == nil {
		if code := undecodable(status, body); code != "" {
			return fmt.Errorf("the request matches the spec, yet the server refused its body (%d %s): the spec is looser than the decoder", status, code)
		}
	}

	// The request body was read by ValidateRequest: give the response
	// check a fresh request.
	vreq.Body = io.NopCloser(bytes.NewReader(reqBody))
	out := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: in, Status: status, Header: header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		msg := oneLine(err)
		if reqErr != nil {
			msg += " (the request did not match the spec either: " + oneLine(reqErr) + ")"
		}
		return fmt.Errorf("the answer does not match the spec: %s", msg)
	}
	return nil
}

// problem checks an answer outside every operation (404, 405) against the
// spec's Problem schema.
func (c *Checker) problem(status int, header http.Header, body []byte) error {
	mt, _, _ := mime.ParseMediaType(header.Get("Content-Type"))
	if mt != "application/problem+json" {
		return fmt.Errorf("%d answered as %q, not application/problem+json", status, header.Get("Content-Type"))
	}
	ref := c.doc.Components.Schemas["Problem"]
	if ref == nil || ref.Value == nil {
		return errors.New("the spec has no Problem schema")
	}
	var v any
	if err := json.Unmarshal(body, &v); err != nil {
		return fmt.Errorf("%d: the problem document is not JSON: %v", status, err)
	}
	if err := ref.Value.VisitJSON(v, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse()); err != nil {
		return fmt.Errorf("%d: the problem document does not match Problem: %s", status, oneLine(err))
	}
	return nil
}

// undecodable names how the server refused a body it could not decode into
// its request type: 415, or 422 whose fields say unknown_field or wrong_type.
func undecodable(status int, body []byte) string {
	var p struct {
		Code   string `json:"code"`
		Errors []struct {
			Field, Code string
		} `json:"errors"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	if status == http.StatusUnsupportedMediaType && p.Code == "unsupported_media_type" {
		return p.Code
	}
	if status != http.StatusUnprocessableEntity {
		return ""
	}
	for _, e := range p.Errors {
		if e.Code == "unknown_field" || e.Code == "wrong_type" {
			return e.Code + " on " + e.Field
		}
	}
	return ""
}

func oneLine(err error) string {
	s := strings.Join(strings.Fields(err.Error()), " ")
	if len(s) > 1200 {
		s = s[:1200] + "…"
	}
	return s
}
