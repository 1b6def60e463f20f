package systemic_test

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

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/systemic"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

var ctx = context.Background()

func systemID(t *testing.T, s *teststack.Stack, slug string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := s.Core.DB.Raw(`SELECT id FROM ai_systems WHERE slug = ?`, slug).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// file files n cases about the AI system slug ("" for one named in words).
func file(t *testing.T, s *teststack.Stack, slug string, n int) []uuid.UUID {
	t.Helper()
	out := make([]uuid.UUID, n)
	for i := range out {
		body := teststack.ValidCase()
		body["description"] = fmt.Sprintf("Complaint %d: my hours were cut after sick leave.", i)
		if slug != "" {
			delete(body, "ai_system_other")
			body["ai_system_id"] = systemID(t, s, slug).String()
		}
		out[i] = uuid.MustParse(s.File(body).ID)
	}
	return out
}

func setAlerting(t *testing.T, s *teststack.Stack, slug string, threshold, hours int) {
	t.Helper()
	if _, err := s.Core.Systemic.SetAlerting(ctx, systemID(t, s, slug),
		systemic.AlertingInput{Threshold: &threshold, WindowHours: &hours}); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, s *teststack.Stack, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Core.DB.Raw(query, args...).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

func fields(err error) []string {
	fe, ok := fault.As(err)
	if !ok {
		return nil
	}
	var out []string
	for _, f := range fe.Fields {
		out = append(out, f.Field+":"+f.Code)
	}
	return out
}

func staff(t *testing.T, s *teststack.Stack, email string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := s.Core.DB.Raw(`SELECT id FROM users WHERE email = ?`, email).Row().Scan(&id); err != nil {
		t.Fatal(err)
	}
	return id
}

// Many workers checking the same AI system at once raise one alert, about the
// case that reached the threshold, and a check run again (a redelivered
// event) raises none.
func TestConcurrentAlertChecksRaiseOneAlert(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	setAlerting(t, s, "credit-scorer", 3, 24)
	ids := file(t, s, "credit-scorer", 8)
	var wg sync.WaitGroup
	start := make(chan struct{})
	raised := make([]*systemic.Alert, 2*len(ids))
	for i := range raised {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			// Each check runs in a transaction that stays open a while after
			// it, as the worker's does: without the lock on the AI system,
			// every check would see no alert and raise its own.
			err := db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
				a, err := s.Core.Systemic.CheckAlertIn(tx, ids[i%len(ids)])
				raised[i] = a
				time.Sleep(250 * time.Millisecond)
				return err
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	close(start)
	wg.Wait()
	var got []*systemic.Alert
	for _, a := range raised {
		if a != nil {
			got = append(got, a)
		}
	}
	if len(got) != 1 {
		t.Fatalf("%d checks raised an alert, want 1", len(got))
	}
	if n := count(t, s, `SELECT count(*) FROM systemic_alerts`); n != 1 {
		t.Fatalf("%d alerts stored, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM outbox WHERE subject = ?`, events.SystemicAlert); n != 1 {
		t.Fatalf("%d alert events, want 1", n)
	}
	a := got[0]
	// All 8 are counted; the first 3 (the threshold), oldest first, are named.
	if a.CaseCount != 8 || a.Threshold != 3 || a.WindowHours != 24 || !slices.Equal(a.CaseIDs, ids[:3]) {
		t.Errorf("alert %+v, want case ids %v", a, ids[:3])
	}
	if stored, err := s.Core.Systemic.Alert(ctx, a.ID); err != nil || !slices.Equal(stored.CaseIDs, ids[:3]) || stored.CaseCount != 8 {
		t.Errorf("stored alert %+v %v", stored, err)
	}
	// The event carries ids and counts only.
	var payload string
	s.Core.DB.Raw(`SELECT payload::text FROM outbox WHERE subject = ?`, events.SystemicAlert).Scan(&payload)
	var env events.Envelope
	if err := json.Unmarshal([]byte(payload), &env); err != nil {
		t.Fatal(err)
	}
	var d map[string]any
	_ = json.Unmarshal(env.Data, &d)
	if env.CaseID != a.CaseIDs[2] || d["alert_id"] != a.ID.String() || d["case_count"] != float64(8) {
		t.Errorf("event %s", payload)
	}
	for k := range d {
		if !slices.Contains([]string{"alert_id", "ai_system_id", "case_count", "threshold", "window_hours", "window_from", "window_to"}, k) {
			t.Errorf("the alert event carries %q", k)
		}
	}
	for _, id := range ids {
		if again, err := s.Core.Systemic.CheckAlert(ctx, id); err != nil || again != nil {
			t.Fatalf("a second check: %v %v", again, err)
		}
	}
}

// A check that raises nothing takes no lock. The worker checks a batch of
// events in one transaction, so a lock on the AI system would make every
// batch about it wait for the one before to commit (issue 18). Here one
// transaction checks a case and stays open while another checks a case
// about the same system, with a lock timeout: below the threshold, and again
// once an alert was raised. A check that raises an alert still locks
// (TestConcurrentAlertChecksRaiseOneAlert).
func TestChecksThatRaiseNothingDoNotWaitForEachOther(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	setAlerting(t, s, "credit-scorer", 3, 24)
	ids := file(t, s, "credit-scorer", 2)
	whileOpen := func(what string, held, other uuid.UUID) {
		t.Helper()
		err := db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
			if a, err := s.Core.Systemic.CheckAlertIn(tx, held); err != nil || a != nil {
				return fmt.Errorf("the open transaction's check: %v %v", a, err)
			}
			return db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
				if err := tx.Exec(`SET LOCAL lock_timeout = '5s'`).Error; err != nil {
					return err
				}
				a, err := s.Core.Systemic.CheckAlertIn(tx, other)
				if err != nil || a != nil {
					return fmt.Errorf("the second check: %v %v", a, err)
				}
				return nil
			})
		})
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	whileOpen("below the threshold", ids[0], ids[1])
	ids = append(ids, file(t, s, "credit-scorer", 2)...)
	if a, err := s.Core.Systemic.CheckAlert(ctx, ids[2]); err != nil || a == nil {
		t.Fatalf("the threshold reached: %v %v", a, err)
	}
	whileOpen("after the alert", ids[3], ids[1])
	if n := count(t, s, `SELECT count(*) FROM systemic_alerts`); n != 1 {
		t.Fatalf("%d alerts stored, want 1", n)
	}
}

// Only cases within the window count; after a window without an alert, the
// system can alert again; other systems and cases about no registered system
// are apart.
func TestAlertWindow(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	setAlerting(t, s, "hiring-screener", 3, 2)
	old := file(t, s, "hiring-screener", 2)
	s.Core.DB.Exec(`UPDATE cases SET submitted_at = now() - interval '3 hours' WHERE id IN ?`, old)
	fresh := file(t, s, "hiring-screener", 2)
	if a, err := s.Core.Systemic.CheckAlert(ctx, fresh[1]); err != nil || a != nil {
		t.Fatalf("2 cases in the window of 3: %v %v", a, err)
	}
	// An old event handled late raises nothing, though the system now has enough.
	third := file(t, s, "hiring-screener", 1)[0]
	if a, err := s.Core.Systemic.CheckAlert(ctx, old[0]); err != nil || a != nil {
		t.Fatalf("a case from before the window: %v %v", a, err)
	}
	// Cases about another system or about no registered system count for nothing here.
	other := file(t, s, "credit-scorer", 3)
	words := file(t, s, "", 1)[0]
	if a, err := s.Core.Systemic.CheckAlert(ctx, words); err != nil || a != nil {
		t.Fatalf("a case about no registered system: %v %v", a, err)
	}
	a, err := s.Core.Systemic.CheckAlert(ctx, third)
	if err != nil || a == nil || a.CaseCount != 3 {
		t.Fatalf("3 in the window: %+v %v", a, err)
	}
	if !slices.Equal(a.CaseIDs, append(fresh, third)) {
		t.Errorf("alert cases %v, want %v oldest first", a.CaseIDs, append(fresh, third))
	}
	if a, err := s.Core.Systemic.CheckAlert(ctx, other[2]); err != nil || a != nil {
		t.Fatalf("credit scorer (threshold 5): %v %v", a, err)
	}
	// An issue answering the alert must be about its AI system.
	sup := staff(t, s, "supervisor@example.org")
	_, err = s.Core.Systemic.Create(ctx, sup, systemic.CreateRequest{AISystemID: systemID(t, s, "credit-scorer").String(),
		Mechanism: "data_error", Title: "Stale income data", AlertID: a.ID.String()})
	if !slices.Equal(fields(err), []string{"alert_id:other_ai_system"}) {
		t.Errorf("an alert about another system: %v", err)
	}
	if _, err := s.Core.Systemic.Create(ctx, sup, systemic.CreateRequest{AISystemID: systemID(t, s, "hiring-screener").String(),
		Mechanism: "biased_output", Title: "Gaps in CVs", AlertID: a.ID.String()}); err != nil {
		t.Errorf("an issue answering the alert: %v", err)
	}
	if _, err := s.Core.Systemic.CheckAlert(ctx, uuid.New()); !fault.Is(err, fault.NotFound) {
		t.Errorf("an unknown case: %v", err)
	}
	// Once the last alert is older than a window, enough new cases alert again.
	s.Core.DB.Exec(`UPDATE systemic_alerts SET window_to = window_to - interval '3 hours', raised_at = raised_at - interval '3 hours'`)
	s.Core.DB.Exec(`UPDATE cases SET submitted_at = submitted_at - interval '3 hours' WHERE id IN ?`, append(fresh, third))
	again := file(t, s, "hiring-screener", 3)
	if a, err := s.Core.Systemic.CheckAlert(ctx, again[2]); err != nil || a == nil || !slices.Equal(a.CaseIDs, again) {
		t.Fatalf("a new window: %+v %v", a, err)
	}
}

func TestAlertingBounds(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	id := systemID(t, s, "customer-chatbot")
	one, big, zero, ok := 1, 100001, 0, 8784
	for _, c := range []struct {
		in   systemic.AlertingInput
		want []string
	}{
		{systemic.AlertingInput{}, []string{"threshold:required", "window_hours:required"}},
		{systemic.AlertingInput{Threshold: &one, WindowHours: &zero}, []string{"threshold:out_of_range", "window_hours:out_of_range"}},
		{systemic.AlertingInput{Threshold: &big, WindowHours: &big}, []string{"threshold:out_of_range", "window_hours:out_of_range"}},
	} {
		if _, err := s.Core.Systemic.SetAlerting(ctx, id, c.in); !slices.Equal(fields(err), c.want) {
			t.Errorf("%+v: %v, want %v", c.in, err, c.want)
		}
	}
	two := 2
	got, err := s.Core.Systemic.SetAlerting(ctx, id, systemic.AlertingInput{Threshold: &two, WindowHours: &ok})
	if err != nil || got.Threshold != 2 || got.WindowHours != 8784 {
		t.Fatalf("%+v %v", got, err)
	}
	if _, err := s.Core.Systemic.SetAlerting(ctx, uuid.New(), systemic.AlertingInput{Threshold: &two, WindowHours: &ok}); !fault.Is(err, fault.NotFound) {
		t.Errorf("unknown system: %v", err)
	}
}

// Links are checked as a whole: nothing is written unless every case exists
// and is about the issue's AI system; each link and unlink lands in the
// case's record once; a resolved issue takes no more changes.
func TestIssueLinksAreCheckedAndRecorded(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sup := staff(t, s, "supervisor@example.org")
	sched := file(t, s, "shift-scheduler", 3)
	credit := file(t, s, "credit-scorer", 1)[0]
	words := file(t, s, "", 1)[0]
	sys := systemID(t, s, "shift-scheduler").String()

	_, err := s.Core.Systemic.Create(ctx, sup, systemic.CreateRequest{AISystemID: "nope", Mechanism: "guesswork", Title: "x",
		CaseIDs: []string{sched[0].String(), "not-a-uuid"}, AlertID: "zzz"})
	if want := []string{"ai_system_id:invalid", "alert_id:invalid", "case_ids[1]:invalid", "mechanism:invalid", "title:too_short"}; !slices.Equal(fields(err), want) {
		t.Fatalf("bad request: %v, want %v", fields(err), want)
	}
	_, err = s.Core.Systemic.Create(ctx, sup, systemic.CreateRequest{AISystemID: sys, Mechanism: "biased_output",
		Title: "Sick leave cuts hours", CaseIDs: []string{sched[0].String(), credit.String(), uuid.NewString(), words.String()},
		AlertID: uuid.NewString()})
	if want := []string{"alert_id:not_found", "case_ids[1]:other_ai_system", "case_ids[2]:not_found", "case_ids[3]:other_ai_system"}; !slices.Equal(fields(err), want) {
		t.Fatalf("wrong cases: %v, want %v", fields(err), want)
	}
	if n := count(t, s, `SELECT count(*) FROM systemic_issues`); n != 0 {
		t.Fatal("a refused issue was written")
	}
	if n := count(t, s, `SELECT count(*) FROM audit_entries WHERE action LIKE 'systemic.%'`); n != 0 {
		t.Fatal("a refused link was recorded")
	}

	// A closed case may be linked: the issue is also for learning.
	s.Core.DB.Exec(`UPDATE cases SET status = 'withdrawn' WHERE id = ?`, sched[2])
	id, err := s.Core.Systemic.Create(ctx, sup, systemic.CreateRequest{AISystemID: sys, Mechanism: "biased_output",
		Title: "  Sick leave cuts hours  ", Description: "The rota model reads sick leave as low availability.",
		CaseIDs: []string{sched[0].String(), sched[0].String(), sched[2].String()}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Core.Systemic.Get(ctx, id, nil)
	if err != nil || d.Title != "Sick leave cuts hours" || d.Status != "open" || len(d.Cases) != 2 || d.CaseCount != 2 ||
		!strings.HasPrefix(d.Reference, "SI-") || d.AISystemName != "ShiftWise scheduling" {
		t.Fatalf("issue %+v %v", d, err)
	}
	// Linking again changes nothing; a new case is linked and recorded once.
	if n, err := s.Core.Systemic.Link(ctx, id, sup, []string{sched[0].String(), sched[1].String()}); err != nil || n != 1 {
		t.Fatalf("link: %d %v", n, err)
	}
	if n := count(t, s, `SELECT count(*) FROM audit_entries WHERE action = 'systemic.linked'`); n != 3 {
		t.Errorf("%d link entries, want 3", n)
	}
	if n := count(t, s, `SELECT count(*) FROM outbox WHERE subject = ?`, events.SystemicLinked); n != 3 {
		t.Errorf("%d link events, want 3", n)
	}
	if _, err := s.Core.Systemic.Link(ctx, id, sup, nil); !slices.Equal(fields(err), []string{"case_ids:required"}) {
		t.Errorf("link nothing: %v", err)
	}
	if _, err := s.Core.Systemic.Link(ctx, id, sup, []string{credit.String()}); !slices.Equal(fields(err), []string{"case_ids[0]:other_ai_system"}) {
		t.Errorf("link another system's case: %v", err)
	}
	if _, err := s.Core.Systemic.Link(ctx, uuid.New(), sup, []string{sched[0].String()}); !fault.Is(err, fault.NotFound) {
		t.Errorf("link to no issue: %v", err)
	}
	ids, err := s.Core.Systemic.CaseIDs(ctx, id)
	if err != nil || len(ids) != 3 {
		t.Errorf("case ids %v %v", ids, err)
	}

	// Unlink needs a reason, and the case must be linked.
	if err := s.Core.Systemic.Unlink(ctx, id, sched[1], sup, " "); !slices.Equal(fields(err), []string{"reason:required"}) {
		t.Errorf("unlink without a reason: %v", err)
	}
	if err := s.Core.Systemic.Unlink(ctx, id, credit, sup, "Not the same failure."); !fault.Is(err, fault.NotFound) {
		t.Errorf("unlink a case not linked: %v", err)
	}
	if err := s.Core.Systemic.Unlink(ctx, id, uuid.New(), sup, "Not the same failure."); !fault.Is(err, fault.NotFound) {
		t.Errorf("unlink no case: %v", err)
	}
	if err := s.Core.Systemic.Unlink(ctx, id, sched[1], sup, "Not the same failure: a manual rota change."); err != nil {
		t.Fatal(err)
	}
	var data string
	s.Core.DB.Raw(`SELECT data::text FROM audit_entries WHERE case_id = ? AND action = 'systemic.unlinked'`, sched[1]).Scan(&data)
	if !strings.Contains(data, d.Reference) || !strings.Contains(data, "manual rota change") {
		t.Errorf("unlink entry %s", data)
	}

	// Resolved: no more links, unlinks or resolutions.
	if err := s.Core.Systemic.Resolve(ctx, id, sup, ""); !slices.Equal(fields(err), []string{"note:required"}) {
		t.Errorf("resolve without a note: %v", err)
	}
	if err := s.Core.Systemic.Resolve(ctx, id, sup, "The vendor removed sick leave from the availability features."); err != nil {
		t.Fatal(err)
	}
	for name, err := range map[string]error{
		"resolve": s.Core.Systemic.Resolve(ctx, id, sup, "Again."),
		"link":    func() error { _, err := s.Core.Systemic.Link(ctx, id, sup, []string{sched[1].String()}); return err }(),
		"unlink":  s.Core.Systemic.Unlink(ctx, id, sched[0], sup, "Late change."),
	} {
		if !fault.Is(err, fault.Conflict) {
			t.Errorf("%s a resolved issue: %v", name, err)
		}
	}
	if err := s.Core.Systemic.Resolve(ctx, uuid.New(), sup, "Note."); !fault.Is(err, fault.NotFound) {
		t.Errorf("resolve no issue: %v", err)
	}
	d, _ = s.Core.Systemic.Get(ctx, id, nil)
	if d.Status != "resolved" || d.ResolvedAt == nil || d.ResolvedBy == nil || *d.ResolvedBy != sup || d.ResolutionNote == nil {
		t.Errorf("resolved issue %+v", d)
	}

	// The case detail names the issues it belongs to.
	cd, err := s.Core.Grievance.Get(ctx, sched[0])
	if err != nil || len(cd.SystemicIssues) != 1 || cd.SystemicIssues[0].Reference != d.Reference {
		t.Errorf("case detail systemic issues %+v %v", cd.SystemicIssues, err)
	}
}

// Links and unlinks of overlapping cases, in every order, into several
// issues at once never deadlock and leave every case's record intact.
func TestConcurrentLinksNeverDeadlock(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sup := staff(t, s, "supervisor@example.org")
	cases := file(t, s, "benefits-fraud-detector", 8)
	sys := systemID(t, s, "benefits-fraud-detector").String()
	var issues []uuid.UUID
	for i := range 3 {
		id, err := s.Core.Systemic.Create(ctx, sup, systemic.CreateRequest{AISystemID: sys, Mechanism: "data_error",
			Title: fmt.Sprintf("Issue %d", i)})
		if err != nil {
			t.Fatal(err)
		}
		issues = append(issues, id)
	}
	var wg sync.WaitGroup
	start := make(chan struct{})
	for w := range 12 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			issue := issues[w%len(issues)]
			var ids []string
			for k := range cases {
				ids = append(ids, cases[(k*(w+1)+w)%len(cases)].String()) // a different order per worker
			}
			if _, err := s.Core.Systemic.Link(ctx, issue, sup, ids); err != nil {
				t.Errorf("link: %v", err)
			}
			if w%2 == 0 {
				err := s.Core.Systemic.Unlink(ctx, issue, cases[w%len(cases)], sup, "Not the same failure.")
				if err != nil && !fault.Is(err, fault.NotFound) {
					t.Errorf("unlink: %v", err)
				}
			}
		}()
	}
	close(start)
	wg.Wait()
	tok := s.Login("supervisor@example.org")
	for _, c := range cases {
		r := s.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + c.String() + "/audit", Token: tok})
		if v := r.JSON(t)["verification"].(map[string]any); v["verified"] != true {
			t.Errorf("case %s: %v", c, v)
		}
	}
}

// Someone listed among an AI system's staff (who builds, owns or operates
// it) may not open a systemic issue about it, link or unlink its cases, or resolve it:
// 403 recused, nothing written. Other systems' issues stay open to them.
func TestRecusedStaffKeepOffTheirSystemsIssues(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	sup, rui := staff(t, s, "supervisor@example.org"), staff(t, s, "reviewer2@example.org") // Rui operates the shift scheduler
	sched := file(t, s, "shift-scheduler", 2)
	sys := systemID(t, s, "shift-scheduler").String()
	recused := func(what string, err error) {
		t.Helper()
		if fe, ok := fault.As(err); !ok || fe.Kind != fault.Forbidden || fe.Code != "recused" {
			t.Errorf("%s: %v, want 403 recused", what, err)
		}
	}
	_, err := s.Core.Systemic.Create(ctx, rui, systemic.CreateRequest{AISystemID: sys, Mechanism: "biased_output",
		Title: "Sick leave cuts hours", CaseIDs: []string{sched[0].String()}})
	recused("create", err)
	if n := count(t, s, `SELECT count(*) FROM systemic_issues`); n != 0 {
		t.Fatalf("%d issues written by a recused user", n)
	}
	id, err := s.Core.Systemic.Create(ctx, sup, systemic.CreateRequest{AISystemID: sys, Mechanism: "biased_output",
		Title: "Sick leave cuts hours", CaseIDs: []string{sched[0].String()}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = s.Core.Systemic.Link(ctx, id, rui, []string{sched[1].String()})
	recused("link", err)
	recused("unlink", s.Core.Systemic.Unlink(ctx, id, sched[0], rui, "Not the same failure."))
	recused("resolve", s.Core.Systemic.Resolve(ctx, id, rui, "Nothing to see here."))
	if n := count(t, s, `SELECT count(*) FROM systemic_issues WHERE id = ? AND status = 'open'`, id); n != 1 {
		t.Errorf("a recused user resolved the issue")
	}
	if n := count(t, s, `SELECT count(*) FROM systemic_issue_cases WHERE issue_id = ?`, id); n != 1 {
		t.Errorf("%d cases linked after a recused user's link and unlink, want 1", n)
	}
	if n := count(t, s, `SELECT count(*) FROM audit_entries WHERE action LIKE 'systemic.%' AND actor_id = ?`, rui); n != 0 {
		t.Errorf("%d systemic entries by a recused user", n)
	}
	// Another system's issue is open to him.
	credit := file(t, s, "credit-scorer", 1)[0]
	if _, err := s.Core.Systemic.Create(ctx, rui, systemic.CreateRequest{AISystemID: systemID(t, s, "credit-scorer").String(),
		Mechanism: "data_error", Title: "Stale income data", CaseIDs: []string{credit.String()}}); err != nil {
		t.Errorf("an issue about a system he does not operate: %v", err)
	}
}

// An alert names at most its threshold's worth of cases, and never more
// than MaxCases, however many the window holds: an issue opened from it with
// its case_ids is within what one request may link. An alert stored before
// the bound is read cut to it.
func TestAlertCaseIDsAreBounded(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	setAlerting(t, s, "credit-scorer", systemic.MaxCases+1, 24)
	first := file(t, s, "credit-scorer", 1)[0]
	// MaxCases+1 more cases about the system, copies of the first, each a
	// millisecond earlier (written straight into the table: filing a thousand
	// through intake would take minutes).
	if err := s.Core.DB.Exec(`INSERT INTO cases SELECT (jsonb_populate_record(c, jsonb_build_object('id', gen_random_uuid(),
		    'reference', 'RD-999-' || substr(lpad(g::text, 6, '0'), 1, 3) || '-' || substr(lpad(g::text, 6, '0'), 4, 3),
		    'submitted_at', c.submitted_at - g * interval '1 millisecond', 'code_hash', null))).*
		  FROM cases c, generate_series(1, ?) g WHERE c.id = ?`, systemic.MaxCases+1, first).Error; err != nil {
		t.Fatal(err)
	}
	var ids []uuid.UUID
	if err := s.Core.DB.Raw(`SELECT id FROM cases WHERE ai_system_id = ? ORDER BY submitted_at, id`,
		systemID(t, s, "credit-scorer")).Scan(&ids).Error; err != nil || len(ids) != systemic.MaxCases+2 {
		t.Fatalf("%d cases, %v", len(ids), err)
	}
	a, err := s.Core.Systemic.CheckAlert(ctx, ids[len(ids)-1])
	if err != nil || a == nil {
		t.Fatalf("alert %v %v", a, err)
	}
	if a.CaseCount != systemic.MaxCases+2 || !slices.Equal(a.CaseIDs, ids[:systemic.MaxCases]) {
		t.Errorf("alert of %d cases names %d, want the first %d", a.CaseCount, len(a.CaseIDs), systemic.MaxCases)
	}
	var stored int
	s.Core.DB.Raw(`SELECT cardinality(case_ids) FROM systemic_alerts WHERE id = ?`, a.ID).Scan(&stored)
	if stored != systemic.MaxCases {
		t.Errorf("%d case ids stored, want %d", stored, systemic.MaxCases)
	}
	// The event is still about the case that reached the threshold.
	var eventCase string
	s.Core.DB.Raw(`SELECT payload->>'case_id' FROM outbox WHERE subject = ?`, events.SystemicAlert).Scan(&eventCase)
	if eventCase != ids[systemic.MaxCases].String() {
		t.Errorf("alert event about case %s, want the threshold-th %s", eventCase, ids[systemic.MaxCases])
	}
	// An issue answering the alert links every case it names.
	read, err := s.Core.Systemic.Alert(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	caseIDs := make([]string, len(read.CaseIDs))
	for i, id := range read.CaseIDs {
		caseIDs[i] = id.String()
	}
	issue, err := s.Core.Systemic.Create(ctx, staff(t, s, "supervisor@example.org"), systemic.CreateRequest{
		AISystemID: systemID(t, s, "credit-scorer").String(), Mechanism: "data_error", Title: "Stale income data",
		CaseIDs: caseIDs, AlertID: a.ID.String()})
	if err != nil {
		t.Fatalf("an issue from the alert's case ids: %v", err)
	}
	if n := count(t, s, `SELECT count(*) FROM systemic_issue_cases WHERE issue_id = ?`, issue); n != systemic.MaxCases {
		t.Errorf("%d cases linked, want %d", n, systemic.MaxCases)
	}

	// An alert stored before the bound, with more ids than its threshold, is read cut to it.
	old := s.Core.DB.Raw(`INSERT INTO systemic_alerts (ai_system_id, case_count, threshold, window_hours, window_from, window_to, case_ids)
		SELECT ai_system_id, 5, 2, 24, now() - interval '1 day', now(), ARRAY(SELECT id FROM cases ORDER BY submitted_at, id LIMIT 5)
		  FROM cases WHERE id = ? RETURNING id`, first)
	var oldID uuid.UUID
	if err := old.Row().Scan(&oldID); err != nil {
		t.Fatal(err)
	}
	if o, err := s.Core.Systemic.Alert(ctx, oldID); err != nil || !slices.Equal(o.CaseIDs, ids[:2]) || o.CaseCount != 5 {
		t.Errorf("an alert stored with 5 ids and threshold 2: %+v %v", o, err)
	}
}
