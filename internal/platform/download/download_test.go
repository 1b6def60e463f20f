package download

import (
	"crypto/sha256"
	"encoding/hex"
	"testing"
)

func TestAttachmentDisposition(t *testing.T) {
	for name, want := range map[string]string{
		"rota.pdf":    `attachment; filename="rota.pdf"; filename*=UTF-8''rota.pdf`,
		`a "b" c.txt`: `attachment; filename="a _b_ c.txt"; filename*=UTF-8''a%20%22b%22%20c.txt`,
		// The name is normalised first (textcheck.FileName): no path, no
		// controls, no direction overrides.
		`dir\a.txt`:            `attachment; filename="a.txt"; filename*=UTF-8''a.txt`,
		"invoice\u202efdp.exe": `attachment; filename="invoicefdp.exe"; filename*=UTF-8''invoicefdp.exe`,
		"Лист 1;x=y.xlsx":      `attachment; filename="____ 1;x=y.xlsx"; filename*=UTF-8''%D0%9B%D0%B8%D1%81%D1%82%201%3Bx%3Dy.xlsx`,
		"100%.png":             `attachment; filename="100_.png"; filename*=UTF-8''100%25.png`,
		"x\r\nSet-Cookie:":     `attachment; filename="xSet-Cookie:"; filename*=UTF-8''xSet-Cookie%3A`,
	} {
		if got := Attachment(name); got != want {
			t.Errorf("%q:\n got %s\nwant %s", name, got, want)
		}
	}
}

func TestHeaders(t *testing.T) {
	sum := sha256.Sum256([]byte("hello"))
	hexSum := hex.EncodeToString(sum[:])
	const digest = "sha-256=:LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=:"
	if got := ReprDigest(hexSum); got != digest {
		t.Errorf("Repr-Digest %s", got)
	}
	get := func(hs []Header, name string) string {
		for _, h := range hs {
			if h.Name == name {
				return h.Value
			}
		}
		return ""
	}
	ev := Evidence("rota.csv", "text/csv", hexSum)
	for name, want := range map[string]string{
		"Content-Type": "text/csv", "X-Content-SHA256": hexSum, "Repr-Digest": digest,
		"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox; frame-ancestors 'none'",
		"Content-Disposition": `attachment; filename="rota.csv"; filename*=UTF-8''rota.csv`,
	} {
		if got := get(ev, name); got != want {
			t.Errorf("evidence %s: %q, want %q", name, got, want)
		}
	}
	d := Dossier("RD-1", true, "k1", "c2ln", hexSum)
	for name, want := range map[string]string{
		"Content-Type": "application/pdf", "Content-Disposition": `attachment; filename="RD-1-dossier.pdf"`,
		"Redress-Signature": `alg="Ed25519", keyid="k1", sig="c2ln"`, "Repr-Digest": digest,
		"Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff",
	} {
		if got := get(d, name); got != want {
			t.Errorf("dossier %s: %q, want %q", name, got, want)
		}
	}
	if got := get(Dossier("RD-1", false, "k1", "c2ln", hexSum), "Content-Type"); got != "application/json" {
		t.Errorf("JSON dossier type %q", got)
	}
}
