// Package portal is the independent bodies' portal (/referrals…): a body's
// user sees the referrals made to their body, and nothing else — each
// referral's dossier (JSON or signed PDF), its status and messages with the
// mechanism. It owns no table and no event: the referrals are
// internal/escalation's; frontend.Mount registers its route table.
package portal

import (
	"encoding/json"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/download"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/paging"
)

// Pages are the bodies' portal, on the page kit.
type Pages struct {
	Escalation *escalation.Service
	*kit.Kit
}

// New gives the portal its service and the kit.
func New(esc *escalation.Service, k *kit.Kit) *Pages { return &Pages{Escalation: esc, Kit: k} }

// Routes are the independent bodies' portal: a body's user sees the
// referrals made to their body, and nothing else.
func (w *Pages) Routes() []httpkit.Route {
	return []httpkit.Route{
		{Method: fiber.MethodGet, Path: "/referrals", Access: httpkit.Staff, Roles: auth.BodyUsers, Handler: w.referralsPage},
		{Method: fiber.MethodGet, Path: "/referrals/:id", Access: httpkit.Staff, Roles: auth.BodyUsers, Handler: w.referralPage},
		{Method: fiber.MethodGet, Path: "/referrals/:id/dossier.json", Access: httpkit.Staff, Roles: auth.BodyUsers, Handler: w.referralDossier(false)},
		{Method: fiber.MethodGet, Path: "/referrals/:id/dossier.pdf", Access: httpkit.Staff, Roles: auth.BodyUsers, Handler: w.referralDossier(true)},
		{Method: fiber.MethodPost, Path: "/referrals/:id/status", Access: httpkit.Staff, Roles: auth.BodyUsers, Handler: w.referralStatus},
		{Method: fiber.MethodPost, Path: "/referrals/:id/messages", Access: httpkit.Staff, Roles: auth.BodyUsers, Handler: w.referralMessage},
	}
}

// referralStatuses are the statuses a referral can be in, for the list's filter.
var referralStatuses = cases.Strings(escalation.ReferralStatuses)

// ReferralList is the data of /referrals.
type ReferralList struct {
	Items    []escalation.ReferralSummary
	Status   string   // the filter, or ""
	Statuses []string // the filter's choices
	Next     string   // the next page's URL, or ""
	Paged    bool     // this is not the first page
}

// referralsPage: GET /referrals?status=&cursor=&limit= — the body's referrals, newest first.
func (w *Pages) referralsPage(c *fiber.Ctx) error {
	status := strings.Clone(c.Query("status"))
	var f fault.Fields
	limit := 0
	if v := c.Query("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > paging.MaxLimit {
			f.Addf("limit", "out_of_range", "must be a whole number from 1 to %d", paging.MaxLimit)
		}
		limit = n
	}
	cursor := paging.PageArgs(&f, &limit, strings.Clone(c.Query("cursor")))
	if err := f.Err(); err != nil {
		return err
	}
	page, err := w.Escalation.Referrals(c.UserContext(), w.Req(c).User.ID, escalation.ReferralStatus(status), cursor, limit)
	if err != nil {
		return err
	}
	d := ReferralList{Items: page.Items, Status: status, Statuses: referralStatuses, Paged: cursor != nil}
	if page.NextCursor != "" {
		q := url.Values{"cursor": {page.NextCursor}}
		if status != "" {
			q.Set("status", status)
		}
		if c.Query("limit") != "" {
			q.Set("limit", strconv.Itoa(limit))
		}
		d.Next = "/referrals?" + q.Encode()
	}
	return w.Render(c, fiber.StatusOK, "body/referrals", "ref.list.title", &kit.Page{Data: d})
}

// ReferralView is the data of /referrals/:id.
type ReferralView struct {
	Ref         *escalation.Referral
	Dossier     *escalation.Dossier
	History     []escalation.HistoryEntry
	Decisions   []RefDecision
	Deadlines   []RefDeadline
	Reasons     []RefPriorityReason
	Disclosures []RefDisclosure
	Redactions  []RefRedaction
	// Me is the signed-in user, to tell their own messages.
	Me uuid.UUID
	// Failed names the form that came back with errors: status or message.
	Failed string
}

// RefDecision is a decision of the dossier with its explanation read.
type RefDecision struct {
	escalation.DecisionFact
	Explained *decision.Explanation
}

// RefDeadline is a clock of the dossier with its rule read.
type RefDeadline struct {
	escalation.DeadlineFact
	RuleSource, RulePeriod, RuleCode string
}

// RefPriorityReason is one factor of the priority and what it alone gives.
type RefPriorityReason struct {
	Factor   string `json:"factor"`
	Priority string `json:"priority"`
}

// RefDisclosure is an identity disclosed after the referral, with its signed addendum read.
type RefDisclosure struct {
	escalation.Disclosure
	Read *escalation.Addendum
}

// RefRedaction is an entry of the redaction log with its reason in the page's language.
type RefRedaction struct {
	escalation.Redaction
	Why string
}

// redactionReason says why a field was withheld or masked, in the page's
// language where the reason is one the redaction rules give; else as the
// dossier says it.
func redactionReason(t *kit.Translator, r escalation.Redaction) string {
	key := ""
	switch {
	case r.Field == "handling.messages" && r.Action == "withheld":
		key = "internal_notes"
	case r.Field == "chronology.actor":
		key = "staff_roles"
	case strings.HasPrefix(r.Field, "complainant.") && r.Action == "withheld":
		key = "no_consent"
	case r.Action == "masked":
		key = "masked"
	case r.Field == "contested_decision.decision_reference":
		key = "decision_reference"
	case r.Field == "evidence.filename":
		key = "evidence_names"
	case r.Field == "contested_decision.inputs":
		key = "anon_inputs"
	case r.Field == "handling.messages.body":
		key = "anon_messages"
	case r.Field == "dates":
		key = "anon_dates"
	case r.Field == "case.reference":
		key = "anon_reference"
	case r.Field == "case.filed_anonymously":
		key = "anon_flag"
	}
	if id := "ref.redaction." + key; key != "" && t.Has(id) {
		return t.T(id)
	}
	return r.Reason
}

// errNoReferral is a referral id that is not one, or not this body's: the
// page is not found, and says nothing of whether it exists.
var errNoReferral = fault.New(fault.NotFound, "not_found", "There is nothing here.")

func referralID(c *fiber.Ctx) (uuid.UUID, error) {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return uuid.Nil, errNoReferral
	}
	return id, nil
}

// viewer is the signed-in body user, as the escalation service knows them.
func (w *Pages) viewer(c *fiber.Ctx) *escalation.Viewer {
	id := w.Req(c).User.ID
	return &escalation.Viewer{BodyUser: &id}
}

// referralView reads everything the referral page shows.
func (w *Pages) referralView(c *fiber.Ctx, id uuid.UUID) (*ReferralView, error) {
	ctx, v := c.UserContext(), w.viewer(c)
	r, err := w.Escalation.Referral(ctx, id, v)
	if fault.Is(err, fault.NotFound) {
		return nil, errNoReferral
	}
	if err != nil {
		return nil, err
	}
	out := &ReferralView{Ref: r, Me: *v.BodyUser, Dossier: &escalation.Dossier{}}
	if err := json.Unmarshal(r.Dossier, out.Dossier); err != nil {
		return nil, err
	}
	if out.History, err = w.Escalation.ReferralHistory(ctx, id, v); err != nil {
		return nil, err
	}
	for _, d := range out.Dossier.Handling.Decisions {
		rd := RefDecision{DecisionFact: d}
		// A dossier signed before the outcomes were renamed keeps the old
		// names (it never changes); the body reads the current label.
		rd.Outcome = decision.CurrentOutcome(d.Outcome)
		if len(d.Explanation) > 0 && string(d.Explanation) != "null" {
			var e decision.Explanation
			if json.Unmarshal(d.Explanation, &e) == nil {
				rd.Explained = &e
			}
		}
		out.Decisions = append(out.Decisions, rd)
	}
	for _, k := range out.Dossier.Deadlines {
		var rule struct{ Code, Source, Period string }
		_ = json.Unmarshal(k.Rule, &rule)
		out.Deadlines = append(out.Deadlines, RefDeadline{DeadlineFact: k, RuleCode: rule.Code, RuleSource: rule.Source,
			RulePeriod: rule.Period})
	}
	_ = json.Unmarshal(out.Dossier.Classification.PriorityReasons, &out.Reasons)
	for _, x := range out.Dossier.Redactions {
		out.Redactions = append(out.Redactions, RefRedaction{Redaction: x, Why: redactionReason(w.Req(c).Translator, x)})
	}
	for _, d := range r.Disclosures {
		rd := RefDisclosure{Disclosure: d}
		if len(d.Addendum) > 0 {
			var a escalation.Addendum
			if json.Unmarshal(d.Addendum, &a) == nil {
				rd.Read = &a
			}
		}
		out.Disclosures = append(out.Disclosures, rd)
	}
	return out, nil
}

// referralPage: GET /referrals/:id — the referral, its dossier, its messages
// and the forms to act on it. Another body's referral is not found.
func (w *Pages) referralPage(c *fiber.Ctx) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	v, err := w.referralView(c, id)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "body/referral", "ref.detail.title", &kit.Page{Data: v})
}

// referralDossier: GET /referrals/:id/dossier.json and …/dossier.pdf — the
// exact signed bytes, with the headers GET /api/v1/referrals/{id}/dossier sets.
func (w *Pages) referralDossier(pdf bool) fiber.Handler {
	return func(c *fiber.Ctx) error {
		id, err := referralID(c)
		if err != nil {
			return err
		}
		f, err := w.Escalation.DossierFile(c.UserContext(), id, w.viewer(c), pdf)
		if fault.Is(err, fault.NotFound) {
			return errNoReferral
		}
		if err != nil {
			return err
		}
		for _, h := range download.Dossier(f.Reference, pdf, f.Signature.KeyID, f.Signature.Value, f.Signature.SHA256) {
			c.Set(h.Name, h.Value)
		}
		return c.Send(f.Bytes)
	}
}

// referralStatus: POST /referrals/:id/status {status, outcome} — the body's
// own status of the referral; a move the referral's status does not allow
// is refused (409) with the moves it does.
func (w *Pages) referralStatus(c *fiber.Ctx) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	_, err = w.Escalation.SetStatus(c.UserContext(), id, w.Req(c).User.ID,
		escalation.StatusRequest{Status: escalation.ReferralStatus(form.Get("status")), Outcome: form.Get("outcome")})
	if err != nil {
		return w.referralFormError(c, id, "status", form, err)
	}
	return w.SeeOther(c, "/referrals/"+id.String()+"#status", "ref.flash.status")
}

// referralMessage: POST /referrals/:id/messages {body} — to the organisation.
func (w *Pages) referralMessage(c *fiber.Ctx) error {
	id, err := referralID(c)
	if err != nil {
		return err
	}
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	_, err = w.Escalation.AddMessage(c.UserContext(), id, nil, w.Req(c).User.ID, true,
		escalation.MessageRequest{Body: form.Get("body"), ToComplainant: form.Get("to_complainant") == "true"})
	if err != nil {
		return w.referralFormError(c, id, "message", form, err)
	}
	return w.SeeOther(c, "/referrals/"+id.String()+"#messages", "ref.flash.message")
}

// referralFormError shows the referral page again with a form's error: its
// field errors (422), or a refusal (409) saying which moves the referral
// allows now. A referral that is not this body's is not found.
func (w *Pages) referralFormError(c *fiber.Ctx, id uuid.UUID, which string, form url.Values, err error) error {
	de, ok := fault.As(err)
	if !ok || de.Kind == fault.NotFound {
		if ok {
			return errNoReferral
		}
		return err
	}
	v, verr := w.referralView(c, id)
	if verr != nil {
		return verr
	}
	v.Failed = which
	if de.Code == "illegal_transition" {
		r := w.Req(c)
		allowed := make([]string, 0, len(v.Ref.AllowedStatuses))
		for _, s := range v.Ref.AllowedStatuses {
			allowed = append(allowed, r.OptionLabel("ref.status", string(s)))
		}
		msg := r.T("ref.refused.closed", "From", r.OptionLabel("ref.status", string(v.Ref.Status)))
		if len(allowed) > 0 {
			msg = r.T("ref.refused.move", "From", r.OptionLabel("ref.status", string(v.Ref.Status)),
				"To", r.OptionLabel("ref.status", refKnownStatus(form.Get("status"))), "Allowed", strings.Join(allowed, " · "))
		}
		err = fault.New(fault.Conflict, "ref_illegal_transition", msg)
	}
	return w.FormError(c, err, "body/referral", "ref.detail.title", &kit.Page{Data: v, Form: form, Labels: "ref"})
}

// refKnownStatus is s when it is a status, else "unknown" (never a raw value in a message id).
func refKnownStatus(s string) string {
	if slices.Contains(referralStatuses, s) {
		return s
	}
	return "unknown"
}
