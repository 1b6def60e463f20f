package api_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/testenv/smtpsink"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// TestProviderRequestHasItsOwnClock is the last sentence of issue 16, item
// 1: staff send the AI system's provider a recorded request for information
// (refused with a 409 while the register has no contact for the provider),
// the provider's contact receives it by email, it has its own clock on the
// case which breaches when overdue, and recording the answer ends it. The
// complainant never sees it.
func TestProviderRequestHasItsOwnClock(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := teststack.New(t, teststack.Options{Worker: true, Notify: func(o *notify.Options) {
		m, err := notify.NewSMTP(sink.URL(), "Redress <no-reply@redress.example.org>")
		if err != nil {
			t.Fatal(err)
		}
		o.Mailer, o.Backoff, o.Poll = m, []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}, 20*time.Millisecond
	}})
	ctx := context.Background()
	f := s.File(aboutSystem(t, s, "shift-scheduler"))
	me := s.ComplainantToken(f)
	sam := s.Login("supervisor@example.org")
	path := "/api/v1/cases/" + f.ID + "/provider-requests"
	questions := "Which inputs did the scheduler weigh for this rota on 3 November, and with which weights?"

	// Bad requests name their field.
	for _, bad := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"questions": " ", "due_days": 14}, "questions"},
		{map[string]any{"questions": questions}, "due_days"},
		{map[string]any{"questions": questions, "due_days": 0}, "due_days"},
		{map[string]any{"questions": questions, "due_days": 400}, "due_days"},
		{map[string]any{"questions": questions, "due_at": time.Now().Add(-time.Hour)}, "due_at"},
		{map[string]any{"questions": questions, "due_days": 3, "due_at": time.Now().Add(time.Hour)}, "due_days"},
	} {
		r := s.Do(req{Method: "POST", Path: path, Token: sam, Body: bad.body})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"`+bad.field+`"`) {
			t.Errorf("%v: %d %s", bad.body, r.Status, r.Body)
		}
	}

	// The register has no contact for the scheduler's provider: 409 naming it, nothing written.
	r := s.Do(req{Method: "POST", Path: path, Token: sam, Body: map[string]any{"questions": questions, "due_days": 14}})
	if r.Status != 409 || r.JSON(t)["code"] != "provider_contact_missing" || !strings.Contains(string(r.Body), "contact email") {
		t.Fatalf("without a provider contact: %d %s", r.Status, r.Body)
	}
	// A case about a system outside the register has no provider to ask.
	other := s.File(teststack.ValidCase())
	r = s.Do(req{Method: "POST", Path: "/api/v1/cases/" + other.ID + "/provider-requests", Token: sam,
		Body: map[string]any{"questions": questions, "due_days": 14}})
	if r.Status != 409 || r.JSON(t)["code"] != "no_ai_system" {
		t.Fatalf("a system outside the register: %d %s", r.Status, r.Body)
	}
	var written int64
	s.Core.DB.Raw(`SELECT count(*) FROM provider_requests`).Scan(&written)
	if written != 0 {
		t.Fatalf("%d requests written by refused calls", written)
	}

	// An admin gives the provider's contact; a bad address names its field.
	var sysRef string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'shift-scheduler'`).Scan(&sysRef)
	sysID := uuid.MustParse(sysRef)
	sys, err := s.Core.Registry.GetAny(ctx, sysID)
	if err != nil {
		t.Fatal(err)
	}
	in := registry.SystemInput{Slug: sys.Slug, Name: sys.Name, Provider: sys.Provider, Version: sys.Version,
		Purpose: sys.Purpose, RiskArea: sys.RiskArea, ProviderEmail: "not an address"}
	if _, err := s.Core.Registry.Update(ctx, sysID, in); !fault.Is(err, fault.Invalid) ||
		!strings.Contains(strings.Join(fault.FieldNames(err), ","), "provider_email") {
		t.Fatalf("a bad provider email: %v", err)
	}
	in.ProviderEmail = "ai-support@shiftwise.example"
	if _, err := s.Core.Registry.Update(ctx, sysID, in); err != nil {
		t.Fatal(err)
	}

	// Sent: recorded (questions sealed), with its clock, emailed to the provider.
	r = s.Do(req{Method: "POST", Path: path, Token: sam, Body: map[string]any{"questions": questions, "due_days": 14}})
	if r.Status != 201 {
		t.Fatalf("send: %d %s", r.Status, r.Body)
	}
	sent := r.JSON(t)
	id := sent["id"].(string)
	clock := "provider_request:" + id
	if sent["sent_to"] != "ai-support@shiftwise.example" || sent["clock"] != clock || sent["answer"] != nil ||
		sent["questions"] != questions {
		t.Fatalf("sent: %v", sent)
	}
	if due, _ := time.Parse(time.RFC3339, sent["due_at"].(string)); due.Before(time.Now().Add(13*24*time.Hour)) ||
		due.After(time.Now().Add(15*24*time.Hour)) {
		t.Errorf("due in 14 days: %v", sent["due_at"])
	}
	if inClear(t, s, "provider_requests", "questions_enc", "weigh for this rota") > 0 {
		t.Error("the questions are stored in clear")
	}
	var mail []smtpsink.Message
	deadline := time.Now().Add(2 * time.Minute)
	for mail = sink.To("ai-support@shiftwise.example"); len(mail) == 0; mail = sink.To("ai-support@shiftwise.example") {
		if time.Now().After(deadline) {
			t.Fatal("the provider never got the request")
		}
		time.Sleep(50 * time.Millisecond) // the worker sends it: poll the sink
	}
	if body := mail[0].Text(); !strings.Contains(body, questions) || !strings.Contains(body, id) ||
		!strings.Contains(mail[0].Subject(), f.Reference) || strings.Contains(body, "sick leave") {
		t.Errorf("the provider's email: %s\n%s", mail[0].Subject(), body)
	}
	var entries int64
	s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'provider_request.sent' AND NOT public`, f.ID).
		Scan(&entries)
	if entries != 1 {
		t.Errorf("%d staff-only record entries of the request", entries)
	}

	// The complainant's page does not show the request's clock.
	if cm := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}); cm.Status != 200 ||
		strings.Contains(string(cm.Body), "provider_request") || strings.Contains(string(cm.Body), "weigh for this rota") {
		t.Errorf("the complainant sees the provider request: %d %s", cm.Status, cm.Body)
	}
	if r := s.Do(req{Method: "GET", Path: path, Token: me}); r.Status < 400 {
		t.Errorf("a complainant lists the provider requests: %d", r.Status)
	}

	// Overdue: the clock breaches like any clock.
	if err := s.Core.DB.Exec(`UPDATE case_clocks SET due_at = now() - interval '1 minute', warn_at = '{}',
		next_fire_at = now() - interval '1 minute' WHERE case_id = ? AND clock = ?`, f.ID, clock).Error; err != nil {
		t.Fatal(err)
	}
	breached := func() bool {
		var yes bool
		if err := s.Core.DB.Raw(`SELECT breached_at IS NOT NULL FROM case_clocks WHERE case_id = ? AND clock = ?`, f.ID, clock).
			Scan(&yes).Error; err != nil {
			t.Fatal(err)
		}
		return yes
	}
	for !breached() {
		if time.Now().After(deadline) {
			t.Fatal("the request's clock never breached")
		}
		if _, err := s.Core.Clocks.Sweep(ctx, 50); err != nil {
			t.Fatal(err)
		}
	}

	// The answer ends the clock; a second answer is refused.
	answer := "The model weighed sick-leave days (0.4), past rotas (0.3) and seniority (0.3)."
	if r := s.Do(req{Method: "POST", Path: path + "/" + uuid.NewString() + "/answer", Token: sam,
		Body: map[string]any{"answer": answer}}); r.Status != 404 {
		t.Errorf("answering an unknown request: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/" + id + "/answer", Token: sam,
		Body: map[string]any{"answer": " "}}); r.Status != 422 || !strings.Contains(string(r.Body), `"field":"answer"`) {
		t.Errorf("an empty answer: %d %s", r.Status, r.Body)
	}
	r = s.Do(req{Method: "POST", Path: path + "/" + id + "/answer", Token: sam, Body: map[string]any{"answer": answer}})
	if r.Status != 200 || r.JSON(t)["answer"] != answer || r.JSON(t)["answered_at"] == nil {
		t.Fatalf("answer: %d %s", r.Status, r.Body)
	}
	var ended struct{ SatisfiedBy *string }
	s.Core.DB.Raw(`SELECT satisfied_by FROM case_clocks WHERE case_id = ? AND clock = ?`, f.ID, clock).Scan(&ended)
	if ended.SatisfiedBy == nil || *ended.SatisfiedBy != "answered" {
		t.Errorf("the clock after the answer: %+v", ended)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/" + id + "/answer", Token: sam,
		Body: map[string]any{"answer": "again"}}); r.Status != 409 || r.JSON(t)["code"] != "already_answered" {
		t.Errorf("a second answer: %d %s", r.Status, r.Body)
	}
	if inClear(t, s, "provider_requests", "answer_enc", "seniority") > 0 {
		t.Error("the answer is stored in clear")
	}
	list := s.Do(req{Method: "GET", Path: path, Token: sam})
	items, _ := list.JSON(t)["items"].([]any)
	if list.Status != 200 || len(items) != 1 || items[0].(map[string]any)["answer"] != answer {
		t.Errorf("the list: %d %s", list.Status, list.Body)
	}
}
