package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/platform/fault"
)

// chromiumBody is an upload as Chromium sends the pages' evidence forms:
// its own boundary, the parts in the form's order, the hidden _csrf field
// first, the file with the Content-Type the browser guessed.
func chromiumBody(parts ...[2]string) (contentType string, body []byte) {
	const boundary = "----WebKitFormBoundaryq5Zc1uTf0Lk3aB7x"
	var b strings.Builder
	for _, p := range parts {
		b.WriteString("--" + boundary + "\r\n")
		if name, filename, ok := strings.Cut(p[0], ";"); ok {
			b.WriteString(`Content-Disposition: form-data; name="` + name + `"; filename="` + filename + "\"\r\n")
			b.WriteString("Content-Type: text/plain\r\n\r\n")
		} else {
			b.WriteString(`Content-Disposition: form-data; name="` + p[0] + "\"\r\n\r\n")
		}
		b.WriteString(p[1] + "\r\n")
	}
	b.WriteString("--" + boundary + "--\r\n")
	return "multipart/form-data; boundary=" + boundary, []byte(b.String())
}

func fieldCodes(err error) string {
	fe, ok := fault.As(err)
	if !ok {
		return ""
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return strings.Join(out, " ")
}

// The pages' forms send their CSRF token as a _csrf part: accepted only
// when the caller names it (the pages do, after checking it), refused by
// name otherwise (the JSON API), and never more than once or overlong.
func TestParseEvidenceFormAcceptsThePagesCSRFPartOnlyWhenNamed(t *testing.T) {
	const token = "Fljmu7ZU7yE-130yizR89U5QB4Qn_iFGazjFZkYFFA8"
	content := "Week 45: 0 shifts.\r\nWeek 44: 5 shifts — été\n"
	sum := sha256.Sum256([]byte(content))

	// The complainant's form: _csrf, file, description.
	ct, body := chromiumBody([2]string{"_csrf", token}, [2]string{"file;rota.txt", content}, [2]string{"description", "My rota"})
	in, err := ParseForm(ct, "", body, true, "_csrf")
	if err != nil {
		t.Fatalf("the complainant's form with its _csrf part: %v", err)
	}
	if in.Filename != "rota.txt" || in.Description != "My rota" || in.Source != "complainant" || in.File == nil ||
		in.File.SHA256() != hex.EncodeToString(sum[:]) || in.File.Size() != len(content) {
		t.Fatalf("parsed %+v", in)
	}
	// The staff form: _csrf, file, source, description.
	ct, body = chromiumBody([2]string{"_csrf", token}, [2]string{"file;export.csv", content},
		[2]string{"source", "deployer"}, [2]string{"description", "The export"})
	if in, err := ParseForm(ct, "", body, false, "_csrf"); err != nil || in.Source != "deployer" ||
		in.File.SHA256() != hex.EncodeToString(sum[:]) {
		t.Fatalf("the staff form with its _csrf part: %+v %v", in, err)
	}

	// Without the caller naming it (the JSON API), _csrf is an unknown part.
	ct, body = chromiumBody([2]string{"_csrf", token}, [2]string{"file;rota.txt", content})
	if _, err := ParseForm(ct, "", body, true); fieldCodes(err) != "_csrf:unknown_field" {
		t.Errorf("the API's reading of a _csrf part: %v", err)
	}
	// Naming _csrf lets nothing else through.
	ct, body = chromiumBody([2]string{"_csrf", token}, [2]string{"owner", "x"}, [2]string{"file;rota.txt", content})
	if _, err := ParseForm(ct, "", body, true, "_csrf"); fieldCodes(err) != "owner:unknown_field" {
		t.Errorf("an unknown part beside _csrf: %v", err)
	}
	// Twice, or overlong, is refused by name.
	ct, body = chromiumBody([2]string{"_csrf", token}, [2]string{"_csrf", token}, [2]string{"file;rota.txt", content})
	if _, err := ParseForm(ct, "", body, true, "_csrf"); fieldCodes(err) != "_csrf:duplicate" {
		t.Errorf("two _csrf parts: %v", err)
	}
	ct, body = chromiumBody([2]string{"_csrf", strings.Repeat("x", maxFormField+1)}, [2]string{"file;rota.txt", content})
	if _, err := ParseForm(ct, "", body, true, "_csrf"); fieldCodes(err) != "_csrf:too_long" {
		t.Errorf("an overlong _csrf part: %v", err)
	}
	// A form sent with its file input left empty: no file, the token accepted.
	ct, body = chromiumBody([2]string{"_csrf", token}, [2]string{"file;", ""}, [2]string{"description", "no file"})
	if in, err := ParseForm(ct, "", body, true, "_csrf"); err != nil || in.File != nil || in.Description != "no file" {
		t.Errorf("an empty file input: %+v %v", in, err)
	}
}
