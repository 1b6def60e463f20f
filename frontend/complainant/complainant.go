// Package complainant is the complainant's pages: the start page, the
// public register of AI systems, the procedure and its time frames, the
// independent bodies, the complaint form (asked in steps, filed with its
// files in one multipart body), the receipt with the one code and its PDF,
// and the follow-up page where a complainant signed in with their code
// writes, answers offers, measures and check-ins, appeals, asks for a
// referral, rates the process, adds evidence and asks for the case to be
// erased (erasure.go). It owns no table and no event: it calls the services
// that do (internal/grievance, remedy, escalation, evidence, retention…);
// frontend.Mount registers its route table.
package complainant

import (
	"sort"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/content"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/sla"
)

// Pages are the complainant's pages, on the page kit.
type Pages struct {
	Deps
	*kit.Kit
}

// Deps are the services the complainant's pages use (the log, the tokens,
// the sealing keys, the time zone and the public URL are the kit's).
type Deps struct {
	Grievance  *grievance.Service
	Decision   *decision.Service   // the appeal
	Remedy     *remedy.Service     // the offers the complainant answers
	Evidence   *evidence.Service   // the files they added
	Registry   *registry.Registry  // the public register
	Clocks     *clocks.Service     // the SLA policies: the promised time frames
	Escalation *escalation.Service // the bodies and the referrals
	Content    *content.Service    // the register's and the bodies' words in the reader's language
	Access     *access.Service     // who opened the complainant's details
	Retention  *retention.Service  // the complainant's request for erasure
	// ComplainantTokenTTL is how long a complainant's sign-in to their case lasts.
	ComplainantTokenTTL time.Duration
}

// New gives the complainant's pages their services and the kit.
func New(d Deps, k *kit.Kit) *Pages { return &Pages{Deps: d, Kit: k} }

// Root is the complainant's page type (kit.Config.Roots), with the
// template helpers of the follow-up page's forms.
func Root(p *kit.Page) any { return &page{p} }

// page is a complainant's page: a kit.Page with the follow-up page's forms' helpers.
type page struct{ *kit.Page }

// Uploads are the complainant's upload routes, for the app's body limits
// (frontend's Web.Uploads).
func (w *Pages) Uploads() []httpkit.Upload {
	return []httpkit.Upload{
		{Method: fiber.MethodPost, Path: "/follow-up/evidence", Cookie: w.CookieName(kit.CookieCase)},
		// The complaint form's last step sends the files attached while
		// filing; a filer has no session yet, only the CSRF cookie its form
		// was signed for.
		{Method: fiber.MethodPost, Path: "/complaints/send", Cookie: w.CookieName(kit.CookieCSRF), Extra: maxFilingText},
	}
}

// Routes are the complainant's pages: the start page, the register, the
// procedure, the bodies, the complaint form and receipt, and the follow-up page.
func (w *Pages) Routes() []httpkit.Route {
	return []httpkit.Route{
		{Method: fiber.MethodGet, Path: "/", Access: httpkit.Public, Handler: w.homePage},
		{Method: fiber.MethodGet, Path: "/ai-systems", Access: httpkit.Public, Handler: w.aiSystemsPage},
		{Method: fiber.MethodGet, Path: "/procedure", Access: httpkit.Public, Handler: w.procedurePage},
		{Method: fiber.MethodGet, Path: "/bodies", Access: httpkit.Public, Handler: w.bodiesPage},
		{Method: fiber.MethodGet, Path: "/complaints/new", Access: httpkit.Public, Handler: w.complaintForm},
		{Method: fiber.MethodPost, Path: "/complaints/new", Access: httpkit.Public, Handler: w.complaintStep},
		{Method: fiber.MethodPost, Path: "/complaints/send", Access: httpkit.Public, Handler: w.fileComplaint, OwnCSRF: true},
		{Method: fiber.MethodGet, Path: "/complaints/receipt", Access: httpkit.Public, Handler: w.receiptPage},
		{Method: fiber.MethodGet, Path: "/complaints/receipt/code.pdf", Access: httpkit.Public, Handler: w.receiptPDF},
		{Method: fiber.MethodPost, Path: "/complaints/receipt/done", Access: httpkit.Public, Handler: w.receiptDone},
		{Method: fiber.MethodGet, Path: "/follow-up", Access: httpkit.Public, Handler: w.followUpPage},
		{Method: fiber.MethodPost, Path: "/follow-up", Access: httpkit.Public, Handler: w.openFollowUp},
		{Method: fiber.MethodPost, Path: "/follow-up/messages", Access: httpkit.Complainant, Handler: w.followUpMessage},
		{Method: fiber.MethodPost, Path: "/follow-up/remedies/:rid/response", Access: httpkit.Complainant, Handler: w.followUpRemedy},
		{Method: fiber.MethodPost, Path: "/follow-up/measures/:mid/consent", Access: httpkit.Complainant, Handler: w.followUpMeasure},
		{Method: fiber.MethodPost, Path: "/follow-up/checkins/:cid", Access: httpkit.Complainant, Handler: w.followUpCheckin},
		{Method: fiber.MethodPost, Path: "/follow-up/appeal", Access: httpkit.Complainant, Handler: w.followUpAppeal},
		{Method: fiber.MethodPost, Path: "/follow-up/escalations", Access: httpkit.Complainant, Handler: w.followUpEscalation},
		{Method: fiber.MethodPost, Path: "/follow-up/referrals/:rid/messages", Access: httpkit.Complainant, Handler: w.followUpReferralAnswer},
		{Method: fiber.MethodPost, Path: "/follow-up/feedback", Access: httpkit.Complainant, Handler: w.followUpFeedback},
		{Method: fiber.MethodPost, Path: "/follow-up/evidence", Access: httpkit.Complainant, Handler: w.followUpEvidence},
		{Method: fiber.MethodPost, Path: "/follow-up/erasure", Access: httpkit.Complainant, Handler: w.followUpErasure},
		{Method: fiber.MethodPost, Path: "/follow-up/erasure/cancel", Access: httpkit.Complainant, Handler: w.followUpErasureCancel},
		{Method: fiber.MethodGet, Path: "/follow-up/evidence/:eid", Access: httpkit.Complainant, Handler: w.followUpEvidenceFile},
		{Method: fiber.MethodGet, Path: "/follow-up/copy.pdf", Access: httpkit.Complainant, Handler: w.followUpCopy},
		{Method: fiber.MethodGet, Path: "/follow-up/copy.json", Access: httpkit.Complainant, Handler: w.followUpCopy},
	}
}

// ---- The public information pages ----

// homeData is the start page's content.
type homeData struct {
	Times  *timeframes
	Bodies []escalation.Body
}

// homePage: GET / — what this is, how it works, the time frames, who runs
// it, and where else to go.
func (w *Pages) homePage(c *fiber.Ctx) error {
	r := w.Req(c)
	tf, err := w.timeframes(c, r)
	if err != nil {
		return err
	}
	bodies, err := w.publicBodies(c)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "complainant/home", "home.title", &kit.Page{Data: homeData{Times: tf, Bodies: bodies}})
}

// aiSystemsPage: GET /ai-systems — the public register.
func (w *Pages) aiSystemsPage(c *fiber.Ctx) error {
	systems, err := w.allSystems(c)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "complainant/ai_systems", "register.title", &kit.Page{Data: systems})
}

// procedurePage: GET /procedure — the published procedure and its time frames.
func (w *Pages) procedurePage(c *fiber.Ctx) error {
	tf, err := w.timeframes(c, w.Req(c))
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "complainant/procedure", "procedure.title", &kit.Page{Data: tf})
}

// bodiesPage: GET /bodies — the independent bodies (their public fields).
func (w *Pages) bodiesPage(c *fiber.Ctx) error {
	bodies, err := w.publicBodies(c)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "complainant/bodies", "bodies.title", &kit.Page{Data: bodies})
}

// allSystems reads the whole register, page by page.
func (w *Pages) allSystems(c *fiber.Ctx) ([]registry.AISystem, error) {
	var out []registry.AISystem
	name, id := "", uuid.Nil
	for {
		page, err := w.Registry.List(c.UserContext(), name, id, 200)
		if err != nil {
			return nil, err
		}
		out = append(out, page...)
		if len(page) < 200 {
			// In the reader's language where an admin translated them.
			if err := w.Content.Systems(c.UserContext(), w.Req(c).Lang(), out); err != nil {
				return nil, err
			}
			return out, nil
		}
		last := page[len(page)-1]
		name, id = last.Name, last.ID
	}
}

// publicBodies are the active bodies, with only what the public may see.
func (w *Pages) publicBodies(c *fiber.Ctx) ([]escalation.Body, error) {
	all, err := w.Escalation.Bodies(c.UserContext(), false, "", "")
	if err != nil {
		return nil, err
	}
	return w.shownBodies(c, all)
}

// caseBodies are publicBodies in the order suggested to a case's
// complainant: their country's first, then the organisation's
// (escalation.RankBodies).
func (w *Pages) caseBodies(c *fiber.Ctx, caseID uuid.UUID) ([]escalation.Body, error) {
	all, err := w.Escalation.CaseBodies(c.UserContext(), caseID)
	if err != nil {
		return nil, err
	}
	return w.shownBodies(c, all)
}

// shownBodies are the active ones of all, with only what the public may see,
// in the reader's language.
func (w *Pages) shownBodies(c *fiber.Ctx, all []escalation.Body) ([]escalation.Body, error) {
	out := make([]escalation.Body, 0, len(all))
	for _, b := range all {
		if b.Active {
			out = append(out, b.Public())
		}
	}
	// In the reader's language where an admin translated them.
	if err := w.Content.Bodies(c.UserContext(), w.Req(c).Lang(), out); err != nil {
		return nil, err
	}
	return out, nil
}

// ---- Time frames, from the SLA policy in the database ----

// timeframes are the default policy's promises, in the page's language.
type timeframes struct {
	Policy     string
	Promises   []promiseRow   // per clock: the fastest and slowest tier
	Statutory  []statutoryRow // the limits the law sets
	Priorities []string       // the tiers' column headings
	Tiers      []tierRow      // per clock: each tier's limit
	Appeal     string         // the window to appeal
}

type promiseRow struct{ Clock, Label, Text string }

type statutoryRow struct{ Clock, Label, Period, Source, Applies string }

type tierRow struct {
	Clock, Label string
	Cells        []string
}

// timeframes reads the default policy (the first one Policies returns).
// With no policy at all it returns nil, and the pages say so.
func (w *Pages) timeframes(c *fiber.Ctx, r *kit.Request) (*timeframes, error) {
	policies, err := w.Clocks.Policies(c.UserContext())
	if err != nil {
		return nil, err
	}
	if len(policies) == 0 {
		return nil, nil
	}
	p := policies[0]
	tf := &timeframes{Policy: p.Name}
	for _, prio := range sla.Priorities {
		tf.Priorities = append(tf.Priorities, r.OptionLabel("cp.priority", prio))
	}
	for _, clock := range sla.Clocks {
		var cells []string
		var fast, slow *sla.TimeLimit
		for _, prio := range sla.Priorities {
			cell := "—"
			for i := range p.Tiers[prio] {
				l := p.Tiers[prio][i]
				if l.Clock != clock {
					continue
				}
				cell = periodText(r, l.Budget, l.From)
				if fast == nil || approx(l.Budget) < approx(fast.Budget) {
					fast = &l
				}
				if slow == nil || approx(l.Budget) > approx(slow.Budget) {
					slow = &l
				}
			}
			cells = append(cells, cell)
		}
		if fast == nil {
			continue
		}
		label := r.OptionLabel("cp.clock_name", string(clock))
		tf.Tiers = append(tf.Tiers, tierRow{Clock: string(clock), Label: label, Cells: cells})
		text := periodText(r, fast.Budget, fast.From)
		if approx(fast.Budget) != approx(slow.Budget) {
			text = r.T("cp.tf.range", "Fast", budgetText(r, fast.Budget), "Slow", periodText(r, slow.Budget, slow.From))
		}
		tf.Promises = append(tf.Promises, promiseRow{Clock: string(clock), Label: label, Text: text})
	}
	for _, l := range p.Statutory {
		row := statutoryRow{Clock: string(l.Clock), Label: r.OptionLabel("cp.clock_name", string(l.Clock)), Source: l.Source,
			Period: limitText(r, l)}
		if len(l.Kinds) > 0 {
			kinds := make([]string, len(l.Kinds))
			for i, k := range l.Kinds {
				kinds[i] = r.OptionLabel("cp.kind", k)
			}
			row.Applies = r.T("cp.tf.only_for", "Kinds", strings.Join(kinds, ", "))
		}
		tf.Statutory = append(tf.Statutory, row)
	}
	tf.Appeal = periodText(r, p.AppealWindow.Budget, sla.FromDecision)
	return tf, nil
}

// budgetText is "7 days", "24 hours", "3 months" in the page's language.
func budgetText(r *kit.Request, b sla.Budget) string {
	id := "cp.unit." + string(b.Unit)
	return r.T(id, "Count", b.Amount)
}

// periodText is "7 days from when we receive your complaint".
func periodText(r *kit.Request, b sla.Budget, from sla.Anchor) string {
	if from == "" {
		return budgetText(r, b)
	}
	return r.T("cp.period", "Budget", budgetText(r, b), "From", r.OptionLabel("cp.from", string(from)))
}

// limitText is a statutory limit's period, with the incidents it is for
// ("10 days from when we learn of the incident (a death)").
func limitText(r *kit.Request, l sla.StatutoryLimit) string {
	text := periodText(r, l.Budget, l.From)
	if len(l.Subtypes) > 0 {
		subs := make([]string, len(l.Subtypes))
		for i, sub := range l.Subtypes {
			subs[i] = r.OptionLabel("cp.subtype", sub)
		}
		text = r.T("cp.tf.subtypes", "Period", text, "Subtypes", strings.Join(subs, ", "))
	}
	return text
}

// approx orders budgets of different units (only to find the fastest and
// slowest tier; no date is computed with it).
func approx(b sla.Budget) time.Duration {
	unit := map[sla.Unit]time.Duration{sla.Seconds: time.Second, sla.Hours: time.Hour, sla.BusinessHours: 3 * time.Hour,
		sla.CalendarDays: 24 * time.Hour, sla.BusinessDays: 34 * time.Hour, sla.Months: 30 * 24 * time.Hour}
	return time.Duration(b.Amount) * unit[b.Unit]
}

// ruleIndex finds the budget behind a stored rule (code and period), to
// say it in the page's language; a rule no policy has is shown as stored.
type ruleIndex struct {
	limits   map[string]sla.TimeLimit
	subtypes map[string]sla.StatutoryLimit // statutory limits by code, for their incident subtypes
}

func (w *Pages) ruleIndex(c *fiber.Ctx) (ruleIndex, error) {
	policies, err := w.Clocks.Policies(c.UserContext())
	if err != nil {
		return ruleIndex{}, err
	}
	idx := ruleIndex{limits: map[string]sla.TimeLimit{}, subtypes: map[string]sla.StatutoryLimit{}}
	subtypes := idx.subtypes
	add := func(l sla.TimeLimit) {
		if _, ok := idx.limits[l.Code+"\x00"+l.Period]; !ok {
			idx.limits[l.Code+"\x00"+l.Period] = l
		}
	}
	for _, p := range policies {
		prios := make([]string, 0, len(p.Tiers))
		for prio := range p.Tiers {
			prios = append(prios, prio)
		}
		sort.Strings(prios)
		for _, prio := range prios {
			for _, l := range p.Tiers[prio] {
				add(l)
			}
		}
		for _, l := range p.Statutory {
			add(l.TimeLimit)
			subtypes[l.Code] = l
		}
		add(sla.TimeLimit{Rule: p.AppealWindow.Rule, Budget: p.AppealWindow.Budget, From: sla.FromDecision})
	}
	return idx, nil
}

// ruleText is a rule's source and period; Lang is set when the period is
// shown as stored (in English).
type ruleText struct{ Source, Period, Lang string }

func (idx ruleIndex) text(r *kit.Request, rule sla.Rule) ruleText {
	if rule.Source == sla.PolicySource {
		// Our own service levels, not a law: said in the reader's words.
		rule.Source = r.T("followup.source_policy")
	}
	if l, ok := idx.limits[rule.Code+"\x00"+rule.Period]; ok {
		if st, ok := idx.subtypes[rule.Code]; ok && st.Period == rule.Period {
			return ruleText{Source: rule.Source, Period: limitText(r, st)}
		}
		return ruleText{Source: rule.Source, Period: periodText(r, l.Budget, l.From)}
	}
	t := ruleText{Source: rule.Source, Period: rule.Period}
	if r.Lang() != "en" && rule.Period != "" {
		t.Lang = "en"
	}
	return t
}

// ---- Forms: errors in the complainant's words ----

// formError re-renders a page after a domain error, like kit.FormError,
// but with the messages of this area's catalogue and, when prefix is set, every
// field and value named "<prefix>.<field>" so that several forms on one
// page keep their errors apart.
func (w *Pages) formError(c *fiber.Ctx, err error, name, titleID string, p *kit.Page, prefix string) error {
	de, ok := fault.As(err)
	if !ok {
		return w.RenderError(c, err)
	}
	r := w.Req(c)
	if p.Form == nil {
		p.Form, _ = kit.FormValues(c)
	}
	if prefix != "" {
		form := p.Form
		p.Form = map[string][]string{}
		for k, v := range form {
			p.Form[prefix+"."+k] = v
		}
	}
	setErrors(r, p, de, de.Fields, prefix)
	return w.Render(c, httpkit.Status(de.Kind), name, titleID, p)
}

// setErrors puts de's field errors on p in the order of fields, one per
// field, in this area's words, each field named "<prefix>.<field>" when
// prefix is set; an error that names no field becomes the page's notice.
func setErrors(r *kit.Request, p *kit.Page, de *fault.Error, fields []fault.FieldError, prefix string) {
	p.Errors, p.Notice = nil, nil
	for _, f := range fields {
		field := f.Field
		if i := strings.IndexByte(field, '['); i > 0 {
			field = field[:i] // rights[2] → rights
		}
		if prefix != "" {
			field = prefix + "." + field
		}
		if p.Err(field) != "" {
			continue
		}
		p.Errors = append(p.Errors, kit.FieldMsg{Field: field, ID: kit.FieldID(field), Message: fieldMessage(r, f)})
	}
	if len(p.Errors) == 0 {
		n := *de
		if id := "cp.code." + de.Code; r.Has(id) {
			n.Code, n.Message = "cp_translated", r.T(id)
		}
		p.Notice = &n
	}
}

// fieldMessage translates a field's error: this area's message for the
// field and code, then for the code, then the common ones.
func fieldMessage(r *kit.Request, f fault.FieldError) string {
	field := f.Field
	if i := strings.IndexByte(field, '['); i > 0 {
		field = field[:i]
	}
	for _, id := range []string{"cp.error." + field + "." + f.Code, "cp.error." + f.Code} {
		if r.Has(id) {
			return r.T(id)
		}
	}
	return kit.FieldMessage(r.Translator, f)
}

// CpFailed reports whether the error shown belongs to the follow-up
// page's form whose fields are named prefix.* (its fields' errors, or a
// notice with that form's values kept).
func (p *page) CpFailed(prefix string) bool {
	for _, e := range p.Errors {
		if strings.HasPrefix(e.Field, prefix+".") {
			return true
		}
	}
	if p.Notice != nil {
		for k := range p.Form {
			if strings.HasPrefix(k, prefix+".") {
				return true
			}
		}
	}
	return false
}

// CpFieldLabel is a field's label in the complainant's error summary:
// "cp.field.<name>", with a remedy offer's id left out.
func (p *page) CpFieldLabel(field string) string {
	for _, per := range []string{"remedy.", "answer."} { // one form per offer, per referral
		if rest, ok := strings.CutPrefix(field, per); ok {
			if _, tail, ok := strings.Cut(rest, "."); ok {
				field = per + tail
			}
		}
	}
	if id := "cp.field." + field; p.Has(id) {
		return p.T(id)
	}
	return p.FieldLabel(field)
}

// CpOpt translates value under prefix when the catalogue has it, else fallback.
func (p *page) CpOpt(prefix, value, fallback string) string {
	if id := prefix + "." + strings.ReplaceAll(value, ".", "_"); p.Has(id) {
		return p.T(id)
	}
	return p.T(fallback)
}

// CpStr is *s, or "".
func (p *page) CpStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// CpInt is *n, or 0.
func (p *page) CpInt(n *int) int {
	if n == nil {
		return 0
	}
	return *n
}

// CpKiB is a size in kibibytes, at least 1.
func (p *page) CpKiB(n int64) int64 { return max(1, (n+1023)/1024) }
