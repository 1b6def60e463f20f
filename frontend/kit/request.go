package kit

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
	"net/url"
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
// prefix (those of Path=/) or __Secure- (the others): see CookieName.
const (
	CookieStaff   = "redress_staff"   // a staff or body user's JWT
	CookieCase    = "redress_case"    // a complainant's JWT for their one case
	CookieCSRF    = "redress_csrf"    // the nonce forms' CSRF tokens are signed over
	CookieLang    = "redress_lang"    // a chosen language
	CookieFlash   = "redress_flash"   // a message id shown once after a redirect
	CookieReceipt = "redress_receipt" // the sealed reference and receipt, shown once
	CookiePending = "redress_pending" // half signed in: right password, code still to come (5 min)

	localRequest = "redress.web"
	CSRFField    = "_csrf"
)

// Request is what every page knows of its request.
type Request struct {
	*Translator
	Clock *Clock     // dates in the language and the organisation's zone
	User  *auth.User // a signed-in staff or body user
	// Session is the signed-in user's session; Restricted says it may
	// only turn on the second factor the user's role requires, or sign out.
	Session    uuid.UUID
	Restricted bool
	CaseID     *uuid.UUID // the case of a signed-in complainant
	// CaseToken is the id of the complainant's token (its JWT id), which
	// the CSRF token is bound to, as to the staff Session.
	CaseToken string
	nonce     string // this browser's CSRF nonce
	CSRF      string // the token forms carry
	Flash     string // a message id to show once
	Path      string // the page's own path and query
	// orgOf reads who runs the mechanism, once, for the page's footer.
	orgOf func() organisation.Profile
}

// Req is the request's context, made by begin.
func (k *Kit) Req(c *fiber.Ctx) *Request {
	r, _ := c.Locals(localRequest).(*Request)
	return r
}

// Begin reads the language, the sessions, the CSRF nonce and a flash.
func (k *Kit) Begin(c *fiber.Ctx) error {
	k.Setup(c)
	return c.Next()
}

// Setup is begin without going on: the request's context, made once.
func (k *Kit) Setup(c *fiber.Ctx) {
	lang := k.I18n.Negotiate(k.Cookie(c, CookieLang), c.Get(fiber.HeaderAcceptLanguage))
	r := &Request{Path: SafeNext(c.OriginalURL())}
	r.Translator = k.I18n.Translator(lang, func(id string) {
		k.Log.ErrorContext(c.UserContext(), "frontend: missing message", "id", id, "lang", lang)
	})
	r.Clock = NewClock(r.Translator, k.TimeZone)
	r.orgOf = sync.OnceValue(func() organisation.Profile {
		if k.Organisation == nil {
			return organisation.Profile{Source: organisation.SourceUnset}
		}
		p, err := k.Organisation.Get(c.UserContext())
		if err != nil {
			k.Log.ErrorContext(c.UserContext(), "frontend: organisation", "err", err)
			return organisation.Profile{Source: organisation.SourceUnset}
		}
		return p
	})
	if raw := k.Cookie(c, CookieStaff); raw != "" {
		if id, claims, err := k.Tokens.Verify(raw, auth.AudienceStaff); err == nil {
			if sid, ok := claims.SessionID(); ok {
				if live, err := k.SignIn.Live(c.UserContext(), sid, id, nil); err == nil {
					r.User, r.Session, r.Restricted = &live.User, sid, live.Restricted
					httpkit.SetUser(c, r.User)
				}
			}
		}
		if r.User == nil {
			k.ClearCookie(c, CookieStaff, "/")
		}
	}
	if raw := k.Cookie(c, CookieCase); raw != "" {
		if id, claims, err := k.Tokens.Verify(raw, auth.AudienceComplainant); err == nil {
			r.CaseID, r.CaseToken = &id, claims.ID
		} else {
			k.ClearCookie(c, CookieCase, "/")
		}
	}
	r.nonce = k.Cookie(c, CookieCSRF)
	if !validNonce(r.nonce) {
		r.nonce = newNonce()
		k.SetCookie(c, CookieCSRF, r.nonce, "/", 0)
	}
	r.CSRF = k.csrfToken(r.nonce, r.csrfBinding())
	if f := k.Cookie(c, CookieFlash); f != "" {
		if r.Has(f) {
			r.Flash = f
		}
		k.ClearCookie(c, CookieFlash, "/")
	}
	c.Locals(localRequest, r)
	c.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "+
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Vary(fiber.HeaderAcceptLanguage, fiber.HeaderCookie)
}

// ErrCSRF is a form posted without this site's token: a stale page, or a
// forgery from another site.
var ErrCSRF = fault.New(fault.Forbidden, "csrf", "This form has expired or did not come from this site. Go back, reload the page and send it again.")

// CheckCSRF checks every unsafe request: the browser must not say it comes from
// another site (sameOrigin), and the form's token must be the HMAC of this
// browser's nonce cookie and of the session it is signed in with (a signed
// double-submit cookie bound to the session, which needs no server state
// of its own): a token taken before a sign-in, or from another session, is
// refused.
func (k *Kit) CheckCSRF(c *fiber.Ctx) error {
	switch c.Method() {
	case fiber.MethodGet, fiber.MethodHead, fiber.MethodOptions:
		return c.Next()
	}
	if !k.sameOrigin(c) {
		return k.RenderError(c, ErrCSRF)
	}
	if !k.ValidCSRF(c, CSRFFromBody(c)) {
		return k.RenderError(c, ErrCSRF)
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
func (k *Kit) sameOrigin(c *fiber.Ctx) bool {
	switch c.Get("Sec-Fetch-Site") {
	case "", "same-origin", "none":
	default:
		return false
	}
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" || origin == "null" {
		return true
	}
	if k.origin != "" && strings.EqualFold(origin, k.origin) {
		return true
	}
	host := string(c.Request().Host())
	return host != "" && strings.EqualFold(origin, c.Protocol()+"://"+host)
}

// maxCSRFScanParts bounds how many parts of a multipart form are passed
// over looking for the token (a browser sends it first: the forms' hidden
// field comes before their other fields).
const maxCSRFScanParts = 256

// CSRFFromBody is the token a form sent in its body, as every form of the
// pages sends it: the _csrf field of a urlencoded form, or the _csrf part
// of a multipart one (an upload). A multipart body is read part by part
// from the raw bytes, never parsed into a form nor spilled to disk; the
// upload's handler reads it again with httpkit.EvidenceForm, naming
// _csrf as the pages' own part. A token in the query is not read: a URL
// ends up in logs, history and Referer headers.
func CSRFFromBody(c *fiber.Ctx) string {
	mt, params, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil {
		return ""
	}
	switch mt {
	case fiber.MIMEApplicationForm:
		return string(c.Request().PostArgs().Peek(CSRFField))
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
			if p.FormName() == CSRFField {
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

// CrossSite refuses a request not from this site's pages (sameOrigin);
// the handler checks the form's CSRF token itself (validCSRF), after
// reading a body csrf must not parse (a multipart upload).
func (k *Kit) CrossSite(c *fiber.Ctx) error {
	if !k.sameOrigin(c) {
		return k.RenderError(c, ErrCSRF)
	}
	return c.Next()
}

// ValidCSRF reports whether token is this browser's CSRF token for the
// session it is signed in with now.
func (k *Kit) ValidCSRF(c *fiber.Ctx, token string) bool {
	r := k.Req(c)
	return r != nil && validNonce(r.nonce) && k.csrfMatches(token, r.nonce, r.csrfBinding())
}

// ValidAnonymousCSRF reports whether token is this browser's CSRF token of
// when it was signed in with nothing (only the complaint form's last step
// accepts it: see fileComplaint).
func (k *Kit) ValidAnonymousCSRF(c *fiber.Ctx, token string) bool {
	r := k.Req(c)
	return r != nil && validNonce(r.nonce) && k.csrfMatches(token, r.nonce, (&Request{}).csrfBinding())
}

// csrfMatches reports whether token is the CSRF token of nonce and binding
// under the CSRF key, or under the previous one (a form of before a
// rotation of the token secret).
func (k *Kit) csrfMatches(token, nonce, binding string) bool {
	if hmac.Equal([]byte(token), []byte(csrfToken(k.CSRFKey, nonce, binding))) {
		return true
	}
	return len(k.CSRFPreviousKey) > 0 && hmac.Equal([]byte(token), []byte(csrfToken(k.CSRFPreviousKey, nonce, binding)))
}

// csrfBinding is what the request's CSRF token is bound to besides the
// nonce: the staff session's id and the complainant token's id, those the
// browser is signed in with (nothing when anonymous).
func (r *Request) csrfBinding() string {
	b := "staff:"
	if r.Session != uuid.Nil {
		b += r.Session.String()
	}
	return b + ";case:" + r.CaseToken
}

// RotateCSRF gives the browser a new nonce, and the request the token for
// it and the session it is now signed in with: at sign-in and sign-out,
// so no token of before is good after.
func (k *Kit) RotateCSRF(c *fiber.Ctx) {
	r := k.Req(c)
	r.nonce = newNonce()
	k.SetCookie(c, CookieCSRF, r.nonce, "/", 0)
	r.CSRF = k.csrfToken(r.nonce, r.csrfBinding())
}

func (k *Kit) csrfToken(nonce, binding string) string { return csrfToken(k.CSRFKey, nonce, binding) }

func csrfToken(key []byte, nonce, binding string) string {
	m := hmac.New(sha256.New, key)
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

// CookieName is a cookie's name on the wire. Served over HTTPS
// (REDRESS_PUBLIC_URL https://…), a cookie of Path=/ is named __Host-…,
// which the browser keeps only if it is Secure, of Path=/ and of no Domain
// (no subdomain nor plain-http page can set or shadow it), and the others
// __Secure-…; over plain http (make run) the names stay plain.
func (k *Kit) CookieName(name string) string {
	if !k.secureCookies {
		return name
	}
	switch name {
	case CookiePending, CookieReceipt: // of a narrower path
		return "__Secure-" + name
	}
	return "__Host-" + name
}

// Cookie reads a cookie by its name in the code.
func (k *Kit) Cookie(c *fiber.Ctx, name string) string {
	return c.Cookies(k.CookieName(name))
}

// SetCookie sets an HttpOnly, Secure, SameSite=Lax cookie; maxAge 0 lasts
// the browser session. Lax, not Strict, so a link in an email opens the page
// signed in; the CSRF token guards every form. No cookie names a Domain.
func (k *Kit) SetCookie(c *fiber.Ctx, name, value, path string, maxAge time.Duration) {
	ck := &fiber.Cookie{Name: k.CookieName(name), Value: value, Path: path, Secure: true, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode}
	if maxAge > 0 {
		ck.MaxAge = int(maxAge.Seconds())
		ck.Expires = time.Now().Add(maxAge)
	} else {
		ck.SessionOnly = true
	}
	c.Cookie(ck)
}

func (k *Kit) ClearCookie(c *fiber.Ctx, name, path string) {
	c.Cookie(&fiber.Cookie{Name: k.CookieName(name), Value: "", Path: path, Secure: true, HTTPOnly: true,
		SameSite: fiber.CookieSameSiteLaxMode, MaxAge: -1, Expires: time.Unix(1, 0)})
}

// Flash shows the message id once, on the page the browser is sent to next.
func (k *Kit) Flash(c *fiber.Ctx, id string) {
	k.SetCookie(c, CookieFlash, id, "/", 5*time.Minute)
}

// SeeOther redirects after a successful POST (post/redirect/get), with a flash.
func (k *Kit) SeeOther(c *fiber.Ctx, to, flash string) error {
	if flash != "" {
		k.Flash(c, flash)
	}
	return c.Redirect(SafeNext(to), fiber.StatusSeeOther)
}

// SetSealed carries v across a redirect in a sealed (AES-GCM), short-lived
// Cookie only path reads; takeSealed reads it once and clears it, readSealed
// leaves it.
func (k *Kit) SetSealed(c *fiber.Ctx, name, path string, v any, ttl time.Duration) error {
	buf, err := json.Marshal(v)
	if err != nil {
		return err
	}
	sealed, err := k.Keys.Seal("cookie:"+name, buf)
	if err != nil {
		return err
	}
	k.SetCookie(c, name, base64.RawURLEncoding.EncodeToString(sealed), path, ttl)
	return nil
}

func (k *Kit) TakeSealed(c *fiber.Ctx, name, path string, v any) bool {
	if k.Cookie(c, name) == "" {
		return false
	}
	k.ClearCookie(c, name, path)
	return k.ReadSealed(c, name, v)
}

// readSealed reads a sealed cookie and leaves it.
func (k *Kit) ReadSealed(c *fiber.Ctx, name string, v any) bool {
	raw := k.Cookie(c, name)
	if raw == "" {
		return false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return false
	}
	buf, err := k.Keys.Open("cookie:"+name, sealed)
	if err != nil {
		return false
	}
	return json.Unmarshal(buf, v) == nil
}

// switchLanguage: GET /lang/:code?next=… keeps the choice in a cookie and
// goes back, so the switcher works without JavaScript.
func (k *Kit) SwitchLanguage(c *fiber.Ctx) error {
	code := c.Params("code")
	if _, ok := LanguageNames[code]; !ok {
		return fault.New(fault.NotFound, "unknown_language", "There is no such language here.")
	}
	k.SetCookie(c, CookieLang, code, "/", 365*24*time.Hour)
	return c.Redirect(SafeNext(c.Query("next", "/")), fiber.StatusSeeOther)
}

// SafeNext keeps a redirect target on this site: a path, never a scheme or
// another host.
func SafeNext(next string) string {
	if !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Host != "" || u.Scheme != "" {
		return "/"
	}
	return next
}
