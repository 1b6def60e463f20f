// Package smtpsink is a real SMTP server for tests (github.com/emersion/go-smtp)
// that records every message it accepts. Tests can stop it (connections are
// then refused), start it again on the same address, and make it refuse
// messages with a chosen SMTP reply.
package smtpsink

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"io"
	"math/big"
	"mime"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// Message is one message the sink accepted.
type Message struct {
	From string
	To   []string
	Raw  []byte // as received after DATA
}

// Header returns a header of the message, decoded (RFC 2047).
func (m Message) Header(name string) string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return ""
	}
	v := msg.Header.Get(name)
	if d, err := new(mime.WordDecoder).DecodeHeader(v); err == nil {
		return d
	}
	return v
}

// Subject is the decoded Subject header.
func (m Message) Subject() string { return m.Header("Subject") }

// Text is the body with its transfer encoding (quoted-printable or base64) undone.
func (m Message) Text() string {
	msg, err := mail.ReadMessage(bytes.NewReader(m.Raw))
	if err != nil {
		return ""
	}
	var r io.Reader = msg.Body
	switch strings.ToLower(msg.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		b, _ := io.ReadAll(r)
		dec, err := decodeBase64(b)
		if err != nil {
			return ""
		}
		return dec
	}
	b, _ := io.ReadAll(r)
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func decodeBase64(b []byte) (string, error) {
	clean := strings.NewReplacer("\r", "", "\n", "").Replace(string(b))
	dec, err := base64.StdEncoding.DecodeString(clean)
	return strings.ReplaceAll(string(dec), "\r\n", "\n"), err
}

// Sink is a running (or stopped) SMTP server.
type Sink struct {
	t          testing.TB
	addr       string
	user, pass string // required with AUTH PLAIN when set
	tls        *tls.Config
	roots      *x509.CertPool

	mu     sync.Mutex
	srv    *smtp.Server
	msgs   []Message
	refuse *smtp.SMTPError
	tries  []try // every message offered (DATA), accepted or refused
}

type try struct {
	at time.Time
	to []string
}

// Start listens on a free loopback port until the test ends.
func Start(t testing.TB) *Sink {
	t.Helper()
	return start(t, &Sink{t: t})
}

// StartWithAuth is Start with a server that takes mail only after AUTH PLAIN
// as user with pass. With withTLS it offers STARTTLS (a certificate made for
// the test; see ClientTLS); without, it offers AUTH over plain TCP.
func StartWithAuth(t testing.TB, user, pass string, withTLS bool) *Sink {
	t.Helper()
	s := &Sink{t: t, user: user, pass: pass}
	if withTLS {
		s.tls, s.roots = selfSigned(t)
	}
	return start(t, s)
}

// ClientTLS is the TLS configuration a client needs to trust the sink.
func (s *Sink) ClientTLS() *tls.Config {
	return &tls.Config{RootCAs: s.roots, ServerName: "127.0.0.1", MinVersion: tls.VersionTLS12}
}

// selfSigned makes a certificate for 127.0.0.1 and a pool that trusts it.
func selfSigned(t testing.TB) (*tls.Config, *x509.CertPool) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "smtpsink"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, NotBefore: time.Now().Add(-time.Hour),
		NotAfter: time.Now().Add(24 * time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key, Leaf: cert}},
		MinVersion: tls.VersionTLS12}, pool
}

func start(t testing.TB, s *Sink) *Sink {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.addr = ln.Addr().String()
	s.serve(ln)
	t.Cleanup(s.Stop)
	return s
}

// URL is the sink's address as REDRESS_SMTP_URL takes it (no TLS, no authentication).
func (s *Sink) URL() string { return "smtp://" + s.addr }

func (s *Sink) serve(ln net.Listener) {
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		if s.user != "" {
			return &authSession{session{sink: s}}, nil
		}
		return &session{sink: s}, nil
	}))
	srv.TLSConfig = s.tls
	srv.AllowInsecureAuth = s.user != "" && s.tls == nil
	srv.Domain = "sink.test"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = discard{}
	s.mu.Lock()
	s.srv = srv
	s.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the listener and every connection: the server is down.
func (s *Sink) Stop() {
	s.mu.Lock()
	srv := s.srv
	s.srv = nil
	s.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// Restart listens again on the same address after Stop.
func (s *Sink) Restart() {
	s.t.Helper()
	var ln net.Listener
	var err error
	for range 50 { // the old socket may linger a moment
		if ln, err = net.Listen("tcp", s.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		s.t.Fatalf("smtpsink: listen again on %s: %v", s.addr, err)
	}
	s.serve(ln)
}

// Refuse makes every later message fail at DATA with this reply (for
// example 451, try later, or 550, refused for good), "{rcpt}" in text
// standing for the recipients, as servers quote them; code 0 accepts again.
func (s *Sink) Refuse(code int, text string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if code == 0 {
		s.refuse = nil
		return
	}
	s.refuse = &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCodeNotSet, Message: text}
}

// Messages returns the messages accepted so far.
func (s *Sink) Messages() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.msgs...)
}

// To returns the messages accepted for addr.
func (s *Sink) To(addr string) []Message {
	var out []Message
	for _, m := range s.Messages() {
		if slices.ContainsFunc(m.To, func(to string) bool { return strings.EqualFold(to, addr) }) {
			out = append(out, m)
		}
	}
	return out
}

// Tries returns when each message for addr was offered (DATA), accepted or refused.
func (s *Sink) Tries(addr string) []time.Time {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []time.Time
	for _, t := range s.tries {
		if slices.ContainsFunc(t.to, func(to string) bool { return strings.EqualFold(to, addr) }) {
			out = append(out, t.at)
		}
	}
	return out
}

type session struct {
	sink   *Sink
	authed bool
	from   string
	to     []string
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s := ss.sink
	s.mu.Lock()
	defer s.mu.Unlock()
	s.tries = append(s.tries, try{at: time.Now(), to: append([]string(nil), ss.to...)})
	if s.refuse != nil {
		refusal := *s.refuse
		refusal.Message = strings.ReplaceAll(refusal.Message, "{rcpt}", "<"+strings.Join(ss.to, ">, <")+">")
		return &refusal
	}
	s.msgs = append(s.msgs, Message{From: ss.from, To: append([]string(nil), ss.to...), Raw: raw})
	return nil
}

func (ss *session) Reset()        { ss.from, ss.to = "", nil }
func (ss *session) Logout() error { return nil }

// authSession is a session that offers AUTH PLAIN.
type authSession struct{ session }

func (as *authSession) AuthMechanisms() []string { return []string{sasl.Plain} }

func (as *authSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != as.sink.user || pass != as.sink.pass {
			return smtp.ErrAuthFailed
		}
		as.authed = true
		return nil
	}), nil
}

type discard struct{}

func (discard) Printf(string, ...any) {}
func (discard) Println(...any)        {}
