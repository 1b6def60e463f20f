package api_test

import (
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// An uploaded file's name is normalised before it is stored, and every
// Content-Disposition uses the normalised name: a right-to-left override
// ("invoice‮fdp.exe" shows as "invoiceexe.pdf"), control characters, a path
// and a decomposed accent never reach a reviewer's download.
func TestUploadedFileNamesAreNormalised(t *testing.T) {
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(teststack.ValidCase())
	waitRouted(t, s, f.ID)
	tok := s.ComplainantToken(f)
	admin := s.Login("admin@example.org")

	for _, tc := range []struct{ disposition, want, ascii string }{
		{`form-data; name="file"; filename*=UTF-8''invoice%E2%80%AEfdp.exe`, "invoicefdp.exe", "invoicefdp.exe"},
		{`form-data; name="file"; filename*=UTF-8''a%07b%1B.txt`, "ab.txt", "ab.txt"},
		{`form-data; name="file"; filename="..\\..\\secret\\pay.txt"`, "pay.txt", "pay.txt"},
		{`form-data; name="file"; filename*=UTF-8''cafe%CC%81%E2%81%A6.txt`, "caf\u00e9.txt", "caf_.txt"},
	} {
		r := upload(s, "/api/v1/complainant/case/evidence", tok, nil, part{content: []byte("payslip"), disposition: tc.disposition})
		if r.Status != 201 {
			t.Fatalf("%s: %d %s", tc.disposition, r.Status, r.Body)
		}
		m := r.JSON(t)
		if m["filename"] != tc.want {
			t.Errorf("%s: stored as %q, want %q", tc.disposition, m["filename"], tc.want)
		}
		d := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/evidence/" + m["id"].(string), Token: admin})
		if d.Status != 200 {
			t.Fatalf("download: %d %s", d.Status, d.Body)
		}
		cd := d.Header.Get("Content-Disposition")
		if !strings.Contains(cd, `filename="`+tc.ascii+`"`) || !strings.Contains(cd, "filename*=UTF-8''") ||
			strings.Contains(cd, "%E2%80%AE") || strings.Contains(cd, "%07") || strings.Contains(cd, "%E2%81%A6") {
			t.Errorf("%s: Content-Disposition %q", tc.disposition, cd)
		}
	}
}
