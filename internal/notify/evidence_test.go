package notify_test

import (
	"bytes"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/smtpsink"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// uploadFile posts one file (and its description, and for staff a source)
// as multipart/form-data.
func uploadFile(t *testing.T, s *teststack.Stack, tok, path, filename, content, description, source string) {
	t.Helper()
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	fields := map[string]string{"description": description}
	if source != "" {
		fields["source"] = source
	}
	for k, v := range fields {
		if err := w.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := w.CreateFormFile("file", filename)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	r := s.Do(req{Method: "POST", Path: path, Token: tok, Body: buf.Bytes(),
		Header: map[string]string{"Content-Type": w.FormDataContentType()}})
	if r.Status != 201 {
		t.Fatalf("upload to %s: %d %s", path, r.Status, r.Body)
	}
}

// A file the complainant adds reaches who holds the case, as a reply does —
// its name and description never; a file staff add mails nobody.
func TestComplainantEvidenceMailsTheAssignee(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	f := s.File(teststack.ValidCase())
	settle(t, s, f.ID) // routed to general; reviewer@ is its member
	var general string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'general'`).Scan(&general)
	rui := s.Login("reviewer2@example.org")
	r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + general + "/claim", Token: rui})
	if r.Status != 200 || r.JSON(t)["id"] != f.ID {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	uploadFile(t, s, rui, "/api/v1/cases/"+f.ID+"/evidence", "rota-export.csv", "week,hours\n", "The deployer's rota export", "deployer")
	uploadFile(t, s, s.ComplainantToken(f), "/api/v1/complainant/case/evidence", "payslips-april-may.txt",
		"April 1,240.00; May 310.00 (payslip 3d8c)", "My payslips for April and May (file 6b2e)", "")
	settle(t, s, f.ID)
	files := func(to string) []smtpsink.Message {
		var out []smtpsink.Message
		for _, m := range sink.To(to) {
			if m.Subject() == "[Redress] File received on case "+f.Reference {
				out = append(out, m)
			}
		}
		return out
	}
	got := files("reviewer2@example.org")
	if len(got) != 1 {
		t.Fatalf("%d file emails to the assignee, want 1 (the complainant's file, not staff's)", len(got))
	}
	absent(t, got[0], "payslips-april-may", "6b2e", "3d8c", "rota-export", "My hours were cut")
	if !strings.Contains(got[0].Text(), publicURL+"/cases/"+f.ID) {
		t.Errorf("no link to the case:\n%s", got[0].Text())
	}
	if n := len(files("reviewer@example.org")); n != 0 {
		t.Errorf("the queue member got %d file emails though the case is assigned", n)
	}
}
