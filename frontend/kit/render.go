package kit

import (
	"fmt"
	"html/template"
	"net/url"
	"reflect"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/logx"
)

// Page is what every template gets: the request (language, user, CSRF
// token, flash), the page's title, a form's values and errors, and the
// page's own data.
type Page struct {
	*Request
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
func (p *Page) Checked(field string, value any) bool {
	want := vocabValue(value)
	for _, v := range p.Form[field] {
		if v == want {
			return true
		}
	}
	return false
}

// Opt translates an enumerated value: the message "<prefix>.<value>". The
// value is a string or a named vocabulary's value (a remedy's form, a
// referral's status), or a pointer to one.
func (p *Page) Opt(prefix string, value any) string { return p.OptionLabel(prefix, vocabValue(value)) }

// vocabValue is a template argument that is a string, a named vocabulary's
// value (type X string) or a pointer to either, as its string: what
// text/template did for a string parameter (it follows a pointer, and stops
// the page at a nil one).
func vocabValue(value any) string {
	v := reflect.ValueOf(value)
	for v.Kind() == reflect.Pointer {
		if v.IsNil() {
			panic("frontend: a nil pointer where a value is shown")
		}
		v = v.Elem()
	}
	if v.Kind() == reflect.String {
		return v.String()
	}
	return fmt.Sprint(value)
}

// Date shows a time as a date in the page's language ("5 March 2027"),
// in a <time> element; see dates.go.
func (p *Page) Date(t any) template.HTML { return p.Clock.Date(t) }

// DateTime shows a time with hours, minutes and the zone, in the
// organisation's time zone, in a <time> element.
func (p *Page) DateTime(t any) template.HTML { return p.Clock.DateTime(t) }

// ZoneNote says which time zone the page's times are in.
func (p *Page) ZoneNote() string { return p.Clock.ZoneNote() }

// Org is who runs the mechanism (internal/organisation), for the footer's
// "This mechanism is run by …".
func (p *Page) Org() organisation.Profile {
	if p.Request == nil || p.orgOf == nil {
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
	out := make([]Language, 0, len(Languages))
	for _, t := range Languages {
		code := t.String()
		out = append(out, Language{Code: code, Name: LanguageNames[code],
			Href: "/lang/" + code + "?next=" + url.QueryEscape(p.Path)})
	}
	return out
}

// pageTitler is a page's data that names the page itself (a part of a
// larger whole, such as a tab of the case workspace).
type pageTitler interface{ PageTitle(p *Page) string }

// Render renders page name in the main layout with status.
func (k *Kit) Render(c *fiber.Ctx, status int, name, titleID string, p *Page) error {
	if p == nil {
		p = &Page{}
	}
	p.Request = k.Req(c)
	p.Title = p.T(titleID)
	if t, ok := p.Data.(pageTitler); ok {
		p.Title = t.PageTitle(p)
	}
	c.Status(status)
	var root any = p
	if folder, _, ok := strings.Cut(name, "/"); ok && k.Roots[folder] != nil {
		root = k.Roots[folder](p)
	}
	return c.Render(name, root, "layouts/main")
}

// FormError re-renders a form with a domain error: field errors beside
// their fields and in a summary (422), any other error above the form with
// its own status. Errors that are not the domain's go to renderError.
func (k *Kit) FormError(c *fiber.Ctx, err error, name, titleID string, p *Page) error {
	de, ok := fault.As(err)
	if !ok {
		return k.RenderError(c, err)
	}
	httpkit.RetryAfter(c, de)
	r := k.Req(c)
	p.Errors = nil
	for _, f := range de.Fields {
		p.Errors = append(p.Errors, FieldMsg{Field: f.Field, ID: FieldID(f.Field), Message: FieldMessage(r.Translator, f)})
	}
	if len(p.Errors) == 0 {
		p.Notice = de
	}
	if p.Form == nil {
		form, _ := FormValues(c)
		p.Form = form
	}
	return k.Render(c, httpkit.Status(de.Kind), name, titleID, p)
}

// FieldMessage translates a field error by its code; a code the catalogues do
// not know keeps the domain's own (English) message.
func FieldMessage(t *Translator, f fault.FieldError) string {
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

// RenderError answers err as an HTML page with the right status; a domain
// error shows its (translated where known) message, anything else a 500
// that says nothing was saved.
func (k *Kit) RenderError(c *fiber.Ctx, err error) error {
	r := k.Req(c)
	ep := ErrorPage{RequestID: logx.RequestID(c.UserContext())}
	f := httpkit.Explain(c, k.Log, "page", err)
	ep.Status = f.Status
	switch f.Cause {
	case httpkit.Domain:
		ep.Code, ep.Message = f.Fault.Code, f.Fault.Message
		if id := "error.code." + f.Fault.Code; r.Has(id) {
			ep.Message = r.T(id)
		}
	case httpkit.HTTP:
		ep.Code, ep.Message = fmt.Sprintf("http_%d", f.HTTP.Code), f.HTTP.Message
		if f.HTTP.Code == fiber.StatusRequestEntityTooLarge {
			ep.Code, ep.Message = "payload_too_large", r.T("error.code.payload_too_large")
		}
	case httpkit.Unavailable:
		ep.Code, ep.Message = "unavailable", r.T("error.unavailable")
	default:
		ep.Code, ep.Message = "internal_error", r.T("error.internal")
	}
	title := "error.title"
	if r.Has(fmt.Sprintf("error.title.%d", ep.Status)) {
		title = fmt.Sprintf("error.title.%d", ep.Status)
	}
	return k.Render(c, ep.Status, "pages/error", title, &Page{Data: ep})
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
