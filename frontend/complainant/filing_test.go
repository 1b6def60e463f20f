package complainant

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/platform/fault"
)

type part struct{ name, filename, body string }

func filingBody(t *testing.T, parts ...part) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		if p.name == "file" {
			w, e := mw.CreateFormFile("file", p.filename)
			if e == nil {
				_, err = w.Write([]byte(p.body))
			} else {
				err = e
			}
		} else {
			err = mw.WriteField(p.name, p.body)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return mw.FormDataContentType(), buf.Bytes()
}

func TestParseFilingForm(t *testing.T) {
	ct, body := filingBody(t, part{"_csrf", "", "token"}, part{"description", "", "line one\r\nline two"},
		part{"rights", "", "work"}, part{"rights", "", "privacy"}, part{"file", "rota.txt", "week 1"},
		part{"file", "", ""}, part{"evidence_description", "", "the rota"})
	form, files, err := parseFilingForm(ct, "", body)
	if err != nil {
		t.Fatal(err)
	}
	if form.Get("_csrf") != "token" || form.Get("description") != "line one\r\nline two" || len(form["rights"]) != 2 ||
		form.Get("evidence_description") != "the rota" {
		t.Errorf("form: %v", form)
	}
	if len(files) != 1 || files[0].Filename != "rota.txt" || files[0].File.Size() != 6 || files[0].Source != "complainant" {
		t.Errorf("files: %+v (an empty file input is no file)", files)
	}

	many := []part{{"_csrf", "", "token"}}
	for i := 0; i <= evidence.MaxComplainant; i++ {
		many = append(many, part{"file", "f.txt", "x"})
	}
	for name, tc := range map[string]struct {
		ct, enc string
		body    []byte
		code    string
	}{
		"not multipart":    {ct: "application/x-www-form-urlencoded", body: []byte("a=b"), code: "malformed_form"},
		"compressed":       {ct: ct, enc: "gzip", body: body, code: "malformed_form"},
		"an unknown field": {code: "malformed_form"},
		"too many files":   {code: "validation_failed"},
		"a huge field":     {code: "malformed_form"},
		"broken":           {ct: ct, body: body[:len(body)/2], code: "malformed_form"},
	} {
		switch name {
		case "an unknown field":
			tc.ct, tc.body = filingBody(t, part{"_csrf", "", "token"}, part{"surprise", "", "x"})
		case "too many files":
			tc.ct, tc.body = filingBody(t, many...)
		case "a huge field":
			tc.ct, tc.body = filingBody(t, part{"description", "", strings.Repeat("é", maxFilingField)})
		}
		_, _, err := parseFilingForm(tc.ct, tc.enc, tc.body)
		de, ok := fault.As(err)
		if !ok || de.Code != tc.code {
			t.Errorf("%s: %v, want %s", name, err, tc.code)
		}
	}
}

func TestFieldRankFollowsTheForm(t *testing.T) {
	who := complaintSteps[3].Check
	if !(fieldRank(who, "anonymous") < fieldRank(who, "contact.name") && fieldRank(who, "contact.name") < fieldRank(who, "contact.preferred_channel") &&
		fieldRank(who, "contact.preferred_channel") < fieldRank(who, "contact.email") &&
		fieldRank(who, "contact") <= fieldRank(who, "contact.name") && fieldRank(who, "contact.address") < fieldRank(who, "representative.name")) {
		t.Errorf("the who step's order is not the form's")
	}
	want := complaintSteps[2].Check
	if fieldRank(want, "rights[3]") != fieldRank(want, "rights") || fieldRank(want, "unknown") != len(want) {
		t.Errorf("rights[3] ranks %d", fieldRank(want, "rights[3]"))
	}
}
