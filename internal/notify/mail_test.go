package notify_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/sla"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/smtpsink"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

type req = teststack.Request

const publicURL = "https://redress.example.org"

// mailStack runs Redress with its worker mailing through sink, polling often
// and retrying after backoff.
func mailStack(t *testing.T, sink *smtpsink.Sink, backoff ...time.Duration) *teststack.Stack {
	t.Helper()
	if len(backoff) == 0 {
		backoff = []time.Duration{100 * time.Millisecond, 200 * time.Millisecond}
	}
	return teststack.New(t, teststack.Options{Worker: true, Notify: func(o *notify.Options) {
		m, err := notify.NewSMTP(sink.URL(), "Redress <no-reply@redress.example.org>")
		if err != nil {
			t.Fatal(err)
		}
		o.Mailer, o.Backoff, o.Poll, o.PublicURL = m, backoff, 20*time.Millisecond, publicURL
	}})
}

// identified is a case filed by a named complainant who wants news by channel.
func identified(email, channel, lang, description string) map[string]any {
	b := teststack.ValidCase()
	b["anonymous"] = false
	b["language"] = lang
	b["description"] = description
	b["contact"] = map[string]any{"name": "Marie Curie-Sklodowska", "email": email, "phone": "+33 1 23 45 67 89",
		"preferred_channel": channel}
	return b
}

// settle waits until the complainant and staff consumers have handled every
// event of the case in the outbox that they may owe an email for, and every
// email owed for the case is sent
// or settled: what the sink holds then is all it will get.
func settle(t *testing.T, s *teststack.Stack, caseID string) {
	t.Helper()
	var cons []notify.Consumer
	for _, c := range s.Core.Notify.Consumers() {
		if c.Name != notify.ConsumerWebhooks {
			cons = append(cons, c)
		}
	}
	testenv.Eventually(t, time.Minute, "the notifier to settle case "+caseID, func() bool {
		var routed bool // routing makes the event staff hear of first
		s.Core.DB.Raw(`SELECT routed_at IS NOT NULL FROM cases WHERE id = ?`, caseID).Scan(&routed)
		if !routed {
			return false
		}
		for _, c := range cons {
			// An event the consumer owes nothing for (Relevant) is
			// acknowledged without a processed_events row, and mails nobody.
			var left []string
			s.Core.DB.Raw(`SELECT o.payload::text FROM outbox o WHERE o.payload->>'case_id' = ? AND o.subject IN ?
				AND NOT EXISTS (SELECT 1 FROM processed_events p WHERE p.consumer = ? AND p.event_id = o.id)`,
				caseID, c.Subjects, c.Name).Scan(&left)
			for _, payload := range left {
				var env events.Envelope
				if err := json.Unmarshal([]byte(payload), &env); err != nil {
					t.Fatal(err)
				}
				if c.Relevant == nil {
					return false
				}
				r := db.ReadsOn(s.Core.DB)
				if owed := c.Relevant(r, &env); r.Run() != nil || owed() {
					return false
				}
			}
		}
		var open int
		s.Core.DB.Raw(`SELECT count(*) FROM notifications_sent WHERE case_id = ? AND status IN ('pending', 'failed')`,
			caseID).Scan(&open)
		return open == 0
	})
}

func staffPost(t *testing.T, s *teststack.Stack, tok, path string, body any) {
	t.Helper()
	r := s.Do(req{Method: "POST", Path: path, Token: tok, Body: body})
	if r.Status/100 != 2 {
		t.Fatalf("POST %s: %d %s", path, r.Status, r.Body)
	}
}

// absent fails the test when any of secrets appears in a message, raw or decoded.
func absent(t *testing.T, m smtpsink.Message, secrets ...string) {
	t.Helper()
	text := strings.ToLower(string(m.Raw) + "\n" + m.Subject() + "\n" + m.Text())
	for _, s := range secrets {
		if strings.Contains(text, strings.ToLower(s)) {
			t.Errorf("email %q to %v contains %q:\n%s", m.Subject(), m.To, s, m.Raw)
		}
	}
}

func TestIdentifiedComplainantIsToldOfNewsWithoutCaseContent(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	const (
		email       = "mc1867@example.net"
		description = "Le logiciel a supprimé mes heures après mon arrêt maladie (note 7f3a)."
		toHer       = "Pouvez-vous nous envoyer la lettre de décision ? (demande 91b2)"
		internal    = "Internal note: possibly linked to the March roster change (c4d5)."
		reply       = "Voici la lettre, envoyée le 3 novembre (réponse e6f7)."
	)
	f := s.File(identified(email, "email", "fr-BE", description))
	reviewer := s.Login("supervisor@example.org") // nobody holds the cases: a supervisor of the queue acts (issue 15)
	staffPost(t, s, reviewer, "/api/v1/cases/"+f.ID+"/acknowledge", nil)
	staffPost(t, s, reviewer, "/api/v1/cases/"+f.ID+"/messages", map[string]string{"body": toHer, "visibility": "complainant"})
	staffPost(t, s, reviewer, "/api/v1/cases/"+f.ID+"/messages", map[string]string{"body": internal, "visibility": "internal"})
	staffPost(t, s, s.ComplainantToken(f), "/api/v1/complainant/case/messages", map[string]string{"body": reply})
	settle(t, s, f.ID)

	got := sink.To(email)
	if len(got) != 2 {
		t.Fatalf("%d emails to the complainant, want 2 (acknowledgement, message); all: %d", len(got), len(sink.Messages()))
	}
	for _, m := range got {
		if len(m.To) != 1 || m.From != "no-reply@redress.example.org" {
			t.Errorf("envelope from %s to %v", m.From, m.To)
		}
		if m.Subject() != "Du nouveau sur votre réclamation "+f.Reference {
			t.Errorf("subject %q", m.Subject())
		}
		if m.Header("Content-Language") != "fr" || m.Header("Auto-Submitted") != "auto-generated" {
			t.Errorf("headers: Content-Language %q, Auto-Submitted %q", m.Header("Content-Language"), m.Header("Auto-Submitted"))
		}
		body := m.Text()
		if !strings.Contains(body, publicURL+"/follow-up") || !strings.Contains(body, f.Reference) {
			t.Errorf("body lacks the reference or the follow-up link:\n%s", body)
		}
		absent(t, m, description, "7f3a", toHer, "91b2", internal, "c4d5", reply, "e6f7", "Marie", "Curie", f.Receipt,
			"/cases/"+f.ID, "+33")
	}
	// Staff were told too (the new case, her reply), with none of it either.
	staff := 0
	for _, m := range sink.Messages() {
		if m.To[0] == email {
			continue
		}
		staff++
		absent(t, m, email, description, "7f3a", toHer, "91b2", internal, "c4d5", reply, "e6f7", "Marie", "Curie",
			f.Receipt, "+33")
	}
	if staff == 0 {
		t.Error("no staff email: the content check above checked nothing")
	}
	// Nothing personal is kept in the table of emails either.
	var stored string
	s.Core.DB.Raw(`SELECT string_agg(row_to_json(n)::text, E'\n') FROM notifications_sent n`).Scan(&stored)
	for _, secret := range []string{email, "Marie", description, toHer, reply} {
		if strings.Contains(stored, secret) {
			t.Errorf("notifications_sent holds %q", secret)
		}
	}
}

func TestNoEmailToAnonymousComplainantsOrThoseWhoChoseAnotherChannel(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	reviewer := s.Login("supervisor@example.org") // nobody holds the cases: a supervisor of the queue acts (issue 15)
	anon := s.File(teststack.ValidCase())
	byPhone := s.File(identified("phone.person@example.net", "phone", "en", "By phone, please."))
	onPage := s.File(identified("page.person@example.net", "follow_up_page", "en", "I will check the page."))
	byEmail := s.File(identified("email.person@example.net", "email", "en", "Write to me."))
	for _, f := range []teststack.Filed{anon, byPhone, onPage, byEmail} {
		staffPost(t, s, reviewer, "/api/v1/cases/"+f.ID+"/acknowledge", nil)
		staffPost(t, s, reviewer, "/api/v1/cases/"+f.ID+"/messages",
			map[string]string{"body": "We have a question for you.", "visibility": "complainant"})
		settle(t, s, f.ID)
	}
	for _, f := range []teststack.Filed{anon, byPhone, onPage} {
		var n int
		s.Core.DB.Raw(`SELECT count(*) FROM notifications_sent WHERE case_id = ? AND recipient_kind = 'complainant'`, f.ID).Scan(&n)
		if n != 0 {
			t.Errorf("case %s: %d emails owed to the complainant", f.Reference, n)
		}
	}
	for _, addr := range []string{"phone.person@example.net", "page.person@example.net"} {
		if got := sink.To(addr); len(got) != 0 {
			t.Errorf("%d emails to %s", len(got), addr)
		}
	}
	for _, m := range sink.Messages() {
		if strings.Contains(m.Subject(), anon.Reference) && !strings.HasSuffix(m.To[0], "@example.org") {
			t.Errorf("an email about the anonymous case went to %v", m.To)
		}
	}
	// The same steps do mail the complainant who chose email: the absences above are real.
	if got := sink.To("email.person@example.net"); len(got) != 2 {
		t.Errorf("%d emails to the complainant who chose email, want 2", len(got))
	}
}

// Status moves tell the complainant only when their page shows a new stage,
// and never when they made the move.
func TestComplainantIsToldOfStageChangesOnly(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	reviewer := s.Login("supervisor@example.org") // a supervisor moves a case nobody holds
	f := s.File(identified("stages@example.net", "email", "es", "Cambios de etapa."))
	move := func(to string) {
		staffPost(t, s, reviewer, "/api/v1/cases/"+f.ID+"/transitions", map[string]string{"to": to, "reason": "Testing " + to})
	}
	move("in_review")            // received → in review: news
	move("awaiting_complainant") // → waiting for you: news
	move("in_review")            // → in review: news
	settle(t, s, f.ID)
	got := sink.To("stages@example.net")
	if len(got) != 3 {
		t.Fatalf("%d emails, want 3", len(got))
	}
	if got[0].Subject() != "Novedades sobre su reclamación "+f.Reference || got[0].Header("Content-Language") != "es" {
		t.Errorf("subject %q, language %q", got[0].Subject(), got[0].Header("Content-Language"))
	}
	// A decision waiting for its second approver is "in review" to the complainant: no email.
	var events int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE payload->>'case_id' = ?`, f.ID).Scan(&events)
	// A P1 case's decision waits for a supervisor.
	s.Core.DB.Exec(`UPDATE cases SET priority = 'P1', assignee_id = (SELECT id FROM users WHERE email = 'reviewer@example.org')
		WHERE id = ?`, f.ID)
	s.RecordAIDecision(s.Reviewer(), f.ID)
	staffPost(t, s, s.Reviewer(), "/api/v1/cases/"+f.ID+"/decision", teststack.Decision("decision_confirmed"))
	settle(t, s, f.ID)
	var after int
	s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE payload->>'case_id' = ?`, f.ID).Scan(&after)
	var status string
	s.Core.DB.Raw(`SELECT status FROM cases WHERE id = ?`, f.ID).Scan(&status)
	if status != "pending_approval" || after != events+1 {
		t.Fatalf("the decision left the case %s and made %d events", status, after-events)
	}
	if got := sink.To("stages@example.net"); len(got) != 3 {
		t.Errorf("%d emails after a move the complainant cannot see, want still 3", len(got))
	}
}

func TestQueueMembersHearOfNewCasesInTheirQueue(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	admin := s.Login("admin@example.org")
	var employment, hiring, reviewer2 string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'employment'`).Scan(&employment)
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'hiring-screener'`).Scan(&hiring)
	s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = 'reviewer2@example.org'`).Scan(&reviewer2)
	fileHiring := func() teststack.Filed {
		b := teststack.ValidCase()
		delete(b, "ai_system_other")
		b["ai_system_id"] = hiring
		f := s.File(b)
		settle(t, s, f.ID)
		return f
	}
	newCaseMails := func(to, ref string) []smtpsink.Message {
		var out []smtpsink.Message
		for _, m := range sink.To(to) {
			if strings.Contains(m.Subject(), "New case "+ref) {
				out = append(out, m)
			}
		}
		return out
	}

	// The demo puts reviewer@ in the employment queue, and nobody else.
	a := fileHiring()
	got := newCaseMails("reviewer@example.org", a.Reference)
	if len(got) != 1 {
		t.Fatalf("%d new-case emails to the queue member, want 1", len(got))
	}
	if want := "[Redress] New case " + a.Reference + " in Employment decisions (P2)"; got[0].Subject() != want {
		t.Errorf("subject %q, want %q", got[0].Subject(), want)
	}
	body := got[0].Text()
	for _, want := range []string{"Kind:      contest_decision", "Queue:     Employment decisions", publicURL + "/cases/" + a.ID} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	absent(t, got[0], "My hours were cut", "Restore my hours", a.Receipt)
	for _, other := range []string{"reviewer2@example.org", "supervisor@example.org", "admin@example.org"} {
		if n := len(newCaseMails(other, a.Reference)); n != 0 {
			t.Errorf("%s, not a member, got %d new-case emails", other, n)
		}
	}

	// An admin adds reviewer2 and removes reviewer: the next case goes to reviewer2 alone.
	member := "/api/v1/admin/queues/" + employment + "/members/"
	if r := s.Do(req{Method: "PUT", Path: member + reviewer2, Token: admin}); r.Status != 204 {
		t.Fatalf("add member: %d %s", r.Status, r.Body)
	}
	var reviewer string
	s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = 'reviewer@example.org'`).Scan(&reviewer)
	if r := s.Do(req{Method: "DELETE", Path: member + reviewer, Token: admin}); r.Status != 204 {
		t.Fatalf("remove member: %d %s", r.Status, r.Body)
	}
	b := fileHiring()
	if n := len(newCaseMails("reviewer2@example.org", b.Reference)); n != 1 {
		t.Errorf("the new member got %d new-case emails, want 1", n)
	}
	if n := len(newCaseMails("reviewer@example.org", b.Reference)); n != 0 {
		t.Errorf("the removed member got %d new-case emails, want 0", n)
	}
	// reviewer2 reads Spanish, English and Arabic: English is their first language.
	if m := newCaseMails("reviewer2@example.org", b.Reference); len(m) == 1 && m[0].Header("Content-Language") != "en" {
		t.Errorf("language %q", m[0].Header("Content-Language"))
	}
}

func TestComplainantReplyMailsTheAssignee(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	f := s.File(teststack.ValidCase())
	settle(t, s, f.ID) // routed to general; reviewer@ is its member
	var general string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'general'`).Scan(&general)
	r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + general + "/claim", Token: s.Login("reviewer2@example.org")})
	if r.Status != 200 || r.JSON(t)["id"] != f.ID {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	const reply = "Here is the rota they gave me (reply qz7w)." // no hex: never in an id or a link
	staffPost(t, s, s.ComplainantToken(f), "/api/v1/complainant/case/messages", map[string]string{"body": reply})
	settle(t, s, f.ID)
	replies := func(to string) []smtpsink.Message {
		var out []smtpsink.Message
		for _, m := range sink.To(to) {
			if m.Subject() == "[Redress] Reply received on case "+f.Reference {
				out = append(out, m)
			}
		}
		return out
	}
	got := replies("reviewer2@example.org")
	if len(got) != 1 {
		t.Fatalf("%d reply emails to the assignee, want 1", len(got))
	}
	absent(t, got[0], reply, "qz7w", "My hours were cut")
	if !strings.Contains(got[0].Text(), publicURL+"/cases/"+f.ID) {
		t.Errorf("no link to the case:\n%s", got[0].Text())
	}
	if n := len(replies("reviewer@example.org")); n != 0 {
		t.Errorf("the queue member got %d reply emails though the case is assigned", n)
	}
}

func TestSLAWarningsAndBreachesMailWhoHoldsTheCase(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	ctx := context.Background()
	one, two := s.File(teststack.ValidCase()), s.File(teststack.ValidCase())
	settle(t, s, one.ID)
	settle(t, s, two.ID)
	var general string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'general'`).Scan(&general)
	r := s.Do(req{Method: "POST", Path: "/api/v1/queues/" + general + "/claim", Token: s.Login("reviewer2@example.org")})
	if r.Status != 200 {
		t.Fatalf("claim: %d %s", r.Status, r.Body)
	}
	assigned, unassigned := one, two
	if r.JSON(t)["id"] == two.ID {
		assigned, unassigned = two, one
	}

	due := time.Date(2026, 12, 1, 9, 30, 0, 0, time.UTC)
	emit := func(caseID, subject string, d events.SLA) {
		t.Helper()
		if err := db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
			_, err := outbox.Add(tx, subject, uuid.MustParse(caseID), d)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	warning := events.SLA{Clock: sla.Acknowledge, DueAt: due, Rule: sla.RuleAcknowledge, Statutory: true, Fraction: 0.75, Notify: true}
	breach := events.SLA{Clock: sla.Acknowledge, DueAt: due, Rule: sla.RuleAcknowledge, Statutory: true, Priority: "P1", Notify: true}
	emit(assigned.ID, events.SLAWarning, warning)
	emit(assigned.ID, events.SLABreached, breach)
	emit(unassigned.ID, events.SLAWarning, warning)
	quiet := breach
	quiet.Notify = false // the policy does not notify on this breach
	emit(unassigned.ID, events.SLABreached, quiet)
	settle(t, s, assigned.ID)
	settle(t, s, unassigned.ID)

	about := func(to, ref, prefix string) []smtpsink.Message {
		var out []smtpsink.Message
		for _, m := range sink.To(to) {
			if strings.HasPrefix(m.Subject(), prefix) && strings.Contains(m.Subject(), ref) {
				out = append(out, m)
			}
		}
		return out
	}
	const warn, missed = "[Redress] Due soon: acknowledge on case ", "[Redress] Deadline missed: acknowledge on case "
	// The assignee hears of the warning and the breach; supervisors of the breach.
	w := about("reviewer2@example.org", assigned.Reference, warn)
	if len(w) != 1 {
		t.Fatalf("%d warnings to the assignee, want 1", len(w))
	}
	for _, want := range []string{"75% of its time has passed", "Due:  2026-12-01 09:30 UTC",
		"Rule: EU Whistleblowing Directive 2019/1937 art. 9(1)(b), 7 days", publicURL + "/cases/" + assigned.ID} {
		if !strings.Contains(w[0].Text(), want) {
			t.Errorf("warning lacks %q:\n%s", want, w[0].Text())
		}
	}
	if n := len(about("reviewer2@example.org", assigned.Reference, missed)); n != 1 {
		t.Errorf("%d breach emails to the assignee, want 1", n)
	}
	if n := len(about("supervisor@example.org", assigned.Reference, missed)); n != 1 {
		t.Errorf("%d breach emails to the supervisor, want 1", n)
	}
	if n := len(about("reviewer@example.org", assigned.Reference, warn)); n != 0 {
		t.Errorf("the queue member got %d warnings about an assigned case", n)
	}
	// Unassigned: its queue's members hear of the warning; a breach that is not to notify mails nobody.
	if n := len(about("reviewer@example.org", unassigned.Reference, warn)); n != 1 {
		t.Errorf("%d warnings to the queue member about an unassigned case, want 1", n)
	}
	for _, m := range sink.Messages() {
		if strings.HasPrefix(m.Subject(), missed) && strings.Contains(m.Subject(), unassigned.Reference) {
			t.Errorf("a breach that is not to notify mailed %v", m.To)
		}
	}
}

// A redelivered event owes nothing twice: the consumer skips what it has
// processed, and an event handled again owes the same email (the primary
// key of notifications_sent) — still one email.
func TestRedeliveredEventMailsOnce(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	ctx := context.Background()
	const email = "once@example.net"
	f := s.File(identified(email, "email", "en", "Only once, please."))
	staffPost(t, s, s.Login("supervisor@example.org"), "/api/v1/cases/"+f.ID+"/acknowledge", nil)
	settle(t, s, f.ID)
	if n := len(sink.To(email)); n != 1 {
		t.Fatalf("%d emails after the acknowledgement, want 1", n)
	}
	stream, err := s.JS.Stream(ctx, events.Stream)
	if err != nil {
		t.Fatal(err)
	}
	msg, err := stream.GetLastMsgForSubject(ctx, events.CaseAcknowledged)
	if err != nil {
		t.Fatal(err)
	}
	var env events.Envelope
	if err := json.Unmarshal(msg.Data, &env); err != nil {
		t.Fatal(err)
	}
	redeliver := func() {
		t.Helper()
		m := &nats.Msg{Subject: events.CaseAcknowledged, Data: msg.Data, Header: nats.Header{}}
		m.Header.Set(jetstream.MsgIDHeader, uuid.NewString()) // past the stream's duplicate window
		ack, err := s.JS.PublishMsg(ctx, m)
		if err != nil {
			t.Fatal(err)
		}
		cons, err := stream.Consumer(ctx, notify.ConsumerComplainant)
		if err != nil {
			t.Fatal(err)
		}
		testenv.Eventually(t, time.Minute, "the consumer to handle the redelivery", func() bool {
			info, err := cons.Info(ctx)
			return err == nil && info.AckFloor.Stream >= ack.Sequence
		})
	}
	redeliver()
	// Forget that the consumer processed it: the handler runs again and owes the same row.
	s.Core.DB.Exec(`DELETE FROM processed_events WHERE consumer = ? AND event_id = ?`, notify.ConsumerComplainant, env.ID)
	redeliver()
	var processed int
	s.Core.DB.Raw(`SELECT count(*) FROM processed_events WHERE consumer = ? AND event_id = ?`,
		notify.ConsumerComplainant, env.ID).Scan(&processed)
	if processed != 1 {
		t.Fatalf("the second redelivery was not handled (%d rows)", processed)
	}
	settle(t, s, f.ID)
	var rows int
	s.Core.DB.Raw(`SELECT count(*) FROM notifications_sent WHERE event_id = ?`, env.ID).Scan(&rows)
	if rows != 1 {
		t.Errorf("%d emails owed for one event", rows)
	}
	if n := len(sink.To(email)); n != 1 {
		t.Errorf("%d emails after redeliveries, want 1", n)
	}
}

type outcome struct {
	Status  string
	Attempt int
	Error   *string
}

func emailOutcome(t *testing.T, s *teststack.Stack, caseID string) outcome {
	t.Helper()
	var o outcome
	s.Core.DB.Raw(`SELECT status, attempt, error FROM notifications_sent WHERE case_id = ? AND recipient_kind = 'complainant'`,
		caseID).Scan(&o)
	return o
}

// The SMTP server is down: the email is retried, and sent once it is back.
func TestEmailRetriedWhileTheServerIsDownThenSent(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	backoff := make([]time.Duration, 300) // retried every 100 ms for half a minute
	for i := range backoff {
		backoff[i] = 100 * time.Millisecond
	}
	s := mailStack(t, sink, backoff...)
	const email = "patient@example.net"
	f := s.File(identified(email, "email", "en", "Down and up."))
	settle(t, s, f.ID)
	sink.Stop()
	staffPost(t, s, s.Login("supervisor@example.org"), "/api/v1/cases/"+f.ID+"/acknowledge", nil)
	testenv.Eventually(t, time.Minute, "two failed attempts", func() bool {
		o := emailOutcome(t, s, f.ID)
		return o.Status == "failed" && o.Attempt >= 2
	})
	o := emailOutcome(t, s, f.ID)
	if o.Error == nil || !strings.Contains(*o.Error, "dial") || strings.Contains(*o.Error, email) {
		t.Errorf("error recorded: %v", o.Error)
	}
	sink.Restart()
	testenv.Eventually(t, time.Minute, "the email to be sent", func() bool { return emailOutcome(t, s, f.ID).Status == "sent" })
	if n := len(sink.To(email)); n != 1 {
		t.Errorf("%d emails, want 1", n)
	}
}

// A temporary refusal (451) is retried after each back-off in turn; then accepted.
func TestEmailRetriedAfterEachBackoff(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	backoff := []time.Duration{200 * time.Millisecond, 400 * time.Millisecond, 800 * time.Millisecond, time.Hour}
	s := mailStack(t, sink, backoff...)
	const email = "later@example.net"
	f := s.File(identified(email, "email", "en", "Try later."))
	settle(t, s, f.ID)
	sink.Refuse(451, "Greylisted, try again later")
	staffPost(t, s, s.Login("supervisor@example.org"), "/api/v1/cases/"+f.ID+"/acknowledge", nil)
	testenv.Eventually(t, time.Minute, "three refused attempts", func() bool { return len(sink.Tries(email)) >= 3 })
	sink.Refuse(0, "")
	testenv.Eventually(t, time.Minute, "the email to be sent", func() bool { return emailOutcome(t, s, f.ID).Status == "sent" })
	tries := sink.Tries(email)
	if len(tries) < 4 || len(sink.To(email)) != 1 {
		t.Fatalf("%d tries, %d accepted", len(tries), len(sink.To(email)))
	}
	for i := 1; i < 4; i++ {
		if gap := tries[i].Sub(tries[i-1]); gap < backoff[i-1] {
			t.Errorf("attempt %d came %s after attempt %d, before its back-off of %s", i+1, gap, i, backoff[i-1])
		}
	}
}

// With the server down for good, the email is given up after the last
// attempt; a permanent refusal (550) gives up at once. Neither records the address.
func TestEmailGivenUp(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink, 50*time.Millisecond, 50*time.Millisecond) // three attempts in all
	if got := s.Core.Notify.MaxAttempts(); got != 3 {
		t.Fatalf("MaxAttempts = %d", got)
	}
	reviewer := s.Login("supervisor@example.org") // nobody holds the cases: a supervisor of the queue acts (issue 15)
	down := s.File(identified("down@example.net", "email", "en", "Never delivered."))
	settle(t, s, down.ID)
	sink.Stop()
	staffPost(t, s, reviewer, "/api/v1/cases/"+down.ID+"/acknowledge", nil)
	testenv.Eventually(t, time.Minute, "the email to be given up", func() bool {
		return emailOutcome(t, s, down.ID).Status == "gave_up"
	})
	if o := emailOutcome(t, s, down.ID); o.Attempt != 3 || o.Error == nil {
		t.Errorf("given up after %d attempts, error %v", o.Attempt, o.Error)
	}

	sink.Restart()
	sink.Refuse(550, "5.1.1 {rcpt}: no such mailbox")
	refused := s.File(identified("refused@example.net", "email", "en", "No such mailbox."))
	settle(t, s, refused.ID)
	staffPost(t, s, reviewer, "/api/v1/cases/"+refused.ID+"/acknowledge", nil)
	settle(t, s, refused.ID)
	o := emailOutcome(t, s, refused.ID)
	if o.Status != "gave_up" || o.Attempt != 1 || o.Error == nil || !strings.Contains(*o.Error, "550") {
		t.Errorf("refused for good: %+v", o)
	} else if strings.Contains(*o.Error, "refused@example.net") || !strings.Contains(*o.Error, "[recipient]") {
		t.Errorf("the address is in the recorded error: %s", *o.Error)
	}

	// A given-up email stays given up: a later email to the first complainant
	// goes out, and it is the only one they get.
	sink.Refuse(0, "")
	staffPost(t, s, reviewer, "/api/v1/cases/"+down.ID+"/messages", map[string]string{"body": "Hello again.", "visibility": "complainant"})
	settle(t, s, down.ID)
	if n := len(sink.To("down@example.net")); n != 1 {
		t.Errorf("%d emails to the first complainant, want only the later one", n)
	}
	if logs := s.Logs.String(); strings.Contains(logs, "down@example.net") || strings.Contains(logs, "refused@example.net") {
		t.Error("an address was logged")
	}
}

// Without SMTP configured, owed emails are recorded as skipped, never lost silently.
func TestEmailsSkippedWithoutSMTP(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Worker: true})
	f := s.File(identified("nosmtp@example.net", "email", "en", "No server."))
	staffPost(t, s, s.Login("supervisor@example.org"), "/api/v1/cases/"+f.ID+"/acknowledge", nil)
	settle(t, s, f.ID)
	var o outcome
	s.Core.DB.Raw(`SELECT status, attempt, error FROM notifications_sent WHERE case_id = ? AND recipient_kind = 'complainant'`,
		f.ID).Scan(&o)
	if o.Status != "skipped" || o.Error == nil || *o.Error != "SMTP is not configured" {
		t.Errorf("outcome %+v", o)
	}
}

func TestReassignmentMailsTheNewAssigneeButClaimingMailsNobody(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	f := s.File(teststack.ValidCase())
	settle(t, s, f.ID)
	var general string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'general'`).Scan(&general)
	staffPost(t, s, s.Reviewer(), "/api/v1/queues/"+general+"/claim", nil)
	var rui string
	s.Core.DB.Raw(`SELECT id::text FROM users WHERE email = 'reviewer2@example.org'`).Scan(&rui)
	staffPost(t, s, s.Login("supervisor@example.org"), "/api/v1/cases/"+f.ID+"/assign", map[string]string{"user_id": rui})
	settle(t, s, f.ID)
	subject := "[Redress] Case " + f.Reference + " is now yours (P3)"
	count := func(to string) int {
		n := 0
		for _, m := range sink.To(to) {
			if m.Subject() == subject {
				n++
				absent(t, m, "My hours were cut")
			}
		}
		return n
	}
	if n := count("reviewer2@example.org"); n != 1 {
		t.Errorf("%d assignment emails to the new assignee, want 1", n)
	}
	if n := count("reviewer@example.org"); n != 0 {
		t.Errorf("%d assignment emails to the reviewer who claimed it herself", n)
	}
}
