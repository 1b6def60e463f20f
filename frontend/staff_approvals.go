package frontend

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

// The forms' sections (see cwTabOf).
const (
	cwSecWithdraw      = "withdraw"           // + "-<component id>": ask to withdraw, or record a reason
	cwSecWithdrawal    = "withdrawal"         // + "-<component id>": approve a withdrawal
	cwSecConditions    = "conditions"         // + "-<component id>": approve conditions
	cwSecExemption     = "exemption"          // ask for an exemption from restitution
	cwSecExemptionOK   = "exemption-approval" // approve it
	cwSecCompliance    = "compliance"         // + "-<item id>": record compliance
	cwSecVerify        = "verify"             // + "-<item id>": verify compliance
	cwSecSuffixRemedy  = "rid"
	cwSecSuffixBodyItm = "item"
)

func init() {
	for _, s := range []string{cwSecWithdraw, cwSecWithdrawal, cwSecConditions, cwSecExemption, cwSecExemptionOK} {
		cwTabOf[s] = "remedies"
	}
	cwTabOf[cwSecCompliance] = "escalation"
	cwTabOf[cwSecVerify] = "escalation"
}

// cwSectionParam is the path parameter that tells one form of section from
// its siblings on the page ("" when there is one form).
func cwSectionParam(section string) string {
	switch section {
	case cwSecRemedyStatus, cwSecReferralMsg, cwSecProviderAns, cwSecWithdraw, cwSecWithdrawal, cwSecConditions:
		return cwSecSuffixRemedy
	case cwSecIncidentTask:
		return "task"
	case cwSecMeasureDone:
		return "mid"
	case cwSecDisclose:
		return "eid"
	case cwSecCompliance, cwSecVerify:
		return cwSecSuffixBodyItm
	}
	return ""
}

// cwSectionBase is a section without its "-<id>".
func cwSectionBase(section string) string {
	if section == cwSecExemptionOK { // the one section whose name holds a "-"
		return section
	}
	base, _, _ := strings.Cut(section, "-")
	return base
}

func cwRemedyParam(c *fiber.Ctx) (uuid.UUID, error) {
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return uuid.Nil, errCwNotFound
	}
	return rid, nil
}

// cwRemedyReason asks to withdraw a component the complainant has seen (a
// second person approves), or records why one they never saw or declined
// will not be verified.
func (w *Web) cwRemedyReason(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	rid, err := cwRemedyParam(c)
	if err != nil {
		return "", err
	}
	by := httpkit.Actor(c)
	if err := w.Remedy.RecordRemedyReason(c.UserContext(), id, rid, by, form.Get("reason")); err != nil {
		return "", err
	}
	return "cw.flash.remedy_reason", nil
}

func (w *Web) cwApproveWithdrawal(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	return cwRemedyApproval(c, id, form, w.Remedy.ApproveRemedyWithdrawal,
		"cw.flash.withdrawal_approved", "cw.flash.withdrawal_refused")
}

func (w *Web) cwApproveConditions(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	return cwRemedyApproval(c, id, form, w.Remedy.ApproveRemedyConditions,
		"cw.flash.conditions_approved", "cw.flash.conditions_refused")
}

// cwRemedyApproval is a second person's answer about one remedy component
// (a withdrawal, an offer's conditions): the domain's approve decides, and
// the flash says which way it went.
func cwRemedyApproval(c *fiber.Ctx, id uuid.UUID, form url.Values,
	approve func(context.Context, uuid.UUID, uuid.UUID, cases.Actor, bool, string) error, approved, refused string) (string, error) {
	rid, err := cwRemedyParam(c)
	if err != nil {
		return "", err
	}
	ok, err := cwApproval(form)
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

func (w *Web) cwRequestExemption(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	if err := w.Remedy.RequestRestitutionExemption(c.UserContext(), id, by, form.Get("reason")); err != nil {
		return "", err
	}
	return "cw.flash.exemption_requested", nil
}

func (w *Web) cwApproveExemption(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	ok, err := cwApproval(form)
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

// cwReferralItem reads :rid and :item.
func cwReferralItem(c *fiber.Ctx) (uuid.UUID, uuid.UUID, error) {
	rid, err := uuid.Parse(c.Params("rid"))
	if err != nil {
		return uuid.Nil, uuid.Nil, errCwNotFound
	}
	item, err := uuid.Parse(c.Params("item"))
	if err != nil {
		return uuid.Nil, uuid.Nil, errCwNotFound
	}
	return rid, item, nil
}

func (w *Web) cwRecordCompliance(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	rid, item, err := cwReferralItem(c)
	if err != nil {
		return "", err
	}
	_, err = w.Escalation.RecordCompliance(c.UserContext(), id, rid, item, httpkit.Actor(c),
		escalation.ComplianceRequest{Evidence: form.Get("evidence"), EvidenceReference: form.Get("evidence_reference")})
	return "cw.flash.compliance_recorded", err
}

func (w *Web) cwVerifyCompliance(c *fiber.Ctx, id uuid.UUID, _ url.Values) (string, error) {
	rid, item, err := cwReferralItem(c)
	if err != nil {
		return "", err
	}
	_, err = w.Escalation.VerifyCompliance(c.UserContext(), id, rid, item, w.Req(c).User.ID)
	return "cw.flash.compliance_verified", err
}
