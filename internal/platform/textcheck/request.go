package textcheck

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"

	"github.com/valyala/fasthttp"
)

// Request checks every string an HTTP request carries as text: each query
// parameter (name and value), and the body's strings by its type — every
// string of a JSON body, every field of a urlencoded form, every field of a
// multipart form but the files themselves (their names are normalised by
// FileName where they are stored). It returns the first refused field's
// name. A body it cannot read (not JSON, a broken multipart, a
// Content-Encoding) is left to the handler's decoder, which says what is
// wrong with it.
func Request(req *fasthttp.Request) (field string, found bool) {
	req.URI().QueryArgs().VisitAll(func(k, v []byte) {
		if found {
			return
		}
		if !ValidBytes(k) || !ValidBytes(v) {
			field, found = name(k), true
		}
	})
	if found {
		return field, true
	}
	body := req.Body()
	if len(body) == 0 {
		return "", false
	}
	if enc := strings.TrimSpace(string(req.Header.ContentEncoding())); enc != "" && !strings.EqualFold(enc, "identity") {
		return "", false
	}
	mt, params, err := mime.ParseMediaType(string(req.Header.ContentType()))
	if err != nil {
		return "", false
	}
	switch {
	case mt == "application/json" || strings.HasSuffix(mt, "+json"):
		return JSON(body)
	case mt == "application/x-www-form-urlencoded":
		req.PostArgs().VisitAll(func(k, v []byte) {
			if found {
				return
			}
			if !ValidBytes(k) || !ValidBytes(v) {
				field, found = name(k), true
			}
		})
		return field, found
	case mt == "multipart/form-data" && params["boundary"] != "":
		return multipartFields(body, params["boundary"])
	}
	return "", false
}

// maxFieldBytes bounds what is read of one multipart field that is not a
// file (the whole body is in memory already, within the route's limit).
const maxFieldBytes = 1 << 20

func multipartFields(body []byte, boundary string) (string, bool) {
	mr := multipart.NewReader(bytes.NewReader(body), boundary)
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) || err != nil {
			return "", false
		}
		fieldName := p.FormName()
		if !Valid(fieldName) {
			return name([]byte(fieldName)), true
		}
		if p.FileName() != "" {
			continue // a file: its bytes are its own, its name is normalised
		}
		v, err := io.ReadAll(io.LimitReader(p, maxFieldBytes))
		if err != nil {
			return "", false
		}
		if !ValidBytes(v) {
			return fieldName, true
		}
	}
}

// name is a field's name as it can be shown: refused characters and bytes
// that are not UTF-8 as U+FFFD.
func name(k []byte) string {
	return strings.Map(func(r rune) rune {
		if Refused(r) {
			return '\uFFFD'
		}
		return r
	}, strings.ToValidUTF8(string(k), "\uFFFD"))
}
