package frontend

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Cookies. Every one is HttpOnly, Secure and SameSite; none holds anything
// about a complainant but the short-lived token of their own case. Served
// over HTTPS (REDRESS_PUBLIC_URL https://…) their names take the __Host-
// prefix (those of Path=/) or __Secure- (the others): see cookieName.
const (
	cookieStaff   = "redress_staff"   // a staff or body user's JWT
	cookieCase    = "redress_case"    // a complainant's JWT for their one case
	cookieCSRF    = "redress_csrf"    // the nonce forms' CSRF tokens are signed over
	cookieLang    = "redress_lang"    // a chosen language
	cookieFlash   = "redress_flash"   // a message id shown once after a redirect
	cookieReceipt = "redress_receipt" // the sealed reference and receipt, shown once
	cookiePending = "redress_pending" // half signed in: right password, code still to come (5 min)

	localRequest = "redress.web"
	csrfField    = "_csrf"
)

// request is what every page knows of its request.
type request struct {
	*translator
	clock *clock     // dates in the language and the organisation's zone
	User  *auth.User // a signed-in staff or body user
	// Session is the signed-in user's session; Restricted says it may
	// only turn on the second factor the user's role requires, or sign out.
	Session    uuid.UUID
	Restricted bool
	CaseID     *uuid.UUID // the case of a signed-in complainant
	// caseToken is the id of the complainant's token (its JWT id), which
	// the CSRF token is bound to, as to the staff Session.
	caseToken string
	nonce     string // this browser's CSRF nonce
	CSRF      string // the token forms carry
	Flash     string // a message id to show once
	Path      string // the page's own path and query
	// orgOf reads who runs the mechanism, once, for the page's footer.
	orgOf func() organisation.Profile
}

// req is the request's context, made by begin.
func (w *Web) req(c *fiber.Ctx) *request {
	r, _ := c.Locals(localRequest).(*request)
	return r
}

// begin reads the language, the sessions, the CSRF nonce and a flash.
func (w *Web) begin(c *fiber.Ctx) error {
	w.setup(c)
	return c.Next()
}

// setup is begin without going on: the request's context, made once.
func (w *Web) setup(c *fiber.Ctx) {
	lang := w.i18n.negotiate(w.cookie(c, cookieLang), c.Get(fiber.HeaderAcceptLanguage))
	r := &request{Path: safeNext(c.OriginalURL())}
	r.translator = w.i18n.translator(lang, func(id string) {
		w.Log.ErrorContext(c.UserContext(), "frontend: missing message", "id", id, "lang", lang)
	})
	r.clock = newClock(r.translator, w.TimeZone)
	r.orgOf = sync.OnceValue(func() organisation.Profile {
		if w.Organisation == nil {
			return organisation.Profile{Source: organisation.SourceUnset}
		}
		p, err := w.Organisation.Get(c.UserContext())
		if err != nil {
			w.Log.ErrorContext(c.UserContext(), "frontend: organisation", "err", err)
			return organisation.Profile{Source: organisation.SourceUnset}
		}
		return p
	})
	if raw := w.cookie(c, cookieStaff); raw != "" {
		if id, claims, err := w.Tokens.Verify(raw, auth.AudienceStaff); err == nil {
			if sid, ok := claims.SessionID(); ok {
				if live, err := w.SignIn.Live(c.UserContext(), sid, id, nil); err == nil {
					r.User, r.Session, r.Restricted = &live.User, sid, live.Restricted
					httpkit.SetUser(c, r.User)
				}
			}
		}
		if r.User == nil {
			w.clearCookie(c, cookieStaff, "/")
		}
	}
	if raw := w.cookie(c, cookieCase); raw != "" {
		if id, claims, err := w.Tokens.Verify(raw, auth.AudienceComplainant); err == nil {
			r.CaseID, r.caseToken = &id, claims.ID
		} else {
			w.clearCookie(c, cookieCase, "/")
		}
	}
	r.nonce = w.cookie(c, cookieCSRF)
	if !validNonce(r.nonce) {
		r.nonce = newNonce()
		w.setCookie(c, cookieCSRF, r.nonce, "/", 0)
	}
	r.CSRF = w.csrfToken(r.nonce, r.csrfBinding())
	if f := w.cookie(c, cookieFlash); f != "" {
		if r.Has(f) {
			r.Flash = f
		}
		w.clearCookie(c, cookieFlash, "/")
	}
	c.Locals(localRequest, r)
	c.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
}

// errCSRF is a form posted without this site's token: a stale page, or a
// forgery from another site.
var errCSRF = fault.New(fault.Forbidden, "csrf", "This form has expired or did not come from this site. Go back, reload the page and send it again.")

// csrf checks every unsafe request: the browser must not say it comes from
// another site (sameOrigin), and the form's token must be the HMAC of this
// browser's nonce cookie and of the session it is signed in with (a signed
// double-submit cookie bound to the session, which needs no server state
// of its own): a token taken before a sign-in, or from another session, is
// refused.
func (w *Web) csrf(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if !w.sameOrigin(c) {
		return w.renderError(c, errCSRF)
	}
	if !w.validCSRF(c, csrfFromBody(c)) {
		return w.renderError(c, errCSRF)
	}
	return c.Next()
}

// sameOrigin reports whether an unsafe request may come from this site's
// own pages, as the browser tells: Sec-Fetch-Site, when sent, must be
// same-origin or none (typed, bookmarked) — cross-site and same-site (a
// sibling subdomain) are refused; Origin, when sent, must be this site's
// own: the configured public URL's, or the one the request was made to
// (its Host, with the scheme it came over). An Origin of "null" names no
// origin to compare: browsers send it for this site's own forms, whose
// pages say Referrer-Policy: no-referrer (and for sandboxed frames, which
// Sec-Fetch-Site and the token still refuse). A request with neither
// header (not a browser, or an old one) is judged by its token alone.
func (w *Web) sameOrigin(c *fiber.Ctx) bool {
	switch c.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		return true
	}
	if w.origin != "" && strings.EqualFold(origin, w.origin) {
		return true
	}
	host := string(c.Request().Host())
	return host != "" && strings.EqualFold(origin, c.Protocol()+"://"+host)
}

// maxCSRFScanParts bounds how many parts of a multipart form are passed
// over looking for the token (a browser sends it first: the forms' hidden
// field comes before their other fields).
const maxCSRFScanParts = 256

// csrfFromBody is the token a form sent in its body, as every form of the
// pages sends it: the _csrf field of a urlencoded form, or the _csrf part
// of a multipart one (an upload). A multipart body is read part by part
// from the raw bytes, never parsed into a form nor spilled to disk; the
// upload's handler reads it again with httpkit.EvidenceForm, naming
// _csrf as the pages' own part. A token in the query is not read: a URL
// ends up in logs, history and Referer headers.
func csrfFromBody(c *fiber.Ctx) string {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil {
		return ""
	}
	switch mt {
	case fiber.MIMEApplicationForm:
		return string(c.Request().PostArgs().Peek(csrfField))
	case fiber.MIMEMultipartForm:
		if params["boundary"] == "" {
			return ""
		}
		mr := multipart.NewReader(bytes.NewReader(c.Request().Body()), params["boundary"])
		for range maxCSRFScanParts {
			p, err := mr.NextPart()
			if err != nil {
				return ""
			}
			if p.FormName() == csrfField {
				v, err := io.ReadAll(io.LimitReader(p, 256))
				if err != nil {
					return ""
				}
				return string(v)
			}
		}
	}
	return ""
}

// crossSite refuses a request not from this site's pages (sameOrigin);
// the handler checks the form's CSRF token itself (validCSRF), after
// reading a body csrf must not parse (a multipart upload).
func (w *Web) crossSite(c *fiber.Ctx) error {
	if !w.sameOrigin(c) {
		return w.renderError(c, errCSRF)
	}
	return c.Next()
}

// validCSRF reports whether token is this browser's CSRF token for the
// session it is signed in with now.
func (w *Web) validCSRF(c *fiber.Ctx, token string) bool {
	r := w.req(c)
	return r != nil && validNonce(r.nonce) && hmac.Equal([]byte(token), []byte(w.csrfToken(r.nonce, r.csrfBinding())))
}

// validAnonymousCSRF reports whether token is this browser's CSRF token of
// when it was signed in with nothing (only the complaint form's last step
// accepts it: see fileComplaint).
func (w *Web) validAnonymousCSRF(c *fiber.Ctx, token string) bool {
	r := w.req(c)
	return r != nil && validNonce(r.nonce) && hmac.Equal([]byte(token), []byte(w.csrfToken(r.nonce, (&request{}).csrfBinding())))
}

// csrfBinding is what the request's CSRF token is bound to besides the
// nonce: the staff session's id and the complainant token's id, those the
// browser is signed in with (nothing when anonymous).
func (r *request) csrfBinding() string {
	b := "staff:"
	if r.Session != uuid.Nil {
		b += r.Session.String()
	}
	return b + ";case:" + r.caseToken
}

// rotateCSRF gives the browser a new nonce, and the request the token for
// it and the session it is now signed in with: at sign-in and sign-out,
// so no token of before is good after.
func (w *Web) rotateCSRF(c *fiber.Ctx) {
	r := w.req(c)
	r.nonce = newNonce()
	w.setCookie(c, cookieCSRF, r.nonce, "/", 0)
	r.CSRF = w.csrfToken(r.nonce, r.csrfBinding())
}

func (w *Web) csrfToken(nonce, binding string) string {
	m := hmac.New(sha256.New, w.CSRFKey)
	m.Write([]byte("redress-csrf:" + nonce + "\x00" + binding))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

func newNonce() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func validNonce(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// cookieName is a cookie's name on the wire. Served over HTTPS
// (REDRESS_PUBLIC_URL https://…), a cookie of Path=/ is named __Host-…,
// which the browser keeps only if it is Secure, of Path=/ and of no Domain
// (no subdomain nor plain-http page can set or shadow it), and the others
// __Secure-…; over plain http (make run) the names stay plain.
func (w *Web) cookieName(name string) string {
	if !w.secureCookies {
		return name
	}
	switch name {
	case cookiePending, cookieReceipt: // of a narrower path
		return "__Secure-" + name
	}
	return "__Host-" + name
}

// cookie reads a cookie by its name in the code.
func (w *Web) cookie(c *fiber.Ctx, name string) string {
	return c.Cookies(w.cookieName(name))
}

// setCookie sets an HttpOnly, Secure, SameSite=Lax cookie; maxAge 0 lasts
// the browser session. Lax, not Strict, so a link in an email opens the page
// signed in; the CSRF token guards every form. No cookie names a Domain.
func (w *Web) setCookie(c *fiber.Ctx, name, value, path string, maxAge time.Duration) {
	ck := &fiber.Cookie{Name: w.cookieName(name), Value: value, Path: path, Secure: true, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
		ck.Expires = time.Now().Add(maxAge)
	} else {
		ck.SessionOnly = true
	}
	c.Cookie(ck)
}

func (w *Web) clearCookie(c *fiber.Ctx, name, path string) {
	c.Cookie(&fiber.Cookie{Name: w.cookieName(name), Value: "", Path: path, Secure: true, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(1, 0)})
}

// flash shows the message id once, on the page the browser is sent to next.
func (w *Web) flash(c *fiber.Ctx, id string) {
	w.setCookie(c, cookieFlash, id, "/", 5*time.Minute)
}

// seeOther redirects after a successful POST (post/redirect/get), with a flash.
func (w *Web) seeOther(c *fiber.Ctx, to, flash string) error {
	if flash != "" {
		w.flash(c, flash)
	}
	return c.Redirect(safeNext(to), fiber.StatusSeeOther)
}

// setSealed carries v across a redirect in a sealed (AES-GCM), short-lived
// cookie only path reads; takeSealed reads it once and clears it, readSealed
// leaves it.
func (w *Web) setSealed(c *fiber.Ctx, name, path string, v any, ttl time.Duration) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := w.Keys.Seal("cookie:"+name, buf)
	if err != nil {
		return err
	}
	w.setCookie(c, name, base64.RawURLEncoding.EncodeToString(sealed), path, ttl)
	return nil
}

func (w *Web) takeSealed(c *fiber.Ctx, name, path string, v any) bool {
	if w.cookie(c, name) == "" {
		return false
	}
	w.clearCookie(c, name, path)
	return w.readSealed(c, name, v)
}

// readSealed reads a sealed cookie and leaves it.
func (w *Web) readSealed(c *fiber.Ctx, name string, v any) bool {
	raw := w.cookie(c, name)
	if raw == "" {
		return false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return false
	}
	buf, err := w.Keys.Open("cookie:"+name, sealed)
	if err != nil {
		return false
	}
	return json.Unmarshal(buf, v) == nil
}

// switchLanguage: GET /lang/:code?next=… keeps the choice in a cookie and
// goes back, so the switcher works without JavaScript.
func (w *Web) switchLanguage(c *fiber.Ctx) error {
	code := c.Params("code")
	if _, ok := languageNames[code]; !ok {
		return fault.New(fault.NotFound, "unknown_language", "There is no such language here.")
	}
	w.setCookie(c, cookieLang, code, "/", 365*24*time.Hour)
	return c.Redirect(safeNext(c.Query("next", "/")), fiber.StatusSeeOther)
}
