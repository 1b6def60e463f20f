package frontend_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/redresshq/redress/internal/testenv/browser"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Files added from the pages in a real browser, as people add them: the
// complainant from the follow-up page (JavaScript off, 320 px wide, in
// English and in Arabic) and a reviewer from the case workspace (JavaScript
// on, 1280 px). Each file then shows in the page's list with its name, its
// description and its SHA-256, and its download link gives back the very
// bytes that were chosen. A refused upload says, in the page's language,
// that the file must be chosen again.
func TestBrowserUploadsFromThePages(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	b := browser.New(t)
	base := s.WebURL
	f := staffCase(t, s, "general", nil)
	dir := t.TempDir()
	file := func(name, content string) (string, string) {
		t.Helper()
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256([]byte(content))
		return path, hex.EncodeToString(sum[:])
	}
	// downloaded fetches the page's link to the file with the tab's cookies
	// and checks the bytes against the SHA-256 of the file chosen.
	downloaded := func(t *testing.T, tab context.Context, link, sum string) {
		t.Helper()
		href := uploadsAttr(t, tab, link, "href")
		status, _, body := browser.Download(t, tab, base+href)
		got := sha256.Sum256(body)
		if status != http.StatusOK || hex.EncodeToString(got[:]) != sum {
			t.Errorf("GET %s: %d, SHA-256 %x, want 200 and %s", href, status, got, sum)
		}
	}
	openCase := func(t *testing.T, tab context.Context) {
		t.Helper()
		openInBrowser(t, tab, base, f.Code)
	}
	const cpSend = `form[action^="/follow-up/evidence"] button[type=submit]`

	rota, rotaSum := file("rota-week-45.txt", "Semaine 45 : 0 heure.\r\nWeek 44: 32 hours — été\n")
	t.Run("complainant, no JavaScript, 320 px", func(t *testing.T) {
		me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720))
		openCase(t, me)
		browser.Upload(t, me, "#f-evidence-file", rota)
		browser.Fill(t, me, "#f-evidence-description", "The rota after my sick leave")
		if got := browser.Click(t, me, cpSend); got != http.StatusOK {
			t.Fatalf("adding a file: %d: %s", got, browser.Text(t, me, "main"))
		}
		if !strings.HasSuffix(browser.Location(t, me), "/follow-up#evidence") {
			t.Errorf("after adding a file: %s", browser.Location(t, me))
		}
		if got := browser.Text(t, me, ".flash"); got != "Your file has been added." {
			t.Errorf("the message after adding a file: %q", got)
		}
		list := browser.Text(t, me, "#evidence-files")
		for _, want := range []string{"rota-week-45.txt", "The rota after my sick leave", rotaSum} {
			if !strings.Contains(list, want) {
				t.Errorf("the list of files lacks %q: %q", want, list)
			}
		}
		audit(t, me, "follow-up, file added")
		browser.Screenshot(t, me, "follow-up-file-added")
		downloaded(t, me, `#evidence-files a[href^="/follow-up/evidence/"]`, rotaSum)
	})

	letter, letterSum := file("رسالة-الفصل.txt", "تم تخفيض ساعاتي إلى الصفر.\n")
	empty, _ := file("empty.txt", "")
	t.Run("complainant in Arabic, no JavaScript, 320 px", func(t *testing.T) {
		me := b.Tab(t, browser.NoJavaScript(), browser.Viewport(320, 720), browser.AcceptLanguage("ar"))
		openCase(t, me)
		// A refused file: the page says why and that the file must be chosen
		// again, in Arabic; what was typed is kept.
		browser.Upload(t, me, "#f-evidence-file", empty)
		browser.Fill(t, me, "#f-evidence-description", "رسالة الفصل")
		if got := browser.Click(t, me, cpSend); got != http.StatusUnprocessableEntity {
			t.Fatalf("an empty file: %d", got)
		}
		summary := browser.Text(t, me, "#error-summary")
		if !strings.Contains(summary, "هذا الملف فارغ") {
			t.Errorf("the error summary does not say the file is empty: %q", summary)
		}
		if strings.Contains(summary, "evidence") || strings.Contains(summary, "file") || strings.Contains(summary, "csrf") {
			t.Errorf("the error summary shows field names: %q", summary)
		}
		if again := browser.Text(t, me, "#f-evidence-file-again"); !strings.Contains(again, "اختر الملف مرة أخرى") {
			t.Errorf("the file field does not ask for the file again: %q", again)
		}
		if got := fieldValue(t, me, "#f-evidence-description"); got != "رسالة الفصل" {
			t.Errorf("the description after a refusal: %q", got)
		}
		audit(t, me, "follow-up, file refused, ar")

		browser.Upload(t, me, "#f-evidence-file", letter)
		if got := browser.Click(t, me, cpSend); got != http.StatusOK {
			t.Fatalf("adding a file: %d: %s", got, browser.Text(t, me, "main"))
		}
		if got := browser.Text(t, me, ".flash"); got != "أُضيف ملفك." {
			t.Errorf("the message after adding a file: %q", got)
		}
		list := browser.Text(t, me, "#evidence-files")
		for _, want := range []string{"رسالة-الفصل.txt", "رسالة الفصل", letterSum, rotaSum} {
			if !strings.Contains(list, want) {
				t.Errorf("the list of files lacks %q: %q", want, list)
			}
		}
		audit(t, me, "follow-up, file added, ar")
		downloaded(t, me, `#evidence-files li:last-child a[href^="/follow-up/evidence/"]`, letterSum)
	})

	export, exportSum := file("scheduler-export.csv", "worker,week,hours,flag\nW-1187,44,32,\nW-1187,45,0,sick_leave\n")
	t.Run("reviewer, JavaScript, 1280 px", func(t *testing.T) {
		rev := b.Tab(t)
		signIn(t, rev, base, "reviewer@example.org")
		browser.Navigate(t, rev, base+"/queue")
		browser.Click(t, rev, `form[action="/queue/`+queueID(t, s, "general")+`/claim"] button`)
		path := "/cases/" + f.ID
		if loc := browser.Location(t, rev); !strings.HasSuffix(loc, path) {
			t.Fatalf("claim next opened %s", loc)
		}
		browser.Navigate(t, rev, base+path+"/evidence")
		send := `form[action^="` + path + `/evidence"] button[type=submit]`
		// No file chosen: refused at the field, the description kept.
		browser.Select(t, rev, "#f-evidence-source", "deployer")
		browser.Fill(t, rev, "#f-evidence-description", "The scheduler's export for weeks 44 and 45")
		if got := browser.Click(t, rev, send); got != http.StatusUnprocessableEntity {
			t.Fatalf("no file: %d", got)
		}
		if again := browser.Text(t, rev, "#f-evidence-file-again"); !strings.Contains(again, "Choose the file again") {
			t.Errorf("the file field does not ask for the file again: %q", again)
		}
		if got := fieldValue(t, rev, "#f-evidence-description"); got != "The scheduler's export for weeks 44 and 45" {
			t.Errorf("the description after a refusal: %q", got)
		}
		if got := fieldValue(t, rev, "#f-evidence-source"); got != "deployer" {
			t.Errorf("the source after a refusal: %q", got)
		}
		audit(t, rev, "workspace, file refused")

		browser.Upload(t, rev, "#f-evidence-file", export)
		if got := browser.Click(t, rev, send); got != http.StatusOK {
			t.Fatalf("adding a file: %d: %s", got, browser.Text(t, rev, "main"))
		}
		if got := browser.Text(t, rev, ".flash"); got != "The evidence is added." {
			t.Errorf("the message after adding a file: %q", got)
		}
		table := browser.Text(t, rev, "#evidence table")
		for _, want := range []string{"scheduler-export.csv", "The scheduler's export for weeks 44 and 45", exportSum,
			"rota-week-45.txt", rotaSum, "رسالة-الفصل.txt", letterSum} {
			if !strings.Contains(table, want) {
				t.Errorf("the evidence table lacks %q: %q", want, table)
			}
		}
		audit(t, rev, "workspace, file added")
		downloaded(t, rev, `#evidence tbody tr:last-child a[href^="`+path+`/evidence/"]`, exportSum)
	})
}

// uploadsAttr is an attribute of the first element matching selector.
func uploadsAttr(t *testing.T, tab context.Context, selector, name string) string {
	t.Helper()
	v, err := chromedp.Run(tab, chromedp.Evaluate[string](`(() => { const el = document.querySelector(`+
		jsQuote(selector)+`); return el ? (el.getAttribute(`+jsQuote(name)+`) || "") : ""; })()`))
	if err != nil || v == "" {
		t.Fatalf("%s of %q: %q, %v", name, selector, v, err)
	}
	return v
}
