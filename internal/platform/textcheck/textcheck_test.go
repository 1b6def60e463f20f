package textcheck

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestJSONNamesTheField(t *testing.T) {
	cases := []struct{ body, path string }{
		{`{"description":"a\u0000b"}`, "description"},
		{`{"contact":{"name":"x\u202ey"}}`, "contact.name"},
		{`{"rules":[{"name":"ok"},{"name":"ok"},{"name":"\ud800"}]}`, "rules[2].name"},
		{`{"a":"\udc00"}`, "a"},
		{`{"a":"\ud800\u0041"}`, "a"},
		{`{"a":["x","\u0085"]}`, "a[1]"},
		{"{\"a\":\"\u2066\"}", "a"},
		{"{\"a\":\"\xff\"}", "a"},
		{`{"n":1,"b":true,"c":null,"d":"\u001f"}`, "d"},
		{`{"k\u0000":"v"}`, "k\ufffd"},
		{`{"a":"\b"}`, "a"},
	}
	for _, c := range cases {
		p, found := JSON([]byte(c.body))
		if !found || p != c.path {
			t.Errorf("%s: got %q %v, want %q", c.body, p, found, c.path)
		}
	}
}

func TestJSONLetsTextThrough(t *testing.T) {
	for _, body := range []string{
		`{"a":"tab\there\nline\r\n","b":"\ud83d\ude00 😀 مرحبا עברית","c":[1,2.5e3,-1,true,false,null],"d":{}, "e":[]}`,
		`{"a":"\u00e9\u200c\u200d\u200f","b":"\"\\\/"}`, `{"a":"\ufffd�"}`,
		`{}`, `[]`, `"x"`,
		`{"a":`, `{"a":"\u00`, `not json`, // not JSON: left to the decoder
	} {
		if p, found := JSON([]byte(body)); found {
			t.Errorf("%s: refused at %q", body, p)
		}
	}
}

func TestJSONCorpusIsRefused(t *testing.T) {
	for _, s := range JSONCorpus {
		body := `{"f":"a` + s + `b"}`
		if p, found := JSON([]byte(body)); !found || p != "f" {
			t.Errorf("%q passed (%q %v)", s, p, found)
		}
	}
	for _, s := range Corpus {
		// As Go's encoder escapes it, and raw where JSON allows it raw.
		b, _ := json.Marshal(map[string]string{"f": "a" + s + "b"})
		bodies := []string{string(b)}
		if !utf8.ValidString(s) {
			bodies = nil // the encoder makes it U+FFFD, which is text
		}
		if s >= " " {
			bodies = append(bodies, `{"f":"a`+s+`b"}`)
		}
		for _, body := range bodies {
			if p, found := JSON([]byte(body)); !found || p != "f" {
				t.Errorf("%q passed in %q", s, body)
			}
		}
	}
}

func TestValid(t *testing.T) {
	for _, s := range Corpus {
		if Valid("a"+s+"b") || ValidBytes([]byte("a"+s+"b")) {
			t.Errorf("%q is valid", s)
		}
	}
	for _, s := range []string{"", "\ufffd", "plain", "tab\tnew\nline\r", "é ü 中文 مرحبا 😀", "\u200c\u200d"} {
		if !Valid(s) || !ValidBytes([]byte(s)) {
			t.Errorf("%q refused", s)
		}
	}
}

func TestFileName(t *testing.T) {
	cases := map[string]string{
		"report.pdf":                      "report.pdf",
		"../../etc/passwd":                "passwd",
		`C:\Users\x\file.txt`:             "file.txt",
		"invoice\u202efdp.exe":            "invoicefdp.exe",
		"a\u2066b\u2069c\u200f.png":       "abc.png",
		"a\x00b\x07c\x1b.pdf":             "abc.pdf",
		"cafe\u0301.txt":                  "caf\u00e9.txt",
		"bad\xffbyte.txt":                 "bad_byte.txt",
		"  ":                              "evidence",
		"..":                              "evidence",
		"dir/":                            "evidence",
		"\u202e":                          "evidence",
		strings.Repeat("x", 300) + ".pdf": strings.Repeat("x", 251) + ".pdf",
	}
	for in, want := range cases {
		if got := FileName(in); got != want {
			t.Errorf("FileName(%q) = %q, want %q", in, got, want)
		}
	}
}
