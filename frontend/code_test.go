package frontend_test

import (
	"net/url"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The receipt page's PDF and the follow-up page's one field, without a
// browser: the PDF only while the receipt shows, the code typed loosely,
// one answer for every wrong code, and the older pair still accepted.
func TestComplainantOneCodePages(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	c := newClient(t, s.URL)
	if p := c.get("/complaints/receipt/code.pdf"); p.Status != 404 || !strings.Contains(p.Body, "no longer shown") {
		t.Errorf("a PDF with no receipt: %d %s", p.Status, p.Body)
	}
	form := cpForm("one-code-pages-0001")
	form.Set("anonymous", "false")
	form.Set("contact.preferred_channel", "email")
	if p := cpSend(c, c.csrf(), form, nil); p.Status != 303 {
		t.Fatalf("file: %d %s", p.Status, p.Body)
	}
	p := c.get("/complaints/receipt")
	code := shownCode(p.Body)
	if code == nil {
		t.Fatalf("no code on the receipt page: %s", p.Body)
	}
	if !strings.Contains(p.Body, "We will email you") || !strings.Contains(p.Body, "never say what your complaint is about") {
		t.Errorf("an identified complainant who chose email is not told emails will come: %s", p.Body)
	}
	pdf := c.get("/complaints/receipt/code.pdf")
	if pdf.Status != 200 || pdf.Header.Get("Content-Type") != "application/pdf" ||
		!strings.HasPrefix(pdf.Header.Get("Content-Disposition"), "attachment;") || pdf.Header.Get("Cache-Control") != "no-store" {
		t.Errorf("the PDF: %d %v", pdf.Status, pdf.Header)
	}
	if !strings.HasPrefix(pdf.Body, "%PDF-") || !strings.Contains(pdf.Body, utf16Hex(code[1])) {
		t.Errorf("the PDF does not hold the code %s", code[1])
	}
	// An Arabic reader's sheet is in Arabic (its title, in the document's
	// information), drawn with a font that has Arabic.
	c.header.Set("Accept-Language", "ar")
	ar := c.get("/complaints/receipt/code.pdf")
	c.header.Del("Accept-Language")
	arTitle := messagesOf(t, "ar", "complainant.json")["receipt.pdf_title"]
	if ar.Status != 200 || !strings.Contains(ar.Body, utf16Hex(arTitle)) || !strings.Contains(ar.Body, "DejaVuSans") ||
		strings.Contains(ar.Body, utf16Hex(messagesOf(t, "en", "complainant.json")["receipt.pdf_title"])) {
		t.Errorf("the Arabic reader's PDF: %d, Arabic title %v", ar.Status, strings.Contains(ar.Body, utf16Hex(arTitle)))
	}
	if p := c.post("/complaints/receipt/done", url.Values{}); p.Status != 303 {
		t.Fatalf("done: %d", p.Status)
	}
	if p := c.get("/complaints/receipt/code.pdf"); p.Status != 404 || strings.Contains(p.Body, "%PDF") {
		t.Errorf("the PDF after done: %d", p.Status)
	}

	// Another browser: the code, typed loosely, opens the case.
	other := newClient(t, s.URL)
	for _, wrong := range []string{"ZZZZZ-ZZZZZ-ZZZZZ-ZZZZZ", "hello", code[1][:20]} {
		p := other.post("/follow-up", url.Values{"code": {wrong}})
		if p.Status != 401 || !strings.Contains(p.Body, "The code does not match a complaint.") ||
			strings.Contains(p.Body, `value="`+wrong) || other.cookies["redress_case"] != nil {
			t.Errorf("wrong code %q: %d %s", wrong, p.Status, p.Body)
		}
	}
	typed := strings.ToLower(strings.ReplaceAll(code[1], "-", " "))
	if p := other.post("/follow-up", url.Values{"code": {typed}, "reference": {""}, "receipt": {""}}); p.Status != 303 ||
		other.cookies["redress_case"] == nil {
		t.Fatalf("the code %q: %d %s", typed, p.Status, p.Body)
	}

	// The older pair still opens a case, through the same form.
	f := s.File(teststack.ValidCase())
	old := newClient(t, s.URL)
	if p := old.post("/follow-up", url.Values{"code": {""}, "reference": {f.Reference}, "receipt": {f.Receipt}}); p.Status != 303 ||
		old.cookies["redress_case"] == nil {
		t.Errorf("an older pair: %d %s", p.Status, p.Body)
	}
}
