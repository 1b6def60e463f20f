package clocks_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/sla"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

type req = teststack.Request

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

type clockRow struct {
	Clock       sla.ClockName
	DueAt       *time.Time
	StartedAt   time.Time
	SatisfiedAt *time.Time
	SatisfiedBy *string
	Paused      bool
	Rule        string
	Warned      int
	BreachedAt  *time.Time
	NextFireAt  *time.Time
}

func clocksOf(t *testing.T, s *teststack.Stack, id string) map[sla.ClockName]clockRow {
	t.Helper()
	// The case's next_due_at (claim-next's index) is always its earliest running due date.
	var off int
	s.Core.DB.Raw(`SELECT count(*) FROM cases c WHERE c.id = ? AND c.next_due_at IS DISTINCT FROM
		(SELECT min(due_at) FROM case_clocks k WHERE k.case_id = c.id AND k.satisfied_at IS NULL)`, id).Scan(&off)
	if off != 0 {
		t.Errorf("cases.next_due_at disagrees with the clocks")
	}
	var rows []clockRow
	if err := s.Core.DB.Raw(`SELECT clock, due_at, started_at, satisfied_at, satisfied_by, paused, rule, warned, breached_at,
		next_fire_at FROM case_clocks WHERE case_id = ?`, id).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	out := map[sla.ClockName]clockRow{}
	for _, r := range rows {
		out[r.Clock] = r
	}
	return out
}

func ruleCode(t *testing.T, raw string) string {
	t.Helper()
	var r sla.Rule
	if err := json.Unmarshal([]byte(raw), &r); err != nil {
		t.Fatalf("rule %q: %v", raw, err)
	}
	return r.Code
}

func route(t *testing.T, s *teststack.Stack, id string) {
	t.Helper()
	if _, err := s.Core.Routing.Route(context.Background(), uuid.MustParse(id)); err != nil {
		t.Fatal(err)
	}
}

// backdate moves a case's submission into the past and recomputes its clocks,
// as if it had been filed that long ago.
func backdate(t *testing.T, s *teststack.Stack, id string, by time.Duration) {
	t.Helper()
	if err := s.Core.DB.Exec(`UPDATE cases SET submitted_at = submitted_at - ?::interval WHERE id = ?`,
		fmt.Sprintf("%d seconds", int(by.Seconds())), id).Error; err != nil {
		t.Fatal(err)
	}
	if _, err := s.Core.Clocks.Recompute(context.Background(), uuid.MustParse(id)); err != nil {
		t.Fatal(err)
	}
}

func TestClocksFollowTheCase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase()) // contest_decision: GDPR applies

	// Before routing only the law's clocks run.
	c := clocksOf(t, s, f.ID)
	if len(c) != 3 || ruleCode(t, c[sla.Acknowledge].Rule) != "eu_whistleblowing_ack" ||
		ruleCode(t, c[sla.GDPRReply].Rule) != "gdpr_12_3" || ruleCode(t, c[sla.Feedback].Rule) != "eu_whistleblowing_feedback" {
		t.Fatalf("intake clocks: %+v", c)
	}
	for _, k := range c {
		if k.NextFireAt == nil || k.DueAt == nil || !k.NextFireAt.Before(*k.DueAt) {
			t.Errorf("%s: next fire %v, due %v: the first warning comes before the due date", k.Clock, k.NextFireAt, k.DueAt)
		}
	}

	// Routed (default rule, P3): the policy's tiers join.
	route(t, s, f.ID)
	c = clocksOf(t, s, f.ID)
	for _, name := range []sla.ClockName{sla.Acknowledge, sla.FirstResponse, sla.Decision, sla.Feedback, sla.GDPRReply} {
		if _, ok := c[name]; !ok {
			t.Fatalf("after routing, no %s clock: %+v", name, c)
		}
	}
	if got := ruleCode(t, c[sla.Acknowledge].Rule); got != "eu_whistleblowing_ack" {
		t.Errorf("P3 acknowledge ties with the directive and is explained by it, got %s", got)
	}
	if got := ruleCode(t, c[sla.Decision].Rule); got != "policy_decision" {
		t.Errorf("decision rule %s", got)
	}

	rita := s.Reviewer()
	var queue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&queue)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + queue + "/claim", Token: rita}); r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	path := "/api/v1/cases/" + f.ID
	if r := s.Do(req{Method: "POST", Path: path + "/acknowledge", Token: rita}); r.Status != 200 {
		t.Fatalf("acknowledge: %d %s", r.Status, r.Body)
	}
	c = clocksOf(t, s, f.ID)
	if c[sla.Acknowledge].SatisfiedAt == nil || *c[sla.Acknowledge].SatisfiedBy != "acknowledged" {
		t.Errorf("acknowledge clock not ended: %+v", c[sla.Acknowledge])
	}
	// An internal note is not a response; a message to the complainant is.
	s.Do(req{Method: "POST", Path: path + "/messages", Token: rita, Body: map[string]string{"body": "Checking the rota.", "visibility": "internal"}})
	if clocksOf(t, s, f.ID)[sla.FirstResponse].SatisfiedAt != nil {
		t.Fatal("an internal note ended the first-response clock")
	}
	if r := s.Do(req{Method: "POST", Path: path + "/messages", Token: rita,
		Body: map[string]string{"body": "We are looking at your shifts.", "visibility": "complainant"}}); r.Status != 201 {
		t.Fatalf("message: %d %s", r.Status, r.Body)
	}
	if k := clocksOf(t, s, f.ID)[sla.FirstResponse]; k.SatisfiedAt == nil || *k.SatisfiedBy != "responded" {
		t.Fatalf("first response not ended: %+v", k)
	}

	// Waiting on the complainant: the decision tier stands still (no date),
	// the statutory GDPR date does not move.
	before := clocksOf(t, s, f.ID)
	for _, to := range []string{"in_review", "awaiting_complainant"} {
		if r := s.Do(req{Method: "POST", Path: path + "/transitions", Token: rita,
			Body: map[string]string{"to": to, "reason": "We need your rota for October."}}); r.Status != 200 {
			t.Fatalf("to %s: %d %s", to, r.Status, r.Body)
		}
	}
	c = clocksOf(t, s, f.ID)
	if !c[sla.Decision].Paused || c[sla.Decision].DueAt != nil || c[sla.Decision].NextFireAt != nil {
		t.Errorf("decision while waiting: %+v", c[sla.Decision])
	}
	if !c[sla.GDPRReply].DueAt.Equal(*before[sla.GDPRReply].DueAt) || c[sla.GDPRReply].NextFireAt == nil {
		t.Errorf("the GDPR date moved or stopped: %v → %v", before[sla.GDPRReply].DueAt, c[sla.GDPRReply].DueAt)
	}
	time.Sleep(1100 * time.Millisecond)

	// The complainant's answer resumes it, later by the time waited.
	tok := s.ComplainantToken(f)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: tok,
		Body: map[string]string{"body": "Here is my rota."}}); r.Status != 201 {
		t.Fatalf("complainant message: %d %s", r.Status, r.Body)
	}
	var status string
	s.Core.DB.Raw(`SELECT status FROM cases WHERE id = ?`, f.ID).Scan(&status)
	if status != "in_review" {
		t.Fatalf("after the answer the case is %s, want in_review", status)
	}
	c = clocksOf(t, s, f.ID)
	moved := c[sla.Decision].DueAt.Sub(*before[sla.Decision].DueAt)
	if c[sla.Decision].Paused || moved < time.Second || moved > time.Minute {
		t.Errorf("decision after resuming: paused %v, moved by %v", c[sla.Decision].Paused, moved)
	}

	// The decision ends what it answers and starts the remedy clock
	// (confirmed: an overturned one would owe restitution before closing).
	s.RecordAIDecision(rita, f.ID)
	if r := s.Do(req{Method: "POST", Path: path + "/decision", Token: rita,
		Body: teststack.Decision("decision_confirmed")}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	c = clocksOf(t, s, f.ID)
	for _, name := range []sla.ClockName{sla.Decision, sla.Feedback, sla.GDPRReply} {
		if c[name].SatisfiedAt == nil || *c[name].SatisfiedBy != "decided" {
			t.Errorf("%s not ended by the decision: %+v", name, c[name])
		}
	}
	if k, ok := c[sla.Remedy]; !ok || k.SatisfiedAt != nil || ruleCode(t, k.Rule) != "policy_remedy" {
		t.Errorf("remedy clock: %+v", k)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/close", Token: rita,
		Body: map[string]string{"root_cause": "process", "reason": "Nothing left to put right."}}); r.Status != 200 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	for name, k := range clocksOf(t, s, f.ID) {
		if k.SatisfiedAt == nil || k.NextFireAt != nil {
			t.Errorf("%s still runs on a closed case: %+v", name, k)
		}
	}
}

func outboxCount(t *testing.T, s *teststack.Stack, subject, caseID string) int {
	t.Helper()
	var n int
	if err := s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = ? AND (? = '' OR payload->>'case_id' = ?)`,
		subject, caseID, caseID).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func TestSweepWarnsThenBreachesAndActs(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	f := s.File(teststack.ValidCase())
	route(t, s, f.ID) // P3, general queue
	var generalQueue string
	s.Core.DB.Raw(`SELECT queue_id::text FROM cases WHERE id = ?`, f.ID).Scan(&generalQueue)

	// Six days in: 75 % of the seven days to acknowledge is used, 90 % not yet.
	backdate(t, s, f.ID, 6*24*time.Hour)
	fired, err := s.Core.Clocks.Sweep(ctx, 100)
	if err != nil {
		t.Fatal(err)
	}
	if fired.Warnings != 1 || fired.Breaches != 0 {
		t.Fatalf("six days in: %+v, want one warning", fired)
	}
	if again, _ := s.Core.Clocks.Sweep(ctx, 100); again != (clocks.Fired{}) {
		t.Fatalf("a second sweep fired %+v", again)
	}
	var warning struct{ Data string }
	s.Core.DB.Raw(`SELECT (payload->'data')::text AS data FROM outbox WHERE subject = 'redress.sla.warning' AND payload->>'case_id' = ?`, f.ID).Scan(&warning)
	if !strings.Contains(warning.Data, `"clock": "acknowledge"`) || !strings.Contains(warning.Data, `"fraction": 0.75`) {
		t.Errorf("warning event %s", warning.Data)
	}

	// Eight days in: the directive's seven days are missed.
	backdate(t, s, f.ID, 2*24*time.Hour)
	if fired, err = s.Core.Clocks.Sweep(ctx, 100); err != nil || fired.Breaches != 1 {
		t.Fatalf("eight days in: %+v %v, want one breach", fired, err)
	}
	k := clocksOf(t, s, f.ID)[sla.Acknowledge]
	if k.BreachedAt == nil || k.NextFireAt != nil || k.SatisfiedAt != nil {
		t.Errorf("breached clock %+v", k)
	}
	if n := outboxCount(t, s, "redress.sla.breached", f.ID); n != 1 {
		t.Errorf("%d breach events", n)
	}
	// The default policy's actions: one step more urgent, to the supervisors, and an escalation request
	// because the date was the law's.
	var c struct {
		Priority  string
		QueueSlug string
	}
	s.Core.DB.Raw(`SELECT c.priority, q.slug AS queue_slug FROM cases c JOIN queues q ON q.id = c.queue_id WHERE c.id = ?`,
		f.ID).Scan(&c)
	if c.Priority != "P2" || c.QueueSlug != "supervisors" {
		t.Errorf("after the breach: %+v, want P2 in supervisors", c)
	}
	var esc []struct{ Source, Clock, Status string }
	s.Core.DB.Raw(`SELECT source, clock, status FROM escalation_requests WHERE case_id = ?`, f.ID).Scan(&esc)
	if len(esc) != 1 || esc[0].Source != "sla_breach" || esc[0].Clock != string(sla.Acknowledge) || esc[0].Status != "open" {
		t.Errorf("escalation requests %+v", esc)
	}
	if n := outboxCount(t, s, "redress.escalation.requested", f.ID); n != 1 {
		t.Errorf("%d escalation events", n)
	}
	var actions []string
	s.Core.DB.Raw(`SELECT action FROM audit_entries WHERE case_id = ? AND actor_kind = 'system' ORDER BY seq`, f.ID).Scan(&actions)
	want := []string{"sla.warning", "sla.breached", "priority.raised", "case.moved", "escalation.requested"}
	if got := strings.Join(actions, ","); !strings.Contains(got, strings.Join(want, ",")) {
		t.Errorf("case record %v, want %v in order", actions, want)
	}
	// The case record still verifies.
	sup := s.Login("supervisor@example.org")
	r := s.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.ID + "/audit", Token: sup})
	if r.Status != 200 || !strings.Contains(string(r.Body), `"verified":true`) {
		t.Errorf("audit: %d %s", r.Status, r.Body)
	}
	// The complainant sees that the date was missed.
	tok := s.ComplainantToken(f)
	if r := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: tok}); !strings.Contains(string(r.Body), "sla.breached") {
		t.Errorf("complainant timeline lacks the breach: %s", r.Body)
	}
	// Nothing more to fire, and a late acknowledgement still ends the clock.
	if again, _ := s.Core.Clocks.Sweep(ctx, 100); again != (clocks.Fired{}) {
		t.Errorf("fired again: %+v", again)
	}
}

func TestSweepersNeverFireATimerTwice(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	const cases = 40
	for range cases {
		f := s.File(teststack.ValidCase())
		backdate(t, s, f.ID, 8*24*time.Hour) // acknowledge breached; the GDPR month is a quarter used
	}
	var due int
	s.Core.DB.Raw(`SELECT count(*) FROM case_clocks WHERE next_fire_at <= now()`).Scan(&due)
	if due != cases {
		t.Fatalf("%d timers due, want %d", due, cases)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var total clocks.Fired
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				f, err := s.Core.Clocks.Sweep(ctx, 7)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				total.Warnings += f.Warnings
				total.Breaches += f.Breaches
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	for {
		f, err := s.Core.Clocks.Sweep(ctx, 100) // whatever the racers skipped while another held a case
		if err != nil {
			t.Fatal(err)
		}
		if f == (clocks.Fired{}) {
			break
		}
		total.Breaches += f.Breaches
		total.Warnings += f.Warnings
	}
	if total.Breaches != cases || total.Warnings != 0 {
		t.Errorf("fired %+v, want %d breaches", total, cases)
	}
	if n := outboxCount(t, s, "redress.sla.breached", ""); n != cases {
		t.Errorf("%d breach events, want %d", n, cases)
	}
}

func TestSweepQueryUsesTheIndex(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	// 20 000 open cases with clocks far ahead, 50 due: the plan must read the
	// due-time index, not every clock.
	if err := gdb.Exec(`INSERT INTO cases (id, reference, receipt_hash, kind, informed_of_ai, description_enc, language,
		anonymous, ai_system_other)
		SELECT gen_random_uuid(), 'RD-' || lpad((i / 1000000)::text, 3, '0') || '-' || lpad((i / 1000 % 1000)::text, 3, '0')
		       || '-' || lpad((i % 1000)::text, 3, '0'), decode(md5(i::text) || md5(i::text), 'hex'), 'concern', 'no',
		       '\x00', 'en', true, 'a system'
		  FROM generate_series(1, 20000) i`).Error; err != nil {
		t.Fatal(err)
	}
	if err := gdb.Exec(`INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule, next_fire_at)
		SELECT id, 'acknowledge', now(), now() + interval '7 days', '{}',
		       CASE WHEN random() < 0.0025 THEN now() - interval '1 minute' ELSE now() + interval '5 days' END
		  FROM cases`).Error; err != nil {
		t.Fatal(err)
	}
	gdb.Exec(`ANALYZE case_clocks`)
	var plan []string
	if err := gdb.Raw(`EXPLAIN ` + strings.Replace(strings.Replace(clocks.DueCasesQuery, "?", "now()", 1), "?", "200", 1)).
		Scan(&plan).Error; err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(plan, "\n")
	t.Logf("plan:\n%s", joined)
	if !strings.Contains(joined, "case_clocks_fire_idx") || strings.Contains(joined, "Seq Scan on case_clocks") {
		t.Errorf("the sweep does not read the due-time index:\n%s", joined)
	}
}

// The default policy the migration stores is the one DESIGN.md describes and
// sla.DefaultPolicy builds.
func TestMigratedDefaultPolicyIsTheDesignOne(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	ps, err := clocks.New(gdb, nil, nil).Policies(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || !ps[0].IsDefault || ps[0].Slug != "eu-default" || ps[0].Calendar != "eu-office" {
		t.Fatalf("policies %+v", ps)
	}
	got, _ := json.Marshal(ps[0].Policy)
	want, _ := json.Marshal(sla.DefaultPolicy())
	if string(got) != string(want) {
		t.Errorf("migrated default policy:\n%s\nwant:\n%s", got, want)
	}
}

// A breach raises the priority; when the new priority's tier does not set the
// breached clock, the record of the missed date stays.
func TestBreachedClockOutlivesATierWithoutIt(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	thin := clocks.PolicyInput{Slug: "thin", Name: "Only P3 has a tier", Calendar: "eu-office", Policy: sla.Policy{
		Tiers: map[string][]sla.TimeLimit{"P3": {{Rule: sla.Rule{Code: "thin_ack", Source: "Thin", Period: "1 hour"},
			Clock: sla.Acknowledge, Budget: sla.Budget{Unit: sla.Hours, Amount: 1}, From: sla.FromSubmitted, Pausable: true}}},
		Breach: sla.BreachActions{RaisePriority: true},
	}}
	p, err := s.Core.Clocks.SavePolicy(ctx, nil, thin)
	if err != nil {
		t.Fatal(err)
	}
	f := s.File(teststack.ValidCase())
	route(t, s, f.ID) // P3
	s.Core.DB.Exec(`UPDATE cases SET sla_policy_id = ? WHERE id = ?`, p.ID, f.ID)
	backdate(t, s, f.ID, 2*time.Hour)
	if fired, err := s.Core.Clocks.Sweep(ctx, 10); err != nil || fired.Breaches != 1 {
		t.Fatalf("sweep: %+v %v", fired, err)
	}
	k, ok := clocksOf(t, s, f.ID)[sla.Acknowledge]
	if !ok || k.BreachedAt == nil || ruleCode(t, k.Rule) != "thin_ack" {
		t.Fatalf("the breached clock is gone or changed after the raise to P2: %+v", k)
	}
	var prio string
	s.Core.DB.Raw(`SELECT priority FROM cases WHERE id = ?`, f.ID).Scan(&prio)
	if prio != "P2" {
		t.Errorf("priority %s", prio)
	}
}

// A case is filed with its clocks and its next due date in the same
// writes: the earliest due date of its clocks is on the case row as
// inserted, and no later statement of the filing's transaction updated the
// row (issue 18: the row just inserted is not updated).
func TestFilingWritesTheNextDueDateWithTheCase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	var row struct {
		NextDue, Earliest *time.Time
		Clocks            int
		UpdatedLater      bool
	}
	// cmin is the number, within the filing's transaction, of the statement
	// that wrote a row version: the case's live version must come from a
	// statement before the one that wrote its clocks.
	if err := s.Core.DB.Raw(`SELECT c.next_due_at AS next_due,
		       (SELECT min(due_at) FROM case_clocks k WHERE k.case_id = c.id AND k.satisfied_at IS NULL) AS earliest,
		       (SELECT count(*) FROM case_clocks k WHERE k.case_id = c.id) AS clocks,
		       c.cmin::text::int >= (SELECT min(k.cmin::text::int) FROM case_clocks k WHERE k.case_id = c.id) AS updated_later
		  FROM cases c WHERE c.id = ?`, f.ID).Scan(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.Clocks == 0 || row.NextDue == nil || row.Earliest == nil || !row.NextDue.Equal(*row.Earliest) {
		t.Errorf("filed with %d clocks, next_due_at %v, earliest running due date %v", row.Clocks, row.NextDue, row.Earliest)
	}
	if row.UpdatedLater {
		t.Errorf("the case row was updated after its clocks were written, in the filing's transaction")
	}
}

// A recompute writes the clocks, drops those the policy no longer sets and
// sets the case's next due date in one statement, which sees the table as
// it was before it: the old due date of a clock it moves later, and the due
// date of a clock it drops, must not count. Here the acknowledge clock was
// made due five days early and a remedy clock (not set while a case is
// submitted) was left running two days overdue; after the recompute, the
// case's next due date is its earliest running clock's as they now are.
func TestRecomputeSetsTheNextDueDateFromTheClocksItLeaves(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	before := clocksOf(t, s, f.ID)
	ack, ok := before[sla.Acknowledge]
	if !ok || ack.DueAt == nil {
		t.Fatalf("no acknowledge clock: %+v", before)
	}
	if _, ok := before[sla.Remedy]; ok {
		t.Fatalf("a submitted case already has a remedy clock: %+v", before)
	}
	for _, q := range []string{
		`UPDATE case_clocks SET due_at = due_at - interval '5 days' WHERE case_id = ? AND clock = 'acknowledge'`,
		`INSERT INTO case_clocks (case_id, clock, started_at, due_at, rule) VALUES (?, 'remedy', now() - interval '3 days', now() - interval '2 days', 'test')`,
		`UPDATE cases c SET next_due_at = (SELECT min(due_at) FROM case_clocks k WHERE k.case_id = c.id AND k.satisfied_at IS NULL) WHERE id = ?`,
	} {
		if err := s.Core.DB.Exec(q, f.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Core.Clocks.Recompute(context.Background(), uuid.MustParse(f.ID)); err != nil {
		t.Fatal(err)
	}
	after := clocksOf(t, s, f.ID) // fails when next_due_at disagrees with the clocks
	if _, ok := after[sla.Remedy]; ok {
		t.Errorf("the remedy clock was not dropped")
	}
	if a := after[sla.Acknowledge]; a.DueAt == nil || !a.DueAt.Equal(*ack.DueAt) {
		t.Errorf("acknowledge due %v after the recompute, want %v again", a.DueAt, ack.DueAt)
	}
}
