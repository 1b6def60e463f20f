package textcheck

import (
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// JSON walks a raw JSON document and returns the path of the first string
// (a value, or a key) holding a refused character — "description",
// "contact.name", "rules[2].name"; a refused key is named by its path with
// the key's refused characters replaced by U+FFFD. It reads the escapes
// itself, so a lone surrogate ("\ud800" not followed by a low surrogate, or
// a low one alone) is found, where encoding/json would turn it into U+FFFD.
// A document that is not JSON yields found false: the decoder reports it.
func JSON(body []byte) (path string, found bool) {
	s := &scanner{b: body}
	s.ws()
	path, found = s.value("")
	if s.broken {
		return "", false
	}
	return path, found
}

type scanner struct {
	b      []byte
	i      int
	broken bool
}

func (s *scanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\r', '\n':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) fail() (string, bool) { s.broken = true; return "", false }

// next reads what follows a member or an element: a comma (more to come)
// or the container's closing byte (done); anything else is not ok.
func (s *scanner) next(closing byte) (done, ok bool) {
	s.ws()
	if s.i >= len(s.b) {
		return false, false
	}
	switch s.b[s.i] {
	case ',':
		s.i++
		return false, true
	case closing:
		s.i++
		return true, true
	}
	return false, false
}

// value reads one value at path; it stops at the first refused string.
func (s *scanner) value(path string) (string, bool) {
	if s.i >= len(s.b) {
		return s.fail()
	}
	switch s.b[s.i] {
	case '{':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == '}' {
			s.i++
			return "", false
		}
		for {
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != '"' {
				return s.fail()
			}
			key, ok, bad := s.str()
			if !ok {
				return s.fail()
			}
			child := key
			if path != "" {
				child = path + "." + key
			}
			if bad {
				return child, true
			}
			s.ws()
			if s.i >= len(s.b) || s.b[s.i] != ':' {
				return s.fail()
			}
			s.i++
			s.ws()
			if p, found := s.value(child); found || s.broken {
				return p, found
			}
			if done, ok := s.next('}'); !ok {
				return s.fail()
			} else if done {
				return "", false
			}
		}
	case '[':
		s.i++
		s.ws()
		if s.i < len(s.b) && s.b[s.i] == ']' {
			s.i++
			return "", false
		}
		for n := 0; ; n++ {
			s.ws()
			if p, found := s.value(path + "[" + strconv.Itoa(n) + "]"); found || s.broken {
				return p, found
			}
			if done, ok := s.next(']'); !ok {
				return s.fail()
			} else if done {
				return "", false
			}
		}
	case '"':
		_, ok, bad := s.str()
		if !ok {
			return s.fail()
		}
		if bad {
			return path, true
		}
		return "", false
	default:
		// A number, true, false or null: up to the next delimiter.
		start := s.i
		for s.i < len(s.b) {
			switch s.b[s.i] {
			case ',', '}', ']', ' ', '\t', '\r', '\n':
				if s.i == start {
					return s.fail()
				}
				return "", false
			}
			s.i++
		}
		return "", false
	}
}

// str reads a string at s.i (its opening quote), decoding escapes: the
// text (refused characters as U+FFFD), whether it was well formed, and
// whether it held a refused character.
func (s *scanner) str() (text string, ok, bad bool) {
	s.i++ // the quote
	var out []rune
	for s.i < len(s.b) {
		c := s.b[s.i]
		switch {
		case c == '"':
			s.i++
			return string(out), true, bad
		case c == '\\':
			if s.i+1 >= len(s.b) {
				return "", false, bad
			}
			e := s.b[s.i+1]
			s.i += 2
			switch e {
			case '"', '\\', '/':
				out = append(out, rune(e))
			case 'b':
				out, bad = append(out, utf8.RuneError), true
			case 'f':
				out, bad = append(out, utf8.RuneError), true
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'u':
				r, good := s.hex4()
				if !good {
					return "", false, bad
				}
				switch {
				case utf16.IsSurrogate(r) && r < 0xdc00:
					// A high surrogate must be followed by \u and a low one.
					if s.i+1 < len(s.b) && s.b[s.i] == '\\' && s.b[s.i+1] == 'u' {
						save := s.i
						s.i += 2
						lo, good := s.hex4()
						if good && 0xdc00 <= lo && lo <= 0xdfff {
							r = utf16.DecodeRune(r, lo)
							if Refused(r) {
								bad = true
								r = utf8.RuneError
							}
							out = append(out, r)
							continue
						}
						s.i = save
					}
					out, bad = append(out, utf8.RuneError), true
				case utf16.IsSurrogate(r) || Refused(r):
					out, bad = append(out, utf8.RuneError), true
				default:
					out = append(out, r)
				}
			default:
				return "", false, bad
			}
		case c < 0x20:
			// Raw control characters are not JSON (the decoder says so),
			// but a refused one is named here, as its escape would be.
			if Refused(rune(c)) {
				bad = true
			}
			out = append(out, rune(c))
			s.i++
		case c < utf8.RuneSelf:
			if c == 0x7f {
				bad = true
			}
			out = append(out, rune(c))
			s.i++
		default:
			r, n := utf8.DecodeRune(s.b[s.i:])
			if r == utf8.RuneError && n <= 1 || Refused(r) {
				bad = true
				r = utf8.RuneError
			}
			out = append(out, r)
			s.i += n
		}
	}
	return "", false, bad
}

func (s *scanner) hex4() (rune, bool) {
	if s.i+4 > len(s.b) {
		return 0, false
	}
	var r rune
	for _, c := range s.b[s.i : s.i+4] {
		r <<= 4
		switch {
		case '0' <= c && c <= '9':
			r |= rune(c - '0')
		case 'a' <= c && c <= 'f':
			r |= rune(c - 'a' + 10)
		case 'A' <= c && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, false
		}
	}
	s.i += 4
	return r, true
}
