package frontend_test

import (
	"bytes"
	"context"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf16"

	cdpbrowser "github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The one code, as a person meets it, at 320 px with JavaScript off, in
// English and in Arabic: they file, read the code on the receipt page (and,
// having chosen email, that emails will come and never say what the
// complaint is about), download it as a PDF that holds the code, and then,
// in a fresh browser, open their complaint on /follow-up by typing the code
// in small letters with spaces.
func TestBrowserOneCode(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	for _, tc := range []struct {
		lang   string
		emails bool // identified, email as the preferred channel
	}{{"en", true}, {"ar", false}} {
		t.Run(tc.lang, func(t *testing.T) {
			msg := messagesOf(t, tc.lang, "complainant.json")
			opts := []browser.TabOption{browser.NoJavaScript(), browser.Viewport(320, 640), browser.AcceptLanguage(tc.lang)}
			me := b.Tab(t, opts...)
			fileForCode(t, me, base, tc.emails)
			if loc := browser.Location(t, me); !strings.HasSuffix(loc, "/complaints/receipt") {
				t.Fatalf("after filing: %s", loc)
			}
			audit(t, me, "receipt, one code, "+tc.lang)
			browser.Screenshot(t, me, "one-code-receipt-"+tc.lang)
			main := browser.Text(t, me, "main")
			for _, key := range []string{"receipt.code", "receipt.write_down", "receipt.download_pdf", "receipt.code_hint"} {
				if !strings.Contains(main, msg[key]) {
					t.Errorf("the receipt page does not say %q", msg[key])
				}
			}
			if got := strings.Contains(main, msg["receipt.emails_text"]); got != tc.emails {
				t.Errorf("the receipt page tells of emails: %v, want %v", got, tc.emails)
			}
			code := strings.TrimSpace(browser.Text(t, me, "#cp-code"))
			if !codeShape.MatchString(code) {
				t.Fatalf("the code reads %q, not four groups of five", code)
			}
			reference := strings.TrimSpace(browser.Text(t, me, "#cp-reference"))
			if tc.lang == "en" && strings.Contains(main, "Your receipt") {
				t.Errorf("the receipt page still offers a receipt to keep: %s", main)
			}

			// The PDF, downloaded through the link as a person would.
			pdf := download(t, me, "#cp-code-pdf")
			if !bytes.HasPrefix(pdf, []byte("%PDF-")) {
				t.Fatalf("the download is not a PDF: %q", pdf[:min(len(pdf), 40)])
			}
			if !bytes.Contains(pdf, []byte(utf16Hex(code))) {
				t.Errorf("the PDF does not hold the code %s", code)
			}

			// Another browser, no session: the code alone opens the case,
			// typed loosely.
			other := b.Tab(t, opts...)
			visit(t, other, base, "/follow-up", http.StatusOK, "follow-up sign-in, "+tc.lang)
			if !strings.Contains(browser.Text(t, other, "main"), msg["followup.older_pair"]) {
				t.Errorf("no way in for an older reference and receipt")
			}
			typed := strings.ToLower(strings.ReplaceAll(code, "-", " "))
			browser.Fill(t, other, "#f-code", typed)
			browser.Screenshot(t, other, "one-code-follow-up-"+tc.lang)
			if got := browser.Click(t, other, `form[action="/follow-up"] button[type=submit]`); got != http.StatusOK {
				t.Fatalf("signing in with %q: %d", typed, got)
			}
			audit(t, other, "case, opened with the code, "+tc.lang)
			page := browser.Text(t, other, "main")
			if !strings.Contains(page, msg["followup.opened"]) || !strings.Contains(page, reference) {
				t.Errorf("after typing the code, the page reads: %s", page)
			}

			// A wrong code: the page says so, in the reader's language, and
			// does not echo it.
			third := b.Tab(t, opts...)
			browser.Navigate(t, third, base+"/follow-up")
			wrong := "ZZZZZ ZZZZZ ZZZZZ ZZZZZ"
			browser.Fill(t, third, "#f-code", wrong)
			if got := browser.Click(t, third, `form[action="/follow-up"] button[type=submit]`); got != http.StatusUnauthorized {
				t.Errorf("a wrong code: %d", got)
			}
			audit(t, third, "follow-up, wrong code, "+tc.lang)
			if text := browser.Text(t, third, "main"); !strings.Contains(text, msg["cp.code.invalid_code"]) || strings.Contains(text, "ZZZZZ") {
				t.Errorf("after a wrong code the page reads: %s", text)
			}
		})
	}
}

// fileForCode files a complaint through the form in the tab (anonymous, or
// identified with email as the preferred channel). It is the one place this
// test knows the complaint form's fields, so a new form changes only this.
func fileForCode(t *testing.T, ctx context.Context, base string, emails bool) {
	t.Helper()
	browser.Navigate(t, ctx, base+"/complaints/new")
	browser.Check(t, ctx, `input[name=kind][value=concern]`)
	browser.Fill(t, ctx, `#f-description`, "My shifts were moved every week without notice by the planning tool.")
	formStep(t, ctx, `#cp-continue`, http.StatusOK, 2)
	browser.Select(t, ctx, `select[name=ai_system]`, "other")
	browser.Fill(t, ctx, `#f-ai-system-other`, "The depot's shift planner")
	browser.Check(t, ctx, `input[name=informed_of_ai][value=unsure]`)
	formStep(t, ctx, `#cp-continue`, http.StatusOK, 3)
	browser.Check(t, ctx, `input[name=rights][value=work]`)
	formStep(t, ctx, `#cp-continue`, http.StatusOK, 4)
	if emails {
		browser.Check(t, ctx, `input[name=anonymous][value=false]`)
		formStep(t, ctx, `#cp-continue`, http.StatusOK, 4)
		browser.Fill(t, ctx, `#f-contact-name`, "Amina Haddad")
		browser.Fill(t, ctx, `#f-contact-email`, "amina@example.org")
		browser.Check(t, ctx, `input[name="contact.preferred_channel"][value=email]`)
	} else {
		browser.Check(t, ctx, `input[name=anonymous][value=true]`)
	}
	formStep(t, ctx, `#cp-continue`, http.StatusOK, 5)
	if got := browser.Click(t, ctx, `#cp-send`); got != http.StatusOK {
		t.Fatalf("filing: %d: %s", got, browser.Text(t, ctx, "main"))
	}
}

// download clicks a download link in the tab and returns the file the
// browser saved.
func download(t *testing.T, ctx context.Context, selector string) []byte {
	t.Helper()
	dir := t.TempDir()
	yes := true
	c := chromedp.FromContext(ctx)
	set := chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		_, err := cdp.Call(ctx, tg, cdpbrowser.SetDownloadBehavior, cdpbrowser.SetDownloadBehaviorParams{
			Behavior: cdpbrowser.SetDownloadBehaviorBehaviorAllowAndName, BrowserContextID: c.BrowserContextID,
			DownloadPath: dir, EventsEnabled: &yes})
		return err
	})
	if _, err := chromedp.Run(ctx, set); err != nil {
		t.Fatalf("allow downloads: %v", err)
	}
	dctx, cancel := context.WithTimeout(ctx, browser.Timeout)
	defer cancel()
	ev, err := chromedp.Run(dctx, chromedp.WaitEvent(cdpbrowser.DownloadProgress, func(e cdpbrowser.EventDownloadProgress) bool {
		return e.State == cdpbrowser.DownloadProgressStateCompleted || e.State == cdpbrowser.DownloadProgressStateCanceled
	}, chromedp.Click(chromedp.CSS(selector))))
	if err != nil || ev.State != cdpbrowser.DownloadProgressStateCompleted {
		t.Fatalf("download from %s: %v (%s)", selector, err, ev.State)
	}
	buf, err := os.ReadFile(filepath.Join(dir, ev.GUID))
	if err != nil {
		t.Fatalf("the downloaded file: %v", err)
	}
	return buf
}

// utf16Hex is s as the PDF's information dictionary writes it: <FEFF…>,
// UTF-16BE in upper-case hex.
func utf16Hex(s string) string {
	var b bytes.Buffer
	for _, u := range utf16.Encode([]rune(s)) {
		b.WriteByte(byte(u >> 8))
		b.WriteByte(byte(u))
	}
	return strings.ToUpper(hex.EncodeToString(b.Bytes()))
}

var codeShape = regexp.MustCompile(`^[0-9A-HJKMNP-TV-Z]{5}(-[0-9A-HJKMNP-TV-Z]{5}){3}$`)
