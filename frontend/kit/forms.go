package kit

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/platform/fault"
)

// FormValues are a posted form's values (urlencoded or multipart).
func FormValues(c *fiber.Ctx) (url.Values, error) {
	out := url.Values{}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEMultipartForm) {
		mf, err := c.MultipartForm()
		if err != nil {
			return out, fault.New(fault.Malformed, "malformed_form", "The form could not be read.")
		}
		for k, v := range mf.Value {
			out[k] = v
		}
		return out, nil
	}
	c.Request().PostArgs().VisitAll(func(k, v []byte) {
		out.Add(string(k), string(v))
	})
	return out, nil
}

// WithCursor is the link to the next page of a list at path: the same
// filters, the cursor, and the list's anchor.
func WithCursor(path string, filters url.Values, cursor, anchor string) string {
	next := url.Values{}
	for k, v := range filters {
		next[k] = v
	}
	next.Set("cursor", cursor)
	return path + "?" + next.Encode() + "#" + anchor
}

// QueueOpen is the staff case list's (/queue) status filter for every open
// case: waiting for, or under, review (the dashboard's backlog, which links
// to it; stats.dashboardOpen).
const QueueOpen = "open"
