package frontend_test

import (
	"bytes"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
)

// client is a browser without a browser, for the pages' HTTP-level tests:
// it keeps cookies (Secure ones too, unlike net/http's jar on plain http),
// follows nothing by itself, and reads the CSRF token off forms.
type client struct {
	t       testing.TB
	base    string
	mu      sync.Mutex // cookies, when one client sends from several goroutines
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
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return c.send(req)
}

// upload posts a multipart form as a browser sends the evidence forms: the
// hidden _csrf field first (unless fields gives its own), then the fields,
// and the file when filename is set; the action has no query.
func (c *client) upload(path string, fields map[string]string, filename string, content []byte) page {
	c.t.Helper()
	var parts [][2]string
	if _, ok := fields["_csrf"]; !ok {
		parts = append(parts, [2]string{"_csrf", c.csrf()})
	}
	for k, v := range fields {
		parts = append(parts, [2]string{k, v})
	}
	if filename != "" {
		parts = append(parts, [2]string{"file;" + filename, string(content)})
	}
	return c.multipart(path, parts...)
}

// multipart posts parts, in order, as multipart/form-data to path (which
// may carry a query), with c's cookies: a form as a browser or a forger
// would send it.
func (c *client) multipart(path string, parts ...[2]string) page {
	c.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		if name, filename, ok := strings.Cut(p[0], ";"); ok {
			fw, _ := mw.CreateFormFile(name, filename)
			_, _ = fw.Write([]byte(p[1]))
		} else {
			_ = mw.WriteField(p[0], p[1])
		}
	}
	_ = mw.Close()
	req, err := http.NewRequest(http.MethodPost, c.base+path, &buf)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return c.send(req)
}

// send sends req with this browser's headers and cookies, and keeps the
// cookies the answer sets or clears.
func (c *client) send(req *http.Request) page {
	c.t.Helper()
	for k, v := range c.header {
		req.Header[k] = v
	}
	c.mu.Lock()
	for _, ck := range c.cookies {
		req.AddCookie(&http.Cookie{Name: ck.Name, Value: ck.Value})
	}
	c.mu.Unlock()
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	c.mu.Lock()
	for _, ck := range resp.Cookies() {
		if ck.MaxAge < 0 || ck.Value == "" {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	c.mu.Unlock()
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
