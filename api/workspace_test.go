package api_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// part is one part of a multipart/form-data body; a file when filename is set.
type part struct {
	name, filename string
	content        []byte
	disposition    string // a Content-Disposition written as is
}

func filepart(name string, content []byte) part { return part{"file", name, content, ""} }
func field(name, v string) part                 { return part{name, "", []byte(v), ""} }

// multipartBody writes parts as multipart/form-data and returns the body and its Content-Type.
func multipartBody(t testing.TB, parts ...part) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	size := 1024
	for _, p := range parts {
		size += len(p.content) + 256
	}
	buf.Grow(size) // once: a file of 25 MiB grown by doubling cost seconds under the race detector
	w := multipart.NewWriter(&buf)
	for _, p := range parts {
		var err error
		var pw interface{ Write([]byte) (int, error) }
		switch {
		case p.disposition != "":
			pw, err = w.CreatePart(textproto.MIMEHeader{"Content-Disposition": {p.disposition}})
		case p.filename != "":
			pw, err = w.CreateFormFile(p.name, p.filename)
		default:
			pw, err = w.CreateFormField(p.name)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pw.Write(p.content); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), w.FormDataContentType()
}

// upload posts parts to path as multipart/form-data.
func upload(s *teststack.Stack, path, tok string, hdr map[string]string, parts ...part) *teststack.Response {
	s.T.Helper()
	body, ct := multipartBody(s.T, parts...)
	h := map[string]string{"Content-Type": ct}
	for k, v := range hdr {
		h[k] = v
	}
	return s.Do(req{Method: "POST", Path: path, Token: tok, Body: body, Header: h})
}

func countEvidence(t *testing.T, s *teststack.Stack) int {
	t.Helper()
	var n int
	if err := s.Core.DB.Raw(`SELECT count(*) FROM evidence`).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func auditActions(t *testing.T, s *teststack.Stack, tok, caseID string) ([]string, map[string]any) {
	t.Helper()
	r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + caseID + "/audit", Token: tok})
	if r.Status != 200 {
		t.Fatalf("audit: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	var actions []string
	for _, e := range m["items"].([]any) {
		actions = append(actions, e.(map[string]any)["action"].(string))
	}
	return actions, m
}

// samplePDF is a small file that sniffs as a PDF, holding marker.
func samplePDF(marker string) []byte {
	return []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% " + marker + "\n%%EOF\n")
}

func TestEvidenceUploadHashDownloadAndSealed(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	path := "/api/v1/cases/" + f.ID + "/evidence"
	const (
		marker      = "ROTA-PLAINTEXT-PROBE-5e1d"
		description = "The rota export for May, showing the cut after the sick-leave flag (probe-desc-91a2)."
		ua          = "Mozilla/5.0 (EvidenceProbe-3b7f) Gecko/20100101"
		forwarded   = "198.51.100.23"
	)
	content := samplePDF(marker)
	sum := sha256.Sum256(content)
	hdr := map[string]string{"User-Agent": ua, "X-Forwarded-For": forwarded, "Forwarded": "for=" + forwarded}
	// A Windows path is cut to the file's own name; the client's Content-Type is ignored.
	r := upload(s, path, rita, hdr, field("source", "organisation"), field("description", description),
		filepart(`C:\Users\rita\Rota für Mai "final".pdf`, content))
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	var e struct {
		ID          string     `json:"id"`
		SHA256      string     `json:"sha256"`
		SizeBytes   int        `json:"size_bytes"`
		MediaType   string     `json:"media_type"`
		Filename    string     `json:"filename"`
		Description string     `json:"description"`
		Source      string     `json:"source"`
		AddedBy     *string    `json:"added_by"`
		CreatedAt   *time.Time `json:"created_at"`
	}
	r.Decode(t, &e)
	if e.SHA256 != hex.EncodeToString(sum[:]) || e.SizeBytes != len(content) || e.MediaType != "application/pdf" ||
		e.Filename != `Rota für Mai "final".pdf` || e.Description != description || e.Source != "organisation" ||
		e.AddedBy == nil || e.CreatedAt == nil {
		t.Fatalf("upload answer: %s", r.Body)
	}

	// The list carries no content.
	list := s.Do(req{Method: "GET", Path: path, Token: rita})
	if list.Status != 200 || !strings.Contains(string(list.Body), e.SHA256) || strings.Contains(string(list.Body), "content") {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	// Whoever may see the case reads (a supervisor of its queue); the
	// download is the same bytes with their digests.
	dl := s.Do(req{Method: "GET", Path: path + "/" + e.ID, Token: s.Login("supervisor@example.org")})
	if dl.Status != 200 || !bytes.Equal(dl.Body, content) {
		t.Fatalf("download: %d %q", dl.Status, dl.Body)
	}
	for h, want := range map[string]string{
		"Content-Type":           "application/pdf",
		"X-Content-SHA256":       e.SHA256,
		"Repr-Digest":            "sha-256=:" + base64.StdEncoding.EncodeToString(sum[:]) + ":",
		"X-Content-Type-Options": "nosniff",
		"Content-Disposition":    `attachment; filename="Rota f_r Mai _final_.pdf"; filename*=UTF-8''Rota%20f%C3%BCr%20Mai%20%22final%22.pdf`,
		"Cache-Control":          "no-store",
	} {
		if got := dl.Header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	if !strings.Contains(dl.Header.Get("Content-Security-Policy"), "sandbox") {
		t.Errorf("Content-Security-Policy %q", dl.Header.Get("Content-Security-Policy"))
	}
	if r := s.Do(req{Method: "GET", Path: path + "/" + uuid.NewString(), Token: rita}); r.Status != 404 {
		t.Errorf("unknown evidence: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "GET", Path: path + "/not-a-uuid", Token: rita}); r.Status != 422 || !strings.Contains(string(r.Body), `"evidence_id"`) {
		t.Errorf("bad evidence id: %d %s", r.Status, r.Body)
	}
	other := s.File(teststack.ValidCase())
	if r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + other.ID + "/evidence/" + e.ID, Token: rita}); r.Status != 404 {
		t.Errorf("evidence read through another case: %d", r.Status)
	}

	// The case shows it; the record has its entry with the hash, publicly; an event is owed.
	d := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: rita}).JSON(t)
	if ev, _ := d["evidence"].([]any); len(ev) != 1 || ev[0].(map[string]any)["sha256"] != e.SHA256 {
		t.Errorf("case detail evidence: %v", d["evidence"])
	}
	actions, rec := auditActions(t, s, rita, f.ID)
	if actions[len(actions)-1] != "evidence.added" || rec["verification"].(map[string]any)["verified"] != true {
		t.Fatalf("case record: %v %v", actions, rec["verification"])
	}
	items := rec["items"].([]any)
	last := items[len(items)-1].(map[string]any)
	if data := last["data"].(map[string]any); data["sha256"] != e.SHA256 || data["size_bytes"].(float64) != float64(len(content)) ||
		data["source"] != "organisation" || data["media_type"] != "application/pdf" || last["public"] != true {
		t.Errorf("evidence.added entry: %v", last)
	}
	var events int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = 'redress.case.evidence_added'`).Scan(&events)
	if events != 1 {
		t.Errorf("%d evidence events in the outbox", events)
	}

	// Sealed at rest: neither the content, nor its name or description, nor the uploader's device.
	var stored struct {
		ContentEnc, MetaEnc, SHA256 []byte
	}
	s.Core.DB.Raw(`SELECT content_enc, meta_enc, sha256 FROM evidence WHERE id = ?`, e.ID).Scan(&stored)
	if len(stored.ContentEnc) == 0 || bytes.Contains(stored.ContentEnc, []byte(marker)) || bytes.Contains(stored.ContentEnc, []byte("%PDF")) {
		t.Error("content_enc holds the plaintext")
	}
	if bytes.Contains(stored.MetaEnc, []byte("Rota")) || bytes.Contains(stored.MetaEnc, []byte("probe-desc")) {
		t.Error("meta_enc holds the filename or description in the clear")
	}
	if !bytes.Equal(stored.SHA256, sum[:]) {
		t.Error("the stored hash is not the SHA-256 of the bytes")
	}
	dump := testenv.Dump(t, s.DBURL)
	logs := s.Logs.String()
	if !strings.Contains(dump, e.ID) {
		t.Fatal("the dump lacks the evidence: the test would prove nothing")
	}
	for _, x := range []string{marker, "probe-desc-91a2", "Rota für Mai", "EvidenceProbe", forwarded} {
		for where, text := range map[string]string{"database": dump, "logs": logs} {
			if strings.Contains(text, x) || strings.Contains(text, hex.EncodeToString([]byte(x))) {
				t.Errorf("%s holds %q", where, x)
			}
		}
	}
	// Evidence is never changed, whoever asks.
	if err := s.Core.DB.Exec(`UPDATE evidence SET source = 'provider' WHERE id = ?`, e.ID).Error; err == nil {
		t.Error("UPDATE of evidence was allowed")
	}
	if err := s.Core.DB.Exec(`DELETE FROM evidence WHERE id = ?`, e.ID).Error; err == nil {
		t.Error("DELETE of evidence was allowed")
	}
}

// Stored evidence that no longer matches is a 500, logged, and never served.
func TestEvidenceTamperingIsNeverServed(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	path := "/api/v1/cases/" + f.ID + "/evidence"
	ids := map[string]string{}
	for _, name := range []string{"flipped", "rehashed", "swapped"} {
		r := upload(s, path, rita, nil, field("source", "deployer"), filepart(name+".txt", []byte("TAMPER-PROBE "+name+" rota lines")))
		if r.Status != 201 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		ids[name] = r.JSON(t)["id"].(string)
	}
	// Someone with superuser rights switches the trigger off and edits behind the app's back.
	tamper := func(sql string, args ...any) {
		t.Helper()
		err := s.Core.DB.Transaction(func(tx *gorm.DB) error {
			if err := tx.Exec(`SET LOCAL session_replication_role = replica`).Error; err != nil {
				return err
			}
			return tx.Exec(sql, args...).Error
		})
		if err != nil {
			t.Fatalf("tamper: %v", err)
		}
	}
	// A flipped ciphertext byte does not open. (Its bits are inverted: a
	// byte overwritten with a constant was that constant once in 256 runs.)
	tamper(`UPDATE evidence SET content_enc = set_byte(content_enc, length(content_enc) - 4,
		get_byte(content_enc, length(content_enc) - 4) # 255) WHERE id = ?`, ids["flipped"])
	// A hash changed to match other content no longer matches this content.
	other := sha256.Sum256([]byte("something else"))
	tamper(`UPDATE evidence SET sha256 = ? WHERE id = ?`, other[:], ids["rehashed"])
	// Content sealed for another piece of evidence does not open here.
	tamper(`UPDATE evidence SET content_enc = (SELECT content_enc FROM evidence WHERE id = ?) WHERE id = ?`, ids["flipped"], ids["swapped"])
	for name, id := range ids {
		r := s.Do(req{Method: "GET", Path: path + "/" + id, Token: rita})
		if r.Status != 500 || strings.Contains(string(r.Body), "TAMPER-PROBE") || r.Header.Get("X-Content-SHA256") != "" {
			t.Errorf("%s: %d %q", name, r.Status, r.Body)
		}
	}
	if logs := s.Logs.String(); strings.Count(logs, "evidence tampering suspected") < 3 {
		t.Errorf("tampering not logged:\n%s", logs)
	}
}

func TestEvidenceRefusals(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	path := "/api/v1/cases/" + f.ID + "/evidence"
	pdf := samplePDF("refusals")
	problem := func(r *teststack.Response) (int, string, []string) {
		t.Helper()
		if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("%d without a problem document (%s): %s", r.Status, ct, r.Body)
		}
		var p struct {
			Code   string             `json:"code"`
			Detail string             `json:"detail"`
			Errors []fault.FieldError `json:"errors"`
		}
		r.Decode(t, &p)
		var fields []string
		for _, e := range p.Errors {
			fields = append(fields, e.Field+":"+e.Code)
		}
		return r.Status, p.Code + " " + p.Detail, fields
	}
	cases := []struct {
		name   string
		parts  []part
		status int
		want   string // a field:code, or the problem code
	}{
		{"empty file", []part{field("source", "organisation"), filepart("empty.pdf", nil)}, 422, "file:empty"},
		{"no file", []part{field("source", "organisation"), field("description", "the rota")}, 422, "file:required"},
		{"no source", []part{filepart("a.pdf", pdf)}, 422, "source:required"},
		{"wrong source", []part{field("source", "the internet"), filepart("a.pdf", pdf)}, 422, "source:invalid"},
		{"unknown part", []part{field("source", "provider"), field("owner", "x"), filepart("a.pdf", pdf)}, 422, "owner:unknown_field"},
		// The pages' CSRF part is theirs: the API refuses it like any other.
		{"the pages' _csrf part", []part{field("_csrf", "Fljmu7ZU7yE-130yizR89U5QB4Qn_iFGazjFZkYFFA8"), field("source", "provider"),
			filepart("a.pdf", pdf)}, 422, "_csrf:unknown_field"},
		{"two files", []part{field("source", "provider"), filepart("a.pdf", pdf), filepart("b.pdf", pdf)}, 422, "file:duplicate"},
		{"long description", []part{field("source", "provider"), field("description", strings.Repeat("é", 2001)), filepart("a.pdf", pdf)}, 422, "description:too_long"},
		// A control character in the file's name is removed, not refused
		// (issue 15: file names are normalised; api/filename_test.go).
		{"unnamed part", []part{field("source", "provider"), {content: pdf, disposition: `form-data`}}, 400, "malformed_multipart"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			status, code, fields := problem(upload(s, path, rita, nil, tc.parts...))
			if status != tc.status || !strings.Contains(code+" "+strings.Join(fields, " "), tc.want) {
				t.Errorf("%d %v, want %d %s", status, fields, tc.status, tc.want)
			}
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: map[string]string{"source": "provider"}})
		if status, code, _ := problem(r); status != 415 || !strings.HasPrefix(code, "unsupported_media_type") {
			t.Errorf("%d %s", status, code)
		}
	})
	t.Run("compressed", func(t *testing.T) {
		body, ct := multipartBody(t, field("source", "provider"), filepart("a.pdf", pdf))
		r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: body, Header: map[string]string{"Content-Type": ct, "Content-Encoding": "gzip"}})
		if status, code, _ := problem(r); status != 415 || !strings.HasPrefix(code, "unsupported_content_encoding") {
			t.Errorf("%d %s", status, code)
		}
	})
	t.Run("broken body", func(t *testing.T) {
		r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: "--xyz\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\nabc",
			Header: map[string]string{"Content-Type": "multipart/form-data; boundary=xyz"}})
		if status, code, _ := problem(r); status != 400 || !strings.HasPrefix(code, "malformed_multipart") {
			t.Errorf("%d %s", status, code)
		}
	})
	t.Run("file over 25 MiB", func(t *testing.T) {
		big := bytes.Repeat([]byte("x"), 25<<20+1)
		status, detail, fields := problem(upload(s, path, rita, nil, field("source", "provider"), filepart("big.bin", big)))
		if status != 413 || !strings.Contains(detail, "26214400") || strings.Join(fields, " ") != "file:too_large" {
			t.Errorf("%d %s %v", status, detail, fields)
		}
	})
	t.Run("body over the upload limit is refused from its Content-Length", func(t *testing.T) {
		status, detail := sendHeadersOnly(t, s, path, rita, "multipart/form-data; boundary=b", 27<<20)
		if status != 413 || !strings.Contains(detail, "25 MiB") {
			t.Errorf("%d %q", status, detail)
		}
	})
	t.Run("JSON routes keep their own limit", func(t *testing.T) {
		status, detail := sendHeadersOnly(t, s, "/api/v1/cases/"+f.ID+"/messages", rita, "application/json", 300<<10)
		if status != 413 || !strings.Contains(detail, "256 KiB") {
			t.Errorf("%d %q", status, detail)
		}
	})
	t.Run("another reviewer's case", func(t *testing.T) {
		r := upload(s, path, s.Login("reviewer2@example.org"), nil, field("source", "provider"), filepart("a.pdf", pdf))
		// A case someone else holds does not exist for another reviewer (need to know).
		if status, code, _ := problem(r); status != 404 || !strings.HasPrefix(code, "case_not_found") {
			t.Errorf("%d %s", status, code)
		}
	})
	t.Run("unknown case", func(t *testing.T) {
		r := upload(s, "/api/v1/cases/"+uuid.NewString()+"/evidence", rita, nil, field("source", "provider"), filepart("a.pdf", pdf))
		if r.Status != 404 {
			t.Errorf("%d %s", r.Status, r.Body)
		}
	})
	if n := countEvidence(t, s); n != 0 {
		t.Fatalf("%d evidence rows written by refused uploads", n)
	}
	// A supervisor may add evidence to a case they do not hold.
	if r := upload(s, path, s.Login("supervisor@example.org"), nil, field("source", "third_party"), filepart("a.pdf", pdf)); r.Status != 201 {
		t.Errorf("supervisor: %d %s", r.Status, r.Body)
	}

	// Withdrawn and closed cases take no more evidence.
	w := claimed(t, s, teststack.ValidCase(), rita)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + w.ID + "/transitions", Token: rita,
		Body: map[string]string{"to": "withdrawn", "reason": "The complainant withdrew."}}); r.Status != 200 {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
	if r := upload(s, "/api/v1/cases/"+w.ID+"/evidence", rita, nil, field("source", "provider"), filepart("a.pdf", pdf)); r.Status != 409 ||
		!strings.Contains(string(r.Body), "case_withdrawn") {
		t.Errorf("withdrawn: %d %s", r.Status, r.Body)
	}
	c := claimed(t, s, teststack.ValidCase(), rita)
	closeCase(t, s, rita, c.ID)
	if r := upload(s, "/api/v1/cases/"+c.ID+"/evidence", rita, nil, field("source", "provider"), filepart("a.pdf", pdf)); r.Status != 409 ||
		!strings.Contains(string(r.Body), "case_closed") {
		t.Errorf("closed: %d %s", r.Status, r.Body)
	}
	if n := countEvidence(t, s); n != 1 {
		t.Errorf("%d evidence rows, want the supervisor's one", n)
	}
}

// sendHeadersOnly sends a request's header announcing a body of length bytes
// and returns the answer's status and problem detail, without sending the
// body. An empty tok sends no Authorization header.
func sendHeadersOnly(t *testing.T, s *teststack.Stack, path, tok, contentType string, length int) (int, string) {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(s.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	auth := ""
	if tok != "" {
		auth = "Authorization: Bearer " + tok + "\r\n"
	}
	fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: redress\r\n%sContent-Type: %s\r\nContent-Length: %d\r\n\r\n--",
		path, auth, contentType, length)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var p struct{ Detail string }
	_ = json.NewDecoder(resp.Body).Decode(&p)
	return resp.StatusCode, p.Detail
}

// Without a bearer token an upload route keeps the default body limit: an
// anonymous 25 MiB body is refused from its Content-Length, never read.
func TestBodyLimitOfAnonymousUploads(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	for _, path := range []string{"/api/v1/complainant/case/evidence", "/api/v1/cases/" + uuid.NewString() + "/evidence"} {
		status, detail := sendHeadersOnly(t, s, path, "", "multipart/form-data; boundary=b", 25<<20)
		if status != 413 || !strings.Contains(detail, "256 KiB") {
			t.Errorf("%s without a token: %d %q", path, status, detail)
		}
	}
	// With a token (valid or not: it is checked after the body is read),
	// the upload limit applies.
	f := s.File(teststack.ValidCase())
	status, detail := sendHeadersOnly(t, s, "/api/v1/complainant/case/evidence", s.ComplainantToken(f), "multipart/form-data; boundary=b", 27<<20)
	if status != 413 || !strings.Contains(detail, "25 MiB") {
		t.Errorf("with a token, over the upload limit: %d %q", status, detail)
	}
}

// closeCase decides a case in review and closes it.
func closeCase(t *testing.T, s *teststack.Stack, tok, id string) {
	t.Helper()
	s.RecordAIDecision(tok, id)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + id + "/decision", Token: tok, Body: teststack.Decision("decision_overturned")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	if err := s.Core.DB.Exec(`UPDATE cases SET status = 'closed' WHERE id = ?`, id).Error; err != nil {
		t.Fatal(err)
	}
}

func TestComplainantEvidence(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	tok := s.ComplainantToken(f)
	content := []byte("My payslips for April and May, showing the lost shifts.\n")
	sum := sha256.Sum256(content)
	r := upload(s, "/api/v1/complainant/case/evidence", tok, nil, field("description", "Payslips"), filepart("payslips.txt", content))
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	if m["sha256"] != hex.EncodeToString(sum[:]) || m["filename"] != "payslips.txt" || m["media_type"] != "text/plain; charset=utf-8" {
		t.Errorf("answer: %s", r.Body)
	}
	for _, k := range []string{"source", "added_by"} {
		if _, ok := m[k]; ok {
			t.Errorf("the complainant's answer carries %s", k)
		}
	}
	// Only complainant as a source.
	if r := upload(s, "/api/v1/complainant/case/evidence", tok, nil, field("source", "organisation"), filepart("x.txt", content)); r.Status != 422 ||
		!strings.Contains(string(r.Body), `"source"`) {
		t.Errorf("complainant claims another source: %d %s", r.Status, r.Body)
	}
	// Staff evidence is not in the complainant's list.
	if r := upload(s, "/api/v1/cases/"+f.ID+"/evidence", rita, nil, field("source", "organisation"), filepart("rota.pdf", samplePDF("staff"))); r.Status != 201 {
		t.Fatalf("staff upload: %d %s", r.Status, r.Body)
	}
	list := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/evidence", Token: tok})
	var page struct {
		Items []map[string]any `json:"items"`
	}
	list.Decode(t, &page)
	if list.Status != 200 || len(page.Items) != 1 || page.Items[0]["id"] != m["id"] {
		t.Fatalf("complainant list: %d %s", list.Status, list.Body)
	}
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok}).JSON(t)
	ev, _ := view["evidence"].([]any)
	if len(ev) != 1 || ev[0].(map[string]any)["sha256"] != m["sha256"] {
		t.Errorf("complainant view evidence: %v", view["evidence"])
	}
	heard := 0
	for _, it := range view["timeline"].([]any) {
		if it := it.(map[string]any); it["action"] == "evidence.added" {
			heard++
			if it["actor"] == "you" {
				heard += 10
			}
		}
	}
	if heard != 12 { // two entries, one of them "you"
		t.Errorf("timeline: %v", view["timeline"])
	}
	// Staff see it with its source and no user behind it.
	var row struct {
		Source  string
		AddedBy *string
	}
	s.Core.DB.Raw(`SELECT source, added_by::text FROM evidence WHERE id = ?`, m["id"]).Scan(&row)
	if row.Source != "complainant" || row.AddedBy != nil {
		t.Errorf("stored as %+v", row)
	}
	all := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/evidence", Token: rita})
	if !strings.Contains(string(all.Body), `"source":"complainant"`) {
		t.Errorf("staff list: %s", all.Body)
	}
	// Staff routes stay closed to a complainant token.
	if r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/evidence", Token: tok}); r.Status != 401 {
		t.Errorf("complainant on the staff list: %d", r.Status)
	}
	// At most MaxComplainantEvidence files per case.
	var n int
	for i := 2; i <= 21; i++ {
		r := upload(s, "/api/v1/complainant/case/evidence", tok, nil, fileparts(i)...)
		if r.Status == 201 {
			n++
			continue
		}
		if r.Status != 422 || !strings.Contains(string(r.Body), "too_many") {
			t.Fatalf("file %d: %d %s", i, r.Status, r.Body)
		}
	}
	if n != 19 {
		t.Errorf("%d more files accepted, want 19", n)
	}
}

// A file the complainant adds while the case awaits them answers the
// request for information as a reply does: the case is back in review and
// its clocks run again. A file staff add, or one added when the case awaits
// nobody, moves nothing.
func TestComplainantEvidenceResumesACaseAwaitingThem(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	tok := s.ComplainantToken(f)
	path := "/api/v1/cases/" + f.ID
	state := func() (status string, openPauses int) {
		t.Helper()
		if err := s.Core.DB.Raw(`SELECT status FROM cases WHERE id = ?`, f.ID).Scan(&status).Error; err != nil {
			t.Fatal(err)
		}
		if err := s.Core.DB.Raw(`SELECT count(*) FROM case_pauses WHERE case_id = ? AND resumed_at IS NULL`, f.ID).
			Scan(&openPauses).Error; err != nil {
			t.Fatal(err)
		}
		return status, openPauses
	}
	// In review, a file from the complainant changes nothing.
	if r := upload(s, "/api/v1/complainant/case/evidence", tok, nil, filepart("early.txt", []byte("early"))); r.Status != 201 {
		t.Fatalf("upload in review: %d %s", r.Status, r.Body)
	}
	if st, p := state(); st != "in_review" || p != 0 {
		t.Fatalf("after a file in review: %s, %d open pauses", st, p)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: rita,
		Body: map[string]string{"to": "awaiting_complainant", "reason": "Please send the payslips."}}); r.Status != 200 {
		t.Fatalf("ask: %d %s", r.Status, r.Body)
	}
	if st, p := state(); st != "awaiting_complainant" || p != 1 {
		t.Fatalf("waiting: %s, %d open pauses", st, p)
	}
	// Staff evidence while waiting: still waiting.
	if r := upload(s, path+"/evidence", rita, nil, field("source", "organisation"), filepart("rota.pdf", samplePDF("rota"))); r.Status != 201 {
		t.Fatalf("staff upload: %d %s", r.Status, r.Body)
	}
	if st, p := state(); st != "awaiting_complainant" || p != 1 {
		t.Fatalf("after staff evidence: %s, %d open pauses", st, p)
	}
	// The complainant's file: back in review, the pause over.
	if r := upload(s, "/api/v1/complainant/case/evidence", tok, nil, field("description", "Payslips"),
		filepart("payslips.txt", []byte("April and May"))); r.Status != 201 {
		t.Fatalf("complainant upload: %d %s", r.Status, r.Body)
	}
	if st, p := state(); st != "in_review" || p != 0 {
		t.Fatalf("after the complainant's file: %s, %d open pauses", st, p)
	}
	// The case record says so, as for a reply.
	_, rec := auditActions(t, s, rita, f.ID)
	var moved map[string]any
	for _, it := range rec["items"].([]any) {
		if e := it.(map[string]any); e["action"] == "case.in_review" && e["actor_kind"] == "complainant" {
			moved = e
		}
	}
	if moved == nil || fmt.Sprint(moved["data"].(map[string]any)["reason"]) != "complainant_answered" {
		t.Errorf("no case.in_review by the complainant in the record: %v", rec["items"])
	}
	var events []string
	s.Core.DB.Raw(`SELECT subject FROM outbox WHERE payload->>'case_id' = ? ORDER BY created_at, id`, f.ID).Scan(&events)
	if len(events) < 2 || events[len(events)-2] != "redress.case.evidence_added" || events[len(events)-1] != "redress.case.status_changed" {
		t.Errorf("events %v, want evidence_added then status_changed last", events)
	}
}

func fileparts(i int) []part {
	return []part{filepart(fmt.Sprintf("note-%d.txt", i), []byte(fmt.Sprintf("note %d", i)))}
}

func TestPointOfViewRoundTrip(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	path := "/api/v1/cases/" + f.ID + "/points-of-view"
	bad := map[string]any{"heard_via": "carrier pigeon", "heard_at": time.Now().Add(time.Hour).Format(time.RFC3339), "summary": "short"}
	r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: bad})
	for _, want := range []string{`"heard_via"`, `"heard_at"`, `"summary"`} {
		if r.Status != 422 || !strings.Contains(string(r.Body), want) {
			t.Errorf("bad point of view lacks %s: %d %s", want, r.Status, r.Body)
		}
	}
	if r := s.Do(req{Method: "POST", Path: path, Token: rita, Body: map[string]any{"heard_via": "call", "heard_at": "yesterday",
		"summary": strings.Repeat("x", 30)}}); r.Status != 422 || !strings.Contains(string(r.Body), `"heard_at"`) {
		t.Errorf("heard_at not RFC 3339: %d %s", r.Status, r.Body)
	}
	const summary = "She says the cut came two days after her sick note and nobody explained it (pov-probe-77c1)."
	heard := time.Now().Add(-2 * time.Hour).UTC().Truncate(time.Second)
	good := map[string]any{"heard_via": "call", "heard_at": heard.Format(time.RFC3339), "summary": summary}
	if r := s.Do(req{Method: "POST", Path: path, Token: s.Login("reviewer2@example.org"), Body: good}); r.Status != 404 {
		// Another reviewer of the queue does not see a case someone holds (need to know).
		t.Errorf("not the assignee: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: path, Token: rita, Body: good})
	if r.Status != 201 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	p := r.JSON(t)
	if p["summary"] != summary || p["heard_via"] != "call" || p["heard_at"] != heard.Format(time.RFC3339) || p["id"] == nil {
		t.Errorf("answer: %s", r.Body)
	}
	d := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: rita}).JSON(t)
	pov, _ := d["points_of_view"].([]any)
	if len(pov) != 1 || pov[0].(map[string]any)["summary"] != summary {
		t.Errorf("detail points_of_view: %v", d["points_of_view"])
	}
	if n := inClear(t, s, "points_of_view", "summary_enc", "pov-probe"); n != 0 {
		t.Errorf("the summary is stored in clear (%d rows)", n)
	}
	actions, rec := auditActions(t, s, rita, f.ID)
	if actions[len(actions)-1] != "point_of_view.recorded" || rec["verification"].(map[string]any)["verified"] != true {
		t.Errorf("case record: %v %v", actions, rec["verification"])
	}
	if strings.Contains(fmt.Sprint(rec["items"]), "pov-probe") {
		t.Error("the case record holds the summary")
	}
	// The complainant's timeline shows they were heard.
	view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: s.ComplainantToken(f)})
	if !strings.Contains(string(view.Body), `"point_of_view.recorded"`) || strings.Contains(string(view.Body), "pov-probe") {
		t.Errorf("complainant view: %s", view.Body)
	}
}

func TestAIDecisionRecordRoundTrip(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	f := claimed(t, s, teststack.ValidCase(), rita)
	path := "/api/v1/cases/" + f.ID + "/ai-decision"
	if r := s.Do(req{Method: "GET", Path: path, Token: rita}); r.Status != 404 || !strings.Contains(string(r.Body), "ai_decision_not_recorded") {
		t.Errorf("before any record: %d %s", r.Status, r.Body)
	}
	r := s.Do(req{Method: "PUT", Path: path, Token: rita, Body: map[string]any{"human_oversight": "some", "inputs": []string{""}}})
	for _, want := range []string{`"system_version"`, `"inputs[0]"`, `"output"`, `"solely_automated"`, `"human_oversight"`, `"person_informed"`} {
		if r.Status != 422 || !strings.Contains(string(r.Body), want) {
			t.Errorf("bad record lacks %s: %d %s", want, r.Status, r.Body)
		}
	}
	rec := map[string]any{
		"system_version":   "ShiftPlanner 4.2.1",
		"inputs":           []string{"attendance records (90 days)", "sick-leave flag (ai-probe-input)"},
		"output":           "Hours set to zero from 3 November (ai-probe-output).",
		"solely_automated": true,
		"human_oversight":  "meaningful",
		"person_informed":  "no",
	}
	// No inputs is required; more than 100 is too_many, and the list is
	// then not checked item by item. (rec is refused for its oversight, so
	// nothing is saved here.)
	for _, tc := range []struct {
		inputs []string
		want   string
	}{
		{nil, "inputs:required"},
		{make([]string, 101), "inputs:too_many"}, // empty items: each refused if checked
		{make([]string, 5000), "inputs:too_many"},
		{strings.Split(strings.Repeat("a shift pattern,", 99)+"a rota", ","), ""},
	} {
		body := map[string]any{}
		for k, v := range rec {
			body[k] = v
		}
		body["inputs"] = tc.inputs
		r := s.Do(req{Method: "PUT", Path: path, Token: rita, Body: body})
		var p struct{ Errors []fault.FieldError }
		_ = json.Unmarshal(r.Body, &p)
		var got []string
		for _, e := range p.Errors {
			if strings.HasPrefix(e.Field, "inputs") {
				got = append(got, e.Field+":"+e.Code)
			}
		}
		if r.Status != 422 || strings.Join(got, " ") != tc.want {
			t.Errorf("%d inputs: %d %v, want 422 with %q for inputs", len(tc.inputs), r.Status, got, tc.want)
		}
	}
	r = s.Do(req{Method: "PUT", Path: path, Token: rita, Body: rec})
	if r.Status != 422 || !strings.Contains(string(r.Body), `"oversight_detail"`) || !strings.Contains(string(r.Body), "contradiction") {
		t.Errorf("meaningful oversight of a solely automated decision, without detail: %d %s", r.Status, r.Body)
	}
	rec["human_oversight"] = "nominal"
	rec["oversight_detail"] = "A shift lead clicked approve on the weekly batch without opening it (ai-probe-oversight)."
	rec["decision_reference"] = "SHIFT-2026-11-0042"
	rec["decision_date"] = "2026-11-02"
	if r := s.Do(req{Method: "PUT", Path: path, Token: s.Login("reviewer2@example.org"), Body: rec}); r.Status != 404 {
		// Another reviewer of the queue does not see a case someone holds (need to know).
		t.Errorf("not the assignee: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "PUT", Path: path, Token: rita, Body: rec})
	if r.Status != 200 {
		t.Fatalf("record: %d %s", r.Status, r.Body)
	}
	got := r.JSON(t)
	if got["output"] != rec["output"] || got["human_oversight"] != "nominal" || got["decision_date"] != "2026-11-02" ||
		len(got["inputs"].([]any)) != 2 || got["solely_automated"] != true || got["recorded_by"] == nil {
		t.Errorf("answer: %s", r.Body)
	}
	// Replaced by a supervisor's correction; the case record keeps both saves.
	rec["system_version"] = "ShiftPlanner 4.2.2"
	rec["human_oversight"] = "none"
	rec["oversight_detail"] = ""
	rec["solely_automated"] = true
	if r := s.Do(req{Method: "PUT", Path: path, Token: s.Login("supervisor@example.org"), Body: rec}); r.Status != 200 {
		t.Fatalf("replace: %d %s", r.Status, r.Body)
	}
	again := s.Do(req{Method: "GET", Path: path, Token: rita}).JSON(t)
	if again["system_version"] != "ShiftPlanner 4.2.2" || again["oversight_detail"] != "" || again["human_oversight"] != "none" {
		t.Errorf("after replace: %v", again)
	}
	d := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: rita}).JSON(t)
	if a, _ := d["ai_decision"].(map[string]any); a == nil || a["system_version"] != "ShiftPlanner 4.2.2" {
		t.Errorf("detail ai_decision: %v", d["ai_decision"])
	}
	if n := inClear(t, s, "ai_decision_records", "record_enc", "ai-probe"); n != 0 {
		t.Errorf("the record is stored in clear (%d rows)", n)
	}
	actions, audit := auditActions(t, s, rita, f.ID)
	var versions []string
	for _, it := range audit["items"].([]any) {
		e := it.(map[string]any)
		if e["action"] == "ai_decision.recorded" {
			data := e["data"].(map[string]any)
			versions = append(versions, fmt.Sprint(data["revision"], " ", data["system_version"], " ", data["human_oversight"]))
			if e["public"] != false {
				t.Error("ai_decision.recorded is public")
			}
		}
	}
	if strings.Join(versions, ",") != "1 ShiftPlanner 4.2.1 nominal,2 ShiftPlanner 4.2.2 none" {
		t.Errorf("case record versions: %v (%v)", versions, actions)
	}
	if strings.Contains(fmt.Sprint(audit["items"]), "ai-probe") {
		t.Error("the case record holds sealed text")
	}
	if audit["verification"].(map[string]any)["verified"] != true {
		t.Errorf("chain: %v", audit["verification"])
	}
}

// EvidenceBelongs names every id that is not evidence of the case.
func TestEvidenceBelongs(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	a := claimed(t, s, teststack.ValidCase(), rita)
	b := claimed(t, s, teststack.ValidCase(), rita)
	ev := func(caseID string) uuid.UUID {
		r := upload(s, "/api/v1/cases/"+caseID+"/evidence", rita, nil, field("source", "organisation"), fileparts(1)[0])
		if r.Status != 201 {
			t.Fatalf("%d %s", r.Status, r.Body)
		}
		return uuid.MustParse(r.JSON(t)["id"].(string))
	}
	mine, theirs := ev(a.ID), ev(b.ID)
	ctx, caseA := context.Background(), uuid.MustParse(a.ID)
	if err := s.Core.Evidence.Belongs(s.Core.DB.WithContext(ctx), caseA, "evidence_ids", []uuid.UUID{mine}); err != nil {
		t.Errorf("own evidence: %v", err)
	}
	if err := s.Core.Evidence.Belongs(s.Core.DB.WithContext(ctx), caseA, "evidence_ids", nil); err != nil {
		t.Errorf("no ids: %v", err)
	}
	err := s.Core.Evidence.Belongs(s.Core.DB.WithContext(ctx), caseA, "components[0].evidence_ids", []uuid.UUID{mine, theirs, uuid.New(), mine})
	fe, ok := fault.As(err)
	if !ok || fe.Kind != fault.Invalid || len(fe.Fields) != 3 || fe.Fields[0].Field != "components[0].evidence_ids[1]" ||
		fe.Fields[0].Code != "not_found" || !strings.Contains(fe.Fields[0].Message, theirs.String()) || fe.Fields[2].Code != "duplicate" {
		t.Errorf("EvidenceBelongs: %#v", err)
	}
}
