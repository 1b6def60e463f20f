package grievance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// CheckinDays are the days after closure at which the complainant is asked
// whether anything has happened to them since. The closing update schedules
// them itself (migration 00027's trigger); the worker asks the due ones.
var CheckinDays = []int{30, 90}

// Checkin is one question after closure, and its answer.
type Checkin struct {
	ID         uuid.UUID  `json:"id"`
	AfterDays  int        `json:"after_days"`
	DueAt      time.Time  `json:"due_at"`
	AskedAt    *time.Time `json:"asked_at"`
	AnsweredAt *time.Time `json:"answered_at"`
	Happened   *bool      `json:"happened"`
	// RetaliationReference is the case a "yes" opened.
	RetaliationReference *string `json:"retaliation_reference"`
}

// ProtectionLinkedCase is a case linked to this one: the retaliation case a check-in
// opened, or the case whose check-in opened this one.
type ProtectionLinkedCase struct {
	Reference string `json:"reference"`
	Kind      string `json:"kind"`
	Status    string `json:"status"`
	// Relation: "retaliation_case" (opened from this case's check-in) or
	// "earlier_case" (the case this one was opened from).
	Relation string `json:"relation"`
}

// Protection is what protects the complainant on a case: its measures, its
// check-ins (for the complainant, only those asked) and its linked cases.
type Protection struct {
	Measures []Measure              `json:"measures"`
	Checkins []Checkin              `json:"checkins"`
	Linked   []ProtectionLinkedCase `json:"linked_cases"`
}

// ProtectionOf returns a case's protection; asked limits the check-ins to
// those already asked (the complainant's view).
func (s *Service) ProtectionOf(ctx context.Context, caseID uuid.UUID, asked bool) (*Protection, error) {
	q := s.db.WithContext(ctx)
	var exists int64
	if err := q.Model(&cases.Case{}).Where("id = ?", caseID).Count(&exists).Error; err != nil {
		return nil, fmt.Errorf("grievance: protection: %w", err)
	}
	if exists == 0 {
		return nil, fault.New(fault.NotFound, "case_not_found", "No case has that id.")
	}
	p := &Protection{Checkins: []Checkin{}, Linked: []ProtectionLinkedCase{}}
	var err error
	if p.Measures, err = s.measures(q, caseID); err != nil {
		return nil, err
	}
	rows, err := checkinsOf(q, caseID, asked)
	if err != nil {
		return nil, fmt.Errorf("grievance: check-ins: %w", err)
	}
	for _, r := range rows {
		p.Checkins = append(p.Checkins, Checkin{ID: r.ID, AfterDays: r.AfterDays, DueAt: r.DueAt.UTC(), AskedAt: r.AskedAt,
			AnsweredAt: r.AnsweredAt, Happened: r.Happened, RetaliationReference: r.RetaliationReference})
	}
	if p.Linked, err = linkedCasesOf(q, caseID); err != nil {
		return nil, fmt.Errorf("grievance: linked cases: %w", err)
	}
	return p, nil
}

// SweepCheckins asks the check-ins that are due: each once, with a public
// entry in the case record and a redress.checkin.asked event (the
// complainant who chose email hears of it). Each is handled in its own
// transaction that locks its case first with SKIP LOCKED, then marks the
// check-in only if no other sweeper has, so N workers never ask twice and a
// restart loses nothing: what is due stays due until asked.
func (s *Service) SweepCheckins(ctx context.Context, limit int) (int, error) {
	due, err := dueCheckins(s.db.WithContext(ctx), limit)
	if err != nil {
		return 0, fmt.Errorf("grievance: due check-ins: %w", err)
	}
	n := 0
	for _, d := range due {
		err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
			var locked []uuid.UUID
			if err := cases.LockedOrSkip(tx, d.CaseID, "id").Scan(&locked).Error; err != nil {
				return fmt.Errorf("grievance: lock case: %w", err)
			}
			if len(locked) == 0 {
				return nil // someone is working on it: the next sweep looks again
			}
			k, err := askCheckin(tx, d.ID)
			if err != nil {
				return fmt.Errorf("grievance: ask check-in: %w", err)
			}
			if k.ID == uuid.Nil {
				return nil // another sweeper asked it
			}
			data := events.Checkin{CheckinID: k.ID, AfterDays: k.AfterDays}
			if _, err := audit.Append(tx, audit.Event{CaseID: d.CaseID, ActorKind: audit.ActorSystem,
				Action: "checkin.asked", Public: true, Data: data}); err != nil {
				return err
			}
			if _, err := outbox.Add(tx, events.CheckinAsked, d.CaseID, data); err != nil {
				return err
			}
			n++
			return nil
		})
		if err != nil {
			return n, err
		}
	}
	return n, nil
}

// CheckinAnswer is the body of POST /api/v1/complainant/case/checkins/{id}.
type CheckinAnswer struct {
	Happened *bool  `json:"happened"`
	Text     string `json:"text"`
}

// AnswerCheckin records the complainant's answer to a check-in they were
// asked. "Yes" opens a retaliation case linked both ways to this one (it
// names this case as its related case; this case's check-in names it),
// filed as the complainant, with their contact details and their receipt:
// the same receipt opens it with its own reference. The default routing
// sends it to the supervisors at P1.
func (s *Service) AnswerCheckin(ctx context.Context, caseID, checkinID uuid.UUID, in CheckinAnswer) (*Checkin, error) {
	in.Text = strings.TrimSpace(in.Text)
	var f fault.Fields
	if in.Happened == nil {
		f.Add("happened", "required", "true if something has happened to you since, false if not")
	}
	f.Text("text", in.Text, 0, maxLongText)
	if err := f.Err(); err != nil {
		return nil, err
	}
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var c cases.Case
		if err := cases.Locked(tx, caseID, "id", "reference", "kind", "status").Scan(&c).Error; err != nil {
			return fmt.Errorf("grievance: lock case: %w", err)
		}
		if c.ID == uuid.Nil {
			return fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		}
		var k checkinRow
		if err := tx.Table(checkinsTable).Select("id", "after_days", "asked_at", "answered_at").
			Where("id = ? AND case_id = ?", checkinID, caseID).Clauses(clause.Locking{Strength: "UPDATE"}).
			Find(&k).Error; err != nil {
			return fmt.Errorf("grievance: check-in: %w", err)
		}
		switch {
		case k.ID == uuid.Nil:
			return fault.New(fault.NotFound, "checkin_not_found", "This case has no check-in with that id.")
		case k.AskedAt == nil:
			return fault.New(fault.Conflict, "not_asked_yet", fmt.Sprintf(
				"This check-in is asked %d days after the case closed; it has not been asked yet.", k.AfterDays))
		case k.AnsweredAt != nil:
			return fault.New(fault.Conflict, "already_answered", "You have already answered this check-in.")
		}
		var sealed []byte
		if in.Text != "" {
			var err error
			if sealed, err = s.keys.SealCaseString(caseID, purposeCheckin(k.ID.String()), in.Text); err != nil {
				return err
			}
		}
		var opened *uuid.UUID
		var openedRef string
		if *in.Happened {
			id, ref, err := s.openRetaliationCase(tx, caseID, c.Reference, k.AfterDays, in.Text)
			if err != nil {
				return err
			}
			opened, openedRef = &id, ref
		}
		if err := tx.Table(checkinsTable).Where("id = ?", k.ID).Updates(map[string]any{"answered_at": gorm.Expr("now()"),
			"happened": *in.Happened, "text_enc": sealed, "retaliation_case_id": opened}).Error; err != nil {
			return fmt.Errorf("grievance: answer check-in: %w", err)
		}
		data := events.Checkin{CheckinID: k.ID, AfterDays: k.AfterDays, Happened: in.Happened}
		if opened != nil {
			data.RetaliationCaseID, data.RetaliationReference = opened, openedRef
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorComplainant,
			Action: "checkin.answered", Public: true, Data: data}); err != nil {
			return err
		}
		_, err := outbox.Add(tx, events.CheckinAnswered, caseID, data)
		return err
	})
	if err != nil {
		return nil, err
	}
	p, err := s.ProtectionOf(ctx, caseID, true)
	if err != nil {
		return nil, err
	}
	for i := range p.Checkins {
		if p.Checkins[i].ID == checkinID {
			return &p.Checkins[i], nil
		}
	}
	return nil, fault.New(fault.NotFound, "checkin_not_found", "This case has no check-in with that id.")
}

// openRetaliationCase files a retaliation case for the complainant of the
// case it follows, inside the caller's transaction tx, through the same
// path as any filing (clocks, case record, case.submitted for the router).
func (s *Service) openRetaliationCase(tx *gorm.DB, earlier uuid.UUID, earlierRef string, afterDays int, text string) (uuid.UUID, string, error) {
	o, err := earlierCaseOf(tx, earlier)
	if err != nil {
		return uuid.Nil, "", fmt.Errorf("grievance: earlier case: %w", err)
	}
	reach, err := s.contactOf(tx, earlier)
	if err != nil {
		return uuid.Nil, "", err
	}
	description := fmt.Sprintf("Opened from the check-in %d days after case %s closed: the complainant says something has happened to them since.",
		afterDays, earlierRef)
	if text != "" {
		description += "\n\n" + text
	}
	anonymous := o.Anonymous
	n := &normalized{IntakeRequest: IntakeRequest{Kind: "retaliation", InformedOfAI: o.InformedOfAI, Description: description,
		Rights: strings.Split(o.Rights, ","), HarmTypes: []string{}, Language: o.Language, Anonymous: &anonymous,
		RelatedReference: earlierRef}, aiSystemID: o.AISystemID, relatedCaseID: &earlier}
	if o.Rights == "" {
		n.Rights = []string{"other"}
	}
	if o.AISystemOther != nil {
		n.AISystemOther = *o.AISystemOther
	}
	if !anonymous && reach.Contact != nil {
		n.Contact = reach.Contact
		n.Contact.PreferredChannel = reach.PreferredChannel
	}
	key, err := s.keystore.Prepare(uuid.New())
	if err != nil {
		return uuid.Nil, "", err
	}
	rec, err := s.insertCaseIn(tx, key, n, time.Now().UTC().Truncate(time.Microsecond))
	if err != nil {
		return uuid.Nil, "", err
	}
	// The complainant's receipt opens the new case too (with its own
	// reference); its fresh receipt and code are never shown, so they go.
	if err := cases.ShareReceipt(tx, rec.CaseID, earlier); err != nil {
		return uuid.Nil, "", err
	}
	if _, err := audit.Append(tx, audit.Event{CaseID: rec.CaseID, ActorKind: audit.ActorSystem,
		Action: "case.opened_from_checkin", Public: true, Data: map[string]any{"earlier_case_id": earlier,
			"earlier_reference": earlierRef, "after_days": afterDays}}); err != nil {
		return uuid.Nil, "", err
	}
	return rec.CaseID, rec.Reference, nil
}
