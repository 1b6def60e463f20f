package kit

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"

	"github.com/nicksnyder/go-i18n/v2/i18n"
	"golang.org/x/text/language"
)

// Languages the site speaks, the first being the fallback. Each has a folder
// of catalogues under locales/ with the same keys as every other.
var Languages = []language.Tag{language.English, language.French, language.Spanish, language.Arabic}

// LanguageNames are the languages' own names, for the switcher.
var LanguageNames = map[string]string{"en": "English", "fr": "Français", "es": "Español", "ar": "العربية"}

// rtl are the languages written right to left.
var rtl = map[string]bool{"ar": true}

// RTL reports whether lang is written right to left.
func RTL(lang string) bool { return rtl[lang] }

// Catalogues are the loaded message catalogues.
type Catalogues struct {
	bundle  *i18n.Bundle
	matcher language.Matcher
	// keys lists each language's message ids, for the completeness check.
	keys map[string][]string
}

// LoadCatalogues reads locales/<lang>/*.json from fsys: flat objects of
// message id to text, or to plural forms ({"one": …, "other": …}).
func LoadCatalogues(fsys fs.FS) (*Catalogues, error) {
	c := &Catalogues{bundle: i18n.NewBundle(language.English), matcher: language.NewMatcher(Languages),
		keys: map[string][]string{}}
	for _, tag := range Languages {
		lang := tag.String()
		paths, err := fs.Glob(fsys, path.Join("locales", lang, "*.json"))
		if err != nil {
			return nil, err
		}
		if len(paths) == 0 {
			return nil, fmt.Errorf("frontend: no catalogue for %s under locales/%s", lang, lang)
		}
		seen := map[string]string{}
		for _, p := range paths {
			buf, err := fs.ReadFile(fsys, p)
			if err != nil {
				return nil, err
			}
			msgs, err := c.bundle.ParseMessageBytes(tag, buf, json.Unmarshal)
			if err != nil {
				return nil, fmt.Errorf("frontend: %s: %w", p, err)
			}
			for _, m := range msgs {
				if other, dup := seen[m.ID]; dup {
					return nil, fmt.Errorf("frontend: message %q is in both %s and %s", m.ID, other, p)
				}
				seen[m.ID] = p
				c.keys[lang] = append(c.keys[lang], m.ID)
			}
			if err := c.bundle.AddMessages(tag, msgs...); err != nil {
				return nil, fmt.Errorf("frontend: %s: %w", p, err)
			}
		}
		sort.Strings(c.keys[lang])
	}
	return c, nil
}

// Missing lists, per language, the message ids some other catalogue has and
// it lacks.
func (c *Catalogues) Missing() map[string][]string {
	all := map[string]bool{}
	for _, ids := range c.keys {
		for _, id := range ids {
			all[id] = true
		}
	}
	out := map[string][]string{}
	for _, tag := range Languages {
		have := map[string]bool{}
		for _, id := range c.keys[tag.String()] {
			have[id] = true
		}
		for id := range all {
			if !have[id] {
				out[tag.String()] = append(out[tag.String()], id)
			}
		}
		sort.Strings(out[tag.String()])
	}
	return out
}

// Negotiate picks the language from a preference (a cookie's value) or an
// Accept-Language header.
func (c *Catalogues) Negotiate(pref, acceptLanguage string) string {
	if _, ok := LanguageNames[pref]; ok {
		return pref
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil || len(tags) == 0 {
		return Languages[0].String()
	}
	_, i, _ := c.matcher.Match(tags...)
	return Languages[i].String()
}

// IDs are lang's message ids, sorted, for the completeness check.
func (c *Catalogues) IDs(lang string) []string { return c.keys[lang] }

// Translator speaks one language.
type Translator struct {
	lang string
	loc  *i18n.Localizer
	// onMissing is told of a message id no catalogue has (the page shows the id).
	onMissing func(id string)
}

func (c *Catalogues) Translator(lang string, onMissing func(string)) *Translator {
	return &Translator{lang: lang, loc: i18n.NewLocalizer(c.bundle, lang), onMissing: onMissing}
}

// Lang is the language's code.
func (t *Translator) Lang() string { return t.lang }

// T translates id; args are name, value pairs for the message's template,
// and a pair named "Count" chooses the plural form.
func (t *Translator) T(id string, args ...any) string {
	cfg := &i18n.LocalizeConfig{MessageID: id}
	if len(args) > 0 {
		data := make(map[string]any, len(args)/2)
		for i := 0; i+1 < len(args); i += 2 {
			name := fmt.Sprint(args[i])
			data[name] = args[i+1]
			if name == "Count" {
				cfg.PluralCount = args[i+1]
			}
		}
		cfg.TemplateData = data
	}
	s, err := t.loc.Localize(cfg)
	if err != nil {
		if t.onMissing != nil {
			t.onMissing(id)
		}
		return "⟦" + id + "⟧"
	}
	return s
}

// Has reports whether a catalogue has id.
func (t *Translator) Has(id string) bool {
	_, err := t.loc.Localize(&i18n.LocalizeConfig{MessageID: id})
	return err == nil
}

// Dir is the writing direction of the language.
func (t *Translator) Dir() string {
	if RTL(t.lang) {
		return "rtl"
	}
	return "ltr"
}

// OptionLabel translates an enumerated value: "<prefix>.<value>".
func (t *Translator) OptionLabel(prefix, value string) string {
	// A task's clock ("body_item:<id>", internal/clocks/tasks.go) is named by its kind.
	if kind, _, ok := strings.Cut(value, ":"); ok {
		value = kind
	}
	return t.T(prefix + "." + strings.ReplaceAll(value, " ", "_"))
}
