package frontend_test

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The evidence forms carry their CSRF token as every form does, in the
// body: the pages check the _csrf part and the upload is read with it. A
// missing, wrong or query-only token is refused (403) and writes nothing;
// a refusal of the upload itself is in the page's language and asks for
// the file again.
func TestEvidenceFormsCheckTheCSRFPartOfTheBody(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := staffCase(t, s, "general", nil)
	rita := signedIn(t, s, "reviewer@example.org")
	redirected(t, "claim", rita.post("/queue/"+queueID(t, s, "general")+"/claim", url.Values{}), "/cases/"+f.ID)
	me := newClient(t, s.URL)
	if p := me.post("/follow-up", url.Values{"reference": {f.Reference}, "receipt": {f.Receipt}}); p.Status != 303 {
		t.Fatalf("open the case: %d %s", p.Status, p.Body)
	}
	staffPath := "/cases/" + f.ID + "/evidence"
	evidence := func() int { return countOf(t, s, `SELECT count(*) FROM evidence WHERE case_id = ?`, f.ID) }

	for _, form := range []struct {
		who  string
		c    *client
		path string
		more [][2]string
	}{
		{"complainant", me, "/follow-up/evidence", nil},
		{"reviewer", rita, staffPath, [][2]string{{"source", "deployer"}}},
	} {
		before := evidence()
		token := form.c.csrf()
		file := [2]string{"file;rota.txt", "Week 45: 0 shifts."}
		with := func(parts ...[2]string) [][2]string { return append(append(parts, form.more...), file) }
		for name, p := range map[string]page{
			"no token":      form.c.multipart(form.path, with()...),
			"a wrong token": form.c.multipart(form.path, with([2]string{"_csrf", "x" + token})...),
			"the token in the query only (the old forms)": form.c.multipart(form.path+"?_csrf="+url.QueryEscape(token), with()...),
		} {
			expect(t, form.who+", "+name, p, http.StatusForbidden, "This form has expired or did not come from this site.")
		}
		if n := evidence(); n != before {
			t.Fatalf("%s: refused uploads wrote %d files", form.who, n-before)
		}
		// As the browser sends it: _csrf first.
		if p := form.c.multipart(form.path, with([2]string{"_csrf", token}, [2]string{"description", "Sent as Chromium sends it"})...); p.Status != http.StatusSeeOther {
			t.Fatalf("%s: the browser's upload: %d %s", form.who, p.Status, p.Body)
		}
	}
	if n := evidence(); n != 2 {
		t.Fatalf("%d files after two uploads", n)
	}

	// A refused upload, in French: the reason, and the file to choose again.
	me.header.Set("Accept-Language", "fr")
	p := me.upload("/follow-up/evidence", map[string]string{"description": "Ma lettre"}, "vide.txt", nil)
	expect(t, "an empty file, fr", p, http.StatusUnprocessableEntity, "Ce fichier est vide",
		`id="f-evidence-file-again"`, "Choisissez à nouveau le fichier", ">Ma lettre</textarea>")
	// A part the form does not have is named at the file, in the page's language.
	p = me.upload("/follow-up/evidence", map[string]string{"owner": "x"}, "rota.txt", []byte("Week 45"))
	expect(t, "an unknown part, fr", p, http.StatusUnprocessableEntity, `href="#f-evidence-file"`,
		"Le formulaire a envoyé quelque chose que cette page n&#39;attend pas.")
	if strings.Contains(p.Body, "owner") || strings.Contains(p.Body, "is not a field of this request") {
		t.Errorf("the page shows the API's words: %s", p.Body)
	}
	me.header.Del("Accept-Language")
	p = rita.upload(staffPath, map[string]string{"source": "deployer", "description": "Export"}, "", nil)
	expect(t, "no file, staff", p, http.StatusUnprocessableEntity, `id="f-evidence-file-again"`,
		"Choose the file again", ">Export</textarea>", `<option value="deployer" selected>`)
	if n := evidence(); n != 2 {
		t.Fatalf("refused uploads wrote: %d files", n)
	}

	// The complainant downloads their own file, with its SHA-256 on the page;
	// the reviewer's file is not theirs to see.
	content := []byte("Week 44: 32 hours.\nWeek 45: 0 hours.\n")
	sum := sha256.Sum256(content)
	redirected(t, "the complainant's file", me.upload("/follow-up/evidence", map[string]string{"description": "Hours"}, "hours.txt", content), "/follow-up#evidence")
	page := me.get("/follow-up")
	expect(t, "the complainant's list", page, http.StatusOK, "hours.txt", hex.EncodeToString(sum[:]), `id="evidence-files"`)
	links := regexp.MustCompile(`href="(/follow-up/evidence/[^"]+)" download`).FindAllStringSubmatch(page.Body, -1)
	if len(links) != 2 {
		t.Fatalf("%d download links on the complainant's page", len(links))
	}
	dl := me.get(links[1][1])
	if dl.Status != http.StatusOK || dl.Body != string(content) || dl.Header.Get("X-Content-SHA256") != hex.EncodeToString(sum[:]) ||
		!strings.Contains(dl.Header.Get("Content-Disposition"), "hours.txt") || !strings.Contains(dl.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("the complainant's download: %d %v %q", dl.Status, dl.Header, dl.Body)
	}
	staffFile := idOf(t, s, `SELECT id::text FROM evidence WHERE case_id = ? AND source = 'deployer'`, f.ID)
	if p := me.get("/follow-up/evidence/" + staffFile); p.Status != http.StatusNotFound || strings.Contains(p.Body, "Week 45") {
		t.Errorf("the reviewer's file to the complainant: %d", p.Status)
	}
	if p := newClient(t, s.URL).get(links[1][1]); p.Status != http.StatusSeeOther || p.Header.Get("Location") != "/follow-up" {
		t.Errorf("a download without the case: %d %v", p.Status, p.Header)
	}
}
