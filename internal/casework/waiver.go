package casework

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/redresshq/redress/internal/platform/fault"
)

// CheckWaiver adds a waiver_forbidden error for field to f when text would
// have the complainant give up a right to go elsewhere.
func CheckWaiver(f *fault.Fields, field, text string) {
	if w := Waiver(text); w != "" {
		f.Addf(field, "waiver_forbidden", "may never ask the complainant to give up the right to go to a court, "+
			"a regulator or a union (found %q)", w)
	}
}

// waiverPatterns find words that would have the complainant give up a right
// to go to a court, a regulator or a union, in the languages Redress speaks.
// A remedy is owed, not bought: UNGP 29 and 31 say an operational-level
// mechanism must not preclude access to judicial or other mechanisms, and the
// EU Whistleblowing Directive art. 24 voids any waiver of its rights.
var waiverPatterns = func() []*regexp.Regexp {
	src := []string{
		// English
		`\bwaiv(?:e|es|ed|er|ing)\b`,
		`\bfull and final settlement\b`,
		`\bcovenant not to sue\b`,
		`\brelease[sd]? (?:(?:us|you|him|her|them|the \p{L}+)(?: \p{L}+){0,2} )?from (?:any |all )?(?:further )?(?:claims?|liabilit\p{L}*)\b`,
		`\brelease of (?:any |all )?(?:claims?|liabilit\p{L}*)\b`,
		`\b(?:give|gives|giving|gave) up (?:\p{L}+ ){0,4}(?:rights?|claims?)\b`,
		`\bforfeit\p{L}*\b`,
		`\b(?:agree|agrees|agreeing|undertake|undertakes|promise|promises|commit|commits)(?: \p{L}+){0,3} (?:not|never) to (?:\p{L}+ ){0,4}(?:sue|court|courts|regulator|regulators|union|unions|tribunal|ombudsman|authority|authorities|inspectorate|complain|appeal|report|legal action|proceedings)\b`,
		`\b(?:will|shall) (?:not|never) (?:\p{L}+ ){0,3}(?:sue|bring (?:any )?(?:claims?|proceedings|legal action)|take (?:any )?legal action|go to (?:a |the |any )?(?:court|regulator|union|tribunal|ombudsman))\b`,
		`\bno (?:further )?(?:claims?|legal action|proceedings|complaints?) (?:will|shall|may|can) be (?:made|brought|filed|pursued)\b`,
		// French
		`\brenon(?:c|ç)\p{L}*`,
		`\bd(?:é|e)sist(?:e|er|es|ez|ons|ement)\b`,
		`\bsolde de tout compte\b`,
		`\btransaction (?:d(?:é|e)finitive|irr(?:é|e)vocable)\b`,
		`\bs'engage\p{L}* (?:\p{L}+ ){0,4}(?:à )?ne (?:pas|jamais) (?:\p{L}+ ){0,4}(?:poursuiv\p{L}*|saisir|porter plainte|recours|syndicat|tribunal|autorit\p{L}*)`,
		// Spanish
		`\brenunci\p{L}*`,
		`\bdesist(?:e|ir|imiento|o|a|en)\b`,
		`\bfiniquito\b`,
		`\b(?:se compromete|acepta|aceptan|acuerda)\p{L}* (?:\p{L}+ ){0,4}(?:a )?no (?:\p{L}+ ){0,4}(?:demandar|denunciar|reclamar|acudir|recurrir|sindicato|tribunal\p{L}*|autoridad\p{L}*)`,
		// Arabic: waive / relinquish, discharge, final settlement
		`تنازل|يتنازل|أتنازل|التنازل|إبراء|ابراء|مخالصة نهائية`,
	}
	out := make([]*regexp.Regexp, len(src))
	for i, s := range src {
		out[i] = regexp.MustCompile(`(?i)` + s)
	}
	return out
}()

var spaces = regexp.MustCompile(`[\s\p{Z}]+`)

// Waiver returns the words in text that would waive the complainant's right
// to go elsewhere, or "" when there are none. The text is compared in its
// compatibility form (NFKC: fullwidth letters are letters), without invisible
// format characters (soft hyphens, zero-width spaces) and with every kind of
// space as one, so that no spelling trick slips a waiver through.
func Waiver(text string) string {
	t := strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Cf, r) {
			return -1
		}
		return r
	}, norm.NFKC.String(text))
	t = spaces.ReplaceAllString(strings.ToLower(t), " ")
	t = strings.NewReplacer("’", "'", "‘", "'").Replace(t)
	for _, p := range waiverPatterns {
		if m := p.FindString(t); m != "" {
			return m
		}
	}
	return ""
}
