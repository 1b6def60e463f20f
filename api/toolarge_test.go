package api_test

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// A body over its limit is answered 413 payload_too_large, and the client
// reads that answer, although it sends the whole body without waiting for
// "100 Continue" (Go's client, curl, browsers): the server reads and
// discards the rest of the body before it closes the connection, instead of
// closing it under the client's feet (a reset, and no answer at all).
func TestTooLargeIsAnAnswerNotAReset(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	token := s.Reviewer()

	// A JSON route: 2 MiB against the 256 KiB limit.
	bigJSON := func() []byte {
		body := teststack.ValidCase()
		body["description"] = strings.Repeat("a", 2<<20)
		raw, _ := json.Marshal(body)
		return raw
	}
	// An upload: one file over 25 MiB plus the envelope.
	bigUpload := func() ([]byte, string) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("source", "staff")
		w, _ := mw.CreateFormFile("file", "big.pdf")
		_, _ = w.Write([]byte("%PDF-1.4\n"))
		_, _ = w.Write(bytes.Repeat([]byte("x"), 26<<20))
		_ = mw.Close()
		return buf.Bytes(), mw.FormDataContentType()
	}
	upload, uploadType := bigUpload()

	cases := []struct {
		name, path, contentType, token string
		body                           []byte
		chunked                        bool // no Content-Length: the limit is found while reading
		detail                         string
	}{
		{"json", "/api/v1/cases", "application/json", "", bigJSON(), false, "262144 bytes"},
		{"json chunked", "/api/v1/cases", "application/json", "", bigJSON(), true, "262144 bytes"},
		{"upload", "/api/v1/cases/" + f.ID + "/evidence", uploadType, token, upload, false, "an evidence file may be at most 25 MiB"},
		{"upload chunked", "/api/v1/cases/" + f.ID + "/evidence", uploadType, token, upload, true, "an evidence file may be at most 25 MiB"},
	}
	client := &http.Client{Timeout: 2 * time.Minute}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(c.body)
			if c.chunked {
				body = io.MultiReader(bytes.NewReader(c.body)) // hides the length
			}
			req, err := http.NewRequest(http.MethodPost, s.URL+c.path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("Content-Type", c.contentType)
			if c.token != "" {
				req.Header.Set("Authorization", "Bearer "+c.token)
			}
			if req.Header.Get("Expect") != "" {
				t.Fatal("the request must not ask for 100 Continue")
			}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("the client got no answer: %v", err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatalf("reading the answer: %v", err)
			}
			var p struct {
				Status       int
				Code, Detail string
			}
			if err := json.Unmarshal(raw, &p); err != nil {
				t.Fatalf("answer %d is not a problem: %s", resp.StatusCode, raw)
			}
			if resp.StatusCode != http.StatusRequestEntityTooLarge || p.Code != "payload_too_large" ||
				!strings.Contains(p.Detail, c.detail) {
				t.Fatalf("got %d %s %q, want 413 payload_too_large naming %q", resp.StatusCode, p.Code, p.Detail, c.detail)
			}
		})
	}

	// The server still answers on a new connection, and nothing was filed.
	r := s.Do(teststack.Request{Method: "GET", Path: "/livez"})
	if r.Status != 200 {
		t.Fatalf("livez after the refusals: %d", r.Status)
	}
	var n int64
	s.Core.DB.Raw(`SELECT count(*) FROM cases`).Scan(&n)
	if n != 1 {
		t.Fatalf("%d cases, want the one filed: a refused body saved something", n)
	}
}
