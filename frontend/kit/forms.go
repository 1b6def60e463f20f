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
