package staffcase

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/incident"
	"github.com/redresshq/redress/internal/platform/download"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/retention"
)

// The case workspace: GET /cases/:id shows a case's summary and what to do
// next, GET /cases/:id/<tab> one part of its review (messages, triage, …),
// with a tab navigation of plain links. Each action is a form of its own
// that posts to /cases/:id/<action>, then lands on its tab with the message
// at the top (post/redirect/get). A domain error shows the tab again with
// the error at the form that caused it.

// Form sections: each names the form an error belongs to; field ids are
// fid("<section>.<field>").
const (
	secStatus       = "status"
	secInfo         = "information"
	secMove         = "move"
	secMessages     = "messages"
	secTriage       = "triage"
	secPriority     = "priority"
	secClocks       = "clocks"
	secAIDecision   = "ai-decision"
	secPointsOfView = "points-of-view"
	secProviderReq  = "provider-request"
	secProviderAns  = "provider-answer" // + "-<request id>"
	secEvidence     = "evidence"
	secDisclose     = "disclose" // + "-<evidence id>"
	secDecision     = "decision"
	secApproval     = "approval"
	secRemedies     = "remedies"
	secRemedyStatus = "remedy"   // + "-<component id>"
	secHolder       = "holder"   // release
	secAssign       = "assign"   // reassign
	secClose        = "close"    //
	secEscalate     = "escalate" //
	secReferralMsg  = "referral" // + "-<referral id>"
	secIncident     = "incident"
	secIncidentTask = "task" // + "-<task>"
	secMeasure      = "measure"
	secMeasureDone  = "in-place" // + "-<measure id>"
)

// tabOf is the workspace tab each form's section belongs to: after an
// action the person lands on that tab, its message at the top ("" is the
// summary, /cases/{id}).
var tabOf = map[string]string{
	secStatus: "", secInfo: "messages", secMove: "actions", secMessages: "messages", secTriage: "triage",
	secPriority: "triage", secClocks: "", secAIDecision: "ai-decision", secPointsOfView: "points-of-view",
	secProviderReq: "ai-decision", secProviderAns: "ai-decision",
	secEvidence: "evidence", secDisclose: "evidence", secDecision: "decision", secApproval: "decision", secRemedies: "remedies",
	secRemedyStatus: "remedies", secHolder: "", secAssign: "", secClose: "actions", secEscalate: "escalation",
	secReferralMsg: "escalation", secIncident: "incident", secIncidentTask: "incident",
	secMeasure: "protection", secMeasureDone: "protection",
}

// tabKeys are the workspace's tabs in order, each a page of its own:
// /cases/{id} (the summary) and /cases/{id}/{tab}; "incident" only for an
// incident.
var tabKeys = []string{"", "messages", "triage", "ai-decision", "points-of-view", "evidence", "decision",
	"remedies", "escalation", "incident", "protection", "actions", "timeline", "record", "access"}

// tabTitles are the tabs' names in the catalogues.
var tabTitles = map[string]string{"": "cw.summary.title", "messages": "cw.messages.title", "triage": "cw.triage.title",
	"ai-decision": "cw.ai.title", "points-of-view": "cw.pov.title", "evidence": "cw.evidence.title",
	"decision": "cw.decision.title", "remedies": "cw.remedies.title", "escalation": "cw.escalation.title",
	"incident": "cw.incident.title", "protection": "cw.protection.title", "actions": "cw.actions.title", "timeline": "cw.timeline.title",
	"record": "cw.record.title", "access": "cw.access.title"}

// tabLink is one link of the workspace's tab navigation.
type tabLink struct {
	Key, Title, Href string
	Current          bool
}

// hasTab reports whether a case of kind has tab. (The "access" tab is
// shown only to whoever may work the case: caseWorkspace.Tabs.)
func hasTab(kind, tab string) bool {
	if tab == "incident" {
		return kind == "incident"
	}
	return slices.Contains(tabKeys, tab)
}

// remedyRows is how many empty component rows the remedy form offers.
const remedyRows = 3

// caseWorkspace is the data of the workspace page.
type caseWorkspace struct {
	Case *grievance.Detail
	// Identity is the complainant's identity, opened by "show contact
	// details" (nil until then: lists and the workspace keep it sealed).
	Identity *grievance.Identity
	// Section is the form a shown error belongs to ("" when none).
	Section string
	// Tab is the part of the workspace shown ("" is the summary).
	Tab     string
	Me      uuid.UUID
	Role    auth.Role
	Holder  bool // the user holds the case
	AnyCase bool // supervisors and admins work on any case
	// CanAct: the user may act on the case — its holder, or a supervisor
	// or admin of its queue (access.Ground.MayAct) — so its forms are shown;
	// a reviewer who may only take it, or an admin who broke the glass, sees
	// none (the routes refuse them: access.Works).
	CanAct       bool
	CanDecide    bool // reviewers and supervisors decide (the holder only)
	Supervisor   bool
	Names        map[uuid.UUID]string
	QueueName    string
	Record       []audit.Entry
	Verification audit.Verification
	Referrals    []escalation.Referral
	Bodies       []escalation.Body
	Claimers     []auth.Person
	RemedyRows   []int
	// RedactionRows are the disclosure form's redaction rows.
	RedactionRows []int
	Vocab         vocabulary
	// BreakGlass is the user's running break-glass grant when that is the
	// only ground on which they see the case (the banner says until when).
	BreakGlass *access.Grant
	// Access is a page of the case's access log (the "access" tab only).
	Access *access.LogPage
	// Protection: measures, check-ins, linked cases (the "protection" tab; protection.go).
	Protection *grievance.Protection
	// ProviderRequests are the requests for information to the AI system's
	// provider (the "ai-decision" tab).
	ProviderRequests []grievance.ProviderRequest
	// Retention: the case's erasure, legal holds and the complainant's
	// latest request for erasure (the summary's Retention panel; retention.go).
	Retention *retention.CaseState
}

// vocabulary are the codes the forms offer.
type vocabulary struct {
	Statuses, Rights, HarmTypes, Mechanisms, HarmStatuses, Outcomes, AIRoles, Involvements []string
	Forms, Responsible, RemedyMoves, HumanOversight, PersonInformed, HeardVia, Sources     []string
	ConsentScopes, IncidentSubtypes, SuspensionOutcomes, Visibilities, Levels, Subtypes    []string
	MeasureKinds                                                                           []string
}

var vocab = func() vocabulary {
	v := vocabulary{Statuses: cases.Strings(cases.Statuses), Rights: decision.Rights, HarmTypes: decision.HarmTypes,
		Mechanisms: decision.Mechanisms, HarmStatuses: decision.HarmStatuses, Outcomes: cases.Strings(decision.Outcomes),
		AIRoles: decision.AIRoles, Involvements: decision.Involvements, Forms: cases.Strings(remedy.Forms),
		Responsible: remedy.Responsible, RemedyMoves: cases.Strings([]remedy.Status{remedy.Offered, remedy.Implemented, remedy.Verified}),
		HumanOversight: grievance.HumanOversight, PersonInformed: grievance.PersonInformed, HeardVia: grievance.HeardVia,
		Sources: cases.Strings(slices.DeleteFunc(slices.Clone(evidence.Sources), func(s evidence.Source) bool { return s == evidence.SourceComplainant })),
		// Staff refer without the identity: only the complainant shares it.
		ConsentScopes:    cases.Strings([]escalation.ConsentScope{escalation.IdentityWithheld, escalation.Anonymous}),
		IncidentSubtypes: incident.Subtypes, SuspensionOutcomes: incident.SuspensionOutcomes,
		Visibilities: cases.Strings(grievance.Visibilities), Levels: []string{"1", "2", "3", "4"},
		MeasureKinds: grievance.MeasureKinds}
	seen := map[string]bool{}
	for _, f := range remedy.Forms {
		for _, s := range remedy.Subtypes[f] {
			if !seen[s] {
				seen[s] = true
				v.Subtypes = append(v.Subtypes, s)
			}
		}
	}
	return v
}()

// Tabs are the workspace's tab navigation, the shown one current.
func (d *caseWorkspace) Tabs() []tabLink {
	var out []tabLink
	for _, k := range tabKeys {
		if k == "access" && !d.AnyCase {
			continue // the access log is for a supervisor or admin of the case's queue
		}
		if hasTab(d.Case.Kind, k) {
			out = append(out, tabLink{Key: k, Title: tabTitles[k], Href: kit.CaseHref(d.Case.ID, k), Current: k == d.Tab})
		}
	}
	return out
}

// TabTitle is the shown tab's name in the catalogues.
func (d *caseWorkspace) TabTitle() string { return tabTitles[d.Tab] }

// PageTitle names the shown tab and the case ("Triage – Case RD-…"), so
// that each tab's title tells it apart.
func (d *caseWorkspace) PageTitle(p *kit.Page) string {
	return p.T(tabTitles[d.Tab]) + " – " + p.T("cw.heading", "Reference", d.Case.Reference)
}

// TitleOf is tab's name in the catalogues.
func (d *caseWorkspace) TitleOf(tab string) string { return tabTitles[tab] }

// TabHref is the address of tab of this case.
func (d *caseWorkspace) TabHref(tab string) string { return kit.CaseHref(d.Case.ID, tab) }

// NextTab is the tab where the case's next step is done.
func (d *caseWorkspace) NextTab() string {
	switch d.Case.Status {
	case cases.StatusAcknowledged:
		return "triage"
	case cases.StatusInReview, cases.StatusPendingApproval, cases.StatusAppealed:
		return "decision"
	case cases.StatusAwaitingComplainant:
		return "messages"
	case cases.StatusDecided, cases.StatusRemedyInProgress:
		return "remedies"
	case cases.StatusEscalated:
		return "escalation"
	case cases.StatusClosed, cases.StatusWithdrawn, cases.StatusRejected:
		return "record"
	}
	return ""
}

// Name is a user's name, or "".
func (d *caseWorkspace) Name(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return d.Names[*id]
}

// NameOf is Name for a value.
func (d *caseWorkspace) NameOf(id uuid.UUID) string { return d.Names[id] }

// Allowed reports whether POST …/transition may move the case to status.
func (d *caseWorkspace) Allowed(status string) bool {
	return slices.Contains(d.Case.AllowedTransitions, status)
}

// OtherTransitions are the moves of the transition form: all but asking
// for information, which has its own form.
func (d *caseWorkspace) OtherTransitions() []string {
	return slices.DeleteFunc(slices.Clone(d.Case.AllowedTransitions), func(s string) bool {
		return s == string(cases.StatusAwaitingComplainant)
	})
}

// PendingDecision is the decision waiting for a second approver, or nil.
func (d *caseWorkspace) PendingDecision() *decision.View {
	for i := range d.Case.Decisions {
		if d.Case.Decisions[i].Status == "pending_approval" {
			return &d.Case.Decisions[i]
		}
	}
	return nil
}

// Decidable reports whether a decision may be recorded now.
func (d *caseWorkspace) Decidable() bool {
	return d.CanDecide && d.Holder && d.Case.Status == cases.StatusInReview
}

// Open reports whether the case's record may still be added to.
func (d *caseWorkspace) Open() bool {
	return d.Case.Status != cases.StatusClosed && d.Case.Status != cases.StatusWithdrawn
}

// Decided reports whether a final decision exists (remedies may follow).
func (d *caseWorkspace) Decided() bool {
	for _, x := range d.Case.Decisions {
		if x.Status == "final" {
			return true
		}
	}
	return false
}

// Breached reports whether any clock is past due.
func (d *caseWorkspace) Breached() bool {
	for _, k := range d.Case.DueDates {
		if k.BreachedAt != nil && k.SatisfiedAt == nil {
			return true
		}
	}
	return false
}

// GDPRClock reports whether the case runs the GDPR reply clock, still open
// (its one-time extension may be noticed).
func (d *caseWorkspace) GDPRClock() bool {
	for _, k := range d.Case.DueDates {
		if k.Clock == "gdpr_reply" && k.SatisfiedAt == nil {
			return true
		}
	}
	return false
}

// Subtypes of a remedy form.
// codes lists a named vocabulary's values for a form's options.

func (d *caseWorkspace) SubtypesOf(form string) []string { return remedy.Subtypes[remedy.Form(form)] }

// Rule is a clock's rule, read from its JSON.
func (d *caseWorkspace) Rule(k grievance.DueDate) map[string]string {
	out := map[string]string{}
	_ = json.Unmarshal(k.Rule, &out)
	return out
}

// PriorityReasons are the reasons the priority is what it is.
func (d *caseWorkspace) PriorityReasons() []map[string]any {
	var out []map[string]any
	_ = json.Unmarshal(d.Case.Classification.PriorityReasons, &out)
	return out
}

// Short is the first 12 hex digits of a hash.
func (d *caseWorkspace) Short(b []byte) string {
	s := hex.EncodeToString(b)
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

// Hex is a hash in hex.
func (d *caseWorkspace) Hex(b []byte) string { return hex.EncodeToString(b) }

// Deref is *s, or "".
func (d *caseWorkspace) Deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Lines joins a list one item a line, for a textarea.
func (d *caseWorkspace) Lines(items []string) string { return strings.Join(items, "\n") }

// Int is *n as text, or "".
func (d *caseWorkspace) Int(n *int) string {
	if n == nil {
		return ""
	}
	return strconv.Itoa(*n)
}

// Has reports whether list holds v.
func (d *caseWorkspace) Has(list []string, v string) bool { return slices.Contains(list, v) }

// load reads everything the workspace shows.
func (w *Pages) load(c *fiber.Ctx, id uuid.UUID) (*caseWorkspace, error) {
	ctx := c.UserContext()
	u := w.Req(c).User
	d, err := w.Grievance.Get(ctx, id)
	if err != nil {
		return nil, err
	}
	ws := &caseWorkspace{Case: d, Me: u.ID, Role: u.Role, AnyCase: httpkit.Actor(c).MayWorkAnyCase(),
		CanAct:     httpkit.Ground(c).MayAct(),
		Supervisor: slices.Contains(auth.Supervisors, u.Role), CanDecide: slices.Contains(auth.Claimers, u.Role),
		Holder: d.AssigneeID != nil && *d.AssigneeID == u.ID, Vocab: vocab}
	for i := 0; i < remedyRows; i++ {
		ws.RemedyRows = append(ws.RemedyRows, i)
	}
	for i := 0; i < redactionRows; i++ {
		ws.RedactionRows = append(ws.RedactionRows, i)
	}
	if httpkit.Ground(c) == access.BreakGlass {
		if ws.BreakGlass, err = w.Access.ActiveGrant(ctx, id, u.ID); err != nil {
			return nil, err
		}
	}
	if d.QueueID != nil {
		if qs, err := w.Review.Queues(ctx, time.Now().UTC(), nil); err == nil {
			for _, q := range qs {
				if q.ID == *d.QueueID {
					ws.QueueName = q.Name
				}
			}
		} else {
			return nil, err
		}
	}
	if ws.Record, err = w.Audit.Entries(ctx, id); err != nil {
		return nil, err
	}
	ws.Verification = audit.Verify(id, ws.Record)
	if ws.Protection, err = w.Grievance.ProtectionOf(ctx, id, false); err != nil {
		return nil, err
	}
	if ws.ProviderRequests, err = w.Grievance.ProviderRequests(ctx, id); err != nil {
		return nil, err
	}
	if ws.Retention, err = w.Retention.StateOf(ctx, id, true); err != nil {
		return nil, err
	}
	if ws.Retention.Erased != nil {
		ws.CanAct = false // nothing can be added to an erased case (410): no form offers to
	}
	if ws.Referrals, err = w.Escalation.CaseReferrals(ctx, id); err != nil {
		return nil, err
	}
	if ws.Bodies, err = w.Escalation.Bodies(ctx, false, "", ""); err != nil {
		return nil, err
	}
	// A signpost-only body is a place to go, not a referral's target.
	ws.Bodies = slices.DeleteFunc(ws.Bodies, func(b escalation.Body) bool { return b.SignpostOnly })
	if ws.Supervisor {
		if ws.Claimers, err = w.Users.Claimers(ctx); err != nil {
			return nil, err
		}
	}
	var ids []uuid.UUID
	add := func(p *uuid.UUID) {
		if p != nil {
			ids = append(ids, *p)
		}
	}
	add(d.AssigneeID)
	add(d.PendingPriorityBy)
	for _, m := range d.Messages {
		add(m.AuthorID)
	}
	for _, x := range d.Decisions {
		add(x.DecidedBy)
		add(x.ApprovedBy)
	}
	for _, e := range d.Evidence {
		add(e.AddedBy)
	}
	for _, p := range d.PointsOfView {
		ids = append(ids, p.RecordedBy)
	}
	for _, x := range d.Disclosures {
		ids = append(ids, x.DisclosedBy)
	}
	if d.AIDecision != nil {
		ids = append(ids, d.AIDecision.RecordedBy)
	}
	for _, r := range d.Remedies {
		add(r.ConditionsApprovedBy)
		add(r.ReasonApprovedBy)
		if r.PendingWithdrawal != nil {
			ids = append(ids, r.PendingWithdrawal.By)
		}
	}
	if x := d.Restitution; x != nil && x.Exemption != nil {
		ids = append(ids, x.Exemption.RequestedBy)
		add(x.Exemption.ApprovedBy)
	}
	for _, e := range ws.Record {
		add(e.ActorID)
	}
	for _, r := range ws.Referrals {
		add(r.RequestedBy)
		for _, m := range r.Messages {
			add(m.AuthorID)
		}
	}
	for _, h := range ws.Retention.Holds {
		ids = append(ids, h.PlacedBy)
		add(h.ReleasedBy)
	}
	if d.Incident != nil {
		for _, t := range d.Incident.Tasks {
			add(t.DoneBy)
		}
	}
	if ws.Names, err = w.Users.Names(ctx, ids); err != nil {
		return nil, err
	}
	return ws, nil
}

// open loads the workspace of the route's case.
func (w *Pages) open(c *fiber.Ctx) (uuid.UUID, *caseWorkspace, error) {
	id, err := caseParam(c)
	if err != nil {
		return uuid.Nil, nil, err
	}
	ws, err := w.load(c, id)
	return id, ws, err
}

// casePage: GET /cases/:id — the case workspace's summary and what to do
// next; GET /cases/:id/:section — one of its tabs.
func (w *Pages) casePage(c *fiber.Ctx) error {
	_, ws, err := w.open(c)
	if err != nil {
		return err
	}
	tab := c.Params("section")
	if !hasTab(ws.Case.Kind, tab) {
		return errNotFound
	}
	ws.Tab = tab
	return w.Render(c, fiber.StatusOK, "staff/case", "cw.title", &kit.Page{Data: ws})
}

// accessPage: GET /cases/:id/access — who opened the case, newest first,
// a page at a time (?cursor=), for a supervisor or admin whose ground lets
// them work it; anyone else who may see the case is refused (403). Reading
// the log is not a look at the case: the route records none.
func (w *Pages) accessPage(c *fiber.Ctx) error {
	if !httpkit.Actor(c).MayWorkAnyCase() {
		return errNotTheirLog
	}
	id, ws, err := w.open(c)
	if err != nil {
		return err
	}
	ws.Tab = "access"
	if ws.Access, err = w.Access.CaseLog(c.UserContext(), id, c.Query("cursor"), access.DefaultLogLimit); err != nil {
		if fault.Is(err, fault.Invalid) {
			return errNotFound // a cursor no page gave: no such page
		}
		return err
	}
	return w.Render(c, fiber.StatusOK, "staff/case", "cw.title", &kit.Page{Data: ws})
}

var errNotTheirLog = fault.New(fault.Forbidden, "forbidden",
	"Only a supervisor or admin of the case's queue may read who opened it.")

// showContact: POST /cases/:id/contact — the workspace's summary with the
// complainant's contact details shown; the route's guard recorded the look.
func (w *Pages) showContact(c *fiber.Ctx) error {
	id, ws, err := w.open(c)
	if err != nil {
		return err
	}
	if ws.Identity, err = w.Grievance.IdentityOf(c.UserContext(), id); err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return w.Render(c, fiber.StatusOK, "staff/case", "cw.title", &kit.Page{Data: ws})
}

var errNotFound = fault.New(fault.NotFound, "not_found", "There is nothing here.")

func caseParam(c *fiber.Ctx) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return uuid.Nil, errNotFound
	}
	return id, nil
}

// action does one action on case id with a posted form and returns the
// flash to show.
type action func(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error)

// do runs an action and redirects to its section, or shows the
// workspace again with the action's error at its form.
func (w *Pages) do(section string, act action) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := caseParam(c)
		if err != nil {
			return err
		}
		// An upload's action reads its own body (never parsed into a form
		// here) and puts what the form had back in form.
		form := url.Values{}
		if !strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
			if form, err = kit.FormValues(c); err != nil {
				return err
			}
		}
		key := section
		if param := sectionParam(section); param != "" {
			key += "-" + c.Params(param)
		}
		flash, err := act(c, id, form)
		if err != nil {
			return w.showError(c, id, key, tabOf[section], form, err)
		}
		return w.SeeOther(c, kit.CaseHref(id, tabOf[section]), flash)
	}
}

// showError shows the workspace's tab with err at the form of section: field
// errors beside the fields and in a summary (422), or a notice with the
// error's own status (409, 403). A case that does not exist is a 404 page.
func (w *Pages) showError(c *fiber.Ctx, id uuid.UUID, section, tab string, form url.Values, err error) error {
	de, ok := fault.As(err)
	if !ok {
		return w.RenderError(c, err)
	}
	ws, lerr := w.load(c, id)
	if lerr != nil {
		return w.RenderError(c, lerr)
	}
	ws.Section = section
	if hasTab(ws.Case.Kind, tab) {
		ws.Tab = tab
	}
	r := w.Req(c)
	p := &kit.Page{Data: ws, Form: form}
	if p.Form == nil {
		p.Form = url.Values{}
	}
	for _, f := range de.Fields {
		msg := kit.FieldMessage(r.Translator, f)
		if id := "cw.error." + f.Code; r.Has(id) {
			msg = r.T(id)
		}
		p.Errors = append(p.Errors, kit.FieldMsg{Field: f.Field, ID: kit.FieldID(section + "." + f.Field), Message: msg})
	}
	if len(p.Errors) == 0 {
		p.Notice = de
	}
	return w.Render(c, httpkit.Status(de.Kind), "staff/case", "cw.title", p)
}

// --- Section-scoped form helpers for the templates ---

func (p *page) section() string {
	if ws, ok := p.Data.(*caseWorkspace); ok {
		return ws.Section
	}
	return ""
}

// CwFailed reports whether the shown error belongs to section's form.
func (p *page) CwFailed(section string) bool {
	return section != "" && p.section() == section && (len(p.Errors) > 0 || p.Notice != nil)
}

// CwErr is field's error in section's form, or "".
func (p *page) CwErr(section, field string) string {
	if p.section() != section {
		return ""
	}
	return p.Err(field)
}

// CwVal is what section's form had for field after an error, else def.
func (p *page) CwVal(section, field string, def any) string {
	if p.section() == section {
		return p.Val(field)
	}
	switch v := def.(type) {
	case nil:
		return ""
	case string:
		return v
	case *string:
		if v == nil {
			return ""
		}
		return *v
	case *int:
		if v == nil {
			return ""
		}
		return strconv.Itoa(*v)
	}
	return fmt.Sprint(def)
}

// CwChecked reports whether value is chosen for field: as posted after an
// error in section's form, else among defs.
func (p *page) CwChecked(section, field, value string, defs ...any) bool {
	if p.section() == section {
		return p.Checked(field, value)
	}
	for _, d := range defs {
		switch v := d.(type) {
		case string:
			if v == value {
				return true
			}
		case *string:
			if v != nil && *v == value {
				return true
			}
		case []string:
			if slices.Contains(v, value) {
				return true
			}
		case bool:
			if v && value == "true" {
				return true
			}
		}
	}
	return false
}

// CwSubtypeChosen reports whether subtype, offered under form, is the kind
// remedy row chose in a form that came back: a kind several forms share
// ("other") is chosen under the row's form only.
func (p *page) CwSubtypeChosen(row, form, subtype string) bool {
	if p.section() != secRemedies || p.Val(row+".subtype") != subtype {
		return false
	}
	if chosen := p.Val(row + ".form"); slices.Contains(remedy.Subtypes[remedy.Form(chosen)], subtype) {
		return chosen == form
	}
	for _, f := range remedy.Forms {
		if slices.Contains(remedy.Subtypes[f], subtype) {
			return string(f) == form
		}
	}
	return false
}

// CwLabel is a field's label in the error summary.
func (p *page) CwLabel(field string) string {
	base := kit.ListField(field)
	if answerField.MatchString(field) {
		base = "answers"
	}
	if id := "cw.field." + base; p.Has(id) {
		if m := rowIndex.FindStringSubmatch(field); m != nil {
			n, _ := strconv.Atoi(m[1])
			return p.T("cw.field.row", "Row", n+1, "Field", p.T(id))
		}
		return p.T(id)
	}
	return field
}

// CwNotice is the text of a form-wide error.
func (p *page) CwNotice() string {
	if p.Notice == nil {
		return ""
	}
	// A code may read differently at one form (four_eyes at a withdrawal).
	if id := "cw.error." + p.Notice.Code + "." + sectionBase(p.section()); p.Has(id) {
		return p.T(id)
	}
	if id := "cw.error." + p.Notice.Code; p.Has(id) {
		return p.T(id)
	}
	return p.NoticeText()
}

var (
	// answerField is a decision's answer to a point of view;
	// answerIndex the domain's name for the n-th answer sent.
	answerField = regexp.MustCompile(`^answers\[([0-9a-f-]{36})\]$`)
	answerIndex = regexp.MustCompile(`^answers\[(\d+)\]`)
	rowIndex    = regexp.MustCompile(`^components\[(\d+)\]`)
)

// --- Reading forms ---

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// localTime reads a datetime-local input ("2026-11-20T14:30", UTC) as RFC
// 3339; anything else is passed on for the domain to name.
func localTime(s string) string {
	s = strings.TrimSpace(s)
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC().Format(time.RFC3339)
		}
	}
	return s
}

// renameFields renames the fields of a domain error (list items to the
// textarea that holds them, component indexes to form rows).
func renameFields(err error, rename func(string) string) error {
	de, ok := fault.As(err)
	if !ok || len(de.Fields) == 0 {
		return err
	}
	out := &fault.Error{Kind: de.Kind, Code: de.Code, Message: de.Message}
	seen := map[string]bool{}
	for _, f := range de.Fields {
		f.Field = rename(f.Field)
		if !seen[f.Field+"\x00"+f.Code] {
			seen[f.Field+"\x00"+f.Code] = true
			out.Fields = append(out.Fields, f)
		}
	}
	return out
}

// approval reads a four-eyes choice: yes, no, or missing (named).
func approval(form url.Values) (bool, error) {
	switch form.Get("approve") {
	case "yes":
		return true, nil
	case "no":
		return false, nil
	}
	var f fault.Fields
	f.Add("approve", "required", "say whether you approve")
	return false, f.Err()
}

// --- The actions ---

func (w *Pages) acknowledge(c *fiber.Ctx, id uuid.UUID, _ url.Values) (string, error) {
	by := httpkit.Actor(c)
	return "cw.flash.acknowledged", w.Grievance.Acknowledge(c.UserContext(), id, by)
}

func (w *Pages) transition(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	_, err := w.Grievance.Transition(c.UserContext(), id, by, cases.Status(form.Get("to")), form.Get("reason"))
	return "cw.flash.moved", err
}

func (w *Pages) requestInformation(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	_, err := w.Grievance.Transition(c.UserContext(), id, by, cases.StatusAwaitingComplainant, form.Get("reason"))
	return "cw.flash.information_requested", err
}

func (w *Pages) message(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	visibility := grievance.Visibility(form.Get("visibility"))
	_, err := w.Grievance.AddMessage(c.UserContext(), id, by, visibility, form.Get("body"))
	if visibility == grievance.VisibilityInternal {
		return "cw.flash.note_added", err
	}
	return "cw.flash.message_sent", err
}

// level reads a 1–4 severity; anything else is 0, which the domain names.
func level(s string) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0
	}
	return n
}

func (w *Pages) triage(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	req := decision.TriageRequest{Scale: level(form.Get("scale")), ScaleRationale: form.Get("scale_rationale"),
		Scope: level(form.Get("scope")), ScopeRationale: form.Get("scope_rationale"),
		Irremediability: level(form.Get("irremediability")), IrremediabilityRationale: form.Get("irremediability_rationale"),
		Rationale: form.Get("rationale"), Rights: form["rights"], HarmTypes: form["harm_types"],
		Mechanisms: form["mechanisms"], HarmStatus: form.Get("harm_status")}
	res, err := w.Decision.Triage(c.UserContext(), id, by, req)
	if err != nil {
		return "", renameFields(err, kit.ListField)
	}
	switch res.Change {
	case "raised":
		return "cw.flash.triaged_raised", nil
	case "pending_approval":
		return "cw.flash.triaged_pending", nil
	}
	return "cw.flash.triaged", nil
}

func (w *Pages) approvePriority(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	ok, err := approval(form)
	if err != nil {
		return "", err
	}
	if err := w.Decision.ApprovePriority(c.UserContext(), id, w.Req(c).User.ID, ok, form.Get("reason")); err != nil {
		return "", err
	}
	if ok {
		return "cw.flash.priority_approved", nil
	}
	return "cw.flash.priority_refused", nil
}

func (w *Pages) extension(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	return "cw.flash.extended", w.Decision.NoticeExtension(c.UserContext(), id, by, "gdpr_reply", form.Get("reasons"))
}

func (w *Pages) aiDecision(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	req := grievance.AIDecisionRequest{SystemVersion: form.Get("system_version"), Inputs: lines(form.Get("inputs")),
		Output: form.Get("output"), HumanOversight: form.Get("human_oversight"), OversightDetail: form.Get("oversight_detail"),
		PersonInformed: form.Get("person_informed"), DecisionReference: form.Get("decision_reference"),
		DecisionDate: strings.TrimSpace(form.Get("decision_date"))}
	switch form.Get("solely_automated") {
	case "true":
		t := true
		req.SolelyAutomated = &t
	case "false":
		f := false
		req.SolelyAutomated = &f
	}
	_, err := w.Grievance.RecordAIDecision(c.UserContext(), id, by, req)
	return "cw.flash.ai_decision", renameFields(err, kit.ListField)
}

// providerRequest sends the AI system's provider a request for
// information, due in due_days days.
func (w *Pages) providerRequest(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	in := grievance.ProviderRequestInput{Questions: form.Get("questions")}
	if v := strings.TrimSpace(form.Get("due_days")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil {
			var f fault.Fields
			f.Add("due_days", "invalid", "must be a whole number of days")
			return "", f.Err()
		}
		in.DueDays = &n
	}
	_, err := w.Grievance.SendProviderRequest(c.UserContext(), id, by, in)
	return "cw.flash.provider_request", err
}

// providerAnswer records the provider's answer to a request.
func (w *Pages) providerAnswer(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return "", errNotFound
	}
	_, err = w.Grievance.AnswerProviderRequest(c.UserContext(), id, rid, by, form.Get("answer"))
	return "cw.flash.provider_answer", err
}

func (w *Pages) pointOfView(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	req := grievance.PointOfViewRequest{HeardVia: form.Get("heard_via"), HeardAt: localTime(form.Get("heard_at")),
		Summary: form.Get("summary")}
	_, err := w.Grievance.RecordPointOfView(c.UserContext(), id, by, req)
	return "cw.flash.point_of_view", err
}

func (w *Pages) decide(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	req := decision.Request{Outcome: decision.Outcome(form.Get("outcome")), Rationale: form.Get("rationale"),
		Signposting: strings.TrimSpace(form.Get("signposting"))}
	req.Attestation.HadAuthority = form.Get("attestation.had_authority") == "true"
	req.Attestation.NotAModelRerun = form.Get("attestation.not_a_model_rerun") == "true"
	req.Involvement.Deployer = form.Get("involvement.deployer")
	req.Involvement.Provider = form.Get("involvement.provider")
	e := decision.Explanation{AIRole: form.Get("explanation.ai_role"), MainFactors: lines(form.Get("explanation.main_factors")),
		Inputs: lines(form.Get("explanation.inputs")), HowToContest: strings.TrimSpace(form.Get("explanation.how_to_contest"))}
	if e.AIRole != "" || len(e.MainFactors) > 0 || len(e.Inputs) > 0 || e.HowToContest != "" {
		req.Explanation = &e
	}
	// answers[<point of view id>]: one textarea per point heard.
	var answered []string // the form field of each answer sent
	keys := make([]string, 0, len(form))
	for k := range form {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		m := answerField.FindStringSubmatch(k)
		if m == nil || strings.TrimSpace(form.Get(k)) == "" {
			continue
		}
		pid, _ := uuid.Parse(m[1])
		req.Answers = append(req.Answers, decision.PointAnswer{PointID: pid, Answer: form.Get(k)})
		answered = append(answered, k)
	}
	status, err := w.Decision.Decide(c.UserContext(), id, by, req)
	if err != nil {
		return "", renameFields(err, func(field string) string {
			if strings.HasPrefix(field, "ai_decision") {
				return "ai_decision" // one line: the record is made on its own tab
			}
			if m := answerIndex.FindStringSubmatch(field); m != nil {
				if n, _ := strconv.Atoi(m[1]); n < len(answered) {
					return answered[n]
				}
			}
			return kit.ListField(field)
		})
	}
	if status == cases.StatusPendingApproval {
		return "cw.flash.decision_pending", nil
	}
	return "cw.flash.decided", nil
}

func (w *Pages) approveDecision(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	ok, err := approval(form)
	if err != nil {
		return "", err
	}
	by := httpkit.Actor(c)
	if err := w.Decision.ApproveDecision(c.UserContext(), id, by, ok, form.Get("reason")); err != nil {
		return "", err
	}
	if ok {
		return "cw.flash.decision_approved", nil
	}
	return "cw.flash.decision_refused", nil
}

// componentFields are a remedy row's fields.
var componentFields = []string{"form", "subtype", "description", "responsible", "responsible_name", "amount", "currency", "due_at",
	"conditions"}

func (w *Pages) proposeRemedies(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	req := remedy.Request{Offer: form.Get("offer") == "true"}
	var rows []int // the form row of each component sent
	for i := 0; i < remedyRows; i++ {
		get := func(f string) string { return strings.TrimSpace(form.Get(fmt.Sprintf("components[%d].%s", i, f))) }
		empty := true
		for _, f := range componentFields {
			if get(f) != "" {
				empty = false
			}
		}
		if empty {
			continue
		}
		rows = append(rows, i)
		// Conditions, one a line, are kept apart from what will be done.
		var conds []string
		for _, line := range strings.Split(get("conditions"), "\n") {
			if line = strings.TrimSpace(line); line != "" {
				conds = append(conds, line)
			}
		}
		req.Components = append(req.Components, remedy.ComponentInput{Form: remedy.Form(get("form")), Subtype: get("subtype"),
			Description: get("description"), Responsible: get("responsible"), ResponsibleName: get("responsible_name"),
			Amount: remedy.Decimal(get("amount")), Currency: strings.ToUpper(get("currency")), DueAt: get("due_at"),
			Conditions: conds})
	}
	_, err := w.Remedy.ProposeRemedies(c.UserContext(), id, by, req)
	if err != nil {
		return "", renameFields(err, func(field string) string {
			if m := rowIndex.FindStringSubmatch(field); m != nil {
				n, _ := strconv.Atoi(m[1])
				if n < len(rows) {
					rest := field[len(m[0]):]
					if strings.HasPrefix(rest, ".conditions[") {
						rest = ".conditions" // one textarea holds them all
					}
					return fmt.Sprintf("components[%d]", rows[n]) + rest
				}
			}
			if field == "components" {
				return "components[0].form"
			}
			return field
		})
	}
	if req.Offer {
		return "cw.flash.remedies_offered", nil
	}
	return "cw.flash.remedies_proposed", nil
}

func (w *Pages) remedyStatus(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return "", errNotFound
	}
	by := httpkit.Actor(c)
	var req remedy.StatusChange
	req.Status = remedy.Status(form.Get("status"))
	req.Evidence.Note = strings.TrimSpace(form.Get("evidence.note"))
	req.Evidence.EvidenceIDs = form["evidence.evidence_ids"]
	err = w.Remedy.SetRemedyStatus(c.UserContext(), id, rid, by, req)
	return "cw.flash.remedy_status", renameFields(err, kit.ListField)
}

func (w *Pages) release(c *fiber.Ctx, id uuid.UUID, _ url.Values) (string, error) {
	if _, err := w.Grievance.Status(c.UserContext(), id); err != nil {
		return "", err
	}
	return "cw.flash.released", w.Review.Release(c.UserContext(), id, httpkit.Actor(c))
}

func (w *Pages) assign(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	var f fault.Fields
	to, err := uuid.Parse(form.Get("user_id"))
	if err != nil {
		f.Add("user_id", "required", "choose a reviewer or supervisor")
		return "", f.Err()
	}
	if _, err := w.Grievance.Status(c.UserContext(), id); err != nil {
		return "", err
	}
	target, err := w.Users.Get(c.UserContext(), to)
	if err != nil || !slices.Contains(auth.Claimers, target.Role) {
		f.Add("user_id", "not_a_reviewer", "no active reviewer or supervisor has that id")
		return "", f.Err()
	}
	return "cw.flash.assigned", w.Review.Assign(c.UserContext(), id, w.Req(c).User.ID, kit.Reviewer(target))
}

func (w *Pages) closeCase(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	return "cw.flash.closed", w.Grievance.Close(c.UserContext(), id, by, form.Get("root_cause"), form.Get("reason"))
}

func (w *Pages) escalate(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	_, err := w.Escalation.Refer(c.UserContext(), id, escalation.Requester{Source: escalation.SourceStaff, Actor: httpkit.Actor(c)},
		escalation.ReferralRequest{BodyID: form.Get("body_id"),
			ConsentScope: escalation.ConsentScope(form.Get("consent_scope")), Reason: form.Get("reason"), LegalBasis: form.Get("legal_basis")})
	return "cw.flash.referred", err
}

func (w *Pages) referralMessage(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return "", errNotFound
	}
	_, err = w.Escalation.AddMessage(c.UserContext(), rid, &id, w.Req(c).User.ID, false,
		escalation.MessageRequest{Body: form.Get("body")})
	return "cw.flash.referral_message", err
}

func (w *Pages) recordIncident(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	var aware time.Time
	if v := strings.TrimSpace(form.Get("aware_at")); v != "" {
		t, err := time.Parse(time.RFC3339, localTime(v))
		if err != nil {
			var f fault.Fields
			f.Add("aware_at", "invalid", "must be a date and time")
			return "", f.Err()
		}
		aware = t
	}
	by := httpkit.Actor(c)
	return "cw.flash.incident", w.Incident.Record(c.UserContext(), id, by, aware, form.Get("subtype"))
}

func (w *Pages) incidentTask(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	req := incident.TaskRequest{Note: form.Get("note"), Outcome: form.Get("outcome"),
		AuthorityReference: form.Get("authority_reference")}
	if v := strings.TrimSpace(form.Get("done_at")); v != "" {
		req.DoneAt = localTime(v)
	}
	return "cw.flash.task_done", w.Incident.CompleteTask(c.UserContext(), id, by, c.Params("task"), req)
}

// --- Files ---

// evidenceFile: GET /cases/:id/evidence/:eid — the file, checked
// against its SHA-256 before a byte is sent, with the API's headers.
func (w *Pages) evidenceFile(c *fiber.Ctx) error {
	id, err := caseParam(c)
	if err != nil {
		return err
	}
	eid, err := uuid.Parse(c.Params("eid"))
	if err != nil {
		return errNotFound
	}
	e, content, err := w.Evidence.Open(c.UserContext(), id, eid)
	if err != nil {
		if errors.Is(err, evidence.ErrTampered) {
			w.Log.ErrorContext(c.UserContext(), "evidence tampering suspected: not served",
				"case_id", id, "evidence_id", eid, "err", err)
		}
		return err
	}
	for _, h := range download.Evidence(e.Filename, e.MediaType, e.SHA256) {
		c.Set(h.Name, h.Value)
	}
	return c.Send(content)
}

// dossierFile: GET /cases/:id/referrals/:rid/dossier(.pdf) — the signed
// dossier of a referral of this case, with its signature.
func (w *Pages) dossierFile(c *fiber.Ctx) error {
	id, err := caseParam(c)
	if err != nil {
		return err
	}
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return errNotFound
	}
	pdf := strings.HasSuffix(c.Path(), ".pdf")
	f, err := w.Escalation.DossierFile(c.UserContext(), rid, &escalation.Viewer{CaseID: &id}, pdf)
	if err != nil {
		return err
	}
	for _, h := range download.Dossier(f.Reference, pdf, f.Signature.KeyID, f.Signature.Value, f.Signature.SHA256) {
		c.Set(h.Name, h.Value)
	}
	return c.Send(f.Bytes)
}

// CwStr is *s, or "".
func (p *page) CwStr(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

var severityFactor = regexp.MustCompile(`^severity: scale (\d), scope (\d), irremediability (\d)$`)

// factors are the priority rule's factors (decision.Priority), by message.
var factors = map[string]string{
	"harm is imminent":               "cw.factor.imminent",
	"harm is ongoing":                "cw.factor.ongoing",
	"children's rights are affected": "cw.factor.children",
	"possible serious incident":      "cw.factor.incident",
	"the complainant is about to lose a job, benefit or home": "cw.factor.imminent_loss",
}

// CwFactor is a priority factor in words.
func (p *page) CwFactor(f string) string {
	if m := severityFactor.FindStringSubmatch(f); m != nil {
		return p.T("cw.factor.severity", "Scale", m[1], "Scope", m[2], "Irremediability", m[3])
	}
	if id, ok := factors[f]; ok {
		return p.T(id)
	}
	return f
}

// CwAction is an entry of the case record in words ("cw.action.<action>"),
// or "a step was recorded" when no catalogue names it: never a code.
func (p *page) CwAction(action string) string {
	if id := "cw.action." + action; p.Has(id) {
		return p.T(id)
	}
	return p.T("cw.action.other")
}
