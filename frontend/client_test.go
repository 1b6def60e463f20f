package frontend_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// client is a browser without a browser, for the pages' HTTP-level tests:
// it keeps cookies (Secure ones too, unlike net/http's jar on plain http),
// follows nothing by itself, and reads the CSRF token off forms.
type client struct {
	t       testing.TB
	base    string
	cookies map[string]*http.Cookie
	header  http.Header
}

func newClient(t testing.TB, base string) *client {
	return &client{t: t, base: base, cookies: map[string]*http.Cookie{}, header: http.Header{}}
}

type page struct {
	Status int
	Header http.Header
	Body   string
}

func (c *client) do(method, path string, form url.Values) page {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range c.header {
		req.Header[k] = v
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	return page{Status: resp.StatusCode, Header: resp.Header, Body: string(raw)}
}

func (c *client) get(path string) page { return c.do(http.MethodGet, path, nil) }

// post sends form with the CSRF token the last page of path carried.
func (c *client) post(path string, form url.Values) page {
	c.t.Helper()
	if form.Get("_csrf") == "" {
		form.Set("_csrf", c.csrf())
	}
	return c.do(http.MethodPost, path, form)
}

var csrfInput = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// csrf is the token of this browser's forms, read off the sign-in page (or
// the page it sends a signed-in user to).
func (c *client) csrf() string {
	c.t.Helper()
	p := c.get("/login")
	if p.Status == http.StatusSeeOther {
		p = c.get(p.Header.Get("Location"))
	}
	m := csrfInput.FindStringSubmatch(p.Body)
	if m == nil {
		c.t.Fatalf("no CSRF token on /login: %s", p.Body)
	}
	return m[1]
}

// signIn signs a user in through the form.
func (c *client) signIn(email, password string) page {
	c.t.Helper()
	p := c.post("/login", url.Values{"email": {email}, "password": {password}})
	if p.Status != http.StatusSeeOther {
		c.t.Fatalf("sign in %s: %d %s", email, p.Status, p.Body)
	}
	return p
}
