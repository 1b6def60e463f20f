package frontend

import (
	"errors"
	"fmt"
	"html/template"
	"net/url"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/logx"
)

// Page is what every template gets: the request (language, user, CSRF
// token, flash), the page's title, a form's values and errors, and the
// page's own data.
type Page struct {
	*request
	Title  string
	Errors []FieldMsg   // a form's errors, for the summary and the fields
	Form   url.Values   // a form's values, to show it again
	Notice *fault.Error // an error that is not a field's (e.g. 409), shown above the form
	// Labels is the message id prefix of the page's field labels in the
	// error summary: "<Labels>.field.<name>" is looked up before "field.<name>".
	Labels string
	// Labeler, when set, names a field first (a page whose fields are
	// rows, such as an SLA policy's); "" falls back to the catalogues.
	Labeler func(p *Page, field string) string
	Data    any
}

// FieldMsg is one field's error, translated.
type FieldMsg struct {
	Field   string // the field's name, e.g. contact.email
	ID      string // the input's id, e.g. f-contact-email
	Message string
}

// Dir is the writing direction, for <html dir>.
func (p *Page) Dir() string { return p.dir() }

// Lang is the page's language.
func (p *Page) Lang() string { return p.lang }

// Err is field's error message, or "".
func (p *Page) Err(field string) string {
	for _, e := range p.Errors {
		if e.Field == field {
			return e.Message
		}
	}
	return ""
}

// Val is the value a form had for field.
func (p *Page) Val(field string) string { return p.Form.Get(field) }

// Vals are all of a form's values for field (checkboxes).
func (p *Page) Vals(field string) []string { return p.Form[field] }

// Checked reports whether the form had value among field's values.
func (p *Page) Checked(field, value string) bool {
	for _, v := range p.Form[field] {
		if v == value {
			return true
		}
	}
	return false
}

// Opt translates an enumerated value: the message "<prefix>.<value>". The
// value is any string-kinded vocabulary (auth.Role, a status): templates do
// not convert a named string type to string.
func (p *Page) Opt(prefix string, value any) string {
	return p.optionLabel(prefix, fmt.Sprint(value))
}

// Date shows a time as a date in the page's language ("5 March 2027"),
// in a <time> element; see dates.go.
func (p *Page) Date(t any) template.HTML { return p.clock.Date(t) }

// DateTime shows a time with hours, minutes and the zone, in the
// organisation's time zone, in a <time> element.
func (p *Page) DateTime(t any) template.HTML { return p.clock.DateTime(t) }

// ZoneNote says which time zone the page's times are in.
func (p *Page) ZoneNote() string { return p.clock.ZoneNote() }

// Org is who runs the mechanism (internal/organisation), for the footer's
// "This mechanism is run by …".
func (p *Page) Org() organisation.Profile {
	if p.request == nil || p.orgOf == nil {
		return organisation.Profile{Source: organisation.SourceUnset}
	}
	return p.orgOf()
}

// Role is the signed-in user's role, or "".
func (p *Page) Role() auth.Role {
	if p.User == nil {
		return ""
	}
	return p.User.Role
}

// IsStaff reports whether a case worker (not a body's user) is signed in.
func (p *Page) IsStaff() bool {
	r := p.Role()
	return r == auth.RoleReviewer || r == auth.RoleSupervisor || r == auth.RoleAdmin
}

// Language is one entry of the language switcher.
type Language struct{ Code, Name, Href string }

// Languages are the switcher's entries, each returning to this page.
func (p *Page) Languages() []Language {
	out := make([]Language, 0, len(languages))
	for _, t := range languages {
		code := t.String()
		out = append(out, Language{Code: code, Name: languageNames[code],
			Href: "/lang/" + code + "?next=" + url.QueryEscape(p.Path)})
	}
	return out
}

// templateFuncs are the functions every template may call.
func templateFuncs(a *assets) template.FuncMap {
	return template.FuncMap{
		"asset": a.url,
		// fid is a field's input id: contact.email → f-contact-email.
		"fid":  fieldID,
		"list": func(v ...any) []any { return v },
		"join": strings.Join,
		"add":  func(a, b int) int { return a + b },
		// bdi isolates text a person typed for direction.
		"bdi": Typed,
		// langs names languages by their own names: "en" or ["en","fr"] → "English, français".
		"langs": langNames,
	}
}

func fieldID(field string) string {
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "", "_", "-").Replace(field)
}

// pageTitler is a page's data that names the page itself (a part of a
// larger whole, such as a tab of the case workspace).
type pageTitler interface{ PageTitle(p *Page) string }

// render renders page name in the main layout with status.
func (w *Web) render(c *fiber.Ctx, status int, name, titleID string, p *Page) error {
	if p == nil {
		p = &Page{}
	}
	p.request = w.req(c)
	p.Title = p.T(titleID)
	if t, ok := p.Data.(pageTitler); ok {
		p.Title = t.PageTitle(p)
	}
	c.Status(status)
	return c.Render(name, p, "layouts/main")
}

// formError re-renders a form with a domain error: field errors beside
// their fields and in a summary (422), any other error above the form with
// its own status. Errors that are not the domain's go to renderError.
func (w *Web) formError(c *fiber.Ctx, err error, name, titleID string, p *Page) error {
	de, ok := fault.As(err)
	if !ok {
		return w.renderError(c, err)
	}
	retryAfter(c, de)
	r := w.req(c)
	p.Errors = nil
	for _, f := range de.Fields {
		p.Errors = append(p.Errors, FieldMsg{Field: f.Field, ID: fieldID(f.Field), Message: fieldMessage(r.translator, f)})
	}
	if len(p.Errors) == 0 {
		p.Notice = de
	}
	if p.Form == nil {
		form, _ := formValues(c)
		p.Form = form
	}
	return w.render(c, kindStatus(de.Kind), name, titleID, p)
}

// fieldMessage translates a field error by its code; a code the catalogues do
// not know keeps the domain's own (English) message.
func fieldMessage(t *translator, f fault.FieldError) string {
	if id := "error.field." + f.Field + "." + f.Code; t.Has(id) {
		return t.T(id)
	}
	if id := "error.code." + f.Code; t.Has(id) {
		return t.T(id)
	}
	return f.Message
}

// ErrorPage is the data of the error page.
type ErrorPage struct {
	Status    int
	Code      string
	Message   string
	RequestID string
}

// renderError answers err as an HTML page with the right status; a domain
// error shows its (translated where known) message, anything else a 500
// that says nothing was saved.
func (w *Web) renderError(c *fiber.Ctx, err error) error {
	r := w.req(c)
	ep := ErrorPage{RequestID: logx.RequestID(c.UserContext())}
	var fe *fiber.Error
	if de, ok := fault.As(err); ok {
		ep.Status, ep.Code, ep.Message = kindStatus(de.Kind), de.Code, de.Message
		retryAfter(c, de)
		if id := "error.code." + de.Code; r.Has(id) {
			ep.Message = r.T(id)
		}
	} else if errors.As(err, &fe) {
		ep.Status, ep.Code, ep.Message = fe.Code, fmt.Sprintf("http_%d", fe.Code), fe.Message
		if fe.Code == fiber.StatusRequestEntityTooLarge {
			ep.Code, ep.Message = "payload_too_large", r.T("error.code.payload_too_large")
		}
	} else if db.Unavailable(err) {
		w.Log.WarnContext(c.UserContext(), "page failed: the database is unreachable", "err", err, "route", c.Route().Path)
		ep.Status, ep.Code, ep.Message = fiber.StatusServiceUnavailable, "unavailable", r.T("error.unavailable")
		c.Set(fiber.HeaderRetryAfter, "2")
	} else {
		w.Log.ErrorContext(c.UserContext(), "page failed", "err", err, "route", c.Route().Path)
		ep.Status, ep.Code, ep.Message = fiber.StatusInternalServerError, "internal_error", r.T("error.internal")
	}
	title := "error.title"
	if r.Has(fmt.Sprintf("error.title.%d", ep.Status)) {
		title = fmt.Sprintf("error.title.%d", ep.Status)
	}
	return w.render(c, ep.Status, "pages/error", title, &Page{Data: ep})
}

// retryAfter sends Retry-After for a refusal that says when to come back.
func retryAfter(c *fiber.Ctx, de *fault.Error) {
	if de.Kind == fault.TooMany && de.RetryAfter > 0 {
		c.Set(fiber.HeaderRetryAfter, strconv.Itoa(de.RetrySeconds()))
	}
}

func kindStatus(k fault.Kind) int {
	switch k {
	case fault.Invalid:
		return fiber.StatusUnprocessableEntity
	case fault.Malformed:
		return fiber.StatusBadRequest
	case fault.NotFound:
		return fiber.StatusNotFound
	case fault.Conflict:
		return fiber.StatusConflict
	case fault.Unauthorized:
		return fiber.StatusUnauthorized
	case fault.Forbidden:
		return fiber.StatusForbidden
	case fault.TooMany:
		return fiber.StatusTooManyRequests
	case fault.Unsupported:
		return fiber.StatusUnsupportedMediaType
	case fault.TooLarge:
		return fiber.StatusRequestEntityTooLarge
	}
	return fiber.StatusInternalServerError
}

// formValues are a posted form's values (urlencoded or multipart).
func formValues(c *fiber.Ctx) (url.Values, error) {
	out := url.Values{}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		mf, err := c.MultipartForm()
		if err != nil {
			return out, fault.New(fault.Malformed, "malformed_form", "The form could not be read.")
		}
		for k, v := range mf.Value {
			out[k] = v
		}
		return out, nil
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		out.Add(string(k), string(v))
	})
	return out, nil
}

// FieldLabel is a field's label for the error summary ("<Labels>.field.<name>"
// or "field.<name>"), or the field's name when the catalogues have none.
func (p *Page) FieldLabel(field string) string {
	if p.Labeler != nil {
		if l := p.Labeler(p, field); l != "" {
			return l
		}
	}
	if id := p.Labels + ".field." + field; p.Labels != "" && p.Has(id) {
		return p.T(id)
	}
	if id := "field." + field; p.Has(id) {
		return p.T(id)
	}
	return field
}

// NoticeText is the form-wide error's message, translated where known.
func (p *Page) NoticeText() string {
	if p.Notice == nil {
		return ""
	}
	if id := "error.code." + p.Notice.Code; p.Has(id) {
		return p.T(id)
	}
	return p.Notice.Message
}
