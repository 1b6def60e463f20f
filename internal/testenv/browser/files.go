package browser

import (
	"context"
	"io"
	"net/http"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Upload chooses the file at path in the file input matching selector, as a
// person would in the browser's file dialog. The form is not sent: click its
// button with Click.
func Upload(t testing.TB, ctx context.Context, selector, path string) {
	t.Helper()
	onElement(t, ctx, selector, `if (!(el instanceof HTMLInputElement) || el.type !== "file") return "it is not a file input";
		if (el.disabled) return "it is disabled";`)
	abs, err := filepath.Abs(path)
	if err != nil {
		fatalf(t, ctx, "upload %s: %v", path, err)
	}
	if _, err := run(ctx, chromedp.SetUploadFiles(chromedp.CSS(selector), []string{abs})); err != nil {
		fatalf(t, ctx, "choose %s in %q: %v", abs, selector, err)
	}
	n, err := run(ctx, chromedp.Evaluate[int]("document.querySelector("+jsString(selector)+").files.length"))
	if err != nil || n != 1 {
		fatalf(t, ctx, "choose %s in %q: the input holds %d files (%v)", abs, selector, n, err)
	}
}

// Cookies are the cookies the tab would send to url (HttpOnly ones too).
func Cookies(t testing.TB, ctx context.Context, url string) []*http.Cookie {
	t.Helper()
	res, err := run(ctx, chromedp.Action[network.GetCookiesResult](func(ctx context.Context, tg *chromedp.Target) (network.GetCookiesResult, error) {
		return cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{url}})
	}))
	if err != nil {
		fatalf(t, ctx, "read the cookies for %s: %v", url, err)
	}
	out := make([]*http.Cookie, 0, len(res.Cookies))
	for _, c := range res.Cookies {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

// Download fetches url with the tab's cookies, as following a download link
// in the tab would, and returns the answer's status, headers and body. It
// does not change the page the tab shows.
func Download(t testing.TB, ctx context.Context, url string) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		t.Fatalf("browser: download %s: %v", url, err)
	}
	for _, c := range Cookies(t, ctx, url) {
		req.AddCookie(c)
	}
	hc := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatalf("browser: download %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("browser: download %s: %v", url, err)
	}
	return resp.StatusCode, resp.Header, body
}
