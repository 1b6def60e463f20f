package remedy

import (
	"regexp"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/fault"
)

// An offer's description says what the organisation will do; anything the
// complainant must do goes in its conditions, which a second person approves
// before the offer reaches them. The phrase list (Waiver) is a first filter
// for set phrases; Restraint is the structural one: a sentence of an offer
// that names a court, a regulator, a union or another forum together with a
// negation or a restriction ("you will not contact any regulator", "sans
// saisir le syndicat") is refused whatever its wording, so a paraphrase of a
// waiver can never stand in an offer. Sentences that keep the right ("never
// stops you going to a court") are read without their keeping words first.

// forumStems name a place the complainant may go, or the act of going there:
// a word starting with one of them (Latin scripts) or containing one (Arabic,
// whose words carry attached prefixes such as ال, ب, ل, و) is a forum.
var forumStems = []string{
	// English
	"court", "tribunal", "judge", "judicia", "regulat", "authorit", "ombuds", "union", "inspector", "lawyer",
	"solicitor", "attorney", "litig", "lawsuit", "police", "journalist", "newspaper",
	"supervisory", "watchdog", "elsewhere", "legal", "proceeding", "whistle", "cnil",
	// French (accents removed before matching)
	"juge", "juridiction", "justice", "autorite", "regulateur", "syndica", "mediateur", "defenseur", "avocat",
	"prud", "poursui", "presse", "medias", "journaliste", "ailleurs", "judiciaire",
	// Spanish
	"juzgado", "juez", "autoridad", "regulador", "sindica", "defensor", "abogad", "policia", "prensa",
	"periodista", "demand", "judicial", "inspeccion",
}

// forumWords are forums matched as whole words only (short ones, whose
// prefix would catch other words).
var forumWords = map[string]bool{"sue": true, "sues": true, "sued": true, "suing": true, "press": true,
	"media": true, "medias": true, "dpa": true, "ico": true, "cour": true, "cours": true, "tribunaux": true}

// arabicForums are matched inside a word (court, judiciary, judge, lawsuit,
// regulator, supervisory, authority, union, lawyer, police, press).
var arabicForums = []string{"محكم", "محاكم", "قضاء", "القضا", "قاض", "دعوى", "دعاوى", "تنظيمي", "رقاب", "سلط",
	"هيئ", "نقاب", "محام", "شرطه", "صحاف", "اعلام", "جهه"}

// restraints are words that negate or restrict; a word equal to one, or
// starting with one of restraintStems, restrains.
var restraints = map[string]bool{
	"not": true, "never": true, "no": true, "nor": true, "cannot": true, "can't": true, "won't": true,
	"don't": true, "doesn't": true, "shan't": true, "mustn't": true, "without": true, "neither": true, "none": true,
	"ne": true, "n'": true, "pas": true, "jamais": true, "aucun": true, "aucune": true, "sans": true, "ni": true,
	"nunca": true, "ningun": true, "ninguna": true, "ninguno": true, "sin": true, "jamas": true,
	"لا": true, "لن": true, "عدم": true, "بعدم": true, "الا": true, "دون": true, "بدون": true, "ولا": true, "ولن": true,
}

var restraintStems = []string{
	// English
	"refrain", "abstain", "withdraw", "forgo", "forego", "relinquish", "surrender", "abandon", "confidential",
	"non-disclosure", "nondisclosure", "silen", "exclusiv", "preclud", "prohibit", "forbid", "barred", "bars",
	"drop", "discontinu",
	// French
	"abstien", "absten", "retir", "confidenti", "interdi", "exclusi", "silence",
	// Spanish
	"absten", "abstien", "retira", "confidencial", "prohib", "exclusiv", "silencio",
}

var arabicRestraints = []string{"امتن", "يمتنع", "تمتنع", "سحب", "سري", "كتمان", "حصري"}

// keeping are words that say the right stays; they are taken out of a
// sentence before it is read, so they never count as a restriction.
var keeping = func() []*regexp.Regexp {
	src := []string{
		`\b(?:does|do|will|shall|can|could|would)(?: not|n't) (?:\p{L}+ ){0,2}(?:affect|limit|restrict|change|take away|stop|prevent|remove|reduce)\p{L}*`,
		`\bnever (?:\p{L}+ ){0,2}(?:affects?|limits?|restricts?|changes?|takes? away|stops?|prevents?|removes?)\b`,
		`\bnothing (?:\p{L}+ ){0,4}(?:affects?|limits?|restricts?|changes?|takes? away|stops?|prevents?)\b`,
		`\bn'(?:affecte|empeche|limite|retire|enleve|change)\p{L}* (?:\p{L}+ ){0,2}(?:pas|jamais|en rien)\b`,
		`\bne (?:\p{L}+ ){0,2}(?:affecte|empeche|limite|retire|enleve|change)\p{L}* (?:\p{L}+ ){0,2}(?:pas|jamais|en rien)\b`,
		`\b(?:no|nunca) (?:\p{L}+ ){0,2}(?:afecta|impide|limita|quita|cambia|restringe)\p{L}*\b`,
		`لا (?:\p{L}+ ){0,2}(?:يمنع|يؤثر|يحد|يلغي|يسلب)\p{L}*`,
	}
	out := make([]*regexp.Regexp, len(src))
	for i, s := range src {
		out[i] = regexp.MustCompile(s)
	}
	return out
}()

var sentenceEnd = regexp.MustCompile(`[.;!?\n؛؟]+`)

// fold is text as the guard reads it: compatibility form, no invisible
// format characters, no accents or Arabic vowel marks, one kind of space
// and apostrophe, lower case, alef forms and ta marbuta folded.
// spaces are every kind of space, read as one.
var spaces = regexp.MustCompile(`[\s\p{Z}]+`)

func fold(text string) string {
	t := norm.NFKD.String(text)
	t = strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Cf, r), unicode.Is(unicode.Mn, r):
			return -1
		case r == '’' || r == '‘' || r == 'ʼ':
			return '\''
		case r == 'أ' || r == 'إ' || r == 'آ':
			return 'ا'
		case r == 'ة':
			return 'ه'
		case r == 'ى':
			return 'ي'
		}
		return unicode.ToLower(r)
	}, t)
	return spaces.ReplaceAllString(norm.NFC.String(t), " ")
}

// The Arabic lists are kept as written and read folded, as the text is.
func init() {
	for _, l := range [][]string{arabicForums, arabicRestraints} {
		for i, w := range l {
			l[i] = fold(w)
		}
	}
	for w := range restraints {
		if isArabic(w) && fold(w) != w {
			restraints[fold(w)] = true
		}
	}
}

func isArabic(w string) bool {
	for _, r := range w {
		if unicode.Is(unicode.Arabic, r) {
			return true
		}
	}
	return false
}

// words splits a sentence into words, keeping a French elision (n', l')
// as a word of its own.
func words(s string) []string {
	var out []string
	for _, w := range strings.FieldsFunc(s, func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '\'' && r != '-'
	}) {
		if i := strings.IndexByte(w, '\''); i > 0 && i < len(w)-1 && len(w[:i]) <= 2 {
			out = append(out, w[:i+1], w[i+1:])
			continue
		}
		out = append(out, strings.Trim(w, "'-"))
	}
	return out
}

func hasPrefix(w string, stems []string) bool {
	for _, s := range stems {
		if strings.HasPrefix(w, s) {
			return true
		}
	}
	return false
}

func hasInside(w string, stems []string) bool {
	for _, s := range stems {
		if strings.Contains(w, s) {
			return true
		}
	}
	return false
}

// Restraint returns the first sentence of text that names a forum together
// with a negation or restriction, or "" when there is none.
func Restraint(text string) string {
	for _, sentence := range sentenceEnd.Split(fold(text), -1) {
		// The keeping words are taken out only of a sentence that would be
		// refused without them (the regular expressions cost more than the
		// word scan).
		if !restrains(sentence) {
			continue
		}
		s := sentence
		for _, k := range keeping {
			s = k.ReplaceAllString(s, " ")
		}
		if restrains(s) {
			return strings.TrimSpace(sentence)
		}
	}
	return ""
}

// restrains reports whether a folded sentence names a forum and a
// negation or restriction.
func restrains(sentence string) bool {
	var forum, restrained bool
	for _, w := range words(sentence) {
		if isArabic(w) {
			forum = forum || hasInside(w, arabicForums)
			restrained = restrained || restraints[w] || hasInside(w, arabicRestraints)
			continue
		}
		forum = forum || forumWords[w] || hasPrefix(w, forumStems)
		restrained = restrained || restraints[w] || hasPrefix(w, restraintStems)
	}
	return forum && restrained
}

// CheckOffer refuses, for field, offer text that waives a right (the phrase
// list) or restrains going to a court, a regulator or a union (Restraint).
func CheckOffer(f *fault.Fields, field, text string) {
	if casework.Waiver(text) != "" {
		casework.CheckWaiver(f, field, text)
		return
	}
	if s := Restraint(text); s != "" {
		f.Addf(field, "waiver_forbidden", "an offer may never limit the complainant's right to go to a court, "+
			"a regulator or a union; this sentence names one with a restriction: %q. Say what the organisation "+
			"will do, and put anything asked of the complainant in conditions", s)
	}
}
