package admin

import (
	"net/url"
	"strings"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/content"
)

// AdmTrLang is one language's fieldset on an admin form: the register's or
// a body's words in that language (issue 13; internal/content).
type AdmTrLang struct {
	Code, Name string
	Fields     []AdmTrField
}

// AdmTrField is a translation's control; Long ones are textareas.
type AdmTrField struct {
	AdmField
	Long bool
}

// AdmTrs are an admin form's translation fieldsets, with their heading.
type AdmTrs struct {
	Title, Explain string
	Langs          []AdmTrLang
}

// longFields are the translatable fields written as paragraphs.
var longFields = map[string]bool{"purpose": true, "description": true, "requirements": true}

// AdmTr describes the translation fieldsets of entity (content.AISystem or
// content.Body), one per language, from the form's values
// "translations.<lang>.<field>".
func (p *admPage) AdmTr(entity string) AdmTrs {
	out := AdmTrs{Title: p.T("adm.tr.title"), Explain: p.T("adm.tr.explain")}
	for _, lang := range content.Languages {
		l := AdmTrLang{Code: lang, Name: kit.LanguageNames[lang]}
		for _, field := range content.Fields[entity] {
			f := p.AdmF("translations."+lang+"."+field, "adm.field."+field)
			f.Lang = lang
			l.Fields = append(l.Fields, AdmTrField{AdmField: f, Long: longFields[field]})
		}
		out.Langs = append(out.Langs, l)
	}
	return out
}

// translationsForm writes t into form as "translations.<lang>.<field>".
func translationsForm(t content.Texts, form url.Values) {
	for lang, fields := range t {
		for field, text := range fields {
			form.Set("translations."+lang+"."+field, text)
		}
	}
}

// translationsInput reads an admin form's translations of entity.
func translationsInput(entity string, form url.Values) content.Texts {
	t := content.Texts{}
	for _, lang := range content.Languages {
		for _, field := range content.Fields[entity] {
			if v, ok := form["translations."+lang+"."+field]; ok && len(v) > 0 {
				if t[lang] == nil {
					t[lang] = map[string]string{}
				}
				t[lang][field] = v[0]
			}
		}
	}
	return t
}

// translationLabel names a translation field in the error summary:
// "Français: Purpose".
func translationLabel(p *kit.Page, field string) string {
	rest, ok := strings.CutPrefix(field, "translations.")
	if !ok {
		return ""
	}
	lang, name, _ := strings.Cut(rest, ".")
	return p.T("adm.tr.field", "Language", kit.LanguageNames[lang], "Field", p.OptionLabel("adm.field", name))
}
