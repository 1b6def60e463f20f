package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/httpkit"
)

// breakGlass: POST /api/v1/break-glass {reference, reason} — an admin opens a
// case outside their reach for an hour, with a reason (internal/access):
// 201 {case_id, reference, expires_at}; 404 case_not_found for a reference
// no case has or a case the admin is recused from; 409 within_reach when
// they may open it already; 422 naming reference or reason.
func (a *API) breakGlass(c *fiber.Ctx) error {
	var req struct {
		Reference string `json:"reference"`
		Reason    string `json:"reason"`
	}
	if err := decodeJSON(c, &req); err != nil {
		return err
	}
	g, err := a.Access.BreakGlass(c.UserContext(), httpkit.Viewer(c), req.Reference, req.Reason)
	if err != nil {
		return err
	}
	return c.Status(fiber.StatusCreated).JSON(fiber.Map{"case_id": g.CaseID, "reference": g.Reference,
		"expires_at": g.ExpiresAt})
}
