package grievance

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/decision"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/sla"
)

// ErrWrongPair is the one answer to every reference and receipt that do not match.
var ErrWrongPair = fault.New(fault.Unauthorized, "invalid_reference_or_receipt",
	"The reference and receipt do not match a complaint. Check both and try again.")

// ErrWrongCode is the one answer to every code that opens no case.
var ErrWrongCode = fault.New(fault.Unauthorized, "invalid_code",
	"The code does not match a complaint. Check it and try again.")

// OpenSession checks a reference and receipt and returns the case they open.
// Every failure — malformed, unknown reference, wrong receipt — costs one
// indexed lookup and one constant-time comparison and returns ErrWrongPair.
func (s *Service) OpenSession(ctx context.Context, reference, receipt string) (uuid.UUID, error) {
	ref, refErr := auth.NormalizeReference(reference)
	if refErr != nil {
		ref = "RD-000-000-000" // never issued: the lookup below runs and misses
	}
	rec, recErr := auth.NormalizeReceipt(receipt)
	if recErr != nil {
		rec = receipt
	}
	given := auth.HashReceipt(s.receiptSecret, rec)
	var row cases.Case
	if err := s.db.WithContext(ctx).Select("id", "receipt_hash").Where("reference = ?", ref).Find(&row).Error; err != nil {
		return uuid.Nil, fmt.Errorf("grievance: session lookup: %w", err)
	}
	stored := row.ReceiptHash
	if len(stored) != len(given) {
		stored = s.dummyHash
	}
	match := subtle.ConstantTimeCompare(stored, given) == 1
	if !match || refErr != nil || recErr != nil || row.ID == uuid.Nil {
		return uuid.Nil, ErrWrongPair
	}
	return row.ID, nil
}

// OpenSessionByCode checks a complainant's one code and returns the case it
// opens. The code's keyed hash is the lookup key, so a wrong code — malformed,
// mistyped, from a case filed before codes, or made up — costs one indexed
// lookup, as a right one does, and returns ErrWrongCode.
func (s *Service) OpenSessionByCode(ctx context.Context, code string) (uuid.UUID, error) {
	norm, err := auth.NormalizeCode(code)
	if err != nil {
		norm = code // never a canonical code: the lookup below runs and misses
	}
	var ids []uuid.UUID
	if err := s.db.WithContext(ctx).Model(&cases.Case{}).Where("code_hash = ?", auth.HashCode(s.receiptSecret, norm)).
		Pluck("id", &ids).Error; err != nil {
		return uuid.Nil, fmt.Errorf("grievance: session lookup: %w", err)
	}
	if len(ids) == 0 {
		return uuid.Nil, ErrWrongCode
	}
	return ids[0], nil
}

// DueDate is a clock as the complainant and the reviewer see it: when it is
// due, the rule that set the date, and the same in plain words.
type DueDate struct {
	Clock       sla.ClockName   `json:"clock"`
	DueAt       *time.Time      `json:"due_at"` // null while it stands still, waiting on the complainant
	StartedAt   time.Time       `json:"started_at"`
	SatisfiedAt *time.Time      `json:"satisfied_at,omitempty"`
	Paused      bool            `json:"paused"`
	BreachedAt  *time.Time      `json:"breached_at,omitempty"`
	Rule        json.RawMessage `json:"rule"`
	Summary     string          `json:"summary"`
	// Unmet: the remedy clock ended with every component settled but an
	// offer the complainant saw withdrawn (sla.Unremedied): not done.
	Unmet       bool `json:"unmet,omitempty"`
	offeredOnly bool // the remedy clock after an outcome that owes no restitution
}

// clockPromise says in plain words what each clock promises.
var clockPromise = map[sla.ClockName]string{
	sla.Acknowledge:        "We will acknowledge your complaint",
	sla.FirstResponse:      "A person will reply to you",
	sla.Decision:           "We will decide on your complaint",
	sla.Feedback:           "We will tell you what we have done",
	sla.GDPRReply:          "We will answer your request",
	sla.Remedy:             "We will put things right",
	sla.IncidentReport:     "We will report the incident to the authority",
	sla.ProviderNotice:     "We will tell the AI system's provider about the incident",
	sla.SuspensionDecision: "We will decide whether to stop using the AI system",
	sla.Appeal:             "We will decide on your appeal",
}

// summary is d in plain words, with the rule behind the date:
// "We will acknowledge your complaint by 30 November 2026, 10:00 UTC
// (EU Whistleblowing Directive 2019/1937 art. 9(1)(b), 7 days)."
func (d *DueDate) summary() string {
	const layout = "2 January 2006, 15:04 UTC"
	var r sla.Rule
	_ = json.Unmarshal(d.Rule, &r)
	why := r.Source
	if r.Period != "" {
		why += ", " + r.Period
	}
	promise := clockPromise[d.Clock]
	if d.Clock == sla.Remedy && d.offeredOnly {
		promise = remedyOfferedPromise
	}
	switch {
	case d.Unmet:
		return fmt.Sprintf("%s: not done; an offer was withdrawn on %s (its reason is shown with it). "+
			"You may ask for your case to go to an independent body.", promise, d.SatisfiedAt.Format(layout))
	case d.SatisfiedAt != nil:
		return fmt.Sprintf("%s: done on %s.", promise, d.SatisfiedAt.Format(layout))
	case d.DueAt == nil:
		return fmt.Sprintf("%s: this date is on hold while we wait for your answer (%s).", promise, why)
	case d.BreachedAt != nil:
		return fmt.Sprintf("%s by %s (%s). We missed this date; you may ask for your case to go to an independent body.",
			promise, d.DueAt.Format(layout), why)
	}
	return fmt.Sprintf("%s by %s (%s).", promise, d.DueAt.Format(layout), why)
}

// TimelineItem is a public entry of the case record.
type TimelineItem struct {
	At     time.Time `json:"at"`
	Action string    `json:"action"`
	Actor  string    `json:"actor"`
}

// Message is a message on a case.
type Message struct {
	ID         uuid.UUID       `json:"id"`
	AuthorKind audit.ActorKind `json:"author_kind"`
	AuthorID   *uuid.UUID      `json:"author_id,omitempty"`
	Visibility Visibility      `json:"visibility"`
	Body       string          `json:"body"`
	CreatedAt  time.Time       `json:"created_at"`
}

// Question is what the organisation asked the complainant and waits for
// them to answer: the whole text, as it was written.
type Question struct {
	MessageID *uuid.UUID `json:"message_id"` // null for a request made before questions were messages
	Body      string     `json:"body"`
	AskedAt   time.Time  `json:"asked_at"`
}

// ComplainantView is what a complainant sees of their case.
type ComplainantView struct {
	Reference   string         `json:"reference"`
	Kind        string         `json:"kind"`
	Status      cases.Status   `json:"status"`
	Stage       Stage          `json:"stage"`
	SubmittedAt time.Time      `json:"submitted_at"`
	AISystem    string         `json:"ai_system"`
	Anonymous   bool           `json:"anonymous"`
	DueDates    []DueDate      `json:"due_dates"`
	Timeline    []TimelineItem `json:"timeline"`
	Messages    []Message      `json:"messages"`
	// Question is the question to answer now, while the case waits on the
	// complainant (status awaiting_complainant); it is among Messages too.
	Question *Question `json:"question"`
	// Decision is the final decision, once there is one: outcome, reasons,
	// explanation and where to go next.
	Decision *decision.View `json:"decision"`
	// Resolution: the remedy offers and their status, the appeal, the
	// rating; RightsNotice goes with every offer.
	Resolution
	RightsNotice string `json:"rights_notice"`
	// NextSteps: what the complainant can do now and where else to go.
	NextSteps []Step `json:"next_steps"`
	// Evidence is the files the complainant added (internal/evidence).
	Evidence []evidence.ComplainantEvidence `json:"evidence"`
	// AIDecision is the AI decision record the organisation made of the
	// contested decision, once made (burden.go); null before.
	AIDecision *ComplainantAIDecision `json:"ai_decision"`
	// DisclosedEvidence is the organisation's evidence disclosed to the
	// complainant, redacted of third parties' data by a person (disclosure.go).
	DisclosedEvidence []DisclosedEvidence `json:"disclosed_evidence"`
	// Filing is what the complainant wrote when they filed (filing.go).
	Filing Filing `json:"filing"`
}

// ComplainantAIDecision is the AI decision record as the complainant reads
// it: what the system was, relied on and output, the human oversight there
// was and whether they were told; never who recorded it.
type ComplainantAIDecision struct {
	SystemVersion     string   `json:"system_version"`
	Inputs            []string `json:"inputs"`
	Output            string   `json:"output"`
	SolelyAutomated   bool     `json:"solely_automated"`
	HumanOversight    string   `json:"human_oversight"`
	OversightDetail   string   `json:"oversight_detail"`
	PersonInformed    string   `json:"person_informed"`
	DecisionReference *string  `json:"decision_reference"`
	DecisionDate      *string  `json:"decision_date"`
}

// ForComplainant returns the complainant's view of a case.
func (s *Service) ForComplainant(ctx context.Context, caseID uuid.UUID) (*ComplainantView, error) {
	q := s.db.WithContext(ctx)
	c, err := complainantCase(q, caseID)
	if err != nil {
		return nil, fmt.Errorf("grievance: complainant view: %w", err)
	}
	if c.Reference == "" {
		return nil, fault.New(fault.NotFound, "case_not_found", "The case does not exist.")
	}
	v := &ComplainantView{Reference: c.Reference, Kind: c.Kind, Status: c.Status, Stage: StageOf(c.Status),
		SubmittedAt: c.SubmittedAt.UTC(), Anonymous: c.Anonymous}
	if v.Filing, err = s.filing(caseID.String(), &c); err != nil {
		return nil, err
	}
	if c.SystemName != nil {
		v.AISystem = *c.SystemName
	} else if c.AISystemOther != nil {
		v.AISystem = *c.AISystemOther
	}
	// The case's due dates, messages, final decisions and resolution, in one
	// round trip (db.Reads).
	var ds []decision.View
	res := &Resolution{}
	rd := db.ReadsOn(s.db.WithContext(ctx))
	s.dueDates(rd, caseID, &v.DueDates)
	s.messages(rd, caseID, false, &v.Messages)
	decision.Views(rd, s.keys, caseID, true, &ds)
	s.resolution(rd, caseID, &c.Status, false, nil, res)
	if err := rd.Run(); err != nil {
		return nil, fmt.Errorf("grievance: complainant view: %w", err)
	}
	// A request for information to the AI system's provider is staff's
	// task: the complainant's page does not show its clock.
	kept := v.DueDates[:0]
	for _, d := range v.DueDates {
		if !clocks.IsProviderRequest(d.Clock) {
			kept = append(kept, d)
		}
	}
	v.DueDates = kept
	entries, err := audit.Entries(q, caseID)
	if err != nil {
		return nil, err
	}
	v.Timeline = []TimelineItem{}
	for _, e := range entries {
		if e.Public {
			v.Timeline = append(v.Timeline, TimelineItem{At: e.At, Action: e.Action, Actor: publicActor(e.ActorKind)})
		}
	}
	if c.Status == cases.StatusAwaitingComplainant {
		if v.Question, err = s.question(q, caseID, entries, v.Messages); err != nil {
			return nil, err
		}
	}
	if len(ds) > 0 {
		v.Decision = &ds[0]
		FollowOutcome(v.DueDates, v.Decision.Outcome)
	}
	referred, err := openReferrals(q, caseID)
	if err != nil {
		return nil, fmt.Errorf("grievance: referrals: %w", err)
	}
	v.Resolution, v.RightsNotice = *res, remedy.RightsNotice
	v.NextSteps = nextSteps(c.Status, res, c.Anonymous, referred > 0)
	if v.Evidence, err = s.ev.ComplainantList(ctx, caseID); err != nil {
		return nil, err
	}
	rec, err := s.aiDecision(q, caseID)
	if err != nil {
		return nil, err
	}
	if rec != nil {
		v.AIDecision = &ComplainantAIDecision{SystemVersion: rec.SystemVersion, Inputs: rec.Inputs, Output: rec.Output,
			SolelyAutomated: rec.SolelyAutomated, HumanOversight: rec.HumanOversight, OversightDetail: rec.OversightDetail,
			PersonInformed: rec.PersonInformed, DecisionReference: rec.DecisionReference, DecisionDate: rec.DecisionDate}
	}
	if v.DisclosedEvidence, err = s.disclosedEvidence(ctx, caseID); err != nil {
		return nil, err
	}
	// Staff identities stay with the organisation: the complainant sees roles, not people.
	for i := range v.Messages {
		v.Messages[i].AuthorID = nil
	}
	return v, nil
}

func publicActor(kind audit.ActorKind) string {
	switch kind {
	case audit.ActorComplainant:
		return "you"
	case audit.ActorBody:
		return "independent_body"
	case audit.ActorSystem:
		return "system"
	default:
		return "organisation"
	}
}

// dueDates queues the read of a case's due dates into out.
func (s *Service) dueDates(r *db.Reads, caseID uuid.UUID, out *[]DueDate) {
	var rows []clockRow
	clocksOf(r, caseID, &rows)
	r.Then(func() error {
		*out = make([]DueDate, 0, len(rows))
		for _, r := range rows {
			d := DueDate{Clock: r.Clock, DueAt: casework.UTC(r.DueAt), StartedAt: r.StartedAt.UTC(),
				SatisfiedAt: casework.UTC(r.SatisfiedAt), Paused: r.Paused, BreachedAt: casework.UTC(r.BreachedAt),
				Rule: json.RawMessage(r.Rule), Unmet: r.Unmet != nil && *r.Unmet}
			d.Summary = d.summary()
			*out = append(*out, d)
		}
		return nil
	})
}

// messages queues the read of a case's messages into out, opened; internal
// ones only for staff.
func (s *Service) messages(r *db.Reads, caseID uuid.UUID, includeInternal bool, out *[]Message) {
	var rows []messageRow
	messagesOf(r, caseID, includeInternal, &rows)
	r.Then(func() error {
		*out = make([]Message, 0, len(rows))
		for _, r := range rows {
			m := Message{ID: r.ID, AuthorKind: r.AuthorKind, AuthorID: r.AuthorID, Visibility: r.Visibility,
				CreatedAt: r.CreatedAt.UTC()}
			var err error
			if m.Body, err = s.keys.OpenString(purposeMessage(m.ID.String()), r.BodyEnc); err != nil {
				return fmt.Errorf("grievance: open message %s: %w", m.ID, err)
			}
			*out = append(*out, m)
		}
		return nil
	})
}

// AddMessage stores a sealed message, appends it to the case record and
// announces it, in one transaction (opened once the message is valid).
func (s *Service) AddMessage(ctx context.Context, caseID uuid.UUID, by cases.Actor, visibility Visibility, body string) (*Message, error) {
	if err := validateMessage(by, visibility, body); err != nil {
		return nil, err
	}
	var msg *Message
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		msg, err = s.addMessage(tx, caseID, by, visibility, body)
		return err
	})
	if err != nil {
		return nil, err
	}
	return msg, nil
}

// AddMessageIn is AddMessage in the caller's transaction tx (decision's
// letters to the complainant are written in the transaction of the step
// they tell of).
func (s *Service) AddMessageIn(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, visibility Visibility, body string) (*Message, error) {
	if err := validateMessage(by, visibility, body); err != nil {
		return nil, err
	}
	return s.addMessage(tx, caseID, by, visibility, body)
}

// validateMessage checks a message before anything is written.
func validateMessage(by cases.Actor, visibility Visibility, body string) error {
	var f fault.Fields
	text(&f, "body", body, 1, maxMessage)
	fault.OneOf(&f, "visibility", visibility, Visibilities, true)
	if by.Kind == audit.ActorComplainant && visibility != VisibilityComplainant {
		f.Add("visibility", "invalid", "a complainant's messages are visible to the complainant")
	}
	return f.Err()
}

// addMessage stores a valid message in tx, locking its case first.
func (s *Service) addMessage(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, visibility Visibility, body string) (*Message, error) {
	msg := &Message{ID: uuid.New(), AuthorKind: by.Kind, AuthorID: by.ID, Visibility: visibility, Body: body}
	var status cases.Status
	if err := cases.Locked(tx, caseID, "status").Scan(&status).Error; err != nil {
		return nil, fmt.Errorf("grievance: lock case: %w", err)
	}
	if status == "" {
		return nil, fault.New(fault.NotFound, "case_not_found", "The case does not exist.")
	}
	if status == cases.StatusWithdrawn {
		return nil, fault.New(fault.Conflict, "case_withdrawn", "The case was withdrawn; no more messages can be added.")
	}
	if err := s.insertMessage(tx, caseID, msg); err != nil {
		return nil, err
	}
	action := "message.sent"
	if visibility == VisibilityInternal {
		action = "note.added"
	}
	if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
		Action: action, Public: visibility == VisibilityComplainant,
		Data: map[string]any{"message_id": msg.ID, "visibility": visibility}}); err != nil {
		return nil, err
	}
	if _, err := outbox.Add(tx, events.CaseMessageAdded, caseID,
		events.MessageAdded{MessageID: msg.ID, AuthorKind: by.Kind, Visibility: string(visibility)}); err != nil {
		return nil, err
	}
	if err := s.messageClocks(tx, caseID, by, visibility, status); err != nil {
		return nil, err
	}
	return msg, nil
}

// insertMessage seals msg's body and stores it on the case, setting its
// CreatedAt, in tx; the caller holds the case's lock and records the message.
func (s *Service) insertMessage(tx *gorm.DB, caseID uuid.UUID, msg *Message) error {
	sealed, err := s.keys.SealCase(caseID, purposeMessage(msg.ID.String()), []byte(msg.Body))
	if err != nil {
		return err
	}
	if msg.CreatedAt, err = insertMessage(tx, caseID, msg, sealed); err != nil {
		return fmt.Errorf("grievance: insert message: %w", err)
	}
	msg.CreatedAt = msg.CreatedAt.UTC()
	return nil
}

// askComplainant stores the question of a request for information as a
// message to the complainant, so that it reaches their page and the API in
// full, sealed like every message; the move to awaiting_complainant that
// asks it names it (message_id) on the case record and announces it.
func (s *Service) askComplainant(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, question string) (uuid.UUID, error) {
	msg := &Message{ID: uuid.New(), AuthorKind: by.Kind, AuthorID: by.ID, Visibility: VisibilityComplainant,
		Body: strings.TrimSpace(question)}
	if err := s.insertMessage(tx, caseID, msg); err != nil {
		return uuid.Nil, err
	}
	return msg.ID, nil
}

// question is the question the complainant has to answer now: the message
// of the last request for information while the case waits on them; for a
// request made before questions were messages, its reason (read on q).
func (s *Service) question(q *gorm.DB, caseID uuid.UUID, entries []audit.Entry, msgs []Message) (*Question, error) {
	for i := len(entries) - 1; i >= 0; i-- {
		e := entries[i]
		if e.Action != "case."+string(cases.StatusAwaitingComplainant) {
			continue
		}
		var data struct {
			MessageID *uuid.UUID `json:"message_id"`
		}
		_ = json.Unmarshal(e.Data, &data)
		if data.MessageID != nil {
			for _, m := range msgs {
				if m.ID == *data.MessageID {
					return &Question{MessageID: &m.ID, Body: m.Body, AskedAt: m.CreatedAt}, nil
				}
			}
		}
		var c cases.Case
		if err := q.Select("status_reason").Where("id = ?", caseID).Find(&c).Error; err != nil {
			return nil, fmt.Errorf("grievance: question: %w", err)
		}
		reason := c.StatusReason
		if reason == nil || strings.TrimSpace(*reason) == "" {
			return nil, nil
		}
		return &Question{Body: *reason, AskedAt: e.At.UTC()}, nil
	}
	return nil, nil
}

// messageClocks: a staff message the complainant can read is the first
// human response; the complainant's answer to a request for information
// puts the case back in review, which resumes its clocks. All of it in tx.
func (s *Service) messageClocks(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, visibility Visibility, status cases.Status) error {
	switch {
	case by.Kind == audit.ActorStaff && visibility == VisibilityComplainant:
		return s.clocks.End(tx, caseID, "responded", sla.FirstResponse)
	case by.Kind == audit.ActorComplainant && status == cases.StatusAwaitingComplainant:
		from, err := s.Move(tx, caseID, cases.StatusInReview, map[string]any{"status_reason": "the complainant answered"})
		if err != nil {
			return err
		}
		return casework.RecordMove(tx, caseID, by, from, cases.StatusInReview, map[string]any{"reason": "complainant_answered"},
			events.CaseStatusChanged)
	}
	return nil
}

// remedyOfferedPromise is the remedy clock's promise after an outcome that
// changed nothing in the AI's decision: only what was offered is owed.
const remedyOfferedPromise = "We will carry out what we offered you"

// FollowOutcome makes the remedy clock's words follow the decision's
// outcome: "We will put things right" only when the decision overturned or
// modified the AI's decision (texts follow the outcome, issue 16).
func FollowOutcome(dues []DueDate, outcome decision.Outcome) {
	if remedy.OwesRestitution(outcome) {
		return
	}
	for i := range dues {
		if dues[i].Clock == sla.Remedy {
			dues[i].offeredOnly = true
			dues[i].Summary = dues[i].summary()
		}
	}
}
