package worker_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
	"github.com/redresshq/redress/worker"
)

// A case whose case.submitted never reaches the router is found by the
// reconciler once it is older than the bound, published again (under the
// original event's id when the outbox still has it), routed exactly once —
// a late original changes nothing — and announced by an alert event and the
// redress_reconciled_total metric.
func TestReconcilerRoutesCasesWhoseEventWasLostOnce(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	db := s.Core.DB

	// Lost: its outbox row is gone before it was published.
	lost := s.File(teststack.ValidCase())
	if err := db.Exec(`DELETE FROM outbox WHERE payload ->> 'case_id' = ?`, lost.ID).Error; err != nil {
		t.Fatal(err)
	}
	// Lost in NATS: marked published, never in the stream.
	late := s.File(teststack.ValidCase())
	var original struct {
		ID      uuid.UUID
		Payload string
	}
	db.Raw(`SELECT id, payload::text AS payload FROM outbox WHERE payload ->> 'case_id' = ? AND subject = ?`,
		late.ID, events.CaseSubmitted).Scan(&original)
	if err := db.Exec(`UPDATE outbox SET published_at = now() WHERE id = ?`, original.ID).Error; err != nil {
		t.Fatal(err)
	}
	// Still waiting in the outbox: the relay has it, nothing to reconcile.
	waiting := s.File(teststack.ValidCase())

	reconciled := 0
	r := &worker.Reconciler{DB: db, After: 2 * time.Minute, Reconciled: func(n int) { reconciled += n }}
	if n, err := r.Once(ctx, time.Now()); err != nil || n != 0 {
		t.Fatalf("cases younger than the bound: %d reconciled, %v", n, err)
	}
	later := time.Now().Add(3 * time.Minute)
	if n, err := r.Once(ctx, later); err != nil || n != 2 {
		t.Fatalf("past the bound: %d reconciled, want 2 (%v)", n, err)
	}
	if n, err := r.Once(ctx, later.Add(time.Second)); err != nil || n != 0 || reconciled != 2 {
		t.Fatalf("a second pass: %d more reconciled (%v); %d told to the metric, want 2", n, err, reconciled)
	}

	// Back in the outbox: the late case's event under its original id, the
	// lost one's rebuilt from the case; an alert for each.
	var rows []struct {
		Subject, Payload string
	}
	db.Raw(`SELECT subject, payload::text AS payload FROM outbox WHERE published_at IS NULL ORDER BY seq`).Scan(&rows)
	submitted, alerts := map[string]events.Envelope{}, map[string]events.CaseUnrouted{}
	for _, row := range rows {
		var env events.Envelope
		if err := json.Unmarshal([]byte(row.Payload), &env); err != nil {
			t.Fatal(err)
		}
		switch row.Subject {
		case events.CaseSubmitted:
			submitted[env.CaseID.String()] = env
		case events.OpsCaseUnrouted:
			var d events.CaseUnrouted
			if err := json.Unmarshal(env.Data, &d); err != nil {
				t.Fatal(err)
			}
			alerts[env.CaseID.String()] = d
		}
	}
	if len(submitted) != 3 || len(alerts) != 2 {
		t.Fatalf("pending: %d case.submitted (want the waiting one and the two republished), %d alerts (want 2)",
			len(submitted), len(alerts))
	}
	if env := submitted[late.ID]; env.ID != original.ID {
		t.Errorf("the late case's event went back as %s, not under its original id %s", env.ID, original.ID)
	}
	var data events.Submitted
	if env := submitted[lost.ID]; env.ID == uuid.Nil || json.Unmarshal(env.Data, &data) != nil ||
		data.Reference != lost.Reference || data.Kind != "contest_decision" || len(data.Rights) == 0 {
		t.Errorf("the lost case's rebuilt event: %+v %s", env, env.Data)
	}
	if a := alerts[lost.ID]; a.Reference != lost.Reference || !a.OriginalLost || a.Attempts != 1 || a.EventID != submitted[lost.ID].ID {
		t.Errorf("alert for the lost case: %+v", a)
	}
	if a := alerts[late.ID]; a.Reference != late.Reference || a.OriginalLost || a.EventID != original.ID {
		t.Errorf("alert for the late case: %+v", a)
	}
	if _, ok := alerts[waiting.ID]; ok {
		t.Errorf("the case still waiting in the outbox was reconciled")
	}

	// A worker publishes and routes them; its own reconciler runs often.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	wctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	w := s.Core.Worker(s.JS, addr)
	w.ReconcileEvery = 100 * time.Millisecond
	go func() { done <- w.Run(wctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	count := func(id, action string) int {
		var n int
		db.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = ?`, id, action).Scan(&n)
		return n
	}
	all := []teststack.Filed{lost, late, waiting}
	testenv.Eventually(t, 30*time.Second, "every case routed", func() bool {
		for _, f := range all {
			if count(f.ID, "case.routed") != 1 || count(f.ID, "case.received") != 1 {
				return false
			}
		}
		return true
	})

	// The original turns up late (under another message id): each consumer
	// has handled that event id, so nothing happens twice.
	m := &nats.Msg{Subject: events.CaseSubmitted, Data: []byte(original.Payload), Header: nats.Header{}}
	m.Header.Set(jetstream.MsgIDHeader, uuid.NewString())
	ack, err := s.JS.PublishMsg(ctx, m)
	if err != nil {
		t.Fatal(err)
	}
	stream, _ := s.JS.Stream(ctx, events.Stream)
	for _, name := range []string{events.ConsumerSubmitted} { // its intake and router stages
		cons, err := stream.Consumer(ctx, name)
		if err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, 20*time.Second, name+" to ack the late original", func() bool {
			info, err := cons.Info(ctx)
			return err == nil && info.AckFloor.Stream >= ack.Sequence && info.NumAckPending == 0
		})
	}
	for _, f := range all {
		if r, rc := count(f.ID, "case.routed"), count(f.ID, "case.received"); r != 1 || rc != 1 {
			t.Errorf("%s: routed %d, received %d; want 1 each", f.Reference, r, rc)
		}
	}
	var dead int
	db.Raw(`SELECT count(*) FROM dead_letters`).Scan(&dead)
	if dead != 0 {
		t.Errorf("%d dead letters", dead)
	}

	// The running worker's reconciler: a case lost ten minutes ago is
	// routed, counted in /metrics, and its alert reaches the stream.
	// Its case.submitted never reaches the outbox: a trigger drops it as the
	// filing inserts it. Deleting the row after the filing would race the
	// running worker's relay, which may have claimed it already: a publish
	// whose acknowledgement is late leaves the row pending (to be deleted)
	// with its event in the stream, and the case is routed as usual.
	for _, q := range []string{
		`CREATE FUNCTION test_lose_event() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NULL; END $$`,
		`CREATE TRIGGER test_lose_submitted BEFORE INSERT ON outbox FOR EACH ROW
		 WHEN (NEW.subject = '` + events.CaseSubmitted + `') EXECUTE FUNCTION test_lose_event()`,
	} {
		if err := db.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	again := s.File(teststack.ValidCase())
	if err := db.Exec(`DROP TRIGGER test_lose_submitted ON outbox`).Error; err != nil {
		t.Fatal(err)
	}
	var pending int64
	db.Raw(`SELECT count(*) FROM outbox WHERE payload ->> 'case_id' = ? AND subject = ?`, again.ID, events.CaseSubmitted).Scan(&pending)
	if pending != 0 {
		t.Fatalf("the trigger let %d case.submitted of the lost case into the outbox", pending)
	}
	if err := db.Exec(`UPDATE cases SET submitted_at = submitted_at - interval '10 minutes' WHERE id = ?`, again.ID).Error; err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, "the worker's reconciler to route the case lost ten minutes ago", func() bool {
		return count(again.ID, "case.routed") == 1
	})
	testenv.Eventually(t, 10*time.Second, "redress_reconciled_total 1 in the worker's /metrics", func() bool {
		resp, err := http.Get("http://" + addr + "/metrics")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return strings.Contains(string(b), "\nredress_reconciled_total 1\n")
	})
	testenv.Eventually(t, 10*time.Second, "the alert in the stream", func() bool {
		msg, err := stream.GetLastMsgForSubject(ctx, events.OpsCaseUnrouted)
		if err != nil {
			return false
		}
		var env events.Envelope
		return json.Unmarshal(msg.Data, &env) == nil && env.CaseID.String() == again.ID
	})
}

// Two workers reconcile at once: each lost case is republished once.
func TestTwoReconcilersRepublishEachCaseOnce(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	const n = 12
	for range n {
		f := s.File(teststack.ValidCase())
		if err := s.Core.DB.Exec(`DELETE FROM outbox WHERE payload ->> 'case_id' = ?`, f.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	later := time.Now().Add(3 * time.Minute)
	counts := make(chan int, 2)
	for range 2 {
		go func() {
			r := &worker.Reconciler{DB: s.Core.DB, Batch: n}
			k, err := r.Once(ctx, later)
			if err != nil {
				t.Error(err)
			}
			counts <- k
		}()
	}
	if total := <-counts + <-counts; total != n {
		t.Errorf("the two reconcilers republished %d cases, want %d", total, n)
	}
	var rows []struct {
		Subject string
		Cases   int
		Events  int
	}
	s.Core.DB.Raw(`SELECT subject, count(DISTINCT payload ->> 'case_id') AS cases, count(*) AS events FROM outbox
		GROUP BY subject ORDER BY subject`).Scan(&rows)
	if len(rows) != 2 {
		t.Fatalf("outbox: %+v", rows)
	}
	for _, r := range rows {
		if r.Cases != n || r.Events != n {
			t.Errorf("%s: %d events for %d cases, want %d and %d", r.Subject, r.Events, r.Cases, n, n)
		}
	}
}
