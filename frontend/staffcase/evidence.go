package staffcase

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
)

// addEvidence: POST /cases/:id/evidence, multipart/form-data {_csrf, file,
// description, source}. The csrf middleware has checked the form's _csrf
// part; this handler reads the raw body part by part, hashing the file as
// it goes, and keeps nothing on disk. form (empty for an upload) gets the
// description and source back, so a refused upload shows them again.
func (w *Pages) addEvidence(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	in, err := httpkit.EvidenceForm(c, false, kit.CSRFField)
	if form != nil {
		form.Set("description", in.Description)
		form.Set("source", string(in.Source))
	}
	if err != nil {
		return "", kit.UploadRefusal(err, "file", "description", "source")
	}
	by := httpkit.Actor(c)
	_, err = w.Grievance.AddEvidence(c.UserContext(), id, by, in)
	return "cw.flash.evidence", err
}

// redactionRows is how many passages the disclosure form offers to redact.
const redactionRows = 3

// disclose: POST /cases/:id/evidence/:eid/disclosure {_csrf, text,
// redactions[i].text, redactions[i].reason} — a piece of the organisation's
// evidence, redacted by the person, disclosed to the complainant.
func (w *Pages) disclose(c *fiber.Ctx, id uuid.UUID, form url.Values) (string, error) {
	eid, err := uuid.Parse(c.Params("eid"))
	if err != nil {
		return "", errNotFound
	}
	by := httpkit.Actor(c)
	req := grievance.DisclosureRequest{Text: form.Get("text")}
	var rows []int // the form row of each redaction sent
	for i := 0; i < redactionRows; i++ {
		text, reason := form.Get(fmt.Sprintf("redactions[%d].text", i)), form.Get(fmt.Sprintf("redactions[%d].reason", i))
		if strings.TrimSpace(text) == "" && strings.TrimSpace(reason) == "" {
			continue
		}
		rows = append(rows, i)
		req.Redactions = append(req.Redactions, grievance.Redaction{Text: text, Reason: reason})
	}
	_, err = w.Grievance.DiscloseEvidence(c.UserContext(), id, eid, by, req)
	return "cw.flash.disclosed", renameFields(err, func(field string) string {
		if m := redactionIndex.FindStringSubmatch(field); m != nil {
			if n, _ := strconv.Atoi(m[1]); n < len(rows) {
				return fmt.Sprintf("redactions[%d]", rows[n]) + field[len(m[0]):]
			}
		}
		if field == "redactions" {
			return "redactions[0].text"
		}
		return field
	})
}

var redactionIndex = regexp.MustCompile(`^redactions\[(\d+)\]`)
