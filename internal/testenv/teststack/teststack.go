// Package teststack runs the whole of Redress for a test: the services on a
// fresh database, the HTTP app, and (optionally) the worker on an embedded
// NATS server.
package teststack

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gorm.io/gorm"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/app"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/demo"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/natsx"
	"github.com/redresshq/redress/internal/platform/seal"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/natstest"
)

// Stack is a running Redress.
type Stack struct {
	T     testing.TB
	Core  *app.Core
	App   *fiber.App
	Logs  *testenv.LogBuffer
	DBURL string
	URL   string // the app, listening on loopback
	// WebURL is the app by the name localhost, which browsers treat as a
	// secure origin (the pages' cookies are Secure).
	WebURL string
	NATS   *natsx.Embedded
	NC     *nats.Conn
	JS     jetstream.JetStream
}

// Options choose what runs.
type Options struct {
	Worker bool // run the worker (relay and consumers) against an embedded NATS
	// Notify, when set, changes the notifier's options (a mailer, short
	// back-offs) before the API and the worker are built.
	Notify func(*notify.Options)
	// Config, when set, changes the configuration before anything is built
	// (e.g. an https REDRESS_PUBLIC_URL).
	Config func(*config.Config)
	// Throttle, when set, changes the sign-in throttle's options (a
	// backoff long enough that a loaded machine cannot outwait it).
	Throttle func(*middleware.ThrottleOptions)
	// DatabaseURL, when set, runs the stack on that database (migrated,
	// with its own data: a restored backup) instead of a fresh one, and
	// seeds nothing. Config then gives it the secrets the data was sealed under.
	DatabaseURL string
}

// DemoPassword is the password of the seeded demo users.
const DemoPassword = "correct horse battery staple"

// New starts a stack on a fresh database with the demo data seeded.
func New(t testing.TB, opts Options) *Stack {
	t.Helper()
	var gdb *gorm.DB
	var u string
	if opts.DatabaseURL != "" {
		u = opts.DatabaseURL
		var err error
		if gdb, err = db.Open(context.Background(), u, 20); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = db.Close(gdb) })
	} else {
		gdb, u = testenv.DB(t)
	}
	cfg := testenv.Config(t)
	cfg.DatabaseURL = u
	if opts.Config != nil {
		opts.Config(cfg)
	}
	log, logs := testenv.Logger()
	keys, err := seal.NewKeyring(cfg.EncryptionKeys, cfg.EncryptionKeyID)
	if err != nil {
		t.Fatal(err)
	}
	core := app.FromDB(cfg, log, gdb, keys)
	if opts.DatabaseURL == "" {
		if err := demo.Seed(context.Background(), gdb, core.Registry, core.Users, core.Escalation, DemoPassword); err != nil {
			t.Fatal(err)
		}
	}
	if opts.Notify != nil {
		o := core.NotifyOptions()
		opts.Notify(&o)
		core.UseNotifier(notify.New(o))
	}
	s := &Stack{T: t, Core: core, Logs: logs, DBURL: u}
	s.NATS, s.NC, s.JS = natstest.Start(t)
	if opts.Worker {
		s.StartWorker()
	}
	core.TuneThrottle = opts.Throttle
	app, err := core.HTTP(s.NC, s.JS)
	if err != nil {
		t.Fatal(err)
	}
	s.App = app
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s.URL = "http://" + ln.Addr().String()
	s.WebURL = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
	go func() { _ = s.App.Listener(httpkit.Listener(ln)) }()
	t.Cleanup(func() {
		_ = s.App.ShutdownWithTimeout(5 * time.Second)
		_ = core.Keystore.Close() // its own small pool (the database's goes with the database)
		if t.Failed() {
			t.Logf("redress logs:\n%s", logs.String())
		}
	})
	return s
}

// Replica starts another process of the same Redress: the services and
// the HTTP app on the same database and NATS, with the configuration
// changed by change (a rotated secret), as a second serve process or one
// restarted with a new environment is. It stops when the test ends.
func (s *Stack) Replica(change func(*config.Config)) *Stack {
	t := s.T
	t.Helper()
	cfg := *s.Core.Config
	if change != nil {
		change(&cfg)
	}
	keys, err := seal.NewKeyring(cfg.EncryptionKeys, cfg.EncryptionKeyID)
	if err != nil {
		t.Fatal(err)
	}
	log, logs := testenv.Logger()
	core := app.FromDB(&cfg, log, s.Core.DB, keys)
	core.TuneThrottle = s.Core.TuneThrottle
	a, err := core.HTTP(s.NC, s.JS)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r := &Stack{T: t, Core: core, App: a, Logs: logs, DBURL: s.DBURL, NATS: s.NATS, NC: s.NC, JS: s.JS,
		URL: "http://" + ln.Addr().String(), WebURL: "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)}
	go func() { _ = a.Listener(httpkit.Listener(ln)) }()
	t.Cleanup(func() {
		_ = a.ShutdownWithTimeout(5 * time.Second)
		if t.Failed() {
			t.Logf("replica's logs:\n%s", logs.String())
		}
	})
	return r
}

// With returns the stack reporting to t (a subtest, or a fuzz target's t).
func (s *Stack) With(t testing.TB) *Stack {
	c := *s
	c.T = t
	return &c
}

// StartWorker runs a worker until the test ends and returns its stop function.
func (s *Stack) StartWorker() (stop func()) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Core.Worker(s.JS, "").Run(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				s.T.Errorf("worker: %v", err)
			}
		case <-time.After(20 * time.Second):
			s.T.Error("worker did not stop within 20s")
		}
	}
	s.T.Cleanup(stop)
	return stop
}

// Response is an HTTP answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into a map.
func (r *Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Decode decodes the body into v.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode: %v\n%s", err, r.Body)
	}
}

// Request is one call to the API.
type Request struct {
	Method, Path string
	Body         any // marshalled to JSON unless it is a string or []byte
	Token        string
	Header       map[string]string
}

var client = &http.Client{Timeout: 30 * time.Second}

// Contract, when set, checks every exchange Do makes (the request as sent,
// its body, and the answer) and fails the test with what it returns. The
// API's tests set it in TestMain to the OpenAPI contract check
// (internal/testenv/contract), so each of them also tests api/openapi.yaml.
var Contract func(req *http.Request, body []byte, resp *Response) error

// Do sends req through the app and returns the answer.
func (s *Stack) Do(req Request) *Response {
	s.T.Helper()
	var body io.Reader
	var sent []byte
	switch b := req.Body.(type) {
	case nil:
	case string:
		sent = []byte(b)
	case []byte:
		sent = b
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			s.T.Fatal(err)
		}
		sent = raw
	}
	if req.Body != nil {
		body = bytes.NewReader(sent)
	}
	r, err := http.NewRequest(req.Method, s.URL+req.Path, body)
	if err != nil {
		s.T.Fatal(err)
	}
	if req.Body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if req.Token != "" {
		r.Header.Set("Authorization", "Bearer "+req.Token)
	}
	for k, v := range req.Header {
		r.Header.Set(k, v)
	}
	resp, err := client.Do(r)
	if err != nil {
		s.T.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
	if Contract != nil {
		if err := Contract(r, sent, out); err != nil {
			s.T.Errorf("contract (api/openapi.yaml): %s %s → %d: %v\n%.600s", req.Method, req.Path, out.Status, err, out.Body)
		}
	}
	return out
}

// Login signs a demo user in and returns the access token.
func (s *Stack) Login(email string) string {
	s.T.Helper()
	r := s.Do(Request{Method: "POST", Path: "/api/v1/auth/token", Body: map[string]string{"email": email, "password": DemoPassword}})
	if r.Status != 200 {
		s.T.Fatalf("login %s: %d %s", email, r.Status, r.Body)
	}
	return r.JSON(s.T)["access_token"].(string)
}

// Reviewer signs the demo reviewer in.
func (s *Stack) Reviewer() string { return s.Login("reviewer@example.org") }

// ValidCase returns a valid anonymous intake body; callers change what they test.
func ValidCase() map[string]any {
	return map[string]any{
		"kind":               "contest_decision",
		"ai_system_other":    "The scheduling app at my warehouse",
		"decision_reference": "SHIFT-2026-11-0042",
		"decision_date":      "2026-11-02",
		"informed_of_ai":     "no",
		"description":        "My hours were cut to zero by the scheduling system after I took sick leave.",
		"rights":             []string{"work", "non_discrimination"},
		"harm_types":         []string{"financial"},
		"desired_outcome":    "Restore my hours and pay me for the lost shifts.",
		"language":           "en",
		"anonymous":          true,
	}
}

// NamedCase returns a valid intake body of a named complainant who chose
// email and wrote their name and phone number into the description (what
// redaction must mask).
func NamedCase() map[string]any {
	body := ValidCase()
	body["anonymous"] = false
	body["contact"] = map[string]any{"name": "Maria Lopez-Garcia", "email": "maria.lopez@example.net",
		"phone": "+34 612 345 678", "preferred_channel": "email"}
	body["description"] = "I am Maria Lopez-Garcia; call me on +34 612 345 678. The scheduler cut my hours to zero after sick leave."
	return body
}

// Decision returns a valid decision body for outcome (a decision.Outcome, or
// an old or wrong name as text); callers change what they test.
func Decision[O ~string](outcome O) map[string]any {
	return map[string]any{
		"outcome":     outcome,
		"rationale":   "The rota data show the cut followed the sick-leave flag, not demand; the rule is unlawful here.",
		"attestation": map[string]bool{"had_authority": true, "not_a_model_rerun": true},
		"involvement": map[string]string{"deployer": "caused", "provider": "contributed"},
		"explanation": Explanation(),
	}
}

// Explanation returns a complete structured explanation: a case that
// contests an AI decision cannot be decided without one (the burden of proof).
func Explanation() map[string]any {
	return map[string]any{"ai_role": "decisive",
		"main_factors":   []string{"sick-leave days in the last 90 days", "shift coverage forecast"},
		"inputs":         []string{"attendance records", "shift history"},
		"how_to_contest": "Appeal within 30 days on the follow-up page, or go to the labour inspectorate."}
}

// AIDecisionRecord returns a complete AI decision record (PUT …/ai-decision).
func AIDecisionRecord() map[string]any {
	return map[string]any{"system_version": "ShiftPlanner 4.2.1",
		"inputs":           []string{"attendance records of the last 90 days", "shift history"},
		"output":           "Weekly hours set to zero from 2026-11-02.",
		"solely_automated": true, "human_oversight": "none", "person_informed": "no"}
}

// RecordAIDecision has tok (who must be able to work on the case) record a
// complete AI decision record on case id, as a contested case needs before
// it can be decided (the burden of proof).
func (s *Stack) RecordAIDecision(tok, id string) {
	s.T.Helper()
	if r := s.Do(Request{Method: "PUT", Path: "/api/v1/cases/" + id + "/ai-decision", Token: tok, Body: AIDecisionRecord()}); r.Status != 200 {
		s.T.Fatalf("record AI decision: %d %s", r.Status, r.Body)
	}
}

// Filed is a filed case as the complainant holds it.
type Filed struct {
	ID        string
	Reference string
	Receipt   string
	Code      string // the one code that opens the case alone
}

// File files body and fails the test unless it gets 201.
func (s *Stack) File(body map[string]any) Filed {
	s.T.Helper()
	r := s.Do(Request{Method: "POST", Path: "/api/v1/cases", Body: body})
	if r.Status != 201 {
		s.T.Fatalf("file case: %d %s", r.Status, r.Body)
	}
	m := r.JSON(s.T)
	code, _ := m["code"].(string)
	f := Filed{Reference: m["reference"].(string), Receipt: m["receipt"].(string), Code: code}
	// The staff-side id, found by reference.
	var id string
	if err := s.Core.DB.Model(&cases.Case{}).Select("id::text").Where("reference = ?", f.Reference).Scan(&id).Error; err != nil {
		s.T.Fatal(err)
	}
	f.ID = id
	return f
}

// ComplainantToken opens a complainant session for f.
func (s *Stack) ComplainantToken(f Filed) string {
	s.T.Helper()
	r := s.Do(Request{Method: "POST", Path: "/api/v1/complainant/session",
		Body: map[string]string{"reference": f.Reference, "receipt": f.Receipt}})
	if r.Status != 201 {
		s.T.Fatalf("session: %d %s", r.Status, r.Body)
	}
	return r.JSON(s.T)["token"].(string)
}

// StaffUser makes a user with role, a member of every queue (as the demo's
// staff are, without emails of new cases), and returns its token.
func (s *Stack) StaffUser(email string, role auth.Role) string {
	s.T.Helper()
	token := s.Outsider(email, role)
	if err := review.JoinEveryQueue(s.Core.DB, []string{email}, false); err != nil {
		s.T.Fatal(err)
	}
	return token
}

// Outsider makes a user with role who is a member of no queue, and returns
// its token: need to know hides every case from them until one is theirs.
func (s *Stack) Outsider(email string, role auth.Role) string {
	s.T.Helper()
	if _, err := s.Core.Users.Upsert(context.Background(), auth.NewUser{Email: email, Name: email, Role: role,
		Password: DemoPassword}); err != nil {
		s.T.Fatal(err)
	}
	return s.Login(email)
}
