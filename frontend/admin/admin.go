// Package admin is the administrators' pages (/admin/…): the register of AI
// systems, the queues and their members, the routing rules, the SLA
// calendars and policies, the independent bodies and their users, staff
// accounts, the access log, break-glass, the organisation's profile and
// retention (schedules and runs).
// Every form posts, redirects on success with a flash, and on a fault shows
// the form again (saveOrRerender). It owns no table and no event: it calls
// the services that do; frontend.Mount registers its route table.
package admin

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/content"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
	"github.com/redresshq/redress/internal/systemic"
)

// Pages are the administrators' pages, on the page kit.
type Pages struct {
	Deps
	*kit.Kit
}

// Deps are the services the admin pages use (the organisation's profile and
// the time zone are the kit's).
type Deps struct {
	Users      *auth.Users
	Registry   *registry.Registry
	Systemic   *systemic.Service
	Content    *content.Service
	Review     *review.Service
	Clocks     *clocks.Service
	Escalation *escalation.Service
	Routing    *routing.Service
	Access     *access.Service
	Retention  *retention.Service // retention schedules and runs
}

// New gives the admin pages their services and the kit.
func New(d Deps, k *kit.Kit) *Pages { return &Pages{Deps: d, Kit: k} }

// Routes are the administrators' pages. Every form posts, redirects on
// success (with a flash), and on bad input shows the form again with 422
// and the fields named; a conflict is a 409 shown above the form.
func (w *Pages) Routes() []httpkit.Route {
	get := func(path string, h fiber.Handler) httpkit.Route {
		return httpkit.Route{Method: fiber.MethodGet, Path: path, Access: httpkit.Staff, Roles: auth.Admins, Handler: h}
	}
	post := func(path string, h fiber.Handler) httpkit.Route {
		return httpkit.Route{Method: fiber.MethodPost, Path: path, Access: httpkit.Staff, Roles: auth.Admins, Handler: h}
	}
	return append([]httpkit.Route{
		get("/admin", w.adminIndex),

		get("/admin/ai-systems", w.admSystems),
		get("/admin/ai-systems/new", w.admSystemNew),
		post("/admin/ai-systems", w.admSystemCreate),
		get("/admin/ai-systems/:id", w.admSystemEdit),
		post("/admin/ai-systems/:id", w.admSystemUpdate),
		post("/admin/ai-systems/:id/alerting", w.admSystemAlerting),
		post("/admin/ai-systems/:id/lift-suspension", w.admSystemLift),

		get("/admin/queues", w.admQueues),
		get("/admin/queues/:id", w.admQueue),
		post("/admin/queues/:id/members", w.admQueueAddMember),
		post("/admin/queues/:id/members/:user_id/remove", w.admQueueRemoveMember),
		post("/admin/queues/:id/auto-assignment", w.admQueueAutoAssign),

		get("/admin/routing-rules", w.admRules),
		get("/admin/routing-rules/new", w.admRuleNew),
		post("/admin/routing-rules", w.admRuleCreate),
		post("/admin/routing-rules/order", w.admRulesReorder),
		get("/admin/routing-rules/:id", w.admRuleEdit),
		post("/admin/routing-rules/:id", w.admRuleUpdate),

		get("/admin/sla", w.admSLA),
		get("/admin/sla/calendars/new", w.admCalendarNew),
		post("/admin/sla/calendars", w.admCalendarSave),
		get("/admin/sla/calendars/:id", w.admCalendarEdit),
		post("/admin/sla/calendars/:id", w.admCalendarSave),
		get("/admin/sla/policies/new", w.admPolicyNew),
		post("/admin/sla/policies", w.admPolicySave),
		get("/admin/sla/policies/:id", w.admPolicyEdit),
		post("/admin/sla/policies/:id", w.admPolicySave),

		get("/admin/bodies", w.admBodies),
		get("/admin/bodies/new", w.admBodyNew),
		post("/admin/bodies", w.admBodySave),
		get("/admin/bodies/:id", w.admBodyEdit),
		post("/admin/bodies/:id", w.admBodySave),
		post("/admin/bodies/:id/users", w.admBodyAddUser),

		get("/admin/users", w.admUsers),
		get("/admin/users/new", w.admUserNew),
		post("/admin/users", w.admUserCreate),
		post("/admin/users/:id/role", w.admUserRole),
		post("/admin/users/:id/active", w.admUserActive),

		get("/admin/access-log", w.admAccessLog),
	}, append(append(w.breakGlassRoutes(), w.organisationRoutes()...), w.retentionRoutes()...)...)
}

// adminIndex: GET /admin — the sections.
func (w *Pages) adminIndex(c *fiber.Ctx) error {
	return w.Render(c, fiber.StatusOK, "admin/index", "adm.title", &kit.Page{})
}

// show renders page p with template tmpl and title key title, or answers
// the error that came instead of the page.
func (w *Pages) show(c *fiber.Ctx, tmpl, title string, p *kit.Page, err error) error {
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, tmpl, title, p)
}

// adminForm is the page an admin form's POST shows again on a fault: its
// template and title, and the page itself, built only then (page) unless
// the handler built it already (shown).
type adminForm struct {
	name, title string
	page        func() (*kit.Page, error)
}

// shown is an adminForm's page the handler built before saving.
func shown(p *kit.Page) func() (*kit.Page, error) { return func() (*kit.Page, error) { return p, nil } }

// saveOrRerender is every admin form's POST: save, then done (a redirect
// with a flash: post/redirect/get); on a fault, the form's page again with
// the posted values and the errors beside their fields (formError). save
// returns its errors with the fields named as the form names its inputs.
func saveOrRerender[T any](w *Pages, c *fiber.Ctx, f adminForm, save func() (T, error), done func(T) error) error {
	v, err := save()
	if err != nil {
		p, perr := f.page()
		if perr != nil {
			return perr
		}
		return w.FormError(c, err, f.name, f.title, p)
	}
	return done(v)
}

// posted reads a POST's form and builds the page it came from with the
// posted values (page), for a form of a page about one thing (its id).
func posted(c *fiber.Ctx, page func(*fiber.Ctx, url.Values) (*kit.Page, uuid.UUID, error)) (url.Values, *kit.Page, uuid.UUID, error) {
	form, err := kit.FormValues(c)
	if err != nil {
		return nil, nil, uuid.Nil, err
	}
	p, id, err := page(c, form)
	return form, p, id, err
}

// nothing is a save that returns only its error, for saveOrRerender.
func nothing(err error) (struct{}, error) { return struct{}{}, err }

// redirect is a saveOrRerender's done that goes to one address with one flash.
func redirect[T any](w *Pages, c *fiber.Ctx, to, flash string) func(T) error {
	return func(T) error { return w.SeeOther(c, to, flash) }
}

// idParam is the :name path parameter as a UUID; anything else is a 404,
// since no page has that address.
func idParam(c *fiber.Ctx, name string) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params(name))
	if err != nil {
		return uuid.Nil, fault.New(fault.NotFound, "not_found", "There is nothing here.")
	}
	return id, nil
}

// idAndForm reads the id the path names and the form posted.
func idAndForm(c *fiber.Ctx) (uuid.UUID, url.Values, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return uuid.Nil, nil, err
	}
	form, err := kit.FormValues(c)
	return id, form, err
}

// splitList reads a comma- or newline-separated list, trimmed, without
// empty entries.
func splitList(s string) []string {
	out := []string{}
	for _, v := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == '\n' || r == '\r' }) {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// indexed matches an entry of a list field: "kinds[2]" or "tiers.P1[0]".
var indexed = regexp.MustCompile(`\[\d+\]$`)

// renameFields rewrites a domain error's field names with rename (which
// returns the name unchanged when it has nothing better), so each names an
// input of the form.
func renameFields(err error, rename func(string) string) error {
	e, ok := fault.As(err)
	if !ok || len(e.Fields) == 0 {
		return err
	}
	out := *e
	out.Fields = make([]fault.FieldError, 0, len(e.Fields))
	seen := map[string]bool{}
	for _, f := range e.Fields {
		f.Field = rename(f.Field)
		if seen[f.Field+"\x00"+f.Message] {
			continue
		}
		seen[f.Field+"\x00"+f.Message] = true
		out.Fields = append(out.Fields, f)
	}
	return &out
}

// listField points "kinds[2]" at its group, "kinds".
func listField(name string) string { return indexed.ReplaceAllString(name, "") }

// AdmOpt is one choice of a select or a group of checkboxes.
type AdmOpt struct{ Value, Label string }

// AdmField is a form control's name, id, translated label and hint, value
// and error: what the adm-* templates draw.
type AdmField struct {
	Name, ID, Label, Hint, HintID, Type, Value, Error, Auto, Extra string
	Required, Checked                                              bool
	// Lang is the language the value is written in (a translation).
	Lang    string
	Options []AdmOpt
	Values  []string // of a group of checkboxes
}

// AdmF describes the form control for field, labelled by the message label.
// opts are "type=email", "hint=<message id>", "auto=<autocomplete>", "req",
// "extra=<attributes text>" (min, max, inputmode).
func (p *admPage) AdmF(field, label string, opts ...string) AdmField {
	f := AdmField{Name: field, ID: kit.FieldID(field), Label: p.T(label), Type: "text", Value: p.Val(field), Error: p.Err(field)}
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "type":
			f.Type = v
		case "hint":
			f.Hint, f.HintID = p.T(v), f.ID+"-hint"
		case "auto":
			f.Auto = v
		case "req":
			f.Required = true
		case "extra":
			f.Extra = v
		}
	}
	f.Checked = f.Value != ""
	return f
}

// AdmSel is AdmF for a select of options.
func (p *admPage) AdmSel(field, label string, options []AdmOpt, opts ...string) AdmField {
	f := p.AdmF(field, label, opts...)
	f.Options = options
	return f
}

// AdmChecks is AdmF for a group of checkboxes.
func (p *admPage) AdmChecks(field, label string, options []AdmOpt, opts ...string) AdmField {
	f := p.AdmSel(field, label, options, opts...)
	f.Values = p.Vals(field)
	return f
}

// Has reports whether v is among a group's checked values.
func (f AdmField) Has(v string) bool {
	for _, x := range f.Values {
		if x == v {
			return true
		}
	}
	return false
}

// Describedby is the aria-describedby of the control: its hint and error.
func (f AdmField) Describedby() string {
	var ids []string
	if f.HintID != "" {
		ids = append(ids, f.HintID)
	}
	if f.Error != "" {
		ids = append(ids, f.ID+"-error")
	}
	return strings.Join(ids, " ")
}

// options translates codes as "<prefix>.<code>".
func options[T ~string](r *kit.Request, prefix string, codes []T) []AdmOpt {
	out := make([]AdmOpt, len(codes))
	for i, c := range codes {
		out[i] = AdmOpt{Value: string(c), Label: r.OptionLabel(prefix, string(c))}
	}
	return out
}

// checked is "on" when b, for a checkbox's form value.
func checked(b bool) string {
	if b {
		return "on"
	}
	return ""
}

// values is a url.Values with one value per key.
func values(kv map[string]string) url.Values {
	out := url.Values{}
	for k, v := range kv {
		if v != "" {
			out.Set(k, v)
		}
	}
	return out
}

var (
	tierRowField = regexp.MustCompile(`^tiers\.(P[0-3])\[(\d+)\]\.`)
	rowSuffix    = regexp.MustCompile(`(\[\d+\]|_[0-9a-f-]{36})$`)
)

// Label is an admin form's field label in the error summary: its own
// message "adm.field.<field>", a policy row's or a weekday's, or its
// group's; "" leaves it to the common labels.
func Label(p *kit.Page, field string) string {
	if l := translationLabel(p, field); l != "" {
		return l
	}
	if id := "adm.field." + field; p.Has(id) {
		return p.T(id)
	}
	if m := tierRowField.FindStringSubmatch(field); m != nil {
		row, _ := strconv.Atoi(m[2])
		return p.T("adm.pol.tier_row", "Priority", m[1], "Row", row+1)
	}
	if day, ok := strings.CutPrefix(field, "hours."); ok {
		return p.OptionLabel("adm.weekday", day)
	}
	if base := rowSuffix.ReplaceAllString(field, ""); base != field && p.Has("adm.field."+base) {
		return p.OptionLabel("adm.field", base)
	}
	return ""
}

// admPage is an admin page: a kit.Page with the adm-* form controls.
type admPage struct{ *kit.Page }

// Root is an admin template's dot (kit.Config.Roots["admin"]).
func Root(p *kit.Page) any { return &admPage{p} }
