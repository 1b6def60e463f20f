package db

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestTextArrayValue(t *testing.T) {
	for _, tc := range []struct {
		in   TextArray
		want string
	}{
		{nil, "{}"},
		{TextArray{}, "{}"},
		{TextArray{""}, `{""}`},
		{TextArray{"a"}, `{"a"}`},
		{TextArray{"a", "b c"}, `{"a","b c"}`},
		{TextArray{`say "hi"`}, `{"say \"hi\""}`},
		{TextArray{`C:\path`}, `{"C:\\path"}`},
		{TextArray{"NULL", "null"}, `{"NULL","null"}`},
		{TextArray{"{a,b}"}, `{"{a,b}"}`},
		{TextArray{"日本"}, `{"日本"}`},
	} {
		v, err := tc.in.Value()
		if err != nil || v != tc.want {
			t.Errorf("%#v.Value() = %#v, %v; want %q", tc.in, v, err, tc.want)
		}
	}
}

func TestTextArrayRoundTrip(t *testing.T) {
	for _, in := range [][]string{
		{},
		{""},
		{"", ""},
		{"plain"},
		{"with space", " leading", "trailing ", "  "},
		{`"`, `""`, `a"b`, `"quoted"`},
		{`\`, `\\`, `a\b`, `\"`, `"\`, `ends with \`},
		{",", "a,b", ",,"},
		{"{", "}", "{}", "{a,b}", "{{x}}"},
		{"NULL", "null", "Null", " NULL"},
		{"ünïcödé", "日本語", "emoji 🙂", "\u200b", "\uFFFD"},
		{"tab\there", "new\nline", "cr\r", "\x01\x7f"},
		{`mix "of" \all\ {the,} things NULL`},
	} {
		v, err := TextArray(in).Value()
		if err != nil {
			t.Fatalf("Value(%q): %v", in, err)
		}
		var got TextArray
		if err := got.Scan(v); err != nil {
			t.Errorf("Scan(Value(%q) = %q): %v", in, v, err)
			continue
		}
		if !slices.Equal([]string(got), in) || got == nil {
			t.Errorf("Scan(Value(%q) = %q) = %q", in, v, got)
		}
		var fromBytes TextArray
		if err := fromBytes.Scan([]byte(v.(string))); err != nil || !slices.Equal([]string(fromBytes), in) {
			t.Errorf("Scan([]byte %q) = %q, %v", v, fromBytes, err)
		}
	}
}

func TestTextArrayScan(t *testing.T) {
	a := TextArray{"stale"}
	if err := a.Scan(nil); err != nil || a != nil {
		t.Errorf("Scan(nil) = %q, %v; want nil, nil", a, err)
	}
	for _, src := range []any{42, 3.14, true, []string{"a"}, struct{}{}} {
		b := TextArray{"keep"}
		if err := b.Scan(src); err == nil {
			t.Errorf("Scan(%T) succeeded", src)
		}
		if !slices.Equal(b, TextArray{"keep"}) {
			t.Errorf("failed Scan(%T) changed the value to %q", src, b)
		}
	}
	c := TextArray{"keep"}
	if err := c.Scan("{a"); err == nil || !slices.Equal(c, TextArray{"keep"}) {
		t.Errorf(`Scan("{a") = %q, %v; want an error and the value unchanged`, c, err)
	}
}

// Literals as PostgreSQL's array_out writes them for text[].
func TestTextArrayParsePostgresOutput(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{}`, []string{}},
		{`{a}`, []string{"a"}},
		{`{a,b}`, []string{"a", "b"}},
		{`{"a b","c\"d"}`, []string{"a b", `c"d`}},
		{`{"a\\b"}`, []string{`a\b`}},
		{`{NULL}`, []string{""}},
		{`{null,NuLl}`, []string{"", ""}},
		{`{a,NULL,b}`, []string{"a", "", "b"}},
		{`{"NULL"}`, []string{"NULL"}},
		{`{""}`, []string{""}},
		{`{"",""}`, []string{"", ""}},
		{`{"{}","a,b"}`, []string{"{}", "a,b"}},
		{`{é,日本語,🙂}`, []string{"é", "日本語", "🙂"}},
		{`{"\\\""}`, []string{`\"`}},
		{`{x,"y",z}`, []string{"x", "y", "z"}},
		{`{NULLS,xNULL}`, []string{"NULLS", "xNULL"}},
		{`{"a\bc"}`, []string{"abc"}}, // a backslash quotes any character
	} {
		got, err := ParseTextArray(tc.in)
		if err != nil {
			t.Errorf("ParseTextArray(%q): %v", tc.in, err)
			continue
		}
		if got == nil || !slices.Equal(got, tc.want) {
			t.Errorf("ParseTextArray(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestTextArrayParseMalformed(t *testing.T) {
	for _, in := range []string{
		``,
		`{`,
		`}`,
		`}{`,
		`a`,
		`{a`,
		`a}`,
		`[1:1]={a}`,
		` {a}`,
		`{a} `,
		`{"a}`,
		`{"a\"}`,
		`{"a\}`,
		`{a,}`,
		`{,a}`,
		`{a,,b}`,
		`{,}`,
		`{"a"b}`,
		`{"a" ,b}`,
		`{"a""b"}`,
		`{a"b}`,
		`{a{b}`,
		`{a}b}`,
		`{{a}}`,
		`{{a},{b}}`,
	} {
		got, err := ParseTextArray(in)
		if err == nil || got != nil {
			t.Errorf("ParseTextArray(%q) = %q, %v; want nil and an error", in, got, err)
		}
	}
}

// fuzzElements splits s into array elements on sep; it reports false when
// the elements cannot occur in PostgreSQL text (NUL, invalid UTF-8).
func fuzzElements(s string, sep byte) ([]string, bool) {
	if strings.IndexByte(s, 0) >= 0 || !utf8.ValidString(s) {
		return nil, false
	}
	if sep >= utf8.RuneSelf { // splitting on a non-ASCII byte would cut runes apart
		sep = ','
	}
	return strings.Split(s, string(sep)), true
}

func FuzzTextArrayRoundTrip(f *testing.F) {
	f.Add(`a,b`, byte(','))
	f.Add(`"x"|\y\|{z}|NULL|`, byte('|'))
	f.Add(``, byte(','))
	f.Add(`日本, 語 ,null`, byte(','))
	f.Add(`\\\"\",{,}`, byte('"'))
	f.Fuzz(func(t *testing.T, s string, sep byte) {
		in, ok := fuzzElements(s, sep)
		if !ok {
			t.Skip()
		}
		v, err := TextArray(in).Value()
		if err != nil {
			t.Fatalf("Value(%q): %v", in, err)
		}
		got, err := ParseTextArray(v.(string))
		if err != nil {
			t.Fatalf("ParseTextArray(Value(%q) = %q): %v", in, v, err)
		}
		if !slices.Equal(got, in) {
			t.Fatalf("ParseTextArray(Value(%q) = %q) = %q", in, v, got)
		}
	})
}

func FuzzParseTextArray(f *testing.F) {
	for _, s := range []string{
		`{}`, `{a,b}`, `{"a b","c\"d"}`, `{NULL}`, `{"a\\b"}`, `{"`, `{\}`, `{"\`, `{,}`, `{{}}`, `{a,"b",NULL,"NULL"}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseTextArray(s)
		if err != nil {
			if got != nil {
				t.Fatalf("ParseTextArray(%q) failed (%v) but returned %q", s, err, got)
			}
			return
		}
		if got == nil {
			t.Fatalf("ParseTextArray(%q) = nil, nil; want a non-nil slice", s)
		}
		if len(s) < 2 || s[0] != '{' || s[len(s)-1] != '}' {
			t.Fatalf("ParseTextArray(%q) accepted a literal without braces", s)
		}
		if !utf8.ValidString(s) {
			return // Value writes invalid UTF-8 as U+FFFD, so no round trip
		}
		// Whatever parses re-encodes to a literal that parses the same.
		v, err := TextArray(got).Value()
		if err != nil {
			t.Fatal(err)
		}
		again, err := ParseTextArray(v.(string))
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("ParseTextArray(%q) = %q; re-encoded %q parses to %q, %v", s, got, v, again, err)
		}
	})
}
