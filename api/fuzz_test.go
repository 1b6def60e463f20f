package api_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// writesOnlyWhenCreated sends a request and checks the answer is a 201 that
// wrote one row of table, or a 4xx problem document that wrote none.
func writesOnlyWhenCreated(t *testing.T, s *teststack.Stack, table string, send func() *teststack.Response) {
	t.Helper()
	var before, after int
	s.Core.DB.Raw(`SELECT count(*) FROM ` + table).Scan(&before)
	r := send()
	s.Core.DB.Raw(`SELECT count(*) FROM ` + table).Scan(&after)
	switch {
	case r.Status == 201:
		if after != before+1 {
			t.Fatalf("201 but %d rows of %s written", after-before, table)
		}
	case r.Status >= 400 && r.Status < 500:
		if after != before {
			t.Fatalf("%d but %s was written", r.Status, table)
		}
		if r.Header.Get("Content-Type") != "application/problem+json" {
			t.Fatalf("%d without a problem document: %s", r.Status, r.Body)
		}
	default:
		t.Fatalf("status %d: %s", r.Status, r.Body)
	}
}

// FuzzIntake posts arbitrary bodies to POST /api/v1/cases: every answer is a
// 201 or a 4xx problem, and a refused body writes nothing.
func FuzzIntake(f *testing.F) {
	valid, _ := json.Marshal(teststack.ValidCase())
	for _, seed := range []string{
		string(valid), `{}`, `[]`, `null`, `"x"`, `{"kind":"concern"}`, `{"rights":[1,2]}`,
		`{"anonymous":true,"contact":{"name":"\u0000"}}`, `{"decision_date":"2026-02-30"}`,
		`{"kind":"concern","ai_system_other":"x","informed_of_ai":"yes","description":"\ud800\udc00 long enough","rights":["other"],"anonymous":false,"contact":{"name":"n","preferred_channel":"post","address":"a"}}`,
		`{"ai_system_id":"00000000-0000-0000-0000-000000000000"}`, `{"related_reference":"RD-999-999-999"}`,
	} {
		f.Add([]byte(seed))
	}
	for _, seed := range corpusSeeds("description", "ai_system_other", "decision_reference", "desired_outcome") {
		f.Add([]byte(seed))
	}
	s := teststack.New(f, teststack.Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		writesOnlyWhenCreated(t, s, "cases", func() *teststack.Response {
			return s.With(t).Do(req{Method: "POST", Path: "/api/v1/cases", Body: body})
		})
	})
}

// FuzzEvidenceUpload posts arbitrary multipart bodies and boundaries to
// POST /api/v1/cases/{id}/evidence: every answer is a 201 that stored one
// piece of evidence or a 4xx problem that stored nothing.
func FuzzEvidenceUpload(f *testing.F) {
	valid, ct := multipartBody(f, field("source", "organisation"), field("description", "the rota"),
		filepart("rota.pdf", samplePDF("fuzz")))
	boundary := strings.TrimPrefix(ct, "multipart/form-data; boundary=")
	f.Add(boundary, valid)
	f.Add(boundary, valid[:len(valid)/2])
	f.Add(boundary, []byte{})
	f.Add("", valid)
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a\"\r\n\r\n\r\n--x--\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nprovider\r\n--x\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E2%80%AE.exe\r\n\r\nMZ\x90\x00\r\n--x--\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ\r\n--x--"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n--x--\r\n"))
	f.Add("\"quoted boundary\"", []byte("--quoted boundary\r\n\r\n--quoted boundary--"))

	s := teststack.New(f, teststack.Options{})
	tok := s.Reviewer()
	c := s.File(teststack.ValidCase())
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(c.ID)); err != nil {
		f.Fatal(err)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, c.ID).Scan(&queue)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: tok}); r.Status != 200 {
		f.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	path := "/api/v1/cases/" + c.ID + "/evidence"
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		ct := "multipart/form-data; boundary=" + boundary
		if strings.ContainsFunc(ct, func(r rune) bool { return r < 0x20 && r != '\t' || r == 0x7f }) {
			t.Skip("not a header the client can send")
		}
		writesOnlyWhenCreated(t, s, "evidence", func() *teststack.Response {
			return s.With(t).Do(req{Method: "POST", Path: path, Token: tok, Body: body, Header: map[string]string{"Content-Type": ct}})
		})
	})
}
