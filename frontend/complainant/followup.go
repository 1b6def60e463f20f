package complainant

import (
	"encoding/json"
	"errors"
	"net/url"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/casecopy"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/download"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/sla"
)

// caseData is the complainant's case page: the same view as GET
// /api/v1/complainant/case, put in the page's language.
type caseData struct {
	View      *grievance.ComplainantView
	Referrals []escalation.ComplainantReferral
	Dues      []dueRow
	Timeline  []eventRow
	Remedies  []remedy.ComponentView
	Bodies    []escalation.Body
	Appeal    ruleText
	// EscalationBodies are the bodies the complainant may still ask for:
	// every public body but those the case is already with.
	EscalationBodies []escalation.Body
	// Open says the case still takes messages and evidence.
	Open        bool
	CanEvidence bool
	// Scopes are the consent choices that can apply: an anonymous
	// complainant has no identity to share.
	Scopes        []string
	Satisfactions []int
	// ShowAppeal: an appeal can be made now, or was made; ShowFeedback:
	// the complainant may rate the process now, or did.
	ShowAppeal, ShowFeedback bool
	// Looks are who opened the complainant's details, by role and day
	// (never names): the access log as GET /api/v1/complainant/case gives it.
	Looks []lookRow
	// Protection: measures for their consent, check-ins, linked cases (protection.go).
	Protection *protectionData
	// Retention: whether the case is erased, and the complainant's latest
	// request for erasure (erasure.go).
	Retention *retention.CaseState
	// ErasureDays: how many days after the request an erasure happens.
	ErasureDays int
}

// lookRow is one line of "Who has opened your details": its message
// ("followup.access.<role>.<what>", which takes the Date) and the day.
type lookRow struct {
	ID  string
	Day time.Time
}

// dueRow is one clock: what we promise, by when, and the rule that set the date.
type dueRow struct {
	Clock, Promise, State string
	DueAt                 *time.Time
	Done                  *time.Time
	Rule                  ruleText
}

// eventRow is a timeline entry: when, and who did what, in one sentence.
type eventRow struct {
	At    time.Time
	Label string
}

// followUpPage: GET /follow-up — the sign-in form, or the case.
func (w *Pages) followUpPage(c *fiber.Ctx) error {
	if w.Req(c).CaseID == nil {
		return w.Render(c, fiber.StatusOK, "complainant/followup", "followup.title", &kit.Page{})
	}
	return w.renderCase(c, fiber.StatusOK, &kit.Page{})
}

// openFollowUp: POST /follow-up {code} — or, for a complaint filed before
// codes, {reference, receipt} — opens the case, as POST
// /api/v1/complainant/session does; every wrong code gets one answer, and
// every wrong pair another.
func (w *Pages) openFollowUp(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	delete(form, kit.CSRFField)
	p := &kit.Page{Form: form}
	code := strings.TrimSpace(form.Get("code"))
	reference, receipt := strings.TrimSpace(form.Get("reference")), strings.TrimSpace(form.Get("receipt"))
	form.Del("code")    // never shown again
	form.Del("receipt") // never shown again
	var f fault.Fields
	switch {
	case code != "":
	case reference == "" && receipt == "":
		f.Add("code", "required", "is required")
	default:
		if reference == "" {
			f.Add("reference", "required", "is required")
		}
		if receipt == "" {
			f.Add("receipt", "required", "is required")
		}
	}
	if err := f.Err(); err != nil {
		return w.formError(c, err, "complainant/followup", "followup.title", p, "")
	}
	var caseID uuid.UUID
	if code != "" {
		form.Del("reference") // the code was used, not the pair
		caseID, err = w.Grievance.OpenSessionByCode(c.UserContext(), code)
	} else {
		caseID, err = w.Grievance.OpenSession(c.UserContext(), reference, receipt)
	}
	if err != nil {
		return w.formError(c, err, "complainant/followup", "followup.title", p, "")
	}
	if err := w.signInToCase(c, caseID, true); err != nil {
		return err
	}
	return w.SeeOther(c, "/follow-up", "followup.opened")
}

// renderCase renders the case page with status (and p's form errors).
func (w *Pages) renderCase(c *fiber.Ctx, status int, p *kit.Page) error {
	d, err := w.caseData(c)
	if err != nil {
		return err
	}
	p.Data = d
	return w.Render(c, status, "complainant/case", "followup.case_title", p)
}

func (w *Pages) caseData(c *fiber.Ctx) (*caseData, error) {
	r := w.Req(c)
	ctx := c.UserContext()
	v, err := w.Grievance.ForComplainant(ctx, *r.CaseID)
	if err != nil {
		return nil, err
	}
	refs, err := w.Escalation.ForComplainant(ctx, *r.CaseID)
	if err != nil {
		return nil, err
	}
	bodies, err := w.caseBodies(c, *r.CaseID)
	if err != nil {
		return nil, err
	}
	idx, err := w.ruleIndex(c)
	if err != nil {
		return nil, err
	}
	looks, err := w.Access.ForComplainant(ctx, *r.CaseID, w.TimeZone)
	if err != nil {
		return nil, err
	}
	d := &caseData{View: v, Referrals: refs, Bodies: bodies, Satisfactions: []int{1, 2, 3, 4, 5},
		Open: v.Status != cases.StatusWithdrawn}
	prot, err := w.Grievance.ProtectionOf(ctx, *r.CaseID, true)
	if err != nil {
		return nil, err
	}
	d.Protection = newProtectionData(prot)
	if d.Retention, err = w.Retention.StateOf(ctx, *r.CaseID, false); err != nil {
		return nil, err
	}
	d.ErasureDays = int(w.Retention.Delay / (24 * time.Hour))
	if d.Retention.Erased != nil {
		// Nothing may be added to an erased case: no form offers it.
		d.Open = false
	}
	for _, scope := range escalation.ConsentScopes {
		if !(v.Anonymous && scope == escalation.IdentityShared) {
			d.Scopes = append(d.Scopes, string(scope))
		}
	}
	with := map[uuid.UUID]bool{}
	for _, ref := range refs {
		if ref.Status != "closed" {
			with[ref.Body.ID] = true
		}
	}
	for _, b := range bodies {
		if !with[b.ID] && !b.SignpostOnly { // a court, legal aid, a union: a place to go, not to refer to
			d.EscalationBodies = append(d.EscalationBodies, b)
		}
	}
	d.ShowAppeal = v.Appeal.CanAppeal || v.Appeal.State != nil
	d.ShowFeedback = v.Feedback.Asked || v.Feedback.Given
	if d.Retention.Erased != nil {
		d.EscalationBodies = nil
	}
	d.CanEvidence = d.Open && v.Status != cases.StatusClosed && len(v.Evidence) < evidence.MaxComplainant
	for _, due := range v.DueDates {
		var rule sla.Rule
		_ = json.Unmarshal(due.Rule, &rule)
		row := dueRow{Clock: string(due.Clock), Promise: r.OptionLabel("cp.clock", string(due.Clock)), DueAt: due.DueAt, Done: due.SatisfiedAt,
			Rule: idx.text(r, rule)}
		if due.Clock == sla.Remedy && v.Decision != nil {
			// The words follow the outcome: nothing to put right after a confirmed decision.
			row.Promise = r.T(remedy.PromiseKey(v.Decision.Outcome))
		}
		switch {
		case due.Unmet:
			row.State = "missed" // ended, but an offer was withdrawn: not done
		case due.SatisfiedAt != nil:
			row.State = "done"
		case due.DueAt == nil:
			row.State = "paused"
		case due.BreachedAt != nil:
			row.State = "missed"
		default:
			row.State = "due"
		}
		d.Dues = append(d.Dues, row)
	}
	for _, l := range looks {
		d.Looks = append(d.Looks, lookRow{ID: "followup.access." + string(l.Role) + "." + string(l.What), Day: l.Day.Time})
	}
	for _, e := range v.Timeline {
		d.Timeline = append(d.Timeline, eventRow{At: e.At, Label: actionLabel(r, e.Action, e.Actor)})
	}
	for _, rc := range v.Remedies {
		if rc.Status != remedy.Proposed {
			d.Remedies = append(d.Remedies, rc)
		}
	}
	if a := v.Appeal; a.Rule != nil {
		d.Appeal = idx.text(r, *a.Rule)
	}
	return d, nil
}

// actionLabel is a timeline entry in plain words, naming who did it where
// it matters ("cp.action.<action>.<actor>": "You sent a message", "The
// reviewer sent you a message"), else the action's own words; an action
// this page has no words for is "an update".
func actionLabel(r *kit.Request, action, actor string) string {
	id := "cp.action." + strings.ReplaceAll(action, ".", "_")
	if by := id + "." + actor; r.Has(by) {
		return r.T(by)
	}
	if r.Has(id) {
		return r.T(id)
	}
	return r.T("cp.action.other")
}

// CanRespond says whether the complainant may accept or decline an offer.
func (d *caseData) CanRespond(rc remedy.ComponentView) bool {
	return rc.Status == remedy.Offered && rc.SystemicIssueID == nil && rc.ReasonAt == nil
}

// actionError re-renders the case page with the action's errors, its fields
// named "<prefix>.<field>".
func (w *Pages) actionError(c *fiber.Ctx, err error, prefix string) error {
	d, derr := w.caseData(c)
	if derr != nil {
		return derr
	}
	return w.formError(c, err, "complainant/case", "followup.case_title", &kit.Page{Data: d}, prefix)
}

// followUpMessage: POST /follow-up/messages {body}.
func (w *Pages) followUpMessage(c *fiber.Ctx) error {
	body := strings.TrimSpace(c.FormValue("body"))
	if _, err := w.Grievance.AddMessage(c.UserContext(), *w.Req(c).CaseID, cases.Actor{Kind: audit.ActorComplainant},
		grievance.VisibilityComplainant, body); err != nil {
		return w.actionError(c, err, "message")
	}
	return w.SeeOther(c, "/follow-up#messages", "followup.message_sent")
}

// followUpRemedy: POST /follow-up/remedies/:rid/response {accept, comment}.
func (w *Pages) followUpRemedy(c *fiber.Ctx) error {
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return fault.New(fault.NotFound, "remedy_not_found", "There is no such offer.")
	}
	accept := boolField(c, "accept")
	if err := w.Remedy.RespondToRemedy(c.UserContext(), *w.Req(c).CaseID, rid, accept,
		strings.TrimSpace(c.FormValue("comment"))); err != nil {
		return w.actionError(c, err, "remedy."+rid.String())
	}
	flash := "followup.remedy_declined"
	if *accept {
		flash = "followup.remedy_accepted"
	}
	return w.SeeOther(c, "/follow-up#remedies", flash)
}

// followUpAppeal: POST /follow-up/appeal {reason}.
func (w *Pages) followUpAppeal(c *fiber.Ctx) error {
	if err := w.Decision.Appeal(c.UserContext(), *w.Req(c).CaseID, c.FormValue("reason")); err != nil {
		return w.actionError(c, err, "appeal")
	}
	return w.SeeOther(c, "/follow-up#appeal", "followup.appealed")
}

// followUpEscalation: POST /follow-up/escalations {body_id, consent_scope, reason}.
func (w *Pages) followUpEscalation(c *fiber.Ctx) error {
	req := escalation.ReferralRequest{BodyID: strings.Clone(c.FormValue("body_id")),
		ConsentScope: escalation.ConsentScope(strings.Clone(c.FormValue("consent_scope"))), Reason: strings.Clone(c.FormValue("reason"))}
	if _, err := w.Escalation.Refer(c.UserContext(), *w.Req(c).CaseID,
		escalation.Requester{Source: escalation.SourceComplainant}, req); err != nil {
		return w.actionError(c, err, "escalation")
	}
	return w.SeeOther(c, "/follow-up#escalation", "followup.escalated")
}

// followUpReferralAnswer: POST /follow-up/referrals/:rid/messages {body} — the
// complainant answers a body that wrote to them.
func (w *Pages) followUpReferralAnswer(c *fiber.Ctx) error {
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return fault.New(fault.NotFound, "referral_not_found", "There is no such referral.")
	}
	if _, err := w.Escalation.ComplainantAnswer(c.UserContext(), *w.Req(c).CaseID, rid,
		escalation.MessageRequest{Body: strings.Clone(c.FormValue("body"))}); err != nil {
		return w.actionError(c, err, "answer."+rid.String())
	}
	return w.SeeOther(c, "/follow-up#referral-"+rid.String(), "followup.answer_sent")
}

// followUpFeedback: POST /follow-up/feedback {satisfaction, comment}.
func (w *Pages) followUpFeedback(c *fiber.Ctx) error {
	var satisfaction *int
	if n, err := strconv.Atoi(c.FormValue("satisfaction")); err == nil {
		satisfaction = &n
	}
	if err := w.Grievance.Feedback(c.UserContext(), *w.Req(c).CaseID, satisfaction, c.FormValue("comment")); err != nil {
		return w.actionError(c, err, "feedback")
	}
	return w.SeeOther(c, "/follow-up#feedback", "followup.feedback_given")
}

// followUpEvidence: POST /follow-up/evidence (multipart: _csrf, file,
// description), as POST /api/v1/complainant/case/evidence. The csrf
// middleware has checked the form's _csrf part; the body is read part by
// part here, hashed as it goes, and never spilled to disk. A refused upload
// shows the page again with what was typed; the file must be chosen again
// (a browser never keeps it), and the form says so.
func (w *Pages) followUpEvidence(c *fiber.Ctx) error {
	in, err := httpkit.EvidenceForm(c, true, kit.CSRFField)
	err = kit.UploadRefusal(err, "file", "description")
	if err == nil {
		_, err = w.Grievance.AddEvidence(c.UserContext(), *w.Req(c).CaseID, cases.Actor{Kind: audit.ActorComplainant}, in)
	}
	if err != nil {
		d, derr := w.caseData(c)
		if derr != nil {
			return derr
		}
		// The form's values from the parsed upload, not from a second
		// parse of the body (which would spill a large file to disk).
		form := url.Values{"description": {in.Description}}
		return w.formError(c, err, "complainant/case", "followup.case_title", &kit.Page{Data: d, Form: form}, "evidence")
	}
	return w.SeeOther(c, "/follow-up#evidence", "followup.evidence_added")
}

// followUpEvidenceFile: GET /follow-up/evidence/:eid — a file the
// complainant added to their case, checked against its SHA-256 before a
// byte is sent, with the same headers as staff's downloads.
func (w *Pages) followUpEvidenceFile(c *fiber.Ctx) error {
	eid, err := uuid.Parse(c.Params("eid"))
	if err != nil {
		return fault.New(fault.NotFound, "not_found", "There is nothing here.")
	}
	e, content, err := w.Evidence.OpenComplainant(c.UserContext(), *w.Req(c).CaseID, eid)
	if err != nil {
		if errors.Is(err, evidence.ErrTampered) {
			w.Log.ErrorContext(c.UserContext(), "evidence tampering suspected: not served",
				"case_id", *w.Req(c).CaseID, "evidence_id", eid, "err", err)
		}
		return err
	}
	for _, h := range download.Evidence(e.Filename, e.MediaType, e.SHA256) {
		c.Set(h.Name, h.Value)
	}
	return c.Send(content)
}

// followUpCopy: GET /follow-up/copy.pdf and /follow-up/copy.json [?lang=] —
// the complainant's copy of their case (internal/casecopy), as GET
// /api/v1/complainant/case/export gives it; the page links to it in the
// language it is read in.
func (w *Pages) followUpCopy(c *fiber.Ctx) error {
	format := strings.TrimPrefix(path.Ext(c.Path()), ".")
	src := casecopy.Sources{Grievance: w.Grievance, Escalation: w.Escalation, Access: w.Access, Retention: w.Retention, TimeZone: w.TimeZone,
		Words: func(lang string) casecopy.Words { return w.I18n.Translator(lang, nil) }}
	f, err := src.Export(c.UserContext(), *w.Req(c).CaseID, format, strings.Clone(c.Query("lang")))
	if err != nil {
		return err
	}
	for _, h := range f.Headers() {
		c.Set(h.Name, h.Value)
	}
	return c.Send(f.Body)
}
