package frontend

import (
	"net/url"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/grievance"
)

// cwEvidence: POST /cases/:id/evidence, multipart/form-data {file,
// description, source}. The form carries its CSRF token in the action's
// query, so nothing parses the upload before this handler: it reads the raw
// body part by part, hashing the file as it goes, and keeps nothing on disk.
func (w *Web) cwEvidence(c *fiber.Ctx, id uuid.UUID, _ url.Values) (string, error) {
	in, err := grievance.ParseEvidenceForm(c.Get(fiber.HeaderContentType), c.Get(fiber.HeaderContentEncoding), c.Request().Body(), false)
	if err != nil {
		return "", err
	}
	by, anyCase := w.cwAuthor(c)
	_, err = w.Grievance.AddEvidence(c.UserContext(), id, by, anyCase, in)
	return "cw.flash.evidence", err
}
