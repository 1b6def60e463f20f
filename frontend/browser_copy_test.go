package frontend_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The complainant's copy of their case (issue 19, item 3): on /follow-up,
// with JavaScript off on a small screen, the complainant finds "Your copy
// of your case", follows its PDF and JSON links and gets the files — the
// JSON carries what they wrote, the PDF is a PDF about their case. Read in
// Arabic, the page links to the copy in Arabic.
func TestBrowserComplainantCopy(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	body := teststack.NamedCase()
	f := s.File(body)

	me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
	openCase(t, me, base, f)
	if got := browser.Text(t, me, "#copy"); !strings.Contains(got, "Your copy of your case") ||
		!strings.Contains(got, "Download as PDF") || !strings.Contains(got, "Download as JSON") {
		t.Fatalf("the copy section reads %q", got)
	}
	audit(t, me, "follow-up, copy")

	// JSON: it parses, and carries their own words.
	status, header, raw := browser.Download(t, me, base+linkHref(t, me, "#copy-json"))
	if status != http.StatusOK || !strings.HasPrefix(header.Get("Content-Type"), "application/json") ||
		!strings.Contains(header.Get("Content-Disposition"), f.Reference+"-case.json") {
		t.Fatalf("JSON link: %d %v %.200s", status, header, raw)
	}
	var copy struct {
		Format string `json:"format"`
		Case   struct {
			Reference string `json:"reference"`
			Filing    struct {
				Description string `json:"description"`
			} `json:"filing"`
		} `json:"case"`
	}
	if err := json.Unmarshal(raw, &copy); err != nil {
		t.Fatalf("the JSON copy does not parse: %v\n%.300s", err, raw)
	}
	if copy.Format != "redress-case-export-v1" || copy.Case.Reference != f.Reference || copy.Case.Filing.Description != body["description"] {
		t.Errorf("the JSON copy: %+v", copy)
	}
	// PDF: a PDF, about their case (its title names the reference).
	status, header, raw = browser.Download(t, me, base+linkHref(t, me, "#copy-pdf"))
	if status != http.StatusOK || header.Get("Content-Type") != "application/pdf" || !bytes.HasPrefix(raw, []byte("%PDF-")) {
		t.Fatalf("PDF link: %d %v %.16q", status, header, raw)
	}
	if !bytes.Contains(raw, []byte(utf16Hex(f.Reference))) {
		t.Errorf("the PDF does not name %s", f.Reference)
	}
	// Both downloads are on the case record, for staff.
	var n int
	s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'case.exported' AND NOT public`, f.ID).Scan(&n)
	if n != 2 {
		t.Errorf("%d case.exported entries, want 2", n)
	}

	// Read in Arabic, the page links to the Arabic copy.
	ar := b.Tab(t, browser.NoJavaScript(), browser.AcceptLanguage("ar"))
	openCase(t, ar, base, f)
	link := linkHref(t, ar, "#copy-pdf")
	if !strings.HasSuffix(link, "lang=ar") {
		t.Errorf("the Arabic page links to %q", link)
	}
	if status, _, raw := browser.Download(t, ar, base+link); status != http.StatusOK || !bytes.HasPrefix(raw, []byte("%PDF-")) ||
		!bytes.Contains(raw, []byte(utf16Hex("نسختك"))) {
		t.Errorf("the Arabic PDF: %d, titled in Arabic: %v", status, bytes.Contains(raw, []byte(utf16Hex("نسختك"))))
	}
}

// linkHref is the href of the link selector names, as the page wrote it.
func linkHref(t *testing.T, tab context.Context, selector string) string {
	t.Helper()
	return evaluate[string](t, tab, `(() => { const a = document.querySelector(`+jsQuote(selector)+
		`); return a ? a.getAttribute("href") : "(no such link)"; })()`)
}
