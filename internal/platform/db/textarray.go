package db

import (
	"database/sql/driver"
	"errors"
	"fmt"
	"strings"
)

// TextArray maps a PostgreSQL text[] column to a Go []string.
type TextArray []string

// Value renders the array as a PostgreSQL array literal.
func (a TextArray) Value() (driver.Value, error) {
	if a == nil {
		return "{}", nil
	}
	var b strings.Builder
	b.WriteByte('{')
	for i, s := range a {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteByte('"')
		for _, r := range s {
			if r == '"' || r == '\\' {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
		b.WriteByte('"')
	}
	b.WriteByte('}')
	return b.String(), nil
}

// Scan parses a one-dimensional PostgreSQL array literal.
func (a *TextArray) Scan(src any) error {
	var s string
	switch v := src.(type) {
	case nil:
		*a = nil
		return nil
	case string:
		s = v
	case []byte:
		s = string(v)
	default:
		return fmt.Errorf("db: cannot scan %T into TextArray", src)
	}
	out, err := ParseTextArray(s)
	if err != nil {
		return err
	}
	*a = out
	return nil
}

// ParseTextArray parses a one-dimensional PostgreSQL text array literal such
// as {a,"b c",NULL}. NULL elements become "".
func ParseTextArray(s string) ([]string, error) {
	if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
		return nil, errors.New("db: array literal must be enclosed in braces")
	}
	body := s[1 : len(s)-1]
	out := []string{}
	if body == "" {
		return out, nil
	}
	for i := 0; ; {
		var elem strings.Builder
		if i < len(body) && body[i] == '"' {
			i++
			closed := false
			for i < len(body) {
				c := body[i]
				if c == '\\' && i+1 < len(body) {
					elem.WriteByte(body[i+1])
					i += 2
					continue
				}
				if c == '"' {
					closed = true
					i++
					break
				}
				elem.WriteByte(c)
				i++
			}
			if !closed {
				return nil, errors.New("db: unterminated quoted array element")
			}
			out = append(out, elem.String())
		} else {
			start := i
			for i < len(body) && body[i] != ',' {
				if body[i] == '"' || body[i] == '{' || body[i] == '}' {
					return nil, errors.New("db: unexpected character in unquoted array element")
				}
				i++
			}
			raw := body[start:i]
			if raw == "" {
				return nil, errors.New("db: empty unquoted array element")
			}
			if strings.EqualFold(raw, "NULL") {
				raw = ""
			}
			out = append(out, raw)
		}
		if i == len(body) {
			return out, nil
		}
		if body[i] != ',' {
			return nil, errors.New("db: expected comma between array elements")
		}
		i++
		if i == len(body) {
			return nil, errors.New("db: trailing comma in array literal")
		}
	}
}
