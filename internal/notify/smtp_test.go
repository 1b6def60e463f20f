package notify_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	gomail "github.com/wneessen/go-mail"

	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/testenv/smtpsink"
)

// The go-mail mailer against a real SMTP server: authentication, headers,
// and which refusals are permanent.
func TestSMTPMailer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	sink := smtpsink.StartWithAuth(t, "relay", "s3cret pass", true)
	hostPort := strings.TrimPrefix(sink.URL(), "smtp://")
	trust := gomail.WithTLSConfig(sink.ClientTLS())
	m, err := notify.NewSMTP("smtp://relay:s3cret%20pass@"+hostPort+"?starttls=required", "Redress <no-reply@redress.example.org>", trust)
	if err != nil {
		t.Fatal(err)
	}
	mail := notify.Mail{To: "ana@example.net", Subject: "مستجدات بشأن شكواك RD-483-920-175", Body: "Line one\nLine two\n", Language: "ar"}
	if err := m.Send(ctx, mail); err != nil {
		t.Fatalf("send: %v", err)
	}
	got := sink.To("ana@example.net")
	if len(got) != 1 || got[0].Subject() != mail.Subject || got[0].Text() != mail.Body ||
		got[0].Header("Content-Language") != "ar" || got[0].Header("From") != `"Redress" <no-reply@redress.example.org>` {
		t.Fatalf("received %d: subject %q body %q headers %q %q", len(got), got[0].Subject(), got[0].Text(),
			got[0].Header("Content-Language"), got[0].Header("From"))
	}

	wrong, err := notify.NewSMTP("smtp://relay:guess@"+hostPort, "no-reply@redress.example.org", trust)
	if err != nil {
		t.Fatal(err)
	}
	if err := wrong.Send(ctx, mail); err == nil {
		t.Error("sent with a wrong password")
	}
	// A password never goes over a connection without TLS, though the server offers PLAIN there.
	plain := smtpsink.StartWithAuth(t, "relay", "s3cret pass", false)
	clear, err := notify.NewSMTP("smtp://relay:s3cret%20pass@"+strings.TrimPrefix(plain.URL(), "smtp://"), "no-reply@redress.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := clear.Send(ctx, mail); err == nil || len(plain.Messages()) != 0 {
		t.Errorf("credentials over plain TCP: %v", err)
	}
	// starttls=required refuses a server without STARTTLS.
	required, err := notify.NewSMTP(plain.URL()+"?starttls=required", "no-reply@redress.example.org")
	if err != nil {
		t.Fatal(err)
	}
	if err := required.Send(ctx, mail); err == nil || len(plain.Messages()) != 0 {
		t.Errorf("starttls=required without STARTTLS: %v", err)
	}
	var perm *notify.PermanentError
	sink.Refuse(451, "try later")
	if err := m.Send(ctx, mail); err == nil || errors.As(err, &perm) {
		t.Errorf("451: %v, want a temporary error", err)
	}
	sink.Refuse(550, "no such mailbox {rcpt}")
	if err := m.Send(ctx, mail); !errors.As(err, &perm) || !strings.Contains(err.Error(), "550") {
		t.Errorf("550: %v, want a permanent error", err)
	}
	sink.Refuse(0, "")
	if err := m.Send(ctx, notify.Mail{To: "not an address", Subject: "x", Body: "x"}); !errors.As(err, &perm) {
		t.Errorf("bad address: %v, want a permanent error", err)
	}
	sink.Stop()
	if err := m.Send(ctx, mail); err == nil || errors.As(err, &perm) {
		t.Errorf("server down: %v, want a temporary error", err)
	}
	if n := len(sink.Messages()); n != 1 {
		t.Errorf("%d messages accepted, want 1", n)
	}

	for _, bad := range []string{"mail.example.org", "http://mail.example.org", "smtp://:25", "smtp://mail.example.org:port"} {
		if _, err := notify.NewSMTP(bad, "no-reply@example.org"); err == nil {
			t.Errorf("NewSMTP(%q) accepted", bad)
		}
	}
}
