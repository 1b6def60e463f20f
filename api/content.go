package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"golang.org/x/text/language"

	"github.com/redresshq/redress/internal/content"
)

var contentMatcher = language.NewMatcher([]language.Tag{language.English, language.French, language.Spanish, language.Arabic})

// contentLanguage is the language a public list is read in: ?lang=, else
// Accept-Language, else English; the answer says it (Content-Language) and
// varies with the header.
func contentLanguage(c *fiber.Ctx) string {
	c.Vary(fiber.HeaderAcceptLanguage)
	lang := "en"
	if q := strings.ToLower(strings.TrimSpace(c.Query("lang"))); q != "" {
		if tag, err := language.Parse(q); err == nil {
			_, i, conf := contentMatcher.Match(tag)
			if conf != language.No {
				lang = content.Languages[i]
			}
		}
	} else if tags, _, err := language.ParseAcceptLanguage(c.Get(fiber.HeaderAcceptLanguage)); err == nil && len(tags) > 0 {
		_, i, conf := contentMatcher.Match(tags...)
		if conf != language.No {
			lang = content.Languages[i]
		}
	}
	c.Set(fiber.HeaderContentLanguage, lang)
	return lang
}
