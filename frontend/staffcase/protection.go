package staffcase

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

// The workspace's "protection" tab (docs/protection.md): interim and
// protective measures proposed to the complainant, put in place once they
// consent; the check-ins after closure and the cases they opened.

// proposeMeasure: POST /cases/:id/measures {kind, description, due_at}.
func (w *Pages) proposeMeasure(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	by := httpkit.Actor(c)
	_, err := w.Grievance.ProposeMeasure(c.UserContext(), id, by, grievance.MeasureRequest{
		Kind: form.Get("kind"), Description: form.Get("description"), DueAt: form.Get("due_at")})
	return "cw.flash.measure_proposed", err
}

// measureInPlace: POST /cases/:id/measures/:mid/in-place.
func (w *Pages) measureInPlace(c *fiber.Ctx, id uuid.UUID, _ url.Values) (string, error) {
	mid, err := uuid.Parse(c.Params("mid"))
	if err != nil {
		return "", fault.New(fault.NotFound, "measure_not_found", "This case has no measure with that id.")
	}
	by := httpkit.Actor(c)
	_, err = w.Grievance.MeasureInPlace(c.UserContext(), id, mid, by)
	return "cw.flash.measure_in_place", err
}
