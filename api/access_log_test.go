package api_test

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// pagesUser is a staff member signed in to the web pages: a cookie-keeping
// client (the pages' cookies are Secure, which net/http's jar keeps off
// plain http) that reads the CSRF token off the forms.
type pagesUser struct {
	t       *testing.T
	base    string
	cookies map[string]string
	csrf    string
}

var csrfValue = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

func (p *pagesUser) send(method, path string, form url.Values) (int, string) {
	p.t.Helper()
	var body io.Reader
	if form != nil {
		if p.csrf != "" && form.Get("_csrf") == "" {
			form.Set("_csrf", p.csrf)
		}
		body = strings.NewReader(form.Encode())
	}
	r, err := http.NewRequest(method, p.base+path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range p.cookies {
		r.AddCookie(&http.Cookie{Name: k, Value: v})
	}
	hc := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(r)
	if err != nil {
		p.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	for _, c := range resp.Cookies() {
		if c.MaxAge < 0 || c.Value == "" {
			delete(p.cookies, c.Name)
		} else {
			p.cookies[c.Name] = c.Value
		}
	}
	if m := csrfValue.FindStringSubmatch(string(raw)); m != nil {
		p.csrf = m[1]
	}
	return resp.StatusCode, string(raw)
}

// signInToPages signs email in through the pages' sign-in form.
func signInToPages(t *testing.T, s *teststack.Stack, email string) *pagesUser {
	t.Helper()
	p := &pagesUser{t: t, base: s.URL, cookies: map[string]string{}}
	if st, body := p.send("GET", "/login", nil); st != 200 || p.csrf == "" {
		t.Fatalf("GET /login: %d %s", st, body)
	}
	if st, body := p.send("POST", "/login", url.Values{"email": {email}, "password": {teststack.DemoPassword}}); st != http.StatusSeeOther {
		t.Fatalf("sign in %s: %d %s", email, st, body)
	}
	return p
}

type accessEntry struct {
	ID            int64     `json:"id"`
	At            time.Time `json:"at"`
	CaseID        string    `json:"case_id"`
	CaseReference string    `json:"case_reference"`
	UserName      string    `json:"user_name"`
	UserEmail     string    `json:"user_email"`
	Role          string    `json:"role"`
	What          string    `json:"what"`
	EvidenceID    *string   `json:"evidence_id"`
	Route         string    `json:"route"`
	Ground        string    `json:"ground"`
}

type accessPage struct {
	Items      []accessEntry `json:"items"`
	NextCursor string        `json:"next_cursor"`
}

// identityLooks keeps a page's looks at the identity, by route.
func identityLooks(p accessPage) map[string]accessEntry {
	out := map[string]accessEntry{}
	for _, e := range p.Items {
		if e.What == "identity" {
			if _, dup := out[e.Route]; dup {
				out[e.Route+" (again)"] = e
				continue
			}
			out[e.Route] = e
		}
	}
	return out
}

// A named complainant's identity is read twice — by the reviewer who
// claimed the case, through the API, and by a supervisor, through the
// pages' "Show contact details" — and both reads are in the case's access
// log (who, role, route, ground), in the admins' search by case reference,
// and on the complainant's own view by role and date, never by name. A
// reviewer may not read the log; nobody can change or delete it.
func TestAccessLogRecordsIdentityReads(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rev := s.Reviewer()
	f := claimed(t, s, teststack.NamedCase(), rev)
	id := f.ID

	// Before any look at the identity, the complainant reads none.
	cp := s.ComplainantToken(f)
	var before struct {
		Access []map[string]any `json:"access"`
	}
	s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: cp}).Decode(t, &before)
	for _, l := range before.Access {
		if l["what"] == "identity" {
			t.Fatalf("an identity look before anyone looked: %v", before.Access)
		}
	}

	// The reviewer who holds the case reads the identity through the API.
	r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + id + "/identity", Token: rev})
	if r.Status != 200 || !strings.Contains(string(r.Body), "Maria Lopez-Garcia") {
		t.Fatalf("identity: %d %s", r.Status, r.Body)
	}
	// A supervisor opens the contact details in the workspace.
	sup := signInToPages(t, s, "supervisor@example.org")
	// (The description names her too: NamedCase is about redaction.)
	if st, body := sup.send("GET", "/cases/"+id, nil); st != 200 || strings.Contains(body, `id="contact-details"`) ||
		strings.Contains(body, "maria.lopez@example.net") {
		t.Fatalf("the workspace (sealed): %d, contact details shown: %v", st, strings.Contains(body, "maria.lopez@example.net"))
	}
	st, body := sup.send("POST", "/cases/"+id+"/contact", url.Values{})
	if st != 200 || !strings.Contains(body, `id="contact-details"`) || !strings.Contains(body, "maria.lopez@example.net") {
		t.Fatalf("show contact details: %d %s", st, body)
	}

	check := func(name string, looks map[string]accessEntry) {
		t.Helper()
		api, page := looks["GET /api/v1/cases/:id/identity"], looks["POST /cases/:id/contact"]
		if len(looks) != 2 || api.Role != "reviewer" || api.Ground != "assignee" || api.UserEmail != "reviewer@example.org" ||
			page.Role != "supervisor" || page.Ground != "supervisor" || page.UserEmail != "supervisor@example.org" ||
			api.CaseReference != f.Reference || page.CaseID != id || api.UserName == "" {
			t.Errorf("%s: the identity looks are %+v", name, looks)
		}
	}

	// The case's log, for a supervisor of its queue, newest first.
	supTok := s.Login("supervisor@example.org")
	var log accessPage
	r = s.Do(req{Method: "GET", Path: "/api/v1/cases/" + id + "/access", Token: supTok})
	if r.Status != 200 {
		t.Fatalf("case access log: %d %s", r.Status, r.Body)
	}
	r.Decode(t, &log)
	check("case log", identityLooks(log))
	if len(log.Items) < 3 || log.Items[0].Route != "POST /cases/:id/contact" {
		t.Errorf("the case log is not newest first: %+v", log.Items)
	}
	// It pages: one at a time, every look once.
	seen, cursor := 0, ""
	for i := 0; i < 50; i++ {
		var p accessPage
		s.Do(req{Method: "GET", Path: "/api/v1/cases/" + id + "/access?limit=1&cursor=" + cursor, Token: supTok}).Decode(t, &p)
		seen += len(p.Items)
		if cursor = p.NextCursor; cursor == "" {
			break
		}
	}
	if seen != len(log.Items) {
		t.Errorf("paging one at a time saw %d looks, the page of 50 %d", seen, len(log.Items))
	}

	// A reviewer, even the one holding the case, may not read it: 403.
	r = s.Do(req{Method: "GET", Path: "/api/v1/cases/" + id + "/access", Token: rev})
	if r.Status != 403 || r.JSON(t)["code"] != "forbidden" {
		t.Errorf("the reviewer reading the log: %d %s", r.Status, r.Body)
	}
	// Whoever may not see the case gets 404, as on every case route.
	outsider := s.Outsider("far-away@example.org", "supervisor")
	if r = s.Do(req{Method: "GET", Path: "/api/v1/cases/" + id + "/access", Token: outsider}); r.Status != 404 {
		t.Errorf("a supervisor of no queue reading the log: %d %s", r.Status, r.Body)
	}

	// The admins' search by case reference (typed loosely) finds both.
	admin := s.Login("admin@example.org")
	loose := url.QueryEscape(strings.ToLower(strings.ReplaceAll(f.Reference, "-", " ")))
	var found accessPage
	r = s.Do(req{Method: "GET", Path: "/api/v1/admin/access-log?what=identity&case_reference=" + loose, Token: admin})
	if r.Status != 200 {
		t.Fatalf("search: %d %s", r.Status, r.Body)
	}
	r.Decode(t, &found)
	check("admin search", identityLooks(found))
	if len(found.Items) != 2 {
		t.Errorf("the search by reference and what found %d looks", len(found.Items))
	}
	today := time.Now().UTC().Format(time.DateOnly)
	var bySup accessPage
	s.Do(req{Method: "GET", Path: "/api/v1/admin/access-log?ground=supervisor&user_email=SUPERVISOR@example.org&what=identity&from=" +
		today + "&to=" + today + "&case_reference=" + loose, Token: admin}).Decode(t, &bySup)
	if len(bySup.Items) != 1 || bySup.Items[0].Route != "POST /cases/:id/contact" {
		t.Errorf("the search by ground, email and day found %+v", bySup.Items)
	}
	var none accessPage
	s.Do(req{Method: "GET", Path: "/api/v1/admin/access-log?case_reference=" + loose + "&to=2020-01-01", Token: admin}).Decode(t, &none)
	if len(none.Items) != 0 {
		t.Errorf("looks before 2020: %+v", none.Items)
	}
	// Bad filters are named, all at once.
	r = s.Do(req{Method: "GET", Path: "/api/v1/admin/access-log?ground=friend&what=everything&case_reference=RD-1&from=yesterday&limit=0&user_id=me", Token: admin})
	if r.Status != 422 {
		t.Fatalf("bad filters: %d %s", r.Status, r.Body)
	}
	var problem struct {
		Errors []struct{ Field string } `json:"errors"`
	}
	r.Decode(t, &problem)
	var fields []string
	for _, e := range problem.Errors {
		fields = append(fields, e.Field)
	}
	if got := strings.Join(fields, ","); got != "case_reference,from,ground,limit,user_id,what" {
		t.Errorf("bad filters named %s", got)
	}
	r = s.Do(req{Method: "GET", Path: "/api/v1/admin/access-log?from=2027-03-05&to=2027-03-01", Token: admin})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"to"`) {
		t.Errorf("to before from: %d %s", r.Status, r.Body)
	}
	// Only admins search the whole log.
	if r = s.Do(req{Method: "GET", Path: "/api/v1/admin/access-log", Token: supTok}); r.Status != 403 {
		t.Errorf("a supervisor searching the log: %d", r.Status)
	}

	// The complainant reads who opened their details by role and date, never by name.
	r = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: cp})
	var view struct {
		Access []struct{ Role, What, Date string } `json:"access"`
	}
	r.Decode(t, &view)
	roles := map[string]bool{}
	for _, l := range view.Access {
		if l.What == "identity" {
			roles[l.Role] = true
			if l.Date != today {
				t.Errorf("the look is dated %s, want %s", l.Date, today)
			}
		}
	}
	if !roles["reviewer"] || !roles["supervisor"] || len(roles) != 2 {
		t.Errorf("the complainant reads identity looks by %v: %+v", roles, view.Access)
	}
	var names []string
	s.Core.DB.Raw(`SELECT name FROM users WHERE email IN ('reviewer@example.org', 'supervisor@example.org')`).Scan(&names)
	for _, n := range append(names, "reviewer@example.org", "supervisor@example.org") {
		if strings.Contains(string(r.Body), n) {
			t.Errorf("the complainant's view names %q", n)
		}
	}

	// The log is append-only: the database refuses to change or delete it.
	for _, sql := range []string{`UPDATE access_log SET route = 'GET /nowhere' WHERE case_id = ?`,
		`DELETE FROM access_log WHERE case_id = ?`} {
		err := s.Core.DB.Exec(sql, id).Error
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: %v", sql, err)
		}
	}
	var n int
	s.Core.DB.Raw(`SELECT count(*) FROM access_log WHERE case_id = ? AND what = 'identity'`, id).Scan(&n)
	if n != 2 {
		t.Errorf("%d identity looks remain, want 2", n)
	}
}
