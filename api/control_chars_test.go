package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/textcheck"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The control-character corpus (issue 15, item 3) against EVERY route of
// the API's route table: each route is asked, as the person who may call it,
// with a JSON body, a multipart form (upload routes) and a query parameter
// carrying each character of the corpus — NUL and the other C0 controls,
// DEL, C1 controls, bytes that are not UTF-8, lone surrogates (JSON only)
// and direction overrides. No answer is a 5xx, and every request that gets
// past the route's credential is a 422 invalid_text naming the field, so no
// handler (and no statement to PostgreSQL) ever sees such text.
func TestControlCharactersNeverReachAHandler(t *testing.T) {
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(teststack.ValidCase())
	waitRouted(t, s, f.ID)
	tokens := map[string]string{
		"admin":       s.Login("admin@example.org"),
		"supervisor":  s.Login("supervisor@example.org"),
		"reviewer":    s.Reviewer(),
		"body":        s.Login("regulator@example.org"),
		"complainant": s.ComplainantToken(f),
		"anonymous":   "",
	}
	actors := []string{"anonymous", "complainant", "reviewer", "supervisor", "admin", "body"}

	var routes [][2]string
	seen := map[[2]string]bool{}
	for _, r := range s.App.GetRoutes(true) {
		if !strings.HasPrefix(r.Path, "/api/") || r.Method == http.MethodHead || r.Method == "CONNECT" ||
			r.Method == "TRACE" || r.Method == "OPTIONS" || seen[[2]string{r.Method, r.Path}] {
			continue
		}
		seen[[2]string{r.Method, r.Path}] = true
		routes = append(routes, [2]string{r.Method, r.Path})
	}
	if len(routes) < 50 {
		t.Fatalf("only %d API routes found", len(routes))
	}
	param := regexp.MustCompile(`:[a-z_]+`)
	path := func(p string) string {
		return param.ReplaceAllStringFunc(p, func(name string) string {
			if name == ":id" {
				return f.ID
			}
			return uuid.NewString()
		})
	}

	client := &http.Client{Timeout: time.Minute}
	type answer struct {
		status int
		body   string
	}
	ask := func(method, target, token, contentType string, body []byte) answer {
		req, err := http.NewRequest(method, s.URL+target, bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, target, err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		return answer{resp.StatusCode, string(raw)}
	}
	// refused reports whether a is the gate's 422 naming field.
	refused := func(a answer, field string) bool {
		var p struct {
			Code   string
			Errors []struct{ Field, Code string }
		}
		if a.status != http.StatusUnprocessableEntity || json.Unmarshal([]byte(a.body), &p) != nil {
			return false
		}
		for _, e := range p.Errors {
			if e.Code == textcheck.Code && e.Field == field {
				return true
			}
		}
		return false
	}

	type probe struct {
		name, field, contentType string
		body                     func(c string) []byte
		query                    bool
	}
	jsonProbe := probe{name: "json", field: "note.text", contentType: "application/json",
		body: func(c string) []byte { return []byte(`{"note":{"text":"a` + c + `b"}}`) }}
	formProbe := probe{name: "multipart", field: "description", body: func(c string) []byte {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("description", "a"+c+"b")
		_ = mw.Close()
		return buf.Bytes()
	}}
	queryProbe := probe{name: "query", field: "q", query: true}

	var mu sync.Mutex
	var errs []string
	gated := map[string]bool{}
	notReached := map[string]int{}
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, r := range routes {
		wg.Add(1)
		sem <- struct{}{}
		go func(method, route string) {
			defer wg.Done()
			defer func() { <-sem }()
			target := path(route)
			probes := []probe{queryProbe}
			if method != http.MethodGet {
				probes = append(probes, jsonProbe)
				if strings.HasSuffix(route, "/evidence") {
					probes = append(probes, formProbe)
				}
			}
			for _, pr := range probes {
				send := func(actor, c string) answer {
					q, ct, body := target, pr.contentType, []byte(nil)
					if pr.query {
						q += "?q=" + url.QueryEscape("a"+c+"b")
					} else {
						body = pr.body(c)
						if pr.name == "multipart" {
							ct = "multipart/form-data; boundary=" + boundaryOf(body)
						}
					}
					return ask(method, q, tokens[actor], ct, body)
				}
				// Who gets past the credential: the first actor whose
				// NUL is refused by the gate.
				who := ""
				for _, actor := range actors {
					a := send(actor, "\x00")
					if a.status >= 500 || a.status < 400 && method != http.MethodGet {
						mu.Lock()
						errs = append(errs, fmt.Sprintf("%s %s (%s, %s, NUL): %d %s", method, route, pr.name, actor, a.status, a.body))
						mu.Unlock()
					}
					if refused(a, pr.field) {
						who = actor
						break
					}
				}
				corpus := textcheck.Corpus
				if pr.name == "json" {
					corpus = textcheck.JSONCorpus
				}
				for _, c := range corpus {
					actor := who
					if actor == "" {
						actor = "admin"
					}
					a := send(actor, c)
					mu.Lock()
					switch {
					case a.status >= 500 || a.status < 400 && method != http.MethodGet:
						errs = append(errs, fmt.Sprintf("%s %s (%s, %s, %q): %d %s", method, route, pr.name, actor, c, a.status, a.body))
					case who != "" && !refused(a, pr.field):
						errs = append(errs, fmt.Sprintf("%s %s (%s, %s, %q): %d %s, want 422 invalid_text naming %s",
							method, route, pr.name, actor, c, a.status, a.body, pr.field))
					case who != "":
						gated[method+" "+route] = true
					default:
						notReached[method+" "+route] = a.status
					}
					mu.Unlock()
				}
			}
		}(r[0], r[1])
	}
	wg.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	t.Logf("%d API routes, %d answered 422 invalid_text past their credential", len(routes), len(gated))
	for r, status := range notReached {
		if !gated[r] {
			t.Logf("not reached past its guard: %s (%d)", r, status)
		}
	}
	// Every route but the spec's (which reads no input) is reached.
	if len(gated) < len(routes)-1 {
		t.Errorf("only %d of %d routes were reached past their credential", len(gated), len(routes))
	}
}

// boundaryOf reads a multipart body's boundary from its first line.
func boundaryOf(body []byte) string {
	line, _, _ := bytes.Cut(body, []byte("\r\n"))
	return strings.TrimPrefix(string(line), "--")
}

// Known fields of real bodies are named by their path: the intake's
// description and contact name, a sign-in's email (API), each with every
// character of the corpus.
func TestControlCharactersAreNamedByTheirField(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	for _, c := range textcheck.JSONCorpus {
		for _, tc := range []struct{ path, field, body string }{
			{"/api/v1/cases", "description", `{"kind":"contest_decision","description":"x` + c + `y","anonymous":true}`},
			{"/api/v1/cases", "contact.name", `{"kind":"contest_decision","anonymous":false,"contact":{"name":"M` + c + `"}}`},
			{"/api/v1/cases", "rights[1]", `{"kind":"contest_decision","rights":["work","` + c + `"]}`},
			{"/api/v1/auth/token", "email", `{"email":"admin@example.org` + c + `","password":"x"}`},
			{"/api/v1/complainant/session", "reference", `{"reference":"` + c + `","receipt":"x"}`},
		} {
			r := s.Do(teststack.Request{Method: "POST", Path: tc.path, Body: tc.body})
			var p struct {
				Errors []struct{ Field, Code, Message string }
			}
			_ = json.Unmarshal(r.Body, &p)
			if r.Status != 422 || len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != "invalid_text" {
				t.Errorf("%s %q in %s: %d %s, want 422 invalid_text naming %s", tc.path, c, tc.field, r.Status, r.Body, tc.field)
			}
		}
	}
	// Nothing was stored: no case, no replacement character anywhere.
	var n int64
	s.Core.DB.Raw(`SELECT count(*) FROM cases`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d cases filed from refused bodies", n)
	}
	// Tab, newline and right-to-left text (without overrides) are text.
	body := teststack.ValidCase()
	body["description"] = "Line one\n\tLine two: مرحبا بالعالم — עברית 😀 and \u200c joiners."
	s.File(body)
}
