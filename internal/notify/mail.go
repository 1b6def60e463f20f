package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	gomail "github.com/wneessen/go-mail"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Mail is one email to one recipient.
type Mail struct {
	To       string
	Subject  string
	Body     string // plain text
	Language string // Content-Language
	// Attachments: only a body's copy of a signed dossier or addendum.
	Attachments []Attachment
}

// Attachment is a file attached to an email.
type Attachment struct {
	Name        string
	ContentType string
	Data        []byte
}

// Mailer sends an email.
type Mailer interface {
	Send(ctx context.Context, m Mail) error
}

// PermanentError marks a send that retrying cannot fix (the server refused
// the recipient or the message for good).
type PermanentError struct{ Err error }

func (e *PermanentError) Error() string { return e.Err.Error() }
func (e *PermanentError) Unwrap() error { return e.Err }

// SMTP sends email through an SMTP server with go-mail.
type SMTP struct {
	client *gomail.Client
	from   string
}

// NewSMTP returns a mailer for rawURL: smtp://user:password@host:port
// (STARTTLS when the server offers it; add ?starttls=required to insist) or
// smtps://user:password@host:port (TLS from the start). Without credentials
// no authentication is attempted; with them the strongest mechanism the
// server offers is used, and PLAIN or LOGIN only over TLS. Extra go-mail
// options (tests add a TLS configuration) come last.
func NewSMTP(rawURL, from string, extra ...gomail.Option) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, errors.New("notify: the SMTP URL is not a URL")
	}
	opts := []gomail.Option{gomail.WithTimeout(30 * time.Second)}
	port := 587
	switch u.Scheme {
	case "smtp":
		policy := gomail.TLSOpportunistic
		if u.Query().Get("starttls") == "required" {
			policy = gomail.TLSMandatory
		}
		opts = append(opts, gomail.WithTLSPolicy(policy))
	case "smtps":
		port = 465
		opts = append(opts, gomail.WithSSL())
	default:
		return nil, errors.New("notify: the SMTP URL must start with smtp:// or smtps://")
	}
	if u.Hostname() == "" {
		return nil, errors.New("notify: the SMTP URL names no host")
	}
	if p := u.Port(); p != "" {
		if port, err = strconv.Atoi(p); err != nil {
			return nil, errors.New("notify: the SMTP URL's port is not a number")
		}
	}
	opts = append(opts, gomail.WithPort(port))
	if user := u.User.Username(); user != "" {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(user), gomail.WithPassword(pass))
	}
	client, err := gomail.NewClient(u.Hostname(), append(opts, extra...)...)
	if err != nil {
		return nil, fmt.Errorf("notify: smtp client: %w", err)
	}
	return &SMTP{client: client, from: from}, nil
}

// Send delivers m over one connection. A refusal the server calls permanent
// is a *PermanentError.
func (s *SMTP) Send(ctx context.Context, m Mail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return &PermanentError{fmt.Errorf("from address: %w", err)}
	}
	if err := msg.To(m.To); err != nil {
		return &PermanentError{errors.New("the recipient address is not valid")}
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	for _, a := range m.Attachments {
		if err := msg.AttachReader(a.Name, bytes.NewReader(a.Data), gomail.WithFileContentType(gomail.ContentType(a.ContentType))); err != nil {
			return &PermanentError{fmt.Errorf("attachment %s: %w", a.Name, err)}
		}
	}
	msg.SetDate()
	msg.SetMessageID()
	if m.Language != "" {
		msg.SetGenHeader(gomail.HeaderContentLang, m.Language)
	}
	// Automatic mail (RFC 3834): out-of-office replies should not answer it.
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader(gomail.HeaderXAutoResponseSuppress, "All")
	conn, err := s.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("smtp dial: %w", err)
	}
	err = s.client.SendWithSMTPClient(conn, msg)
	// The server has taken the message or refused it by now: a failed QUIT changes nothing.
	_ = s.client.CloseWithSMTPClient(conn)
	var se *gomail.SendError
	if errors.As(err, &se) && !se.IsTemp() && se.ErrorCode() >= 500 {
		return &PermanentError{err}
	}
	return err
}

// Email is a claimed row of notifications_sent.
type Email struct {
	EventID       uuid.UUID
	RecipientKind string
	RecipientRef  string
	CaseID        uuid.UUID
	Template      string
	Data          []byte // the template values, JSON
	Attempt       int    // this attempt's number, from 1
}

// SendDueEmails claims up to a batch of due emails, sends them and records
// the outcome, returning how many it claimed. The claim moves each row's
// next attempt five minutes on, so a worker that dies mid-send leaves the row
// to be tried again then; no transaction is held while mail is sent.
func (n *Notifier) SendDueEmails(ctx context.Context) (int, error) {
	rows, err := claimEmails(n.db.WithContext(ctx), batchSize)
	if err != nil {
		return 0, fmt.Errorf("notify: claim emails: %w", err)
	}
	for _, e := range rows {
		n.sendOne(ctx, e)
	}
	return len(rows), nil
}

func (n *Notifier) sendOne(ctx context.Context, e Email) {
	log := n.log.With("event_id", e.EventID, "template", e.Template, "recipient_kind", e.RecipientKind, "attempt", e.Attempt)
	if n.mailer == nil {
		log.Info("email skipped: SMTP is not configured")
		n.finishEmail(ctx, e, NotificationSkipped, "SMTP is not configured", 0)
		return
	}
	var letter *grievance.ProviderLetter
	to, lang, why, err := n.address(ctx, e)
	if err == nil && e.RecipientKind == RecipientProvider {
		to, lang, why, letter, err = n.providerAddress(ctx, e)
	}
	if err != nil {
		log.Warn("email: recipient lookup failed", "err", err)
		n.retryEmail(ctx, log, e, "recipient lookup failed")
		return
	}
	if to == "" {
		log.Info("email skipped", "reason", why)
		n.finishEmail(ctx, e, NotificationSkipped, why, 0)
		return
	}
	var d mailData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		log.Error("email: unreadable template data", "err", err)
		n.finishEmail(ctx, e, NotificationGaveUp, "unreadable template data", 0)
		return
	}
	v := n.view(e.CaseID.String(), d)
	if letter != nil {
		v.AISystem, v.Questions, v.Due = letter.AISystem, letter.Questions, letter.DueAt.Format("2006-01-02 15:04 UTC")
		v.RequestID = d.ProviderRequestID
	}
	used, subject, body, err := n.templates.Render(lang, e.Template, v)
	if err != nil {
		log.Error("email: render", "err", err)
		n.finishEmail(ctx, e, NotificationGaveUp, truncate(err.Error()), 0)
		return
	}
	var files []Attachment
	if e.RecipientKind == RecipientBody && n.attachments != nil {
		if files, err = n.attachments(ctx, d.ReferralID, d.Document); err != nil {
			log.Warn("email: attachments", "err", err)
			n.retryEmail(ctx, log, e, "the attachments could not be read")
			return
		}
	}
	sctx, cancel := context.WithTimeout(ctx, time.Minute)
	err = n.mailer.Send(sctx, Mail{To: to, Subject: subject, Body: body, Language: used, Attachments: files})
	cancel()
	if err == nil {
		log.Debug("email sent", "language", used)
		n.finishEmail(ctx, e, NotificationSent, "", 0)
		return
	}
	// The server's answer may quote the address: it is never stored or logged.
	msg := truncate(redact(err.Error(), to))
	var perm *PermanentError
	if errors.As(err, &perm) {
		log.Warn("email refused for good", "err", msg)
		n.finishEmail(ctx, e, NotificationGaveUp, msg, 0)
		return
	}
	n.retryEmail(ctx, log, e, msg)
}

// retryEmail schedules the next attempt after a failure, or gives the email
// up when this was the last attempt.
func (n *Notifier) retryEmail(ctx context.Context, log *slog.Logger, e Email, msg string) {
	if e.Attempt >= n.MaxAttempts() {
		log.Warn("email given up", "err", msg)
		n.finishEmail(ctx, e, NotificationGaveUp, msg, 0)
		return
	}
	log.Warn("email failed; will retry", "err", msg, "retry_in", n.wait(e.Attempt))
	n.finishEmail(ctx, e, NotificationFailed, msg, n.wait(e.Attempt))
}

// address finds where and in which language to write: a staff member's
// account, or the complainant's contact details, opened now and never kept.
// An empty address comes with the reason nobody is written to.
func (n *Notifier) address(ctx context.Context, e Email) (to, lang, why string, err error) {
	if e.RecipientKind == RecipientComplainant {
		d, err := n.cases.ContactOf(ctx, e.CaseID)
		if fault.Is(err, fault.NotFound) {
			return "", "", "the case does not exist", nil
		}
		if err != nil {
			return "", "", "", err
		}
		if d.Anonymous || d.Contact == nil || d.Contact.Email == "" || d.PreferredChannel != "email" {
			return "", "", "the complainant has no email address or did not choose email", nil
		}
		return d.Contact.Email, n.templates.Pick(d.Language), "", nil
	}
	if e.RecipientKind == RecipientProvider {
		return "", "", "", nil // providerAddress
	}
	id, err := uuid.Parse(e.RecipientRef)
	if err != nil {
		return "", "", "not a user or body id", nil
	}
	if e.RecipientKind == RecipientBody {
		b, err := activeBodyContact(n.db.WithContext(ctx), id)
		if err != nil {
			return "", "", "", err
		}
		if b.Email == nil {
			return "", "", "the body has no email address, or is no longer active", nil
		}
		return *b.Email, n.templates.Pick(strings.Split(b.Languages, ",")...), "", nil
	}
	var u contactRow
	if err := n.db.WithContext(ctx).Model(&auth.User{}).Select(contactColumns).Where("id = ? AND active", id).
		Scan(&u).Error; err != nil {
		return "", "", "", err
	}
	if u.Email == nil || *u.Email == "" {
		return "", "", "the user is disabled or gone", nil
	}
	return *u.Email, n.templates.Pick(strings.Split(u.Languages, ",")...), "", nil
}

// providerAddress opens a request for information to an AI system's
// provider: the address it was sent to and the questions, in English (the
// register keeps no language for providers).
func (n *Notifier) providerAddress(ctx context.Context, e Email) (to, lang, why string, l *grievance.ProviderLetter, err error) {
	id, err := uuid.Parse(e.RecipientRef)
	if err != nil {
		return "", "", "not a request id", nil, nil
	}
	l, err = n.cases.ProviderLetterOf(ctx, id)
	if fault.Is(err, fault.NotFound) {
		return "", "", "the request for information does not exist", nil, nil
	}
	if err != nil {
		return "", "", "", nil, err
	}
	return l.To, FallbackLanguage, "", l, nil
}

// finishEmail records an attempt's outcome; wait schedules the next attempt.
// The attempt number guards against a worker that outlived its claim.
func (n *Notifier) finishEmail(ctx context.Context, e Email, status NotificationStatus, msg string, wait time.Duration) {
	var errText *string
	if msg != "" {
		errText = &msg
	}
	if err := recordEmail(n.db.WithContext(ctx), e, status, errText, wait); err != nil {
		n.log.Error("email outcome not recorded", "event_id", e.EventID, "err", err)
	}
}

// wait is the back-off after failed attempt number attempt (1-based).
func (n *Notifier) wait(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	return n.backoff[min(attempt, len(n.backoff))-1]
}

// redact removes an address from an error text, whatever its case.
func redact(s, addr string) string {
	if addr == "" {
		return s
	}
	return regexp.MustCompile("(?i)"+regexp.QuoteMeta(addr)).ReplaceAllLiteralString(s, "[recipient]")
}

// truncate keeps the first 500 characters of an error text.
func truncate(s string) string {
	if r := []rune(s); len(r) > 500 {
		return string(r[:499]) + "…"
	}
	return s
}
