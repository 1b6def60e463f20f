package api

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

type decodeTarget struct {
	A string   `json:"a"`
	N int      `json:"n"`
	L []string `json:"l"`
}

// decodeApp is a bare Fiber app with the package's error handler and one
// route that decodes its body with decodeJSON and echoes what it read.
func decodeApp() *fiber.App {
	app := fiber.New(fiber.Config{
		ErrorHandler:          errorHandler(slog.New(slog.NewTextHandler(io.Discard, nil)), uploadRoutes),
		DisableStartupMessage: true,
	})
	app.Post("/decode", func(c *fiber.Ctx) error {
		var v decodeTarget
		if err := decodeJSON(c, &v); err != nil {
			return err
		}
		return c.Status(fiber.StatusOK).JSON(v)
	})
	return app
}

type decodeResult struct {
	status      int
	contentType string
	body        []byte
	problem     Problem
}

func postDecode(t testing.TB, app *fiber.App, contentType, body string) decodeResult {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("app.Test: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := decodeResult{status: resp.StatusCode, contentType: resp.Header.Get("Content-Type"), body: b}
	if r.status != http.StatusOK {
		if err := json.Unmarshal(b, &r.problem); err != nil {
			t.Fatalf("status %d: body %q is not a problem document: %v", r.status, b, err)
		}
	}
	return r
}

func TestDecodeJSONAccepts(t *testing.T) {
	app := decodeApp()
	for _, tc := range []struct {
		ct, body string
		want     decodeTarget
	}{
		{"application/json", `{"a":"x","n":3,"l":["p","q"]}`, decodeTarget{A: "x", N: 3, L: []string{"p", "q"}}},
		{"application/json; charset=utf-8", `{"a":"ü"}`, decodeTarget{A: "ü"}},
		{"Application/JSON", `{"n":-7}`, decodeTarget{N: -7}},
		{"application/merge-patch+json", `{"l":[]}`, decodeTarget{L: []string{}}},
		{"application/problem+json", `{}`, decodeTarget{}},
		{"application/json", " \n\t{\"a\":\"spaced\"} \n", decodeTarget{A: "spaced"}},
		{"application/json", `{"A":"case-insensitive key"}`, decodeTarget{A: "case-insensitive key"}},
		{"application/json", `{"n":null,"l":null}`, decodeTarget{}},
	} {
		r := postDecode(t, app, tc.ct, tc.body)
		if r.status != http.StatusOK {
			t.Errorf("%s %q: status %d (%s), want 200", tc.ct, tc.body, r.status, r.body)
			continue
		}
		var got decodeTarget
		if err := json.Unmarshal(r.body, &got); err != nil {
			t.Fatal(err)
		}
		if got.A != tc.want.A || got.N != tc.want.N || strings.Join(got.L, "|") != strings.Join(tc.want.L, "|") {
			t.Errorf("%s %q: decoded %+v, want %+v", tc.ct, tc.body, got, tc.want)
		}
	}
}

func TestDecodeJSONRejects(t *testing.T) {
	app := decodeApp()
	for _, tc := range []struct {
		name, ct, body string
		status         int
		code           string
		field          string // the field the 422 must name
		fieldCode      string
	}{
		{"no content type", "", `{"a":"x"}`, 415, "unsupported_media_type", "", ""},
		{"text/plain", "text/plain", `{"a":"x"}`, 415, "unsupported_media_type", "", ""},
		{"form", "application/x-www-form-urlencoded", `a=x`, 415, "unsupported_media_type", "", ""},
		{"json-ish but not json", "application/jsonp", `{"a":"x"}`, 415, "unsupported_media_type", "", ""},
		{"unparsable content type", "application/json; =", `{"a":"x"}`, 415, "unsupported_media_type", "", ""},
		{"empty body", "application/json", ``, 400, "empty_body", "", ""},
		{"whitespace body", "application/json", " \n ", 400, "empty_body", "", ""},
		{"invalid JSON", "application/json", `{"a":}`, 400, "malformed_json", "", ""},
		{"not JSON at all", "application/json", `hello`, 400, "malformed_json", "", ""},
		{"truncated", "application/json", `{"a":"x"`, 400, "malformed_json", "", ""},
		{"trailing comma", "application/json", `{"a":"x",}`, 400, "malformed_json", "", ""},
		{"two objects", "application/json", `{"a":"x"}{"a":"y"}`, 400, "malformed_json", "", ""},
		{"two objects with space", "application/json", `{"a":"x"} {"a":"y"}`, 400, "malformed_json", "", ""},
		{"object then garbage", "application/json", `{"a":"x"} garbage`, 400, "malformed_json", "", ""},
		{"object then brace", "application/json", `{"a":"x"}}`, 400, "malformed_json", "", ""},
		{"object then bracket", "application/json", `{"a":"x"}]`, 400, "malformed_json", "", ""},
		{"top-level array", "application/json", `[{"a":"x"}]`, 400, "malformed_json", "", ""},
		{"top-level string", "application/json", `"a"`, 400, "malformed_json", "", ""},
		{"top-level number", "application/json", `42`, 400, "malformed_json", "", ""},
		{"unknown field", "application/json", `{"a":"x","extra":1}`, 422, "validation_failed", "extra", "unknown_field"},
		{"wrong type string", "application/json", `{"a":5}`, 422, "validation_failed", "a", "wrong_type"},
		{"wrong type int", "application/json", `{"n":"5"}`, 422, "validation_failed", "n", "wrong_type"},
		{"fractional int", "application/json", `{"n":1.5}`, 422, "validation_failed", "n", "wrong_type"},
		{"exponent int", "application/json", `{"n":1e2}`, 422, "validation_failed", "n", "wrong_type"},
		{"int overflow", "application/json", `{"n":1e400}`, 422, "validation_failed", "n", "wrong_type"},
		{"wrong type list", "application/json", `{"l":"p"}`, 422, "validation_failed", "l", "wrong_type"},
		{"wrong element type", "application/json", `{"l":[1]}`, 422, "validation_failed", "l", "wrong_type"},
	} {
		r := postDecode(t, app, tc.ct, tc.body)
		p := r.problem
		if r.status != tc.status || p.Status != tc.status || p.Code != tc.code {
			t.Errorf("%s: status %d, problem status %d code %q; want %d %q (body %s)",
				tc.name, r.status, p.Status, p.Code, tc.status, tc.code, r.body)
			continue
		}
		if r.contentType != "application/problem+json" {
			t.Errorf("%s: Content-Type %q, want application/problem+json", tc.name, r.contentType)
		}
		if p.Type != "urn:redress:problem:"+tc.code || p.Title != http.StatusText(tc.status) || p.Detail == "" {
			t.Errorf("%s: problem type %q title %q detail %q", tc.name, p.Type, p.Title, p.Detail)
		}
		if tc.field == "" {
			if len(p.Errors) != 0 {
				t.Errorf("%s: unexpected field errors %+v", tc.name, p.Errors)
			}
			continue
		}
		if len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != tc.fieldCode || p.Errors[0].Message == "" {
			t.Errorf("%s: field errors %+v, want one %s error on %q", tc.name, p.Errors, tc.fieldCode, tc.field)
		}
	}
}

// A body of JSON null is not an object: encoding/json would decode it into the zero struct.
func TestDecodeJSONRejectsNull(t *testing.T) {
	app := decodeApp()
	for _, body := range []string{`null`, ` null `} {
		r := postDecode(t, app, "application/json", body)
		if r.status != http.StatusBadRequest || r.problem.Code != "malformed_json" {
			t.Errorf("%q: status %d %s; want 400 malformed_json", body, r.status, r.body)
		}
	}
}

func TestDecodeJSONMessages(t *testing.T) {
	app := decodeApp()
	for _, tc := range []struct{ body, detailOrMsg string }{
		{`{"a":5}`, "must be a string"},
		{`{"n":"5"}`, "must be a whole number"},
		{`{"l":{}}`, "must be a list"},
		{`{"extra":1}`, "is not a field of this request"},
		{`{"a":}`, "at byte 6"},
		{`[1]`, "must be a JSON object"},
		{`{"a"`, "ends before the JSON does"},
	} {
		r := postDecode(t, app, "application/json", tc.body)
		text := r.problem.Detail
		for _, e := range r.problem.Errors {
			text += " " + e.Message
		}
		if !strings.Contains(text, tc.detailOrMsg) {
			t.Errorf("%q: problem %s does not say %q", tc.body, r.body, tc.detailOrMsg)
		}
	}
}

// Every error jsonError returns is a domain error that maps to a 4xx.
func TestJSONErrorKinds(t *testing.T) {
	for _, body := range []string{``, `{`, `{"a":1}`, `{"x":1}`, `[]`, `nul`, `{"n":99999999999999999999}`, `{"l":[{}]}`} {
		var v decodeTarget
		dec := json.NewDecoder(strings.NewReader(body))
		dec.DisallowUnknownFields()
		err := dec.Decode(&v)
		if err == nil {
			t.Fatalf("test setup: %q decoded", body)
		}
		de, ok := fault.As(jsonError(err))
		if !ok {
			t.Errorf("jsonError(%v) = %v, not a *fault.Error", err, jsonError(err))
			continue
		}
		if st := httpkit.Status(de.Kind); st < 400 || st > 499 || de.Code == "" || de.Message == "" {
			t.Errorf("jsonError(%v) = %+v maps to status %d, want 4xx with a code and message", err, de, st)
		}
	}
	// Errors a decoder never returns still become a 400, not a 500.
	de, ok := fault.As(jsonError(errors.New("something else")))
	if !ok || httpkit.Status(de.Kind) != http.StatusBadRequest || de.Code != "malformed_json" {
		t.Errorf("jsonError(other) = %+v, %v; want malformed_json 400", de, ok)
	}
}

func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{
		``, `{}`, `{"a":"x","n":1,"l":["y"]}`, `{"a":}`, `{"a":"x"}{}`, `[]`, `null`, `{"x":1}`, `{"n":"1"}`,
		`{"l":[1]}`, `{"n":1e999}`, `"\ud800"`, `{"a":"\u0000"}`, strings.Repeat("[", 20000),
	} {
		f.Add("application/json", s)
	}
	f.Add("text/plain", `{}`)
	f.Add("", `{}`)
	f.Add("application/vnd.x+json; charset=\"utf-8\"", `{"a":"b"}`)
	app := decodeApp()
	f.Fuzz(func(t *testing.T, contentType, body string) {
		req := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(body))
		req.Header.Set("Content-Type", contentType)
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Skipf("request not sent (%v)", err) // e.g. a header value net/http refuses to write
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode >= 500 {
			t.Fatalf("Content-Type %q body %q: status %d: %s", contentType, body, resp.StatusCode, b)
		}
		if resp.StatusCode != http.StatusOK {
			var p Problem
			if err := json.Unmarshal(b, &p); err != nil || p.Status != resp.StatusCode || p.Code == "" {
				t.Fatalf("Content-Type %q body %q: status %d with body %q", contentType, body, resp.StatusCode, b)
			}
			if resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("error response Content-Type %q", resp.Header.Get("Content-Type"))
			}
		}
	})
}

// A compressed body is refused before anything inflates it: Fiber's
// c.Body() would decompress it without a limit.
func TestDecodeJSONRefusesContentEncoding(t *testing.T) {
	app := decodeApp()
	var gz strings.Builder
	w := gzip.NewWriter(&gz)
	_, _ = w.Write([]byte(`{"a":"` + strings.Repeat("x", 1<<20) + `"}`))
	_ = w.Close()
	for _, enc := range []string{"gzip", "deflate", "br", "GZIP"} {
		req := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(gz.String()))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Content-Encoding", enc)
		resp, err := app.Test(req, -1)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 415 || !strings.Contains(string(b), "unsupported_content_encoding") {
			t.Errorf("%s: %d %s", enc, resp.StatusCode, b)
		}
	}
	req := httptest.NewRequest(http.MethodPost, "/decode", strings.NewReader(`{"a":"x"}`))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Content-Encoding", "identity")
	if resp, err := app.Test(req, -1); err != nil || resp.StatusCode != 200 {
		t.Errorf("identity: %v %v", resp, err)
	}
}
