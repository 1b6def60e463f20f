package kit

import (
	"net/url"
	"regexp"
	"slices"
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

// listIndex is a list item's index in a field's name.
var listIndex = regexp.MustCompile(`\[\d+\]`)

// ListField names a list item's error after its list: inputs[2] → inputs
// (the queue's filters, the workspace's forms).
func ListField(field string) string { return listIndex.ReplaceAllString(field, "") }

// QueueOpen is the staff case list's (/queue) status filter for every open
// case: waiting for, or under, review (the dashboard's backlog, which links
// to it; stats.dashboardOpen).
const QueueOpen = "open"

// UploadRefusal is a refused upload as a page shows it: errors of the
// form's own fields stay as they are; a part the form does not have (a
// stale or altered page) becomes one error at the file field, which a
// person can act on, instead of a field name they never saw.
func UploadRefusal(err error, fields ...string) error {
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
