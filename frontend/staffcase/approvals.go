package staffcase

import (
	"context"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/httpkit"
)

// The second person's approvals in the pages (issue 16): asking to withdraw
// a remedy component and approving it, approving an offer's conditions, an
// exemption from restitution asked for and approved, and a body's order or
// recommendation complied with and verified. Each calls the domain function
// the JSON API calls; the rules (four eyes, who may act) are theirs.

// The forms' sections (see tabOf).
const (
	secWithdraw      = "withdraw"           // + "-<component id>": ask to withdraw, or record a reason
	secWithdrawal    = "withdrawal"         // + "-<component id>": approve a withdrawal
	secConditions    = "conditions"         // + "-<component id>": approve conditions
	secExemption     = "exemption"          // ask for an exemption from restitution
	secExemptionOK   = "exemption-approval" // approve it
	secCompliance    = "compliance"         // + "-<item id>": record compliance
	secVerify        = "verify"             // + "-<item id>": verify compliance
	secSuffixRemedy  = "rid"
	secSuffixBodyItm = "item"
)

func init() {
	for _, s := range []string{secWithdraw, secWithdrawal, secConditions, secExemption, secExemptionOK} {
		tabOf[s] = "remedies"
	}
	tabOf[secCompliance] = "escalation"
	tabOf[secVerify] = "escalation"
}

// sectionParam is the path parameter that tells one form of section from
// its siblings on the page ("" when there is one form).
func sectionParam(section string) string {
	switch section {
	case secRemedyStatus, secReferralMsg, secProviderAns, secWithdraw, secWithdrawal, secConditions:
		return secSuffixRemedy
	case secIncidentTask:
		return "task"
	case secMeasureDone:
		return "mid"
	case secDisclose:
		return "eid"
	case secUnhold:
		return "hid"
	case secCompliance, secVerify:
		return secSuffixBodyItm
	}
	return ""
}

// sectionBase is a section without its "-<id>".
func sectionBase(section string) string {
	if section == secExemptionOK { // the one section whose name holds a "-"
		return section
	}
	base, _, _ := strings.Cut(section, "-")
	return base
}

func remedyParam(c *fiber.Ctx) (uuid.UUID, error) {
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return uuid.Nil, errNotFound
	}
	return rid, nil
}

// remedyReason asks to withdraw a component the complainant has seen (a
// second person approves), or records why one they never saw or declined
// will not be verified.
func (w *Pages) remedyReason(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	rid, err := remedyParam(c)
	if err != nil {
		return "", err
	}
	by := httpkit.Actor(c)
	if err := w.Remedy.RecordRemedyReason(c.UserContext(), id, rid, by, form.Get("reason")); err != nil {
		return "", err
	}
	return "cw.flash.remedy_reason", nil
}

func (w *Pages) approveWithdrawal(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	return remedyApproval(c, id, form, w.Remedy.ApproveRemedyWithdrawal,
		"cw.flash.withdrawal_approved", "cw.flash.withdrawal_refused")
}

func (w *Pages) approveConditions(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	return remedyApproval(c, id, form, w.Remedy.ApproveRemedyConditions,
		"cw.flash.conditions_approved", "cw.flash.conditions_refused")
}

// remedyApproval is a second person's answer about one remedy component
// (a withdrawal, an offer's conditions): the domain's approve decides, and
// the flash says which way it went.
func remedyApproval(c *fiber.Ctx, id uuid.UUID, form url.Values,
	approve func(context.Context, uuid.UUID, uuid.UUID, cases.Actor, bool, string) error, approved, refused string) (string, error) {
	rid, err := remedyParam(c)
	if err != nil {
		return "", err
	}
	ok, err := approval(form)
	if err != nil {
		return "", err
	}
	if err := approve(c.UserContext(), id, rid, httpkit.Actor(c), ok, form.Get("reason")); err != nil {
		return "", err
	}
	if ok {
		return approved, nil
	}
	return refused, nil
}

func (w *Pages) requestExemption(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	if err := w.Remedy.RequestRestitutionExemption(c.UserContext(), id, by, form.Get("reason")); err != nil {
		return "", err
	}
	return "cw.flash.exemption_requested", nil
}

func (w *Pages) approveExemption(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	ok, err := approval(form)
	if err != nil {
		return "", err
	}
	by := httpkit.Actor(c)
	if err := w.Remedy.ApproveRestitutionExemption(c.UserContext(), id, by, ok, form.Get("reason")); err != nil {
		return "", err
	}
	if ok {
		return "cw.flash.exemption_approved", nil
	}
	return "cw.flash.exemption_refused", nil
}

// referralItem reads :rid and :item.
func referralItem(c *fiber.Ctx) (uuid.UUID, uuid.UUID, error) {
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return uuid.Nil, uuid.Nil, errNotFound
	}
	item, err := uuid.Parse(c.Params("item"))
	if err != nil {
		return uuid.Nil, uuid.Nil, errNotFound
	}
	return rid, item, nil
}

func (w *Pages) recordCompliance(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	rid, item, err := referralItem(c)
	if err != nil {
		return "", err
	}
	_, err = w.Escalation.RecordCompliance(c.UserContext(), id, rid, item, httpkit.Actor(c),
		escalation.ComplianceRequest{Evidence: form.Get("evidence"), EvidenceReference: form.Get("evidence_reference")})
	return "cw.flash.compliance_recorded", err
}

func (w *Pages) verifyCompliance(c *fiber.Ctx, id uuid.UUID, _ url.Values) (string, error) {
	rid, item, err := referralItem(c)
	if err != nil {
		return "", err
	}
	_, err = w.Escalation.VerifyCompliance(c.UserContext(), id, rid, item, w.Req(c).User.ID)
	return "cw.flash.compliance_verified", err
}
