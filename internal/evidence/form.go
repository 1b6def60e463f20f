package evidence

import (
	"bytes"
	"io"
	"mime"
	"mime/multipart"
	"slices"
	"strings"

	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/fault"
)

const (
	maxFormParts = 8        // file, description, source and some slack
	maxFormField = 16 << 10 // a text part: a 2000-character description in any script fits
)

var errNotMultipart = fault.New(fault.Unsupported, "unsupported_media_type",
	"Send evidence as multipart/form-data, the file in a part named file.")

// ParseForm reads a multipart/form-data upload part by part,
// hashing the file as it is read. Parts: file (required), description, and
// source (staff only; a complainant may send only complainant). Unknown and
// repeated parts are refused by name. The file's own Content-Type is
// ignored: the type is sniffed from its bytes. The JSON API and the pages
// both read uploads with it, from the raw body (never decoded, never
// spilled to disk).
//
// extra names parts of the caller's own protocol that the body may carry
// besides the evidence's, such as the pages' CSRF token ("_csrf"): each is
// accepted once, at most maxFormField long, and otherwise ignored (the
// caller checks it). The JSON API names none, so it refuses every part it
// does not know.
func ParseForm(contentType, contentEncoding string, body []byte, complainant bool, extra ...string) (Input, error) {
	var in Input
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || mt != "multipart/form-data" || params["boundary"] == "" {
		return in, errNotMultipart
	}
	if enc := strings.TrimSpace(contentEncoding); enc != "" && !strings.EqualFold(enc, "identity") {
		return in, fault.New(fault.Unsupported, "unsupported_content_encoding",
			"Send evidence without Content-Encoding; the file is kept exactly as sent.")
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	var f fault.Fields
	seen := map[string]bool{}
	malformed := func(err error) error {
		return fault.New(fault.Malformed, "malformed_multipart",
			"The body is not a readable multipart/form-data body ("+casework.Clip(err.Error(), 120)+").")
	}
	for n := 0; ; n++ {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return in, malformed(err)
		}
		if n == maxFormParts {
			return in, fault.New(fault.Malformed, "malformed_multipart", "The body has too many parts: send file, description and source.")
		}
		name := p.FormName()
		if name == "" {
			return in, fault.New(fault.Malformed, "malformed_multipart",
				"Every part needs Content-Disposition: form-data with a name (file, description, source).")
		}
		name = strings.Clone(name)
		if seen[name] {
			f.Add(name, "duplicate", "is given more than once")
			continue
		}
		seen[name] = true
		switch name {
		case "file":
			in.Filename = p.FileName()
			if in.File, err = Read(p); err != nil {
				return in, err
			}
			if in.Filename == "" && len(in.File.content) == 0 {
				in.File = nil // a web form's file input left empty
			}
		case "description", "source":
			v, err := io.ReadAll(io.LimitReader(p, maxFormField+1))
			if err != nil {
				return in, malformed(err)
			}
			if len(v) > maxFormField {
				f.Add(name, "too_long", "is far longer than allowed")
				continue
			}
			if name == "description" {
				in.Description = string(v)
			} else {
				in.Source = Source(strings.TrimSpace(string(v)))
			}
		default:
			if slices.Contains(extra, name) {
				n, err := io.Copy(io.Discard, io.LimitReader(p, maxFormField+1))
				if err != nil {
					return in, malformed(err)
				}
				if n > maxFormField {
					f.Add(name, "too_long", "is far longer than allowed")
				}
				continue
			}
			f.Add(casework.Clip(name, 60), "unknown_field", "is not a field of this request: send file, description and source")
		}
	}
	if complainant {
		if in.Source != "" && in.Source != SourceComplainant {
			f.Add("source", "invalid", "evidence you add is always source complainant")
		}
		in.Source = SourceComplainant
	}
	return in, f.Err()
}
