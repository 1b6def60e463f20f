package fault

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text checks free text: valid UTF-8, no control characters but tab, CR and
// LF, and min to max characters. The minimum counts the text without its
// surrounding white space, so ten spaces are not a reason; callers store the
// trimmed text.
func (f *Fields) Text(field, v string, min, max int) {
	if !utf8.ValidString(v) {
		f.Add(field, "invalid_encoding", "must be valid UTF-8 text")
		return
	}
	if strings.ContainsFunc(v, func(r rune) bool {
		return r == 0 || (unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t')
	}) {
		f.Add(field, "control_character", "must not contain control characters")
		return
	}
	n := utf8.RuneCountInString(v)
	trimmed := utf8.RuneCountInString(strings.TrimSpace(v))
	switch {
	case trimmed == 0 && min > 0:
		f.Add(field, "required", "is required")
	case trimmed < min:
		f.Addf(field, "too_short", "must be at least %d characters", min)
	case n > max:
		f.Addf(field, "too_long", "must be at most %d characters (got %d)", max, n)
	}
}

// OneOf checks that v is one of allowed ("" is refused only when required)
// and reports whether it is.
func (f *Fields) OneOf(field, v string, allowed []string, required bool) bool {
	return OneOf(f, field, v, allowed, required)
}

// OneOf is Fields.OneOf for a named vocabulary (a role, a status).
func OneOf[T ~string](f *Fields, field string, v T, allowed []T, required bool) bool {
	if v == "" {
		if required {
			f.Addf(field, "required", "is required: one of %s", join(allowed))
		}
		return false
	}
	if !slices.Contains(allowed, v) {
		f.Addf(field, "invalid", "must be one of %s", join(allowed))
		return false
	}
	return true
}

func join[T ~string](values []T) string {
	s := make([]string, len(values))
	for i, v := range values {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}
