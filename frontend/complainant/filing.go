package complainant

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/platform/fault"
)

const (
	// maxFilingField is one text part of the filing form: a 20,000-character
	// description in any script fits.
	maxFilingField = 96 << 10
	// maxFilingText is all the text parts together.
	maxFilingText = 192 << 10
)

var errFilingForm = fault.New(fault.Malformed, "malformed_form", "The form could not be read.")

// parseFilingForm reads the complaint form's last step, a
// multipart/form-data body, part by part from memory (never spilled to
// disk): the answers and the CSRF token as text parts, each file (part
// "file", empty when none was chosen) read and hashed by
// evidence.Read with its limits. Parts the form does not have are
// refused, as are more files than a complaint may hold.
func parseFilingForm(contentType, contentEncoding string, body []byte) (url.Values, []evidence.Input, error) {
	form := url.Values{}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return nil, nil, errFilingForm
	}
	if enc := strings.TrimSpace(contentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return nil, nil, errFilingForm
	}
	known := append(answerFields(), kit.CSRFField, evidenceDescription, "step")
	maxParts := len(known) + len(decision.Rights) + len(decision.HarmTypes) + evidence.MaxComplainant
	var files []evidence.Input
	text := 0
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil || n == maxParts {
			return nil, nil, errFilingForm
		}
		name := p.FormName()
		switch {
		case name == "file":
			f, err := evidence.Read(p)
			if err != nil {
				return nil, nil, err
			}
			if p.FileName() == "" && f.Size() == 0 {
				continue // the file input left empty
			}
			files = append(files, evidence.Input{File: f, Filename: p.FileName(), Source: evidence.SourceComplainant})
			if len(files) > evidence.MaxComplainant {
				var f fault.Fields
				f.Addf("file", "too_many", "a complaint can hold at most %d files from you", evidence.MaxComplainant)
				return nil, nil, f.Err()
			}
		case slices.Contains(known, name):
			v, err := io.ReadAll(io.LimitReader(p, maxFilingField+1))
			text += len(v)
			if err != nil || len(v) > maxFilingField || text > maxFilingText || !utf8.Valid(v) {
				return nil, nil, errFilingForm
			}
			form.Add(strings.Clone(name), string(v))
		default:
			return nil, nil, errFilingForm
		}
	}
	return form, files, nil
}
