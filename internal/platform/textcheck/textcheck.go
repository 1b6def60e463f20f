// Package textcheck is the one input gate for text: every string a request
// carries (each JSON string, form field and query parameter) is checked once,
// where it is decoded, for characters no field of Redress accepts — NUL and
// the other C0 controls but tab, CR and LF, DEL and the C1 controls, bytes
// that are not UTF-8, lone UTF-16 surrogates (a "\ud800" escape in JSON,
// which encoding/json would silently store as U+FFFD) and the bidirectional
// embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that
// make a text read otherwise than it is stored. It also normalises the names
// of uploaded files.
package textcheck

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Code is the field error code of a refused string.
const Code = "invalid_text"

// Message is the field error's (English) message; the pages translate Code.
const Message = "contains a character that cannot be accepted (a control character such as NUL, " +
	"a lone surrogate, bytes that are not UTF-8, or a direction override); remove it"

// Corpus is one example of each kind of character the gate refuses, for
// tests and fuzz seeds.
var Corpus = []string{
	"\x00", "\x01", "\x07", "\x08", "\x0b", "\x0c", "\x1b", "\x1f", "\x7f",
	"\u0080", "\u0085", "\u009f",
	"\u202a", "\u202b", "\u202c", "\u202d", "\u202e",
	"\u2066", "\u2067", "\u2068", "\u2069",
	"\xff", "\xed\xa0\x80", // not UTF-8; a surrogate encoded in UTF-8
}

// JSONCorpus is Corpus as JSON string contents (escaped), plus lone
// surrogates, which only JSON can carry.
var JSONCorpus = []string{
	`\u0000`, `\u0001`, `\u0007`, `\b`, `\f`, `\u000b`, `\u001b`, `\u001f`, `\u007f`,
	`\u0080`, `\u0085`, `\u009f`,
	`\u202a`, `\u202b`, `\u202c`, `\u202d`, `\u202e`, "\u202e",
	`\u2066`, `\u2067`, `\u2068`, `\u2069`, "\u2069",
	`\ud800`, `\udfff`, `\ud800x`, `\udc00\ud800`, `\ud83d\u0041`,
}

// Refused reports whether r is a character no text field accepts.
func Refused(r rune) bool {
	switch {
	case r == '\t' || r == '\n' || r == '\r':
		return false
	case r < 0x20, r == 0x7f, 0x80 <= r && r <= 0x9f:
		return true
	case 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069:
		return true
	case 0xd800 <= r && r <= 0xdfff:
		// Surrogates never come out of valid UTF-8 (a JSON escape).
		return true
	}
	return false
}

// Valid reports whether s is UTF-8 without a refused character.
func Valid(s string) bool {
	if !utf8.ValidString(s) {
		return false
	}
	for _, r := range s {
		if Refused(r) {
			return false
		}
	}
	return true
}

// ValidBytes is Valid for a byte slice, without copying it.
func ValidBytes(b []byte) bool {
	if !utf8.Valid(b) {
		return false
	}
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		if Refused(r) {
			return false
		}
		b = b[n:]
	}
	return true
}

// maxFileName bounds a file name, in characters.
const maxFileName = 255

// FileName normalises the name of an uploaded file for storing and for
// Content-Disposition: the last element of a path (either separator), in
// NFC, without control characters, bidirectional marks, embeddings,
// overrides or isolates, bytes that are not UTF-8 becoming "_", trimmed,
// and at most 255 characters (the extension kept). An empty result is
// "evidence".
func FileName(name string) string {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.ToValidUTF8(name, "_")
	name = norm.NFC.String(name)
	name = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || isBidi(r) || r == utf8.RuneError {
			return -1
		}
		return r
	}, name)
	name = strings.TrimSpace(name)
	if n := utf8.RuneCountInString(name); n > maxFileName {
		ext := ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && utf8.RuneCountInString(name[i:]) <= 16 {
			ext = name[i:]
		}
		r := []rune(strings.TrimSuffix(name, ext))
		name = strings.TrimSpace(string(r[:maxFileName-utf8.RuneCountInString(ext)])) + ext
	}
	if name == "" || name == "." || name == ".." {
		return "evidence"
	}
	return name
}

// isBidi reports the bidirectional formatting characters: marks, embeddings,
// overrides and isolates.
func isBidi(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case 0x202a <= r && r <= 0x202e, 0x2066 <= r && r <= 0x2069:
		return true
	}
	return false
}
