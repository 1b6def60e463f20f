package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
)

// openComplainantSession: POST /api/v1/complainant/session {reference, receipt} → a token for that one case.
func (a *API) openComplainantSession(c *fiber.Ctx) error {
	var req struct {
		Reference string `json:"reference"`
		Receipt   string `json:"receipt"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f fault.Fields
	if req.Reference == "" {
		f.Add("reference", "required", "is required: the reference you were given, such as RD-123-456-789")
	}
	if req.Receipt == "" {
		f.Add("receipt", "required", "is required: the receipt you were given when you filed")
	}
	if err := f.Err(); err != nil {
		return err
	}
	caseID, err := a.Grievance.OpenSession(c.UserContext(), req.Reference, req.Receipt)
	if err != nil {
		return err
	}
	token, exp, err := a.Tokens.Issue(auth.AudienceComplainant, caseID, "", a.ComplainantTokenTTL)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"token": token, "token_type": "Bearer", "expires_at": exp})
}

// complainantCase: GET /api/v1/complainant/case.
func (a *API) complainantCase(c *fiber.Ctx) error {
	v, err := a.Grievance.ForComplainant(c.UserContext(), middleware.CaseID(c))
	if err != nil {
		return err
	}
	refs, err := a.Escalation.ForComplainant(c.UserContext(), middleware.CaseID(c))
	if err != nil {
		return err
	}
	return c.JSON(struct {
		*grievance.ComplainantView
		Referrals []escalation.ComplainantReferral `json:"referrals"`
	}{v, refs})
}

// complainantMessage: POST /api/v1/complainant/case/messages {body}.
func (a *API) complainantMessage(c *fiber.Ctx) error {
	var req struct {
		Body string `json:"body"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	msg, err := a.Grievance.AddMessage(c.UserContext(), middleware.CaseID(c),
		grievance.Author{Kind: audit.ActorComplainant}, "complainant", req.Body)
	if err != nil {
		return err
	}
	msg.AuthorID = nil
	return c.Status(fiber.StatusCreated).JSON(msg)
}
