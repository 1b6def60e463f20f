package escalation

import (
	"math/big"
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// The placeholders that replace what identifies a complainant in free text,
// each saying what was removed. They are in English like the rest of the
// signed dossier (its field names, its redaction log); a body's page says in
// its own language what they mean (ref.redaction.masked).
const (
	MaskedName    = "[name removed]"
	MaskedEmail   = "[email removed]"
	MaskedPhone   = "[phone removed]"
	MaskedAddress = "[address removed]"
	MaskedIBAN    = "[IBAN removed]"
	MaskedNumber  = "[customer number removed]"
	MaskedCode    = "[code removed]"
	MaskedRef     = "[reference removed]"
	MaskedDate    = "[date removed]"
)

const maskedWhy = "names, email and street addresses, phone numbers, IBANs and customer numbers that could identify " +
	"the complainant were replaced by a note of what was removed, such as " + MaskedPhone

// MaskText returns s with what could identify the complainant c replaced
// (c may be nil: then only what identifies anyone), and how many things it
// replaced. Every free text a reader without identity consent sees goes
// through it:
//   - the contact's and representative's names (whole and each part of three
//     letters or more), email addresses and their local parts, address lines
//     (those with a digit or two words), and customer number (whatever its
//     case, spaces, dashes, dots and slashes);
//   - any email address;
//   - any IBAN whose checksum and length for its country hold;
//   - any street address: a number and a street word in English, French or
//     Spanish ("221B Baker Street", "12 bis rue de la Paix", "Calle Mayor 1"),
//     with the postal code and town that follow it;
//   - the contact's phone number in any notation (matched by its digits,
//     with or without the country code, 00 or the trunk 0), and any
//     phone-like number: 7 to 15 digits in a run with spaces, dots, dashes,
//     slashes or parentheses, or more than 15 (several numbers written
//     together). Dates (2026-11-02, 02.11.2026), year ranges, decimals and
//     amounts next to a currency are kept.
//
// Matches are whole words: nothing inside a longer word is replaced.
func MaskText(c *ComplainantFacts, s string) (string, int) {
	return maskText(s, identifiers(c))
}

// matcher finds one kind of identifier in a text.
type matcher struct {
	with string
	find func(s string) [][2]int
	// replace, when set, gives the replacement of each match instead of with.
	replace func(match string) string
}

func regexMatcher(re *regexp.Regexp, with string) matcher {
	return matcher{with: with, find: func(s string) [][2]int {
		var out [][2]int
		for _, l := range re.FindAllStringIndex(s, -1) {
			out = append(out, [2]int{l[0], l[1]})
		}
		return out
	}}
}

// literalMatcher finds w in any case. Where lower-casing keeps the text's
// byte offsets (nearly always) it searches the lower-cased text, much
// faster than a case-insensitive regex; else it falls back to one.
func literalMatcher(w, with string) matcher {
	lw := strings.ToLower(w)
	// Intake keeps contact details valid UTF-8; a word that is not has no regex, and is found only as written.
	re, _ := regexp.Compile(`(?i)` + regexp.QuoteMeta(w))
	return matcher{with: with, find: func(s string) [][2]int {
		ls := strings.ToLower(s)
		if (len(ls) != len(s) || len(lw) != len(w)) && re != nil {
			return regexMatcher(re, with).find(s)
		}
		if len(ls) != len(s) || len(lw) != len(w) {
			ls, lw = s, w
		}
		var out [][2]int
		for i := 0; ; {
			j := strings.Index(ls[i:], lw)
			if j < 0 || lw == "" {
				return out
			}
			out = append(out, [2]int{i + j, i + j + len(lw)})
			i += j + len(lw)
		}
	}}
}

// identifiers are the matchers a masked text goes through, in order: the
// complainant's own email addresses, then anyone's, IBANs, the customer
// number, names and address lines, street addresses, then phone numbers.
func identifiers(c *ComplainantFacts) []matcher {
	if c == nil {
		c = &ComplainantFacts{}
	}
	var out []matcher
	for _, e := range []string{c.Email, c.RepresentativeEmail} {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, literalMatcher(e, MaskedEmail))
		}
	}
	out = append(out, regexMatcher(emailRE, MaskedEmail), matcher{with: MaskedIBAN, find: findIBANs},
		regexMatcher(codeRE, MaskedCode))
	if re := looseRE(c.CustomerNumber); re != nil {
		out = append(out, regexMatcher(re, MaskedNumber))
	}
	type word struct{ w, with string }
	var words []word
	for _, name := range []string{c.Name, c.RepresentativeName} {
		name = strings.TrimSpace(name)
		if name == "" {
			continue
		}
		words = append(words, word{name, MaskedName})
		for _, part := range strings.FieldsFunc(name, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
			if utf8.RuneCountInString(part) >= 3 {
				words = append(words, word{part, MaskedName})
			}
		}
	}
	for _, e := range []string{c.Email, c.RepresentativeEmail} {
		// The local part alone, as someone might sign with it.
		if local, _, ok := strings.Cut(strings.TrimSpace(e), "@"); ok && utf8.RuneCountInString(local) >= 3 {
			words = append(words, word{local, MaskedName})
		}
	}
	if a := strings.TrimSpace(c.Address); a != "" {
		words = append(words, word{a, MaskedAddress})
		for _, line := range strings.FieldsFunc(a, func(r rune) bool { return r == ',' || r == '\n' || r == ';' }) {
			line = strings.TrimSpace(line)
			if len(strings.Fields(line)) >= 2 || strings.ContainsAny(line, "0123456789") && utf8.RuneCountInString(line) >= 3 {
				words = append(words, word{line, MaskedAddress})
			}
		}
	}
	// Longest first, so a full name is masked whole before its parts.
	slices.SortStableFunc(words, func(a, b word) int { return len(b.w) - len(a.w) })
	words = slices.CompactFunc(words, func(a, b word) bool { return strings.EqualFold(a.w, b.w) })
	for _, w := range words {
		out = append(out, literalMatcher(w.w, w.with))
	}
	for _, st := range streets {
		out = append(out, anchoredMatcher(st[0], st[1], MaskedAddress))
	}
	contact := digitsOf(c.Phone)
	out = append(out, matcher{with: MaskedPhone, find: func(s string) [][2]int { return findPhones(s, contact) }})
	return out
}

// maskText replaces each identifier found as a whole word in s (not inside
// a longer word) and returns how many it replaced.
func maskText(s string, ids []matcher) (string, int) {
	total := 0
	for _, m := range ids {
		locs := m.find(s)
		if len(locs) == 0 {
			continue
		}
		var b strings.Builder
		last := 0
		for _, l := range locs {
			if l[0] < last || !boundary(s, l[0], l[1]) {
				continue
			}
			b.WriteString(s[last:l[0]])
			if m.replace != nil {
				b.WriteString(m.replace(s[l[0]:l[1]]))
			} else {
				b.WriteString(m.with)
			}
			last = l[1]
			total++
		}
		b.WriteString(s[last:])
		s = b.String()
	}
	return s, total
}

func boundary(s string, start, end int) bool {
	if start > 0 {
		if r, _ := utf8.DecodeLastRuneInString(s[:start]); isWord(r) {
			return false
		}
	}
	if end < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[end:]); isWord(r) {
			return false
		}
	}
	return true
}

func isWord(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// codeRE is a complainant's follow-up code (auth.NewCode: four groups of
// five Crockford base32 characters), however it is separated: it opens the
// case, so it never leaves in a masked text.
var codeRE = regexp.MustCompile(`(?i)[0-9A-HJKMNP-TV-Z]{5}(?:[\s\-.]?[0-9A-HJKMNP-TV-Z]{5}){3}`)

var emailRE = regexp.MustCompile(`[\p{L}\p{N}._%+\-]+@[\p{L}\p{N}\-]+(?:\.[\p{L}\p{N}\-]+)+`)

// looseRE matches an identifier by its letters and digits, whatever its
// case and the spaces, dashes, dots and slashes between them; nil for one of
// fewer than four, which would mask too much.
func looseRE(id string) *regexp.Regexp {
	var parts []string
	for _, r := range id {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			parts = append(parts, regexp.QuoteMeta(string(r)))
		}
	}
	if len(parts) < 4 {
		return nil
	}
	return regexp.MustCompile(`(?i)` + strings.Join(parts, `[\s\-./]*`))
}

// anchoredMatcher finds where a small regex (anchor) matches, then tries
// the full one from there, on a window long enough for an address: a large
// regex run over a whole text would cost milliseconds per page.
func anchoredMatcher(anchor, full *regexp.Regexp, with string) matcher {
	return matcher{with: with, find: func(s string) [][2]int {
		var out [][2]int
		for _, l := range anchor.FindAllStringIndex(s, -1) {
			if len(out) > 0 && l[0] < out[len(out)-1][1] {
				continue
			}
			window := s[l[0]:min(len(s), l[0]+400)]
			if m := full.FindStringIndex(window); m != nil {
				out = append(out, [2]int{l[0], l[0] + m[1]})
			}
		}
		return out
	}}
}

// Street addresses: a number and a street word, in English, French and
// Spanish, with the postal code (and town) that may follow.
const (
	streetName = `\p{Lu}[\p{L}'’\-]*\.?`
	particle   = `(?:(?:de|du|des|la|le|les|del|los|las|y|of|the)\s+|[ldLD]['’])`
	postTail   = `(?:,?\s*(?:\d{5}|\d{4})\s+\p{Lu}[\p{L}\-]+(?:[\s\-]\p{Lu}[\p{L}\-]+)?` +
		`|,?\s*(?:\p{Lu}[\p{L}\-]+,?\s+)?[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2})?`
)

var (
	streetEN = regexp.MustCompile(`^\d{1,5}[A-Za-z]?,?\s+(?:` + streetName + `\s+){1,3}` +
		`(?i:street|st|road|rd|avenue|ave|lane|ln|drive|dr|boulevard|blvd|way|court|ct|place|pl|square|sq|terrace|` +
		`close|crescent|gardens|row|hill|highway|hwy|parade|grove|mews)\b\.?` + postTail)
	streetFR = regexp.MustCompile(`^\d{1,4}(?:\s?(?i:bis|ter))?,?\s+` +
		`(?i:rue|avenue|av\.|boulevard|bd|place|chemin|allée|impasse|quai|route|cours|square|passage|résidence|lotissement)` +
		`\s+` + particle + `*` + streetName + `(?:\s+` + particle + `*` + streetName + `){0,3}` + postTail)
	streetES = regexp.MustCompile(`^(?i:calle|c/|avenida|avda\.|av\.|plaza|pza\.|paseo|camino|carretera|ronda|travesía|glorieta|pasaje)` +
		`\s*` + particle + `*` + streetName + `(?:\s+` + particle + `*` + streetName + `){0,3}` +
		`,?\s*(?:(?i:n[º°o]\.?|núm\.?|número)\s*)?\d{1,4}[A-Za-z]?(?:,?\s*\d{1,2}\s?[º°ª]\s?[A-Za-z]?)?` + postTail)
)

// streets pairs each street pattern with the anchor that finds where it may start.
var streets = [][2]*regexp.Regexp{
	{regexp.MustCompile(`\d{1,5}[A-Za-z]?,?\s+\p{Lu}`), streetEN},
	{regexp.MustCompile(`\d{1,4}(?:\s?(?i:bis|ter))?,?\s+(?i:rue|av|bd|boulevard|place|chemin|allée|impasse|quai|route|cours|square|passage|résidence|lotissement)`), streetFR},
	{regexp.MustCompile(`(?i:calle|c/|avenida|avda\.|av\.|plaza|pza\.|paseo|camino|carretera|ronda|travesía|glorieta|pasaje)`), streetES},
}

// ibanLengths is the length of an IBAN in each country that has them.
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29, "BY": 28,
	"CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HR": 21, "HU": 28, "IE": 22,
	"IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20,
	"LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MR": 27, "MT": 31, "MU": 30, "NL": 18,
	"NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24,
	"SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28, "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24,
	"XK": 20,
}

var ibanStart = regexp.MustCompile(`(?i)[A-Z]{2}[0-9]{2}`)

// findIBANs finds IBANs written whole or in groups (spaces or dashes), whose
// length is their country's and whose ISO 7064 mod-97 checksum holds.
func findIBANs(s string) [][2]int {
	var out [][2]int
	for _, l := range ibanStart.FindAllStringIndex(s, -1) {
		if len(out) > 0 && l[0] < out[len(out)-1][1] {
			continue
		}
		want, ok := ibanLengths[strings.ToUpper(s[l[0]:l[0]+2])]
		if !ok {
			continue
		}
		var compact []byte
		end := l[0]
	scan:
		for i := l[0]; i < len(s) && len(compact) < want; i++ {
			ch := s[i]
			switch {
			case ch >= 'a' && ch <= 'z':
				compact, end = append(compact, ch-'a'+'A'), i+1
			case ch >= '0' && ch <= '9', ch >= 'A' && ch <= 'Z':
				compact, end = append(compact, ch), i+1
			case (ch == ' ' || ch == '-') && len(compact) >= 4 && i+1 < len(s) && s[i+1] != ' ' && s[i+1] != '-':
			default:
				break scan
			}
		}
		if len(compact) == want && ibanValid(string(compact)) {
			out = append(out, [2]int{l[0], end})
		}
	}
	return out
}

// ibanValid checks an upper-case IBAN's mod-97 checksum.
func ibanValid(iban string) bool {
	var b strings.Builder
	for _, r := range iban[4:] + iban[:4] {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r >= 'A' && r <= 'Z':
			b.WriteString(big.NewInt(int64(r - 'A' + 10)).String())
		default:
			return false
		}
	}
	n, ok := new(big.Int).SetString(b.String(), 10)
	return ok && new(big.Int).Mod(n, big.NewInt(97)).Int64() == 1
}

func digitsOf(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

func isPhoneSep(r rune) bool {
	switch r {
	case ' ', '\t', '.', '-', '/', '(', ')', '\u00a0', '\u202f', '\u2009', '\u2010', '\u2011', '\u2013':
		return true
	}
	return false
}

// phoneRuns finds the runs of digits a phone number could be written as:
// digits with at most three separators between them, with a leading + or
// (, not inside a word.
func phoneRuns(s string) [][2]int {
	var out [][2]int
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			i++
			continue
		}
		start := i
		for start > 0 && (s[start-1] == '+' || s[start-1] == '(') {
			start--
		}
		end := i
		for p := i; p < len(s); {
			if s[p] >= '0' && s[p] <= '9' {
				p++
				end = p
				continue
			}
			q, seps := p, 0
			for q < len(s) && seps <= 3 {
				r, w := utf8.DecodeRuneInString(s[q:])
				if !isPhoneSep(r) {
					break
				}
				q += w
				seps++
			}
			if seps == 0 || seps > 3 || q >= len(s) || s[q] < '0' || s[q] > '9' {
				break
			}
			p = q
		}
		i = end
		if boundary(s, start, end) {
			out = append(out, [2]int{start, end})
		}
	}
	return out
}

var (
	dateLike    = regexp.MustCompile(`^(?:\d{1,4}[./\-]\d{1,2}[./\-]\d{1,4}|\d{4}\s?[\-/–]\s?\d{4}|\d+\.\d+)$`)
	thousands   = regexp.MustCompile(`^\d{1,3}(?:[ .\x{a0}\x{202f}]\d{3})+$`)
	currencyIn  = regexp.MustCompile(`^\s?(?:€|\$|£|(?i:eur|euros|usd|gbp|chf|dollars|pounds|libras)\b)`)
	currencyOut = regexp.MustCompile(`(?i:€|\$|£|eur|usd|gbp|chf)\s?$`)
)

// findPhones finds the contact's phone number in any notation, and every
// phone-like number.
func findPhones(s, contact string) [][2]int {
	var out [][2]int
	for _, l := range phoneRuns(s) {
		run := s[l[0]:l[1]]
		d := digitsOf(run)
		switch {
		case samePhone(d, contact), len(d) > 15:
		case len(d) < 7, dateLike.MatchString(run),
			thousands.MatchString(run) && (currencyIn.MatchString(s[l[1]:]) || currencyOut.MatchString(s[:l[0]])):
			continue
		}
		out = append(out, l)
	}
	return out
}

// samePhone says whether two numbers are the same written differently: the
// same digits once an international 00 and a trunk 0 are dropped, or one
// the other's national number behind a country code of up to three digits.
func samePhone(a, b string) bool {
	if len(a) < 3 || len(b) < 3 {
		return false
	}
	norm := func(x string) string {
		x = strings.TrimPrefix(x, "00")
		return strings.TrimPrefix(x, "0")
	}
	a, b = norm(a), norm(b)
	if len(a) < len(b) {
		a, b = b, a
	}
	return a == b || len(b) >= 6 && len(a)-len(b) <= 3 && strings.HasSuffix(a, b)
}
