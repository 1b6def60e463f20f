package frontend

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
)

// cwEvidence: POST /cases/:id/evidence, multipart/form-data {file,
// description, source}. The form carries its CSRF token in the action's
// query, so nothing parses the upload before this handler: it reads the raw
// body part by part, hashing the file as it goes, and keeps nothing on disk.
func (w *Web) cwEvidence(c *fiber.Ctx, id uuid.UUID, _ url.Values) (string, error) {
	in, err := cwEvidenceForm(c.Get(fiber.HeaderContentType), c.Request().Body())
	if err != nil {
		return "", err
	}
	by, anyCase := w.cwAuthor(c)
	_, err = w.Grievance.AddEvidence(c.UserContext(), id, by, anyCase, in)
	return "cw.flash.evidence", err
}

const cwMaxFormField = 16 << 10

func cwEvidenceForm(contentType string, body []byte) (grievance.EvidenceInput, error) {
	var in grievance.EvidenceInput
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != fiber.MIMEMultipartForm || params["boundary"] == "" {
		var f fault.Fields
		f.Add("file", "required", "attach a file")
		return in, f.Err()
	}
	malformed := fault.New(fault.Malformed, "malformed_form", "The form could not be read.")
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var f fault.Fields
	seen := map[string]bool{}
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil || n > 8 {
			return in, malformed
		}
		name := p.FormName()
		if seen[name] {
			return in, malformed
		}
		seen[name] = true
		switch name {
		case "file":
			in.Filename = p.FileName()
			if in.Filename == "" {
				// A file input left empty sends an empty, nameless part.
				_, _ = io.Copy(io.Discard, p)
				continue
			}
			if in.File, err = grievance.ReadEvidence(p); err != nil {
				return in, err
			}
		case "description", "source", "_csrf":
			v, err := io.ReadAll(io.LimitReader(p, cwMaxFormField+1))
			if err != nil {
				return in, malformed
			}
			if len(v) > cwMaxFormField {
				f.Add(name, "too_long", "is far longer than allowed")
				continue
			}
			switch name {
			case "description":
				in.Description = string(v)
			case "source":
				in.Source = strings.TrimSpace(string(v))
			}
		default:
			return in, malformed
		}
	}
	return in, f.Err()
}
