package kit

import (
	"html/template"
	"strings"
)

// Funcs are the functions every template may call: the one FuncMap of the
// pages, whichever area renders them.
func Funcs(a *Assets) template.FuncMap {
	return template.FuncMap{
		"asset": a.URL,
		// fid is a field's input id: contact.email → f-contact-email.
		"fid":  FieldID,
		"list": func(v ...any) []any { return v },
		"join": strings.Join,
		"add":  func(a, b int) int { return a + b },
		// bdi isolates text a person typed for direction.
		"bdi": Typed,
		// langs names languages by their own names: "en" or ["en","fr"] → "English, français".
		"langs": LangNames,
	}
}

// FieldID is a field's input id: contact.email → f-contact-email.
func FieldID(field string) string {
	return "f-" + strings.NewReplacer(".", "-", "[", "-", "]", "", "_", "-").Replace(field)
}
