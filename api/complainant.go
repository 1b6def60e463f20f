package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/casecopy"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
)

// openComplainantSession: POST /api/v1/complainant/session {code} or
// {reference, receipt} → a token for that one case.
func (a *API) openComplainantSession(c *fiber.Ctx) error {
	var req struct {
		Code      string `json:"code"`
		Reference string `json:"reference"`
		Receipt   string `json:"receipt"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	var f fault.Fields
	switch {
	case req.Code != "" && (req.Reference != "" || req.Receipt != ""):
		f.Add("code", "ambiguous", "send either the code, or the reference and the receipt, not both")
	case req.Code != "":
	case req.Reference == "" && req.Receipt == "":
		f.Add("code", "required", "is required: the code you were given when you filed, such as 7KQ2M-9XTAB-R4C8D-1EFGH (or send reference and receipt)")
	default:
		if req.Reference == "" {
			f.Add("reference", "required", "is required: the reference you were given, such as RD-123-456-789")
		}
		if req.Receipt == "" {
			f.Add("receipt", "required", "is required: the receipt you were given when you filed")
		}
	}
	if err := f.Err(); err != nil {
		return err
	}
	var caseID uuid.UUID
	var err error
	if req.Code != "" {
		caseID, err = a.Grievance.OpenSessionByCode(c.UserContext(), req.Code)
	} else {
		caseID, err = a.Grievance.OpenSession(c.UserContext(), req.Reference, req.Receipt)
	}
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
	v, err := a.copies().Read(c.UserContext(), middleware.CaseID(c))
	if err != nil {
		return err
	}
	return c.JSON(v)
}

// exportComplainantCase: GET /api/v1/complainant/case/export?format=json|pdf
// [&lang=] — the complainant's copy of their case, as a download.
func (a *API) exportComplainantCase(c *fiber.Ctx) error {
	f, err := a.copies().Export(c.UserContext(), middleware.CaseID(c), strings.Clone(c.Query("format")),
		strings.Clone(c.Query("lang")))
	if err != nil {
		return err
	}
	for _, h := range f.Headers() {
		c.Set(h.Name, h.Value)
	}
	return c.Send(f.Body)
}

// copies reads the complainant's case and makes their copy of it.
func (a *API) copies() casecopy.Sources {
	return casecopy.Sources{Grievance: a.Grievance, Escalation: a.Escalation, Access: a.Access, Retention: a.Retention,
		TimeZone: a.TimeZone, Words: a.Words}
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
		cases.Actor{Kind: audit.ActorComplainant}, grievance.VisibilityComplainant, req.Body)
	if err != nil {
		return err
	}
	msg.AuthorID = nil
	return c.Status(fiber.StatusCreated).JSON(msg)
}
