// Package download is how Redress sends a file: the response headers of an
// evidence file and of a signed dossier, the same from the JSON API and from
// the pages, so the two never drift apart.
package download

import (
	"encoding/base64"
	"encoding/hex"
	"strings"

	"github.com/redresshq/redress/internal/platform/textcheck"
)

// Header is one response header.
type Header struct{ Name, Value string }

// Evidence are the headers of an evidence file whose SHA-256 (hex) was
// checked before a byte is sent: its type, its name, its digest twice
// (X-Content-SHA256 and RFC 9530's Repr-Digest), and a sandbox, so that
// whatever the file holds, a browser that opens it runs nothing.
func Evidence(filename, mediaType, sha256Hex string) []Header {
	return []Header{
		{"Content-Type", mediaType},
		{"Content-Disposition", Attachment(filename)},
		{"X-Content-SHA256", sha256Hex},
		{"Repr-Digest", ReprDigest(sha256Hex)},
		{"X-Content-Type-Options", "nosniff"},
		{"Content-Security-Policy", "default-src 'none'; sandbox; frame-ancestors 'none'"},
	}
}

// Dossier are the headers of a referral's signed dossier, JSON or PDF: the
// Ed25519 signature over the exact bytes, their digest, and no caching.
func Dossier(reference string, pdf bool, keyID, signature, sha256Hex string) []Header {
	name, typ := reference+"-dossier.json", "application/json"
	if pdf {
		name, typ = reference+"-dossier.pdf", "application/pdf"
	}
	return []Header{
		{"Content-Type", typ},
		{"Content-Disposition", `attachment; filename="` + name + `"`},
		{"Redress-Signature", `alg="Ed25519", keyid="` + keyID + `", sig="` + signature + `"`},
		{"Repr-Digest", ReprDigest(sha256Hex)},
		{"X-Content-Type-Options", "nosniff"},
		{"Cache-Control", "private, no-store"},
	}
}

// ReprDigest is the Repr-Digest value of a hex SHA-256 (RFC 9530).
func ReprDigest(sha256Hex string) string {
	sum, _ := hex.DecodeString(sha256Hex)
	return "sha-256=:" + base64.StdEncoding.EncodeToString(sum) + ":"
}

// Attachment is a Content-Disposition that downloads the file under its
// name, normalised (textcheck.FileName: no control or bidirectional
// characters, no path): an ASCII fallback, and the name as RFC 8187 UTF-8
// (RFC 6266 filename*).
func Attachment(name string) string {
	name = textcheck.FileName(name)
	var ascii, ext strings.Builder
	for _, r := range name {
		if r < 0x20 || r > 0x7e || r == '"' || r == '\\' || r == '%' {
			ascii.WriteByte('_')
		} else {
			ascii.WriteRune(r)
		}
	}
	const hexDigits = "0123456789ABCDEF"
	for _, b := range []byte(name) {
		if isAttrChar(b) {
			ext.WriteByte(b)
		} else {
			ext.WriteByte('%')
			ext.WriteByte(hexDigits[b>>4])
			ext.WriteByte(hexDigits[b&0xf])
		}
	}
	return `attachment; filename="` + ascii.String() + `"; filename*=UTF-8''` + ext.String()
}

// isAttrChar is RFC 8187's attr-char: what may stand unencoded in filename*.
func isAttrChar(b byte) bool {
	switch {
	case 'a' <= b && b <= 'z', 'A' <= b && b <= 'Z', '0' <= b && b <= '9':
		return true
	}
	return strings.IndexByte("!#$&+-.^_`|~", b) >= 0
}
