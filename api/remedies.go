package api

import (
	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/remedy"
)

// caseAndRemedy reads {id} and {rid}.
func caseAndRemedy(c *fiber.Ctx) (uuid.UUID, uuid.UUID, error) { return ownerAndRemedy(c, "case") }

// ownerAndRemedy reads {id} (a case or a systemic issue, what) and {rid}.
func ownerAndRemedy(c *fiber.Ctx, what string) (uuid.UUID, uuid.UUID, error) {
	id, err := uuidParam(c, what)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	rid, err := namedParam(c, "rid", "remedy component")
	return id, rid, err
}

// proposeRemedies: POST /api/v1/cases/{id}/remedies {components, offer}.
func (a *API) proposeRemedies(c *fiber.Ctx) error {
	id, req, err := caseRequest[remedy.Request](c)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	comps, err := a.Remedy.ProposeRemedies(c.UserContext(), id, by, req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"items": comps})
}

// setRemedyStatus: POST /api/v1/cases/{id}/remedies/{rid}/status {status, evidence}.
func (a *API) setRemedyStatus(c *fiber.Ctx) error {
	id, rid, err := caseAndRemedy(c)
	if err != nil {
		return err
	}
	var req remedy.StatusChange
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Remedy.SetRemedyStatus(c.UserContext(), id, rid, by, req); err != nil {
		return err
	}
	return a.getCase(c)
}

// remedyReason: POST /api/v1/cases/{id}/remedies/{rid}/reason {reason}.
func (a *API) remedyReason(c *fiber.Ctx) error {
	id, rid, err := caseAndRemedy(c)
	if err != nil {
		return err
	}
	var req reasonBody
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Remedy.RecordRemedyReason(c.UserContext(), id, rid, by, req.Reason); err != nil {
		return err
	}
	return a.getCase(c)
}

// closeCase: POST /api/v1/cases/{id}/close {root_cause, reason}.
func (a *API) closeCase(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	var req struct {
		RootCause string `json:"root_cause"`
		Reason    string `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	by := httpkit.Actor(c)
	if err := a.Grievance.Close(c.UserContext(), id, by, req.RootCause, req.Reason); err != nil {
		return err
	}
	return a.getCase(c)
}

// systemicRemedies: GET /api/v1/systemic-issues/{id}/remedies.
func (a *API) systemicRemedies(c *fiber.Ctx) error {
	id, err := uuidParam(c, "systemic issue")
	if err != nil {
		return err
	}
	comps, err := a.Remedy.SystemicRemedies(c.UserContext(), id)
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": comps})
}

// proposeSystemicRemedies: POST /api/v1/systemic-issues/{id}/remedies — guarantees of non-repetition.
func (a *API) proposeSystemicRemedies(c *fiber.Ctx) error {
	id, err := uuidParam(c, "systemic issue")
	if err != nil {
		return err
	}
	var req remedy.Request
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	comps, err := a.Remedy.ProposeSystemicRemedies(c.UserContext(), id, httpkit.Actor(c), req)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"items": comps})
}

// setSystemicRemedyStatus: POST /api/v1/systemic-issues/{id}/remedies/{rid}/status.
func (a *API) setSystemicRemedyStatus(c *fiber.Ctx) error {
	id, rid, err := ownerAndRemedy(c, "systemic issue")
	if err != nil {
		return err
	}
	var req remedy.StatusChange
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Remedy.SetSystemicRemedyStatus(c.UserContext(), id, rid, httpkit.Actor(c), req); err != nil {
		return err
	}
	return a.systemicRemedies(c)
}

// systemicRemedyReason: POST /api/v1/systemic-issues/{id}/remedies/{rid}/reason {reason}.
func (a *API) systemicRemedyReason(c *fiber.Ctx) error {
	id, rid, err := ownerAndRemedy(c, "systemic issue")
	if err != nil {
		return err
	}
	var req reasonBody
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Remedy.RecordSystemicRemedyReason(c.UserContext(), id, rid, httpkit.Actor(c), req.Reason); err != nil {
		return err
	}
	return a.systemicRemedies(c)
}

// respondToRemedy: POST /api/v1/complainant/case/remedies/{rid}/response {accept, comment}.
func (a *API) respondToRemedy(c *fiber.Ctx) error {
	rid, err := namedParam(c, "rid", "remedy offer")
	if err != nil {
		return err
	}
	var req struct {
		Accept  *bool  `json:"accept"`
		Comment string `json:"comment"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Remedy.RespondToRemedy(c.UserContext(), middleware.CaseID(c), rid, req.Accept, req.Comment); err != nil {
		return err
	}
	return a.complainantCase(c)
}

// appealCase: POST /api/v1/complainant/case/appeal {reason}.
func (a *API) appealCase(c *fiber.Ctx) error {
	var req reasonBody
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Decision.Appeal(c.UserContext(), middleware.CaseID(c), req.Reason); err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return a.complainantCase(c)
}

// giveFeedback: POST /api/v1/complainant/case/feedback {satisfaction, comment}.
func (a *API) giveFeedback(c *fiber.Ctx) error {
	var req struct {
		Satisfaction *int   `json:"satisfaction"`
		Comment      string `json:"comment"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	if err := a.Grievance.Feedback(c.UserContext(), middleware.CaseID(c), req.Satisfaction, req.Comment); err != nil {
		return err
	}
	c.Status(fiber.StatusCreated)
	return a.complainantCase(c)
}
