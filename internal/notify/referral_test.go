package notify_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/mail"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/testenv/smtpsink"
)

// attachments reads a message's attached files by name.
func attachments(t *testing.T, m smtpsink.Message) map[string][]byte {
	t.Helper()
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		t.Fatal(err)
	}
	_, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || params["boundary"] == "" {
		t.Fatalf("not a multipart message: %v", msg.Header.Get("Content-Type"))
	}
	out := map[string][]byte{}
	r := multipart.NewReader(msg.Body, params["boundary"])
	for {
		p, err := r.NextPart()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		if p.FileName() == "" {
			continue
		}
		b, _ := io.ReadAll(p)
		if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "base64") {
			if b, err = base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), "")); err != nil {
				t.Fatal(err)
			}
		}
		out[p.FileName()] = b
	}
}

// Referrals by email: a body that takes referrals by email gets the signed
// dossier attached, and it verifies; a portal body's users are told there
// is one, without content; what a body does reaches who holds the case and,
// as news, the complainant who chose email.
func TestReferralsAreMailed(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	const email = "curie@example.net"
	f := s.File(identified(email, "email", "en", "My hours were cut after sick leave (words 5e2a)."))
	settle(t, s, f.ID)
	me := s.ComplainantToken(f)
	ids := map[string]string{}
	var bodies struct{ Items []escalation.Body }
	s.Do(req{Method: "GET", Path: "/api/v1/bodies"}).Decode(t, &bodies)
	for _, b := range bodies.Items {
		ids[b.Slug] = b.ID.String()
	}
	staffPost(t, s, me, "/api/v1/complainant/case/escalations", map[string]any{"body_id": ids["demo-equality"],
		"consent_scope": "identity_withheld", "reason": "Marie Curie-Sklodowska asks the equality body to look."})
	staffPost(t, s, me, "/api/v1/complainant/case/escalations", map[string]any{"body_id": ids["demo-dpa"],
		"consent_scope": "anonymous"})
	settle(t, s, f.ID)

	// The equality body's address: one email, with the signed files.
	got := sink.To("equality-body@example.org")
	if len(got) != 1 || !strings.HasPrefix(got[0].Subject(), "[Redress] New referral: case "+f.Reference) {
		t.Fatalf("emails to the equality body: %d", len(got))
	}
	files := attachments(t, got[0])
	doc, pdf := files[f.Reference+"-dossier.json"], files[f.Reference+"-dossier.pdf"]
	if !json.Valid(doc) || !bytes.HasPrefix(pdf, []byte("%PDF-")) {
		t.Fatalf("attachments: %v", len(files))
	}
	var keys struct{ Keys []escalation.PublicKey }
	s.Do(req{Method: "GET", Path: "/.well-known/redress-signing-key"}).Decode(t, &keys)
	for name, body := range map[string][]byte{"json": doc, "pdf": pdf} {
		var sig escalation.Signature
		if err := json.Unmarshal(files[f.Reference+"-dossier."+name+".sig.json"], &sig); err != nil {
			t.Fatalf("%s signature: %v", name, err)
		}
		if err := escalation.Verify(keys.Keys, body, sig); err != nil {
			t.Errorf("the emailed %s: %v", name, err)
		}
	}
	absent(t, got[0], "Marie", "Curie", email)
	for _, secret := range []string{"Marie", "Curie", email, "23 45 67 89"} {
		if bytes.Contains(doc, []byte(secret)) {
			t.Errorf("the emailed dossier holds %q", secret)
		}
	}

	// The DPA takes referrals in its portal: its user is told, and that is all.
	var told []smtpsink.Message
	for _, m := range sink.To("regulator@example.org") {
		if strings.HasPrefix(m.Subject(), "[Redress] New referral: case "+f.Reference) {
			told = append(told, m)
			absent(t, m, "5e2a", "Marie", email)
			if !strings.Contains(m.Text(), publicURL+"/referrals/") || strings.Contains(m.Text(), "/cases/") {
				t.Errorf("the body's user is not sent to the portal:\n%s", m.Text())
			}
		}
	}
	if len(told) != 1 {
		t.Fatalf("%d emails to the DPA's user", len(told))
	}
	if len(sink.To("ombudsman@example.org")) != 0 {
		t.Error("a body the case did not go to was mailed")
	}

	// The DPA acts: the case's holders hear, and the complainant has news.
	before := len(sink.To(email))
	regina := s.Login("regulator@example.org")
	var list struct{ Items []escalation.ReferralSummary }
	s.Do(req{Method: "GET", Path: "/api/v1/referrals", Token: regina}).Decode(t, &list)
	staffPost(t, s, regina, "/api/v1/referrals/"+list.Items[0].ID.String()+"/status", map[string]any{"status": "investigating"})
	settle(t, s, f.ID)
	n := 0
	for _, m := range sink.To("reviewer@example.org") { // the general queue's member: the case is unassigned
		if m.Subject() == "[Redress] Data Protection Authority (demo) updated the referral of case "+f.Reference {
			n++
			if !strings.Contains(m.Text(), "investigating") {
				t.Errorf("the status is not in the email:\n%s", m.Text())
			}
		}
	}
	if n != 1 {
		t.Errorf("%d emails to the case's holders about the body's status", n)
	}
	if got := len(sink.To(email)) - before; got != 1 {
		t.Errorf("%d emails to the complainant about the body's status, want 1", got)
	}
}
