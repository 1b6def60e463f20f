package api

import (
	"testing"

	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

// FuzzEvidenceForm feeds arbitrary bodies and boundaries to the multipart
// reader alone (fast, no database): it never panics, and every refusal is a
// 4xx fault.
func FuzzEvidenceForm(f *testing.F) {
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"source\"\r\n\r\nprovider\r\n--x\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.pdf\"\r\n\r\n%PDF-1.7\r\n--x--\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"; filename*=UTF-8''%E2%80%AE.exe\r\n\r\nMZ\r\n--x--\r\n"))
	f.Add("x", []byte("--x\r\nContent-Disposition: form-data; name=\"file\"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=ZZ\r\n--x--"))
	f.Add("\"a b\"", []byte("--a b\r\n\r\n--a b--"))
	f.Fuzz(func(t *testing.T, boundary string, body []byte) {
		for _, complainant := range []bool{false, true} {
			in, err := evidence.ParseForm("multipart/form-data; boundary="+boundary, "", body, complainant)
			if err != nil {
				fe, ok := fault.As(err)
				if !ok || httpkit.Status(fe.Kind) < 400 || httpkit.Status(fe.Kind) >= 500 {
					t.Fatalf("not a 4xx fault: %v", err)
				}
				continue
			}
			if complainant && in.Source != "complainant" {
				t.Fatalf("a complainant's evidence has source %q", in.Source)
			}
		}
	})
}
