package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
)

// Protection of the complainant (docs/protection.md): interim and protective
// measures with their own clock and the complainant's consent, and the
// check-ins after closure.

// caseProtection: GET /api/v1/cases/{id}/protection — measures, every
// check-in (asked or not yet), linked cases.
func (a *API) caseProtection(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	p, err := a.Grievance.ProtectionOf(c.UserContext(), id, false)
	return answer(c, fiber.StatusOK, p, err)
}

// proposeMeasure: POST /api/v1/cases/{id}/measures {kind, description, due_at}
// — by the case's holder, or a supervisor or admin. 201 with the measure.
func (a *API) proposeMeasure(c *fiber.Ctx) error {
	id, req, err := caseRequest[grievance.MeasureRequest](c)
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	m, err := a.Grievance.ProposeMeasure(c.UserContext(), id, by, req)
	return answer(c, fiber.StatusCreated, m, err)
}

// measureInPlace: POST /api/v1/cases/{id}/measures/{mid}/in-place {} — only
// once the complainant has consented; ends the measure's clock.
func (a *API) measureInPlace(c *fiber.Ctx) error {
	id, mid, _, err := caseChildRequest[struct{}](c, "mid", "measure")
	if err != nil {
		return err
	}
	by := httpkit.Actor(c)
	m, err := a.Grievance.MeasureInPlace(c.UserContext(), id, mid, by)
	return answer(c, fiber.StatusOK, m, err)
}

// complainantProtection: GET /api/v1/complainant/case/protection — the
// measures proposed to them, the check-ins asked of them, linked cases.
func (a *API) complainantProtection(c *fiber.Ctx) error {
	p, err := a.Grievance.ProtectionOf(c.UserContext(), middleware.CaseID(c), true)
	return answer(c, fiber.StatusOK, p, err)
}

// answerMeasure: POST /api/v1/complainant/case/measures/{mid}/consent {consent}.
func (a *API) answerMeasure(c *fiber.Ctx) error {
	mid, err := namedParam(c, "mid", "measure")
	if err != nil {
		return err
	}
	var req struct {
		Consent *bool `json:"consent"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	m, err := a.Grievance.AnswerMeasure(c.UserContext(), middleware.CaseID(c), mid, req.Consent)
	return answer(c, fiber.StatusOK, m, err)
}

// answerCheckin: POST /api/v1/complainant/case/checkins/{cid} {happened, text}.
func (a *API) answerCheckin(c *fiber.Ctx) error {
	cid, err := namedParam(c, "cid", "check-in")
	if err != nil {
		return err
	}
	var req grievance.CheckinAnswer
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	k, err := a.Grievance.AnswerCheckin(c.UserContext(), middleware.CaseID(c), cid, req)
	return answer(c, fiber.StatusOK, k, err)
}
