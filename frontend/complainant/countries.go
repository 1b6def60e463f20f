package complainant

import (
	"slices"
	"sync"

	"golang.org/x/text/collate"
	"golang.org/x/text/language"
	"golang.org/x/text/language/display"

	"github.com/redresshq/redress/internal/organisation"
)

// CountryOpt is a country of the complaint form's select: its ISO 3166-1
// alpha-2 code and its name in the page's language.
type CountryOpt struct{ Code, Name string }

// countryCodes are every ISO 3166-1 alpha-2 country code.
var countryCodes = sync.OnceValue(func() []string {
	var out []string
	for a := 'A'; a <= 'Z'; a++ {
		for b := 'A'; b <= 'Z'; b++ {
			if code := string([]rune{a, b}); organisation.ValidCountry(code) {
				out = append(out, code)
			}
		}
	}
	return out
})

var countryLists sync.Map // language → []CountryOpt

// countries are the countries named in lang, in its alphabetical order.
func countries(lang string) []CountryOpt {
	if v, ok := countryLists.Load(lang); ok {
		return v.([]CountryOpt)
	}
	tag := language.Make(lang)
	names := display.Regions(tag)
	out := make([]CountryOpt, 0, len(countryCodes()))
	for _, code := range countryCodes() {
		r := language.MustParseRegion(code)
		name := names.Name(r)
		if name == "" {
			name = code
		}
		out = append(out, CountryOpt{Code: code, Name: name})
	}
	col := collate.New(tag)
	slices.SortStableFunc(out, func(a, b CountryOpt) int { return col.CompareString(a.Name, b.Name) })
	countryLists.Store(lang, out)
	return out
}

// countryName is code's name in lang ("" for "").
func countryName(lang, code string) string {
	for _, c := range countries(lang) {
		if c.Code == code {
			return c.Name
		}
	}
	return code
}
