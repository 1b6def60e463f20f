package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/redresshq/redress/internal/httpkit"
)

// Remedies that hold (issue 16): the second person's approvals.

// approveRemedyWithdrawal: POST /api/v1/cases/{id}/remedies/{rid}/withdrawal/approve {approve, reason}.
func (a *API) approveRemedyWithdrawal(c *fiber.Ctx) error {
	id, rid, err := caseAndRemedy(c)
	if err != nil {
		return err
	}
	approve, reason, err := decodeApproval(c, "true withdraws the offer with the reason asked for; false keeps it (give a reason)")
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Remedy.ApproveRemedyWithdrawal(c.UserContext(), id, rid, by, approve, reason); err != nil {
		return err
	}
	return a.getCase(c)
}

// approveSystemicRemedyWithdrawal: POST /api/v1/systemic-issues/{id}/remedies/{rid}/withdrawal/approve {approve, reason}.
func (a *API) approveSystemicRemedyWithdrawal(c *fiber.Ctx) error {
	id, rid, err := ownerAndRemedy(c, "systemic issue")
	if err != nil {
		return err
	}
	approve, reason, err := decodeApproval(c, "true withdraws the guarantee with the reason asked for; false keeps it (give a reason)")
	if err != nil {
		return err
	}
	if err := a.Remedy.ApproveSystemicRemedyWithdrawal(c.UserContext(), id, rid, httpkit.Actor(c), approve, reason); err != nil {
		return err
	}
	return a.systemicRemedies(c)
}

// approveRemedyConditions: POST /api/v1/cases/{id}/remedies/{rid}/conditions/approve {approve, reason}.
func (a *API) approveRemedyConditions(c *fiber.Ctx) error {
	id, rid, err := caseAndRemedy(c)
	if err != nil {
		return err
	}
	approve, reason, err := decodeApproval(c, "true lets the component be offered with its conditions; false refuses them (give a reason)")
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Remedy.ApproveRemedyConditions(c.UserContext(), id, rid, by, approve, reason); err != nil {
		return err
	}
	return a.getCase(c)
}

// requestRestitutionExemption: POST /api/v1/cases/{id}/restitution-exemption {reason}.
func (a *API) requestRestitutionExemption(c *fiber.Ctx) error {
	id, req, err := caseRequest[reasonBody](c)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Remedy.RequestRestitutionExemption(c.UserContext(), id, by, req.Reason); err != nil {
		return err
	}
	return a.getCase(c)
}

// approveRestitutionExemption: POST /api/v1/cases/{id}/restitution-exemption/approve {approve, reason}.
func (a *API) approveRestitutionExemption(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	approve, reason, err := decodeApproval(c, "true approves the exemption from restitution; false refuses it (give a reason)")
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Remedy.ApproveRestitutionExemption(c.UserContext(), id, by, approve, reason); err != nil {
		return err
	}
	return a.getCase(c)
}
