package api

import (
	"slices"
	"strings"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"

	"github.com/redresshq/redress/internal/content"
	"github.com/redresshq/redress/internal/platform/fault"
)

var contentMatcher = language.NewMatcher([]language.Tag{language.English, language.French, language.Spanish, language.Arabic})

// contentLanguage is the language a public list is read in: ?lang= (one of
// en, fr, es, ar; anything else is added to f as an error on lang), else the best match
// of Accept-Language, else English; the answer says it (Content-Language)
// and varies with the header.
func contentLanguage(c *fiber.Ctx, f *fault.Fields) string {
	c.Vary(fiber.HeaderAcceptLanguage)
	lang := "en"
	if q := strings.ToLower(strings.TrimSpace(c.Query("lang"))); q != "" {
		if !slices.Contains(content.Languages, q) {
			f.Addf("lang", "invalid", "must be one of %s", strings.Join(content.Languages, ", "))
			return ""
		}
		lang = q
	} else if tags, _, err := language.ParseAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage)); err == nil && len(tags) > 0 {
		_, i, conf := contentMatcher.Match(tags...)
		if conf != language.No {
			lang = content.Languages[i]
		}
	}
	c.Set(fiber.HeaderContentLanguage, lang)
	return lang
}
