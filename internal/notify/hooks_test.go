package notify_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/smtpsink"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// receiver is the organisation's system: it checks every request's signature
// and answers 500 to the first fail requests.
type receiver struct {
	srv   *httptest.Server
	delay time.Duration

	mu     sync.Mutex
	secret []byte
	fail   int
	got    []received
}

type received struct {
	at                   time.Time
	eventID, typ, header string
	body                 []byte
	verified             error
}

func newReceiver(t *testing.T, fail int) *receiver {
	rc := &receiver{fail: fail}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		time.Sleep(rc.delay)
		rc.mu.Lock()
		defer rc.mu.Unlock()
		got := received{at: time.Now(), eventID: r.Header.Get(notify.HeaderEventID), typ: r.Header.Get(notify.HeaderEventType),
			header: r.Header.Get(notify.HeaderSignature), body: body}
		got.verified = notify.Verify(rc.secret, got.header, body, 5*time.Minute)
		rc.got = append(rc.got, got)
		if got.verified != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		if rc.fail > 0 {
			rc.fail--
			http.Error(w, "not now", http.StatusInternalServerError)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) requests() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]received(nil), rc.got...)
}

// register creates an endpoint through the admin API and arms the receiver with its secret.
func (rc *receiver) register(t *testing.T, s *teststack.Stack, admin string, subjects ...string) string {
	t.Helper()
	r := s.Do(req{Method: "POST", Path: "/api/v1/admin/webhooks", Token: admin,
		Body: map[string]any{"url": rc.srv.URL + "/redress", "events": subjects}})
	if r.Status != 201 {
		t.Fatalf("create webhook: %d %s", r.Status, r.Body)
	}
	m := r.JSON(t)
	secret, _ := m["secret"].(string)
	if !strings.HasPrefix(secret, "whsec_") {
		t.Fatalf("no generated secret in %s", r.Body)
	}
	rc.mu.Lock()
	rc.secret = []byte(secret)
	rc.mu.Unlock()
	return m["id"].(string)
}

func hookStack(t *testing.T, backoff ...time.Duration) *teststack.Stack {
	return teststack.New(t, teststack.Options{Worker: true, Notify: func(o *notify.Options) {
		o.Backoff, o.Poll = backoff, 20*time.Millisecond
	}})
}

type deliveryLog struct {
	Items []struct {
		ID           int64     `json:"id"`
		EventID      string    `json:"event_id"`
		Subject      string    `json:"subject"`
		Attempts     int       `json:"attempts"`
		Status       string    `json:"status"`
		ResponseCode *int      `json:"response_code"`
		NextAttempt  *string   `json:"next_attempt_at"`
		DeliveredAt  *string   `json:"delivered_at"`
		Log          []attempt `json:"log"`
	} `json:"items"`
	NextCursor string `json:"next_cursor"`
}

type attempt struct {
	Attempt      int       `json:"attempt"`
	AttemptedAt  time.Time `json:"attempted_at"`
	ResponseCode *int      `json:"response_code"`
	Error        *string   `json:"error"`
}

func deliveries(t *testing.T, s *teststack.Stack, admin, endpoint, query string) deliveryLog {
	t.Helper()
	r := s.Do(req{Method: "GET", Path: "/api/v1/admin/webhooks/" + endpoint + "/deliveries" + query, Token: admin})
	if r.Status != 200 {
		t.Fatalf("deliveries: %d %s", r.Status, r.Body)
	}
	var out deliveryLog
	r.Decode(t, &out)
	return out
}

// webhooksHandled waits until the webhooks consumer has handled every event of the case.
func webhooksHandled(t *testing.T, s *teststack.Stack, caseID string) {
	t.Helper()
	// Handled: the case routed, every event of it published, and the
	// consumer holding none back (an event no endpoint takes is acknowledged
	// without a processed_events row: worker.Consumer.Relevant).
	ctx := context.Background()
	testenv.Eventually(t, time.Minute, "the webhooks consumer to handle case "+caseID, func() bool {
		var routed bool
		s.Core.DB.Raw(`SELECT routed_at IS NOT NULL FROM cases WHERE id = ?`, caseID).Scan(&routed)
		var unpublished int
		s.Core.DB.Raw(`SELECT count(*) FROM outbox o WHERE o.payload->>'case_id' = ? AND o.published_at IS NULL`,
			caseID).Scan(&unpublished)
		if !routed || unpublished > 0 {
			return false
		}
		c, err := s.JS.Consumer(ctx, events.Stream, notify.ConsumerWebhooks)
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
}

func code(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

func TestWebhooksAreSignedRetriedAndLogged(t *testing.T) {
	t.Parallel()
	backoff := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, time.Hour}
	s := hookStack(t, backoff...)
	admin := s.Login("admin@example.org")
	rc := newReceiver(t, 2) // down for two requests
	endpoint := rc.register(t, s, admin, events.CaseSubmitted)

	f := s.File(teststack.ValidCase())
	var log deliveryLog
	testenv.Eventually(t, time.Minute, "the delivery", func() bool {
		log = deliveries(t, s, admin, endpoint, "")
		return len(log.Items) == 1 && log.Items[0].Status == "delivered"
	})
	d := log.Items[0]
	if d.Attempts != 3 || code(d.ResponseCode) != 204 || d.DeliveredAt == nil || d.NextAttempt != nil ||
		d.Subject != events.CaseSubmitted {
		t.Errorf("delivery %+v", d)
	}
	if len(d.Log) != 3 {
		t.Fatalf("log of %d attempts, want 3: %+v", len(d.Log), d.Log)
	}
	for i, want := range []int{500, 500, 204} {
		a := d.Log[i]
		if a.Attempt != i+1 || code(a.ResponseCode) != want {
			t.Errorf("attempt %d: %+v, want code %d", i+1, a, want)
		}
		if (want == 500) != (a.Error != nil && *a.Error == "the endpoint answered 500") {
			t.Errorf("attempt %d error %v", i+1, a.Error)
		}
		if i > 0 {
			if gap := a.AttemptedAt.Sub(d.Log[i-1].AttemptedAt); gap < backoff[i-1] {
				t.Errorf("attempt %d came %s after the one before, within its back-off of %s", i+1, gap, backoff[i-1])
			}
		}
	}

	// Every request was signed; the body is the event, with ids and codes only.
	got := rc.requests()
	if len(got) != 3 {
		t.Fatalf("receiver got %d requests, want 3", len(got))
	}
	for _, g := range got {
		if g.verified != nil || g.eventID != d.EventID || g.typ != events.CaseSubmitted {
			t.Errorf("request: verified %v, event %s %s", g.verified, g.eventID, g.typ)
		}
	}
	var env events.Envelope
	if err := json.Unmarshal(got[2].body, &env); err != nil || env.ID.String() != d.EventID ||
		env.CaseID.String() != f.ID || env.Type != events.CaseSubmitted {
		t.Errorf("payload %s: %v", got[2].body, err)
	}
	if strings.Contains(string(got[2].body), "My hours were cut") {
		t.Error("the payload holds the description")
	}
	// A tampered body, or another secret, fails verification.
	tampered := []byte(strings.Replace(string(got[2].body), f.ID, uuid.NewString(), 1))
	if err := notify.Verify(rc.secret, got[2].header, tampered, 5*time.Minute); !errors.Is(err, notify.ErrSignatureInvalid) {
		t.Errorf("tampered body: %v", err)
	}
	if err := notify.Verify([]byte("whsec_not-the-secret-not-the-secret"), got[2].header, got[2].body, 5*time.Minute); !errors.Is(err, notify.ErrSignatureInvalid) {
		t.Errorf("other secret: %v", err)
	}

	// Only the subscribed event: routing and the rest were not delivered.
	webhooksHandled(t, s, f.ID)
	if n := len(deliveries(t, s, admin, endpoint, "").Items); n != 1 {
		t.Errorf("%d deliveries, want only case.submitted", n)
	}

	// The event again, under a new message id and forgotten by the consumer: still one delivery.
	ctx := context.Background()
	m := &nats.Msg{Subject: events.CaseSubmitted, Data: got[2].body, Header: nats.Header{}}
	m.Header.Set(jetstream.MsgIDHeader, uuid.NewString())
	s.Core.DB.Exec(`DELETE FROM processed_events WHERE consumer = ? AND event_id = ?`, notify.ConsumerWebhooks, d.EventID)
	if _, err := s.JS.PublishMsg(ctx, m); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, time.Minute, "the redelivery to be handled", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM processed_events WHERE consumer = ? AND event_id = ?`,
			notify.ConsumerWebhooks, d.EventID).Scan(&n)
		return n == 1
	})
	if n := len(deliveries(t, s, admin, endpoint, "").Items); n != 1 {
		t.Errorf("%d deliveries after a redelivery, want 1", n)
	}
}

func TestWebhookGivenUpAndPaused(t *testing.T) {
	t.Parallel()
	s := hookStack(t, 50*time.Millisecond, 50*time.Millisecond) // three attempts in all
	admin := s.Login("admin@example.org")

	down := newReceiver(t, 1_000_000)
	downID := down.register(t, s, admin, "redress.case.submitted")
	a := s.File(teststack.ValidCase())
	var log deliveryLog
	testenv.Eventually(t, time.Minute, "the delivery to be given up", func() bool {
		log = deliveries(t, s, admin, downID, "")
		return len(log.Items) == 1 && log.Items[0].Status == "gave_up"
	})
	if d := log.Items[0]; d.Attempts != 3 || len(d.Log) != 3 || code(d.ResponseCode) != 500 || d.NextAttempt != nil {
		t.Errorf("given up: %+v", d)
	}
	webhooksHandled(t, s, a.ID)

	// A paused endpoint is owed nothing for new events; resumed, it gets the next ones.
	up := newReceiver(t, 0)
	upID := up.register(t, s, admin, "redress.case.>")
	r := s.Do(req{Method: "POST", Path: "/api/v1/admin/webhooks/" + upID + "/active", Token: admin, Body: map[string]bool{"active": false}})
	if r.Status != 200 || r.JSON(t)["active"] != false {
		t.Fatalf("pause: %d %s", r.Status, r.Body)
	}
	paused := s.File(teststack.ValidCase())
	webhooksHandled(t, s, paused.ID)
	var owed int
	s.Core.DB.Raw(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?`, upID).Scan(&owed)
	if owed != 0 {
		t.Errorf("%d deliveries owed to a paused endpoint", owed)
	}
	if r := s.Do(req{Method: "POST", Path: "/api/v1/admin/webhooks/" + upID + "/active", Token: admin,
		Body: map[string]bool{"active": true}}); r.Status != 200 || r.JSON(t)["active"] != true {
		t.Fatalf("resume: %d %s", r.Status, r.Body)
	}
	resumed := s.File(teststack.ValidCase())
	webhooksHandled(t, s, resumed.ID)
	testenv.Eventually(t, time.Minute, "deliveries to the resumed endpoint", func() bool {
		var open int
		s.Core.DB.Raw(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ? AND status <> 'delivered'`, upID).Scan(&open)
		return open == 0
	})
	for _, g := range up.requests() {
		var env events.Envelope
		_ = json.Unmarshal(g.body, &env)
		if env.CaseID.String() != resumed.ID {
			t.Errorf("the resumed endpoint got %s of case %s, filed while it was paused", env.Type, env.CaseID)
		}
	}
	if len(up.requests()) < 2 { // submitted and routed at least
		t.Errorf("the resumed endpoint got %d requests", len(up.requests()))
	}

	// The log pages: one item a page, then the next.
	page := deliveries(t, s, admin, upID, "?limit=1")
	if len(page.Items) != 1 || page.NextCursor == "" {
		t.Fatalf("first page %+v", page)
	}
	next := deliveries(t, s, admin, upID, "?limit=1&cursor="+page.NextCursor)
	if len(next.Items) != 1 || next.Items[0].ID >= page.Items[0].ID {
		t.Errorf("second page %+v after %+v", next, page)
	}
}

// Three workers send from the same tables at once: every delivery and every
// email goes out exactly once (claims use FOR UPDATE SKIP LOCKED).
func TestSeveralWorkersNeverSendOneRowTwice(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	s.StartWorker()
	s.StartWorker()
	admin := s.Login("admin@example.org")
	rc := newReceiver(t, 0)
	rc.delay = 5 * time.Millisecond
	endpoint := rc.register(t, s, admin)
	reviewer := s.Login("supervisor@example.org") // nobody holds the cases: a supervisor of the queue acts (issue 15)

	const n = 12
	filed := make([]teststack.Filed, n)
	for i := range filed {
		filed[i] = s.File(identified("complainant"+string(rune('a'+i))+"@example.net", "email", "en", "Many at once."))
		staffPost(t, s, reviewer, "/api/v1/cases/"+filed[i].ID+"/acknowledge", nil)
	}
	for _, f := range filed {
		settle(t, s, f.ID)
		webhooksHandled(t, s, f.ID)
	}
	testenv.Eventually(t, time.Minute, "every delivery", func() bool {
		var open int
		s.Core.DB.Raw(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ? AND status <> 'delivered'`, endpoint).Scan(&open)
		return open == 0
	})

	var rows, attempts int
	s.Core.DB.Raw(`SELECT count(*) FROM webhook_deliveries WHERE endpoint_id = ?`, endpoint).Scan(&rows)
	s.Core.DB.Raw(`SELECT count(*) FROM webhook_attempts`).Scan(&attempts)
	seen := map[string]int{}
	for _, g := range rc.requests() {
		seen[g.eventID]++
	}
	if rows < 3*n || len(seen) != rows || attempts != rows {
		t.Errorf("%d deliveries, %d attempts, %d distinct events received", rows, attempts, len(seen))
	}
	for id, k := range seen {
		if k != 1 {
			t.Errorf("event %s delivered %d times", id, k)
		}
	}

	var sent int
	s.Core.DB.Raw(`SELECT count(*) FROM notifications_sent WHERE status = 'sent'`).Scan(&sent)
	if got := len(sink.Messages()); got != sent || sent < 2*n {
		t.Errorf("%d emails received, %d recorded sent", got, sent)
	}
	for i, f := range filed {
		if k := len(sink.To("complainant" + string(rune('a'+i)) + "@example.net")); k != 1 {
			t.Errorf("complainant %d got %d emails, want 1", i, k)
		}
		k := 0
		for _, m := range sink.To("reviewer@example.org") {
			if strings.Contains(m.Subject(), "New case "+f.Reference) {
				k++
			}
		}
		if k != 1 {
			t.Errorf("%d new-case emails for %s, want 1", k, f.Reference)
		}
	}
}
