package worker_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/systemic"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
	"github.com/redresshq/redress/worker"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func fileMany(t *testing.T, s *teststack.Stack, n int) []teststack.Filed {
	t.Helper()
	out := make([]teststack.Filed, n)
	for i := range out {
		body := teststack.ValidCase()
		body["description"] = fmt.Sprintf("Complaint %d: my shifts were cut by the scheduler.", i)
		out[i] = s.File(body)
	}
	return out
}

// streamIDs reads every message in the stream and returns how often each Nats-Msg-Id occurs.
func streamIDs(t *testing.T, js jetstream.JetStream) map[string]int {
	t.Helper()
	ctx := context.Background()
	stream, err := js.Stream(ctx, events.Stream)
	if err != nil {
		t.Fatal(err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ids := map[string]int{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && info.State.Msgs > 0; seq++ {
		msg, err := stream.GetMsg(ctx, seq)
		if err != nil {
			t.Fatalf("get %d: %v", seq, err)
		}
		ids[msg.Header.Get(jetstream.MsgIDHeader)]++
	}
	return ids
}

func outboxIDs(t *testing.T, s *teststack.Stack) []string {
	t.Helper()
	var ids []string
	if err := s.Core.DB.Raw(`SELECT id::text FROM outbox ORDER BY seq`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	return ids
}

func pending(t *testing.T, s *teststack.Stack) int {
	var n int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&n)
	return n
}

// Every change reaches the stream exactly once, though the relay dies after
// publishing and before marking rows sent, and is killed and restarted while busy.
func TestOutboxExactlyOnceAcrossRelayCrashes(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	if _, err := events.EnsureStream(ctx, s.JS, 1); err != nil {
		t.Fatal(err)
	}
	fileMany(t, s, 25)

	// A relay that crashes after publishing, before its transaction commits.
	crashing := &worker.Relay{DB: s.Core.DB, JS: s.JS, Log: s.Core.Log, Batch: 10,
		BeforeCommit: func([]uuid.UUID) error { return errors.New("simulated crash") }}
	if _, err := crashing.RelayOnce(ctx); err == nil {
		t.Fatal("the crashing relay reported success")
	}
	if got := pending(t, s); got != 25 {
		t.Fatalf("%d rows pending after the crash, want all 25", got)
	}
	if got := len(streamIDs(t, s.JS)); got != 10 {
		t.Fatalf("stream holds %d events after the crash, want the 10 published", got)
	}

	// A healthy relay runs; it is killed mid-flight and a new one started while cases keep coming.
	run := func() (stop func()) {
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		r := &worker.Relay{DB: s.Core.DB, JS: s.JS, Log: s.Core.Log, Batch: 7, Poll: 50 * time.Millisecond}
		go func() { _ = r.Run(rctx); close(done) }()
		return func() { cancel(); <-done }
	}
	stop := run()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); fileMany(t, s, 30) }()
	time.Sleep(150 * time.Millisecond)
	stop()
	stop = run()
	wg.Wait()
	testenv.Eventually(t, 15*time.Second, "the outbox to drain", func() bool { return pending(t, s) == 0 })
	stop()

	ids := outboxIDs(t, s)
	seen := streamIDs(t, s.JS)
	if len(ids) != 55 {
		t.Fatalf("%d outbox rows, want 55", len(ids))
	}
	if len(seen) != len(ids) {
		t.Errorf("stream holds %d distinct events, outbox %d", len(seen), len(ids))
	}
	for _, id := range ids {
		if seen[id] != 1 {
			t.Errorf("event %s is in the stream %d times", id, seen[id])
		}
	}
}

func TestWorkerRecordsSubmittedCasesOnce(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(teststack.ValidCase())
	received := func() int {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'case.received'`, f.ID).Scan(&n)
		return n
	}
	testenv.Eventually(t, 10*time.Second, "the worker to receive the case", func() bool { return received() == 1 })

	// The event is in the stream, under the case's id and without personal data.
	ctx := context.Background()
	stream, _ := s.JS.Stream(ctx, events.Stream)
	msg, err := stream.GetLastMsgForSubject(ctx, events.CaseSubmitted)
	if err != nil {
		t.Fatal(err)
	}
	var env events.Envelope
	if err := json.Unmarshal(msg.Data, &env); err != nil || env.CaseID.String() != f.ID || env.Type != events.CaseSubmitted {
		t.Fatalf("event %s: %v", msg.Data, err)
	}
	var data events.Submitted
	if err := json.Unmarshal(env.Data, &data); err != nil || data.Reference != f.Reference || data.Kind != "contest_decision" {
		t.Errorf("event data %s", env.Data)
	}

	// Redeliver the same event under a new message id (past the stream's duplicate window): nothing changes.
	for range 3 {
		m := &nats.Msg{Subject: events.CaseSubmitted, Data: msg.Data, Header: nats.Header{}}
		m.Header.Set(jetstream.MsgIDHeader, uuid.NewString())
		if _, err := s.JS.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	cons, err := stream.Consumer(ctx, events.ConsumerSubmitted) // its intake stage

	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 10*time.Second, "the consumer to ack the redeliveries", func() bool {
		info, err := cons.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.AckFloor.Stream >= 4
	})
	if n := received(); n != 1 {
		t.Errorf("case.received recorded %d times", n)
	}
	var processed int
	s.Core.DB.Raw(`SELECT count(*) FROM processed_events WHERE consumer = ?`, events.ConsumerIntake).Scan(&processed)
	if processed != 1 {
		t.Errorf("%d processed events, want 1", processed)
	}
}

func TestPoisonMessagesGoToDeadLetters(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	ctx := context.Background()
	testenv.Eventually(t, 10*time.Second, "the stream", func() bool {
		_, err := s.JS.Stream(ctx, events.Stream)
		return err == nil
	})
	if _, err := s.JS.Publish(ctx, events.CaseSubmitted, []byte("not json"), jetstream.WithMsgID("poison-1")); err != nil {
		t.Fatal(err)
	}
	// Each consumer of the subject records it once, and terminates it.
	var rows []struct{ Consumer, EventID string }
	testenv.Eventually(t, 10*time.Second, "a dead letter from each consumer", func() bool {
		s.Core.DB.Raw(`SELECT consumer, event_id FROM dead_letters ORDER BY consumer`).Scan(&rows)
		return len(rows) == 4
	})
	if rows[0].Consumer != events.ConsumerIntake || rows[1].Consumer != events.ConsumerRouter ||
		rows[2].Consumer != events.ConsumerSystemic || rows[3].Consumer != notify.ConsumerWebhooks {
		t.Errorf("dead letters %+v", rows)
	}
	for _, r := range rows {
		if r.EventID != "poison-1" {
			t.Errorf("dead letter %+v", r)
		}
	}
	// Terminated, not redelivered: still one row each.
	time.Sleep(1500 * time.Millisecond)
	var n int
	s.Core.DB.Raw(`SELECT count(*) FROM dead_letters`).Scan(&n)
	if n != 4 {
		t.Errorf("%d dead letters, want 4", n)
	}
	// Not JSON: it cannot go back through the outbox, and the admin is told why.
	var id int64
	s.Core.DB.Raw(`SELECT min(id) FROM dead_letters`).Scan(&id)
	r := s.Do(teststack.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/admin/dead-letters/%d/replay", id),
		Token: s.Login("admin@example.org")})
	if r.Status != 409 || r.JSON(t)["code"] != "not_replayable" {
		t.Errorf("replay of a poison message: %d %s", r.Status, r.Body)
	}
}

// Two workers share the relay and the consumer: every case is received once.
func TestTwoWorkersNeverDoubleProcess(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	s.StartWorker()
	filed := fileMany(t, s, 40)
	testenv.Eventually(t, 20*time.Second, "all cases received", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM cases WHERE received_at IS NOT NULL`).Scan(&n)
		return n == len(filed)
	})
	var dup int
	s.Core.DB.Raw(`SELECT count(*) FROM (SELECT case_id FROM audit_entries WHERE action = 'case.received'
		GROUP BY case_id HAVING count(*) > 1) d`).Scan(&dup)
	if dup != 0 {
		t.Errorf("%d cases received more than once", dup)
	}
	testenv.Eventually(t, 10*time.Second, "the outbox to drain", func() bool { return pending(t, s) == 0 })
	for id, n := range streamIDs(t, s.JS) {
		if n != 1 {
			t.Errorf("event %s published %d times", id, n)
		}
	}
}

// A message that reaches a consumer's MaxDeliver is recorded from the
// server's advisory, listed for admins, and replayed through the outbox.
func TestMaxDeliveriesBecomeDeadLettersAndReplay(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	ctx := context.Background()
	var stream jetstream.Stream
	testenv.Eventually(t, 10*time.Second, "the streams", func() bool {
		_, err := s.JS.Stream(ctx, events.AdvisoryStream)
		stream, _ = s.JS.Stream(ctx, events.Stream)
		return err == nil && stream != nil
	})
	// A consumer that never acks, giving up after two deliveries.
	flaky, err := stream.CreateOrUpdateConsumer(ctx, jetstream.ConsumerConfig{Durable: "flaky",
		FilterSubject: "redress.test.flaky", AckPolicy: jetstream.AckExplicitPolicy,
		AckWait: 300 * time.Millisecond, MaxDeliver: 2})
	if err != nil {
		t.Fatal(err)
	}
	// About no case: every consumer of "redress.>" (webhooks) takes it and owes nothing.
	env := `{"id":"` + uuid.NewString() + `","type":"redress.test.flaky","case_id":"` + uuid.Nil.String() + `","data":{}}`
	if _, err := s.JS.Publish(ctx, "redress.test.flaky", []byte(env), jetstream.WithMsgID("flaky-1")); err != nil {
		t.Fatal(err)
	}
	var row struct {
		ID         int64
		Deliveries int
		EventID    string
	}
	testenv.Eventually(t, 20*time.Second, "the max-deliveries dead letter", func() bool {
		batch, _ := flaky.Fetch(1, jetstream.FetchMaxWait(400*time.Millisecond))
		if batch != nil {
			for range batch.Messages() { // receive, never ack
			}
		}
		s.Core.DB.Raw(`SELECT id, deliveries, event_id FROM dead_letters WHERE consumer = 'flaky'`).Scan(&row)
		return row.ID != 0
	})
	if row.Deliveries != 2 || row.EventID != "flaky-1" {
		t.Errorf("dead letter %+v", row)
	}

	admin := s.Login("admin@example.org")
	list := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/admin/dead-letters", Token: admin})
	if list.Status != 200 || len(list.JSON(t)["items"].([]any)) != 1 {
		t.Fatalf("list: %d %s", list.Status, list.Body)
	}
	if r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/admin/dead-letters", Token: s.Reviewer()}); r.Status != 403 {
		t.Errorf("reviewer listing dead letters: %d", r.Status)
	}
	r := s.Do(teststack.Request{Method: "POST", Path: fmt.Sprintf("/api/v1/admin/dead-letters/%d/replay", row.ID), Token: admin})
	if r.Status != 202 {
		t.Fatalf("replay: %d %s", r.Status, r.Body)
	}
	outboxID := r.JSON(t)["outbox_id"].(string)
	testenv.Eventually(t, 10*time.Second, "the replayed message in the stream", func() bool {
		return streamIDs(t, s.JS)[outboxID] == 1
	})
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/admin/dead-letters/999999/replay", Token: admin}); r.Status != 404 {
		t.Errorf("unknown dead letter: %d", r.Status)
	}
}

// Two workers share the systemic-alerts consumer: however the submitted
// events are spread between them, one alert is raised.
func TestSystemicAlertRaisedOnceByTwoWorkers(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	s.StartWorker()
	ctx := context.Background()
	var sys uuid.UUID
	if err := s.Core.DB.Raw(`SELECT id FROM ai_systems WHERE slug = 'benefits-fraud-detector'`).Row().Scan(&sys); err != nil {
		t.Fatal(err)
	}
	threshold, hours := 3, 24
	if _, err := s.Core.Systemic.SetAlerting(ctx, sys, systemic.AlertingInput{Threshold: &threshold, WindowHours: &hours}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := teststack.ValidCase()
			delete(body, "ai_system_other")
			body["ai_system_id"] = sys.String()
			body["description"] = fmt.Sprintf("Complaint %d: my benefit was suspended as a fraud risk.", i)
			s.File(body)
		}()
	}
	wg.Wait()
	testenv.Eventually(t, 30*time.Second, "every case's alert check", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM processed_events WHERE consumer = ?`, events.ConsumerSystemic).Scan(&n)
		return n == 12
	})
	var alerts, alertEvents int
	s.Core.DB.Raw(`SELECT count(*) FROM systemic_alerts`).Scan(&alerts)
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = ?`, events.SystemicAlert).Scan(&alertEvents)
	if alerts != 1 || alertEvents != 1 {
		t.Errorf("%d alerts and %d alert events, want 1 and 1", alerts, alertEvents)
	}
}

// An appeal event about a case that does not exist is poison (dead-lettered,
// as routing does), and "waits" is logged only for an appealed case that
// nobody may take now — not for a case assigned already or not appealed.
func TestAssignAppealPoisonAndWaiting(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	ctx := context.Background()

	ghost := uuid.New()
	if err := db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
		_, err := outbox.Add(tx, events.CaseAppealed, ghost, events.Appealed{})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the appeal of no case dead-lettered", func() bool {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM dead_letters WHERE consumer = ? AND reason LIKE ?`, events.ConsumerAppeals,
			"%"+ghost.String()+"%").Scan(&n)
		return n == 1
	})

	// The handler on its own, with its log in a buffer.
	var logs testenv.LogBuffer
	r := s.Core.Worker(s.JS, "")
	r.Log = slog.New(slog.NewTextHandler(&logs, nil))
	var handle worker.Handler
	for _, c := range r.Consumers() {
		if c.Name == events.ConsumerAppeals {
			handle = c.Handle
		}
	}
	appeal := func(id string) error {
		t.Helper()
		// In a transaction of its own, as the consumer runs it.
		return db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
			return handle(tx, &events.Envelope{ID: uuid.New(), Type: events.CaseAppealed, OccurredAt: time.Now(),
				CaseID: uuid.MustParse(id), Data: json.RawMessage(`{}`)})
		})
	}
	waits := func() int { return strings.Count(logs.String(), "appeal waits") }
	// Nobody is available: nothing can be assigned.
	s.Core.DB.Exec(`UPDATE users SET availability = 'away'`)
	notAppealed := s.File(teststack.ValidCase())
	if err := appeal(notAppealed.ID); err != nil || waits() != 0 {
		t.Errorf("a case not appealed: %v, %d waits logged", err, waits())
	}
	appealed := s.File(teststack.ValidCase())
	for _, st := range []string{"in_review", "decided", "appealed"} {
		if err := s.Core.DB.Exec(`UPDATE cases SET status = ?, acknowledged_at = COALESCE(acknowledged_at, now()) WHERE id = ?`,
			st, appealed.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := appeal(appealed.ID); err != nil || waits() != 1 {
		t.Errorf("an appealed case nobody may take: %v, %d waits logged, want 1", err, waits())
	}
	s.Core.DB.Exec(`UPDATE cases SET assignee_id = (SELECT id FROM users WHERE email = 'reviewer@example.org') WHERE id = ?`, appealed.ID)
	if err := appeal(appealed.ID); err != nil || waits() != 1 {
		t.Errorf("an appealed case assigned already: %v, %d waits logged, want still 1", err, waits())
	}
}

// The relay claims what a transaction committed at once, not at its next
// poll: woken by a commit in its own process, and by another process's
// announcement of one (the poll here is an hour: only the signal can do it).
func TestRelayWakesOnCommit(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	if _, err := events.EnsureStream(ctx, s.JS, 1); err != nil {
		t.Fatal(err)
	}
	run := func(gdb *gorm.DB) (stop func()) {
		rctx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		r := &worker.Relay{DB: gdb, JS: s.JS, Log: s.Core.Log, Poll: time.Hour}
		go func() { _ = r.Run(rctx); close(done) }()
		return func() { cancel(); <-done }
	}
	published := func(what string) {
		t.Helper()
		testenv.Eventually(t, 30*time.Second, what, func() bool { return pending(t, s) == 0 })
	}

	// In this process: the API's commit wakes the relay on the same database.
	stop := run(s.Core.DB)
	published("the relay idle before the filing")
	s.File(teststack.ValidCase())
	published("the case's event relayed after its commit, in the same process")
	stop()

	// Another process (its own pool and signal): woken by the announcement.
	other, err := db.Open(ctx, s.DBURL, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(other) })
	stop = run(other)
	defer stop()
	s.File(teststack.ValidCase())
	published("the case's event relayed after another process announced its commit")
	if ids := streamIDs(t, s.JS); len(ids) != 2 {
		t.Errorf("the stream holds %d events, want the 2 cases'", len(ids))
	}

	// A transaction rolled back wakes nobody; one committed does, once.
	sig := outbox.SignalOf(s.Core.DB)
	woken, unsubscribe := sig.Subscribe()
	defer unsubscribe()
	_ = db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
		if _, err := outbox.Add(tx, events.OpsCaseUnrouted, uuid.Nil, events.CaseUnrouted{Reference: "RD-TEST"}); err != nil {
			t.Fatal(err)
		}
		return errors.New("roll back")
	})
	select {
	case <-woken:
		t.Error("a rolled-back transaction signalled the relays")
	default:
	}
}

// A consumer with nothing to do for an event costs no transaction: with no
// webhook endpoint, the webhooks consumer acknowledges every event without
// writing processed_events; once an endpoint takes the events, it owes them.
func TestWebhooksConsumerWithoutEndpointsCostsNoTransaction(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	ctx := context.Background()
	count := counter(t, s)
	fileRouted(t, s, count)
	stream, err := s.JS.Stream(ctx, events.Stream)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, "the webhooks consumer done with the first case's events", func() bool {
		c, err := stream.Consumer(ctx, notify.ConsumerWebhooks)
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.Delivered.Consumer >= 2
	})
	if n := count(`SELECT count(*) FROM processed_events WHERE consumer = ?`, notify.ConsumerWebhooks); n != 0 {
		t.Errorf("with no endpoint, the webhooks consumer recorded %d events as processed, want none", n)
	}
	if n := count(`SELECT count(*) FROM processed_events WHERE consumer = ?`, events.ConsumerRouter); n == 0 {
		t.Error("the router recorded no event (the check above would pass for a worker doing nothing)")
	}

	if _, err := s.Core.Notify.CreateEndpoint(ctx, "https://hooks.example.org/redress", "", nil); err != nil {
		t.Fatal(err)
	}
	second := s.File(teststack.ValidCase())
	testenv.Eventually(t, 30*time.Second, "the second case's submission owed to the endpoint", func() bool {
		return count(`SELECT count(*) FROM webhook_deliveries d JOIN processed_events p ON p.event_id = d.event_id
			AND p.consumer = ? WHERE d.subject = ? AND convert_from(d.payload, 'UTF8')::jsonb->>'case_id' = ?`,
			notify.ConsumerWebhooks, events.CaseSubmitted, second.ID) == 1
	})
}

// The staff notifier costs no transaction for a routing or a claim (issue
// 18: cases are routed hundreds a second, and claims come a hundred at
// once). The routing owes the queue's members their new-case email in its
// own transaction, and its case.routed says so; a claim (the reviewer took
// the case themselves) owes nobody. The notifier acknowledges both without
// a transaction or a processed_events row. A supervisor's reassignment is
// still owed to the new assignee, and a case.routed whose routing did not
// owe its emails (one published before it did) is still owed by the
// notifier.
func TestStaffNotifierCostsNoTransactionForARoutingOrAClaim(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	ctx := context.Background()
	count := counter(t, s)
	eventOf := func(subject, caseID string) string {
		t.Helper()
		var id string
		s.Core.DB.Raw(`SELECT id::text FROM outbox WHERE subject = ? AND payload->>'case_id' = ? ORDER BY seq DESC LIMIT 1`,
			subject, caseID).Scan(&id)
		if id == "" {
			t.Fatalf("no %s event of case %s", subject, caseID)
		}
		return id
	}
	var reviewer string
	s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = 'reviewer@example.org'`).Scan(&reviewer)
	newCaseMail := `SELECT count(*) FROM notifications_sent WHERE event_id = ? AND template = ? AND recipient_ref = ?`
	f := fileRouted(t, s, count)
	stream, err := s.JS.Stream(ctx, events.Stream)
	if err != nil {
		t.Fatal(err)
	}
	// The staff notifier idle after n events: a claim made while its
	// transaction holds the case's row would skip the case (SKIP LOCKED).
	idle := func(what string, n uint64) {
		t.Helper()
		testenv.Eventually(t, 30*time.Second, "the staff notifier done with "+what, func() bool {
			c, err := stream.Consumer(ctx, notify.ConsumerStaff)
			if err != nil {
				return false
			}
			info, err := c.Info(ctx)
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.Delivered.Consumer >= n
		})
	}
	idle("the routing", 1)
	routed := eventOf(events.CaseRouted, f.ID)
	// reviewer@ is a member of general, where the default rule routes: the
	// routing's transaction (the one that wrote its record entry) owed them
	// their email. The email's row was made at that transaction's now(), the
	// time of its processed_events rows. (Not its xmin: the mailer, which
	// claims and finishes the row, may have updated it already.)
	if n := count(newCaseMail+` AND created_at = (SELECT p.processed_at FROM processed_events p, audit_entries a
			WHERE a.case_id = ? AND a.action = 'case.routed' AND p.xmin = a.xmin LIMIT 1)`,
		routed, notify.TemplateStaffNewCase, reviewer, f.ID); n != 1 {
		t.Errorf("%d new-case emails owed by the routing's own transaction, want 1", n)
	}
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: s.Reviewer()}); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	claimed := eventOf(events.CaseAssigned, f.ID)
	idle("the claim", 2)
	processed := `SELECT count(*) FROM processed_events WHERE consumer = ? AND event_id = ?`
	for what, id := range map[string]string{"routing": routed, "claim": claimed} {
		if n := count(processed, notify.ConsumerStaff, id); n != 0 {
			t.Errorf("the staff notifier recorded the %s as processed: it took a transaction for nothing", what)
		}
	}

	// A case.routed whose routing owed no email: the notifier owes it.
	var d events.Routed
	var payload string
	s.Core.DB.Raw(`SELECT (payload->'data')::text FROM outbox WHERE id = ?`, routed).Scan(&payload)
	if err := json.Unmarshal([]byte(payload), &d); err != nil || !d.StaffMailOwed {
		t.Fatalf("the routing's event does not say it owed its emails: %s (%v)", payload, err)
	}
	d.StaffMailOwed = false
	old, err := outbox.Add(s.Core.DB, events.CaseRouted, uuid.MustParse(f.ID), d)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, "the older routing's email owed by the notifier", func() bool {
		return count(newCaseMail, old, notify.TemplateStaffNewCase, reviewer) == 1 &&
			count(processed, notify.ConsumerStaff, old) == 1
	})

	var supervisor string
	s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = 'supervisor@example.org'`).Scan(&supervisor)
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/assign", Token: s.Login("supervisor@example.org"),
		Body: map[string]any{"user_id": supervisor}}); r.Status != 200 {
		t.Fatalf("reassign: %d %s", r.Status, r.Body)
	}
	reassigned := eventOf(events.CaseAssigned, f.ID)
	testenv.Eventually(t, 30*time.Second, "the reassignment owed to the new assignee", func() bool {
		return count(newCaseMail, reassigned, notify.TemplateStaffAssigned, supervisor) == 1
	})
}

// counter runs a count on s's database.
func counter(t *testing.T, s *teststack.Stack) func(q string, args ...any) int {
	return func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := s.Core.DB.Raw(q, args...).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
}

// fileRouted files a case and waits until the worker has routed it.
func fileRouted(t *testing.T, s *teststack.Stack, count func(q string, args ...any) int) teststack.Filed {
	t.Helper()
	f := s.File(teststack.ValidCase())
	testenv.Eventually(t, 30*time.Second, "the case routed", func() bool {
		return count(`SELECT count(*) FROM cases WHERE id = ? AND routed_at IS NOT NULL`, f.ID) == 1
	})
	return f
}

// The submitted consumer receives and routes a case with one update of its
// row and one insert into its record (issue 18: the worker wrote the row
// three times, to receive it, to route it and to set its next due date,
// and its record twice): the router stage covers the intake stage
// (worker.Stage.Covers), and the routing's update sets the next due date
// from the clocks it has just written (clocks.RecomputeRouting). One
// statement locks the case and one reads it, for its routing, its clocks
// and its record. The record still shows the receipt, once, before the
// routing.
func TestASubmittedCaseIsReceivedAndRoutedByOneUpdateOfItsRow(t *testing.T) {
	t.Parallel()
	s, rec := recordedWorker(t)

	count := counter(t, s)
	f := fileRouted(t, s, count)
	testenv.Eventually(t, 30*time.Second, "the submitted consumer done", func() bool {
		return count(`SELECT count(*) FROM processed_events WHERE consumer = ?`, events.ConsumerSystemic) == 1
	})
	updates := append(rec.matching(`UPDATE "cases"`, f.ID), rec.matching(`UPDATE cases`, f.ID)...)
	if len(updates) != 1 || !strings.Contains(updates[0], `"received_at"=coalesce(received_at, now())`) ||
		!strings.Contains(updates[0], `"routed_at"=now()`) || !strings.Contains(updates[0], `"next_due_at"=(SELECT min(k.due_at)`) {
		t.Errorf("the case's row updated by %d statements, want one that receives and routes it and sets its next due date:\n%s",
			len(updates), strings.Join(updates, "\n"))
	}
	var locks []string // the auto-assignment's SKIP LOCKED read takes no case for granted
	for _, q := range rec.matching(`FOR UPDATE`, f.ID) {
		if !strings.Contains(q, "SKIP LOCKED") {
			locks = append(locks, q)
		}
	}
	if reads := rec.matching(`case_pauses`, f.ID); len(locks) != 1 || len(reads) != 1 ||
		!strings.Contains(reads[0], "case_classifications") || !strings.Contains(reads[0], "audit_entries") {
		t.Errorf("the case locked by %d statements and read by %d, want one lock, then one read of its facts for its routing, its clocks and its record:\n%s\n%s",
			len(locks), len(reads), strings.Join(locks, "\n"), strings.Join(reads, "\n"))
	}
	if inserts := rec.matching(`INSERT INTO "audit_entries"`, f.ID); len(inserts) != 1 {
		t.Errorf("%d inserts into the case's record, want one:\n%s", len(inserts), strings.Join(inserts, "\n"))
	}
	var record []string
	s.Core.DB.Raw(`SELECT action FROM audit_entries WHERE case_id = ? ORDER BY seq`, f.ID).Scan(&record)
	if strings.Join(record, " ") != "case.submitted case.received case.routed" {
		t.Errorf("the case's record: %v", record)
	}
	if n := count(`SELECT count(*) FROM cases WHERE id = ? AND received_at IS NOT NULL`, f.ID); n != 1 {
		t.Error("the case is not marked received")
	}
	if n := count(`SELECT count(*) FROM processed_events WHERE consumer IN ? AND event_id =
		(SELECT id FROM outbox WHERE subject = ? AND payload->>'case_id' = ?)`,
		[]string{events.ConsumerIntake, events.ConsumerRouter}, events.CaseSubmitted, f.ID); n != 2 {
		t.Errorf("the event processed by %d of the intake and router stages, want both", n)
	}

	// Another case.submitted of the case (the reconciler's, say): both
	// stages handle it, and neither receives nor routes the case again.
	var data events.Submitted
	var payload string
	s.Core.DB.Raw(`SELECT (payload->'data')::text FROM outbox WHERE subject = ? AND payload->>'case_id' = ?`,
		events.CaseSubmitted, f.ID).Scan(&payload)
	if err := json.Unmarshal([]byte(payload), &data); err != nil {
		t.Fatal(err)
	}
	again, err := outbox.Add(s.Core.DB, events.CaseSubmitted, uuid.MustParse(f.ID), data)
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, "the second event handled", func() bool {
		return count(`SELECT count(*) FROM processed_events WHERE event_id = ?`, again) == 3
	})
	s.Core.DB.Raw(`SELECT action FROM audit_entries WHERE case_id = ? ORDER BY seq`, f.ID).Scan(&record)
	if strings.Join(record, " ") != "case.submitted case.received case.routed" {
		t.Errorf("the case's record after a second event: %v", record)
	}
}

// recordedWorker is a stack whose worker runs until the test ends, its SQL
// recorded.
func recordedWorker(t *testing.T) (*teststack.Stack, *statements) {
	s := teststack.New(t, teststack.Options{})
	rec := &statements{}
	r := s.Core.Worker(s.JS, "")
	r.DB = r.DB.Session(&gorm.Session{Logger: rec})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return s, rec
}

// statements records the SQL run through a GORM session (a logger).
type statements struct {
	mu  sync.Mutex
	sql []string
}

func (s *statements) LogMode(logger.LogLevel) logger.Interface { return s }
func (s *statements) Info(context.Context, string, ...any)     {}
func (s *statements) Warn(context.Context, string, ...any)     {}
func (s *statements) Error(context.Context, string, ...any)    {}
func (s *statements) Trace(_ context.Context, _ time.Time, fc func() (string, int64), _ error) {
	q, _ := fc()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sql = append(s.sql, q)
}

// matching are the statements that contain what and name id.
func (s *statements) matching(what, id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for _, q := range s.sql {
		if strings.Contains(q, what) && strings.Contains(q, id) {
			out = append(out, q)
		}
	}
	return out
}

// A consumer with nothing to do for an event about a case the worker has
// found before acknowledges it without asking whether the case exists
// (knownCases): of a routed case's events, the webhooks consumer's two and
// notify-staff's case.routed asked, one round trip each (issue 18). The
// first check may still ask, when it runs before the submitted consumer
// has found the case.
func TestKnownCasesAreNotLookedForAgain(t *testing.T) {
	t.Parallel()
	s, rec := recordedWorker(t)

	count := counter(t, s)
	f := fileRouted(t, s, count)
	ctx := context.Background()
	stream, err := s.JS.Stream(ctx, events.Stream)
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{notify.ConsumerStaff, notify.ConsumerWebhooks} {
		cons, err := stream.Consumer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 30*time.Second, name+" done with the case's events", func() bool {
			info, err := cons.Info(ctx)
			return err == nil && info.NumPending == 0 && info.NumAckPending == 0 && info.AckFloor.Stream >= 2
		})
	}
	if asked := rec.matching(`SELECT EXISTS (SELECT 1 FROM cases WHERE id =`, f.ID); len(asked) > 1 {
		t.Errorf("whether the case exists asked %d times, want once at most", len(asked))
	}
	// A case never seen is still looked for: an event about a case that
	// does not exist is dead-lettered by every consumer
	// (TestEventsForUnknownCasesAreDeadLetteredByEveryConsumer).
}
