package frontend_test

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/textcheck"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The control-character corpus against EVERY page route (issue 15, item 3):
// each route is asked, as someone who may open it, with a query parameter
// (and, for a form's POST, a form field next to a valid CSRF token) carrying
// each character of the corpus. No answer is a 5xx, and every request that
// gets past the page's guard is the 422 page naming the field.
func TestPagesRefuseControlCharacters(t *testing.T) {
	t.Parallel() // the longest of the package: run beside each other, not one after the other
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(teststack.ValidCase())
	testenv.Eventually(t, 20*time.Second, "the case to be routed", func() bool {
		var n int64
		s.Core.DB.Raw(`SELECT count(*) FROM cases WHERE id = ? AND routed_at IS NOT NULL`, f.ID).Scan(&n)
		return n == 1
	})
	type actor struct {
		name string
		c    *client
		csrf string
	}
	var actors []*actor
	for _, who := range []string{"", "admin@example.org", "supervisor@example.org", "reviewer@example.org", "regulator@example.org"} {
		c := newClient(t, s.WebURL)
		if who != "" {
			c.signIn(who, teststack.DemoPassword)
		}
		actors = append(actors, &actor{name: who, c: c, csrf: c.csrf()})
	}

	var routes [][2]string
	seen := map[[2]string]bool{}
	for _, r := range s.App.GetRoutes(true) {
		p := r.Path
		if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/static/") || p == "/livez" || p == "/readyz" ||
			p == "/metrics" || (r.Method != http.MethodGet && r.Method != http.MethodPost) || seen[[2]string{r.Method, p}] {
			continue
		}
		seen[[2]string{r.Method, p}] = true
		routes = append(routes, [2]string{r.Method, p})
	}
	if len(routes) < 30 {
		t.Fatalf("only %d page routes", len(routes))
	}
	param := regexp.MustCompile(`:[a-z_]+`)

	// A 422 page of the gate: its title and the field's name.
	refused := func(p page) bool {
		return p.Status == http.StatusUnprocessableEntity && strings.Contains(p.Body, "“q”")
	}
	send := func(a *actor, method, route, ch string) page {
		target := param.ReplaceAllStringFunc(route, func(name string) string {
			if name == ":id" {
				return f.ID
			}
			return uuid.NewString()
		})
		q := "?q=" + url.QueryEscape("a"+ch+"b")
		if method == http.MethodGet {
			return a.c.get(target + q)
		}
		form := url.Values{"_csrf": {a.csrf}, "q": {"a" + ch + "b"}}
		return a.c.do(http.MethodPost, target, form)
	}

	var mu sync.Mutex
	var errs []string
	gated := 0
	var notReached []string
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	for _, r := range routes {
		wg.Add(1)
		sem <- struct{}{}
		go func(method, route string) {
			defer wg.Done()
			defer func() { <-sem }()
			var who *actor
			for _, a := range actors {
				p := send(a, method, route, "\x00")
				if p.Status >= 500 {
					mu.Lock()
					errs = append(errs, fmt.Sprintf("%s %s as %q, NUL: %d", method, route, a.name, p.Status))
					mu.Unlock()
				}
				if refused(p) {
					who = a
					break
				}
			}
			if who == nil {
				mu.Lock()
				notReached = append(notReached, method+" "+route)
				mu.Unlock()
				who = actors[1]
			}
			for _, ch := range textcheck.Corpus {
				p := send(who, method, route, ch)
				mu.Lock()
				switch {
				case p.Status >= 500:
					errs = append(errs, fmt.Sprintf("%s %s as %q, %q: %d", method, route, who.name, ch, p.Status))
				case who != actors[1] || !contains(notReached, method+" "+route):
					if !refused(p) {
						errs = append(errs, fmt.Sprintf("%s %s as %q, %q: %d, want the 422 page naming q", method, route, who.name, ch, p.Status))
					}
				}
				mu.Unlock()
			}
			mu.Lock()
			if !contains(notReached, method+" "+route) {
				gated++
			}
			mu.Unlock()
		}(r[0], r[1])
	}
	wg.Wait()
	for _, e := range errs {
		t.Error(e)
	}
	t.Logf("%d page routes, %d answered the 422 page past their guard; not reached: %v", len(routes), gated, notReached)
	if gated < len(routes)*3/4 {
		t.Errorf("only %d of %d page routes reached past their guard", gated, len(routes))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// The sign-in form with a NUL in the email is the 422 page naming the field
// in the person's language, not a 500.
func TestSignInPageRefusesNUL(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	for lang, want := range map[string]string{"en": "contains a character", "fr": "contient un caractère",
		"es": "contiene un carácter", "ar": "يحتوي"} {
		c := newClient(t, s.WebURL)
		c.header.Set("Accept-Language", lang)
		p := c.post("/login", url.Values{"email": {"admin@example.org\x00"}, "password": {teststack.DemoPassword}})
		if p.Status != http.StatusUnprocessableEntity || !strings.Contains(p.Body, want) {
			t.Errorf("%s: %d %s", lang, p.Status, p.Body)
		}
	}
}

// A form's body over the limit is a 413 page in the person's language, read
// by a client that does not send Expect: 100-continue (as browsers do not).
func TestPageFormTooLargeIsAPage(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	body := "_csrf=x&email=a%40example.org&password=" + strings.Repeat("a", 2<<20)
	for _, chunked := range []bool{false, true} {
		for lang, want := range map[string]string{"en": "Too large", "fr": "Trop volumineux", "es": "Demasiado grande", "ar": "الحجم كبير جدًا"} {
			var r io.Reader = strings.NewReader(body)
			if chunked {
				r = io.MultiReader(bytes.NewReader([]byte(body)))
			}
			req, _ := http.NewRequest(http.MethodPost, s.WebURL+"/login", r)
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Accept-Language", lang)
			resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
			if err != nil {
				t.Fatalf("%s (chunked %v): no answer: %v", lang, chunked, err)
			}
			raw, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				t.Fatalf("%s: reading: %v", lang, err)
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") ||
				!strings.Contains(string(raw), want) || !strings.Contains(string(raw), "25 Mi") && lang != "ar" {
				t.Errorf("%s (chunked %v): %d %s %s", lang, chunked, resp.StatusCode, resp.Header.Get("Content-Type"), raw)
			}
		}
	}
}
