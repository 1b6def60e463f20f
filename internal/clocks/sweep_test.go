package clocks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// sweepFixture is a migrated database with the clock service as the worker
// builds it (escalation requests recorded by internal/escalation).
type sweepFixture struct {
	t    *testing.T
	gdb  *gorm.DB
	clk  *clocks.Service
	next int // the number of the next case's reference
}

func newSweepFixture(t *testing.T) *sweepFixture {
	gdb, _ := testenv.DB(t)
	return &sweepFixture{t: t, gdb: gdb, clk: clocks.New(gdb, nil, escalation.RequestOnBreach), next: 1}
}

// file inserts n routed P3 cases (contest_decision, general queue) submitted
// at submitted, and has the clock service set their clocks, as routing does.
func (f *sweepFixture) file(n int, submitted time.Time) []uuid.UUID {
	f.t.Helper()
	var ids []uuid.UUID
	if err := f.gdb.Raw(`INSERT INTO cases (id, reference, receipt_hash, kind, informed_of_ai, description_enc, language,
			anonymous, ai_system_other, queue_id, priority, routed_at, submitted_at, status_changed_at)
		SELECT gen_random_uuid(), 'RD-900-' || lpad((i / 1000)::text, 3, '0') || '-' || lpad((i % 1000)::text, 3, '0'),
		       decode(md5(i::text) || md5(i::text), 'hex'), 'contest_decision', 'no', '\x00', 'en', true, 'a system',
		       (SELECT id FROM queues WHERE slug = 'general'), 'P3', ?::timestamptz, ?::timestamptz, ?::timestamptz
		  FROM generate_series(?::int, ?::int) i ORDER BY i
		RETURNING id`, submitted, submitted, submitted, f.next, f.next+n-1).Scan(&ids).Error; err != nil {
		f.t.Fatal(err)
	}
	f.next += n
	for _, id := range ids {
		if _, err := f.clk.Recompute(context.Background(), id); err != nil {
			f.t.Fatal(err)
		}
	}
	return ids
}

// drain sweeps, limit timers a call, until a sweep fires nothing.
func (f *sweepFixture) drain(ctx context.Context, limit int) clocks.Fired {
	f.t.Helper()
	var total clocks.Fired
	for {
		got, err := f.clk.Sweep(ctx, limit)
		if err != nil {
			f.t.Fatal(err)
		}
		if got == (clocks.Fired{}) {
			return total
		}
		total.Warnings += got.Warnings
		total.Breaches += got.Breaches
	}
}

// record is a case's record as the comparison sees it: each entry's action,
// visibility and data, without what differs from case to case by nature
// (the escalation request's id); it fails the test unless the chain
// verifies.
func (f *sweepFixture) record(id uuid.UUID) []string {
	f.t.Helper()
	es, err := audit.Entries(f.gdb, id)
	if err != nil {
		f.t.Fatal(err)
	}
	if v := audit.Verify(id, es); !v.Verified {
		f.t.Fatalf("case %s: record does not verify: %+v", id, v)
	}
	out := make([]string, 0, len(es))
	for _, e := range es {
		out = append(out, fmt.Sprintf("%s public=%v %s", e.Action, e.Public, normalised(f.t, e.Data)))
	}
	return out
}

// events are the subjects and data of the outbox rows about a case, in the
// order the relay publishes them.
func (f *sweepFixture) events(id uuid.UUID) []string {
	f.t.Helper()
	var rows []struct{ Subject, Data string }
	if err := f.gdb.Raw(`SELECT subject, (payload->'data')::text AS data FROM outbox
		WHERE payload->>'case_id' = ? ORDER BY seq`, id.String()).Scan(&rows).Error; err != nil {
		f.t.Fatal(err)
	}
	out := make([]string, 0, len(rows))
	for _, r := range rows {
		out = append(out, r.Subject+" "+normalised(f.t, []byte(r.Data)))
	}
	return out
}

// clockState is a case's clocks and next_due_at as text.
func (f *sweepFixture) clockState(id uuid.UUID) string {
	f.t.Helper()
	var rows []string
	if err := f.gdb.Raw(`SELECT concat_ws(' ', clock, started_at, due_at, rule::text, policy_id, candidates::text, paused,
			warn_at::text, warned, breached_at IS NOT NULL, next_fire_at, satisfied_at IS NOT NULL)
		FROM case_clocks WHERE case_id = ? ORDER BY clock`, id).Scan(&rows).Error; err != nil {
		f.t.Fatal(err)
	}
	var next string
	f.gdb.Raw(`SELECT concat_ws(' ', priority, next_due_at, (SELECT slug FROM queues WHERE id = queue_id)) FROM cases WHERE id = ?`, id).Scan(&next)
	return strings.Join(rows, "\n") + "\ncase: " + next
}

func normalised(t *testing.T, raw []byte) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("data %s: %v", raw, err)
	}
	delete(m, "escalation_request_id")
	out, _ := json.Marshal(m)
	return string(out)
}

func counts(t *testing.T, gdb *gorm.DB, q string, args ...any) map[string]int {
	t.Helper()
	var rows []struct {
		K string
		N int
	}
	if err := gdb.Raw(q, args...).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[string]int{}
	for _, r := range rows {
		out[r.K] = r.N
	}
	return out
}

// A sweep of hundreds of due cases, many to a transaction, writes for each
// case exactly what a sweep of that case alone writes — the same entries in
// the same order, chains that verify, the same events, the same clocks —
// and fires each timer once.
func TestSweepInBatchesWritesWhatASweepOfOneCaseWrites(t *testing.T) {
	t.Parallel()
	f := newSweepFixture(t)
	ctx := context.Background()
	now := time.Now().Truncate(time.Microsecond)
	// Eight days in, the seven days to acknowledge are missed; six days in,
	// three quarters of them are used.
	late, warned := now.Add(-8*24*time.Hour), now.Add(-6*24*time.Hour)

	// The reference: one case of each, swept one case a transaction.
	clocks.SetSweepChunk(f.clk, 1)
	refLate, refWarned := f.file(1, late)[0], f.file(1, warned)[0]
	if got := f.drain(ctx, 100); got != (clocks.Fired{Warnings: 1, Breaches: 1}) {
		t.Fatalf("reference sweep fired %+v", got)
	}
	wantRecord := map[uuid.UUID][]string{refLate: f.record(refLate), refWarned: f.record(refWarned)}
	wantEvents := map[uuid.UUID][]string{refLate: f.events(refLate), refWarned: f.events(refWarned)}
	wantClocks := map[uuid.UUID]string{refLate: f.clockState(refLate), refWarned: f.clockState(refWarned)}
	// What a sweep of one case writes (TestSweepWarnsThenBreachesAndActs):
	// the breach, then the policy's actions in this order.
	for _, want := range []struct {
		got    []string
		prefix []string
	}{
		{wantRecord[refLate], []string{"sla.breached public=true", "priority.raised public=false",
			"case.moved public=false", "escalation.requested public=false"}},
		{wantEvents[refLate], []string{"redress.sla.breached", "redress.case.triaged", "redress.escalation.requested"}},
		{wantRecord[refWarned], []string{"sla.warning public=false"}},
		{wantEvents[refWarned], []string{"redress.sla.warning"}},
	} {
		ok := len(want.got) == len(want.prefix)
		for i := 0; ok && i < len(want.got); i++ {
			ok = strings.HasPrefix(want.got[i], want.prefix[i]+" ")
		}
		if !ok {
			t.Fatalf("a sweep of one case wrote:\n%s\nwant:\n%s", strings.Join(want.got, "\n"), strings.Join(want.prefix, "\n"))
		}
	}
	// Its clocks are those the clock service computes for the raised case.
	if _, err := f.clk.Recompute(ctx, refLate); err != nil {
		t.Fatal(err)
	}
	if got := f.clockState(refLate); got != wantClocks[refLate] {
		t.Fatalf("recomputed alone, the clocks are:\n%s\nthe sweep left:\n%s", got, wantClocks[refLate])
	}

	// 240 late and 120 warned cases, interleaved, swept 100 timers a call,
	// 32 cases a transaction.
	var lates, warns []uuid.UUID
	for range 6 {
		lates = append(lates, f.file(40, late)...)
		warns = append(warns, f.file(20, warned)...)
	}
	clocks.SetSweepChunk(f.clk, 32)
	if got := f.drain(ctx, 100); got != (clocks.Fired{Warnings: len(warns), Breaches: len(lates)}) {
		t.Fatalf("fired %+v, want %d breaches and %d warnings", got, len(lates), len(warns))
	}
	for ref, ids := range map[uuid.UUID][]uuid.UUID{refLate: lates, refWarned: warns} {
		for _, id := range ids {
			if got := f.record(id); !slices.Equal(got, wantRecord[ref]) {
				t.Fatalf("case %s's record:\n%s\nwant, as a sweep of one case writes it:\n%s", id,
					strings.Join(got, "\n"), strings.Join(wantRecord[ref], "\n"))
			}
			if got := f.events(id); !slices.Equal(got, wantEvents[ref]) {
				t.Fatalf("case %s's events:\n%s\nwant:\n%s", id, strings.Join(got, "\n"), strings.Join(wantEvents[ref], "\n"))
			}
			if got := f.clockState(id); got != wantClocks[ref] {
				t.Fatalf("case %s's clocks:\n%s\nwant:\n%s", id, got, wantClocks[ref])
			}
		}
	}
	// The clocks the batch recomputed are those the clock service computes
	// for the raised case on its own.
	if _, err := f.clk.Recompute(ctx, lates[len(lates)-1]); err != nil {
		t.Fatal(err)
	}
	if got := f.clockState(lates[len(lates)-1]); got != wantClocks[refLate] {
		t.Errorf("recomputed alone, the clocks are:\n%s\nthe sweep left:\n%s", got, wantClocks[refLate])
	}
	var requests int
	f.gdb.Raw(`SELECT count(*) FROM escalation_requests WHERE source = 'sla_breach'`).Scan(&requests)
	if requests != len(lates)+1 {
		t.Errorf("%d escalation requests, want %d", requests, len(lates)+1)
	}
}

// Two sweepers at once, many cases a transaction each, fire every timer
// once.
func TestTwoBatchSweepersNeverFireATimerTwice(t *testing.T) {
	t.Parallel()
	f := newSweepFixture(t)
	ctx := context.Background()
	const n = 300
	ids := f.file(n, time.Now().Add(-8*24*time.Hour))
	clocks.SetSweepChunk(f.clk, 25)
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total clocks.Fired
	for range 2 {
		wg.Go(func() {
			for range 20 {
				got, err := f.clk.Sweep(ctx, 60)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total.Warnings += got.Warnings
				total.Breaches += got.Breaches
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	left := f.drain(ctx, 500) // whatever one skipped while the other held it
	total.Breaches += left.Breaches
	total.Warnings += left.Warnings
	if total != (clocks.Fired{Breaches: n}) {
		t.Errorf("fired %+v, want %d breaches", total, n)
	}
	byAction := counts(t, f.gdb, `SELECT action AS k, count(*) AS n FROM audit_entries GROUP BY action`)
	bySubject := counts(t, f.gdb, `SELECT subject AS k, count(*) AS n FROM outbox GROUP BY subject`)
	for _, a := range []string{"sla.breached", "priority.raised", "case.moved", "escalation.requested"} {
		if byAction[a] != n {
			t.Errorf("%d %s entries, want %d", byAction[a], a, n)
		}
	}
	for _, s := range []string{"redress.sla.breached", "redress.case.triaged", "redress.escalation.requested"} {
		if bySubject[s] != n {
			t.Errorf("%d %s events, want %d", bySubject[s], s, n)
		}
	}
	for _, id := range ids {
		f.record(id) // verifies
	}
}

// A case another transaction holds is skipped, the others are fired, and
// the next sweep fires it.
func TestSweepSkipsACaseHeldElsewhere(t *testing.T) {
	t.Parallel()
	f := newSweepFixture(t)
	ids := f.file(5, time.Now().Add(-8*24*time.Hour))
	held := ids[2]
	tx := f.gdb.Begin()
	if err := tx.Exec(`SELECT 1 FROM cases WHERE id = ? FOR UPDATE`, held).Error; err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	// A sweep that waited for the held case would never end.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	got, err := f.clk.Sweep(ctx, 100)
	if err != nil || got != (clocks.Fired{Breaches: 4}) {
		t.Fatalf("with one case held: %+v %v, want 4 breaches", got, err)
	}
	breaches := func(id uuid.UUID) int {
		var n int
		f.gdb.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'sla.breached'`, id).Scan(&n)
		return n
	}
	for _, id := range ids {
		if want := map[bool]int{true: 0, false: 1}[id == held]; breaches(id) != want {
			t.Errorf("case %s (held %v): %d breaches recorded", id, id == held, breaches(id))
		}
	}
	if err := tx.Rollback().Error; err != nil {
		t.Fatal(err)
	}
	if got, err := f.clk.Sweep(ctx, 100); err != nil || got != (clocks.Fired{Breaches: 1}) {
		t.Fatalf("once released: %+v %v, want the held case's breach", got, err)
	}
	if breaches(held) != 1 {
		t.Errorf("the held case has %d breaches recorded", breaches(held))
	}
	if got, _ := f.clk.Sweep(ctx, 100); got != (clocks.Fired{}) {
		t.Errorf("a third sweep fired %+v", got)
	}
}

// A statutory breach of a case whose escalation request is already open
// asks for none again: the batch's request statement answers no id for it,
// and only the other cases get an escalation.requested entry and event.
func TestBatchSweepAsksForAnOpenEscalationOnce(t *testing.T) {
	t.Parallel()
	f := newSweepFixture(t)
	ctx := context.Background()
	ids := f.file(4, time.Now().Add(-8*24*time.Hour))
	asked := ids[1]
	var first []uuid.UUID
	err := db.Transact(ctx, f.gdb, func(tx *gorm.DB) error {
		var err error
		first, err = escalation.RequestOnBreach(tx, []clocks.BreachRequest{{CaseID: asked, Clock: "acknowledge",
			Rule: `{"code":"eu_whistleblowing_ack"}`, Reason: "asked before"}})
		return err
	})
	if err != nil || len(first) != 1 || first[0] == uuid.Nil {
		t.Fatalf("first request: %v %v", first, err)
	}
	if got := f.drain(ctx, 100); got != (clocks.Fired{Breaches: len(ids)}) {
		t.Fatalf("fired %+v", got)
	}
	for _, id := range ids {
		want := 1
		if id == asked {
			want = 0
		}
		var entries, events, requests int
		f.gdb.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'escalation.requested'`, id).Scan(&entries)
		f.gdb.Raw(`SELECT count(*) FROM outbox WHERE subject = 'redress.escalation.requested' AND payload->>'case_id' = ?`,
			id.String()).Scan(&events)
		f.gdb.Raw(`SELECT count(*) FROM escalation_requests WHERE case_id = ?`, id).Scan(&requests)
		if entries != want || events != want || requests != 1 {
			t.Errorf("case %s (asked before: %v): %d entries, %d events, %d requests", id, id == asked, entries, events, requests)
		}
		f.record(id) // verifies
	}
}
