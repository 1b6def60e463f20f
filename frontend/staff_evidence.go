package frontend

import (
	"net/url"
	"slices"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
)

// cwEvidence: POST /cases/:id/evidence, multipart/form-data {_csrf, file,
// description, source}. The csrf middleware has checked the form's _csrf
// part; this handler reads the raw body part by part, hashing the file as
// it goes, and keeps nothing on disk. form (empty for an upload) gets the
// description and source back, so a refused upload shows them again.
func (w *Web) cwEvidence(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	in, err := grievance.ParseEvidenceForm(c.Get(fiber.HeaderContentType), c.Get(fiber.HeaderContentEncoding),
		c.Request().Body(), false, csrfField)
	if form != nil {
		form.Set("description", in.Description)
		form.Set("source", in.Source)
	}
	if err != nil {
		return "", uploadRefusal(err, "file", "description", "source")
	}
	by, anyCase := w.cwAuthor(c)
	_, err = w.Grievance.AddEvidence(c.UserContext(), id, by, anyCase, in)
	return "cw.flash.evidence", err
}

// uploadRefusal is a refused upload as a page shows it: errors of the
// form's own fields stay as they are; a part the form does not have (a
// stale or altered page) becomes one error at the file field, which a
// person can act on, instead of a field name they never saw.
func uploadRefusal(err error, fields ...string) error {
	de, ok := fault.As(err)
	if !ok || len(de.Fields) == 0 {
		return err
	}
	out := *de
	out.Fields = nil
	unknown := false
	for _, f := range de.Fields {
		if slices.Contains(fields, f.Field) {
			out.Fields = append(out.Fields, f)
		} else if !unknown {
			unknown = true
			out.Fields = append(out.Fields, fault.FieldError{Field: "file", Code: "unknown_field",
				Message: "the form sent a part this page does not have: reload the page and choose the file again"})
		}
	}
	return &out
}
