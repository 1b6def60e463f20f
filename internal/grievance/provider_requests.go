package grievance

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

// A request for information to the provider of the case's AI system (issue
// 16, item 1; docs/architecture.md "The burden of proof"): staff who work the
// case write their questions and a deadline; the request is recorded (the
// questions sealed), emailed to the provider's contact from the register
// (internal/notify, on redress.provider.requested) and is a task on the case
// with its own clock, "provider_request:<id>", which warns and breaches like
// any clock and ends when staff record the provider's answer. Staff only:
// never shown to the complainant or to bodies.

// Limits of a request for information.
const (
	maxProviderQuestions = 8000
	maxProviderAnswer    = 20000
	maxProviderDueDays   = 365
)

// ProviderRequestInput is what staff send: the questions and either a
// deadline or a number of days from now.
type ProviderRequestInput struct {
	Questions string     `json:"questions"`
	DueAt     *time.Time `json:"due_at"`
	DueDays   *int       `json:"due_days"`
}

// ProviderRequest is a request for information as staff see it.
type ProviderRequest struct {
	ID         uuid.UUID     `json:"id"`
	AISystemID uuid.UUID     `json:"ai_system_id"`
	SentTo     string        `json:"sent_to"`
	Questions  string        `json:"questions"`
	DueAt      time.Time     `json:"due_at"`
	Clock      sla.ClockName `json:"clock"`
	CreatedAt  time.Time     `json:"created_at"`
	Answer     *string       `json:"answer"`
	AnsweredAt *time.Time    `json:"answered_at"`
}

func purposeProviderQuestions(id uuid.UUID) string {
	return "provider_request.questions:" + id.String()
}
func purposeProviderAnswer(id uuid.UUID) string { return "provider_request.answer:" + id.String() }

// ProviderRequestClock is the name of a request's clock on its case.
func ProviderRequestClock(id uuid.UUID) sla.ClockName { return clocks.ProviderRequestClock(id) }

// SendProviderRequest records a request for information to the provider of
// the case's AI system and starts its clock. A case with no AI system from
// the register, or whose system has no provider contact, is a 409 naming
// what is missing.
func (s *Service) SendProviderRequest(ctx context.Context, caseID uuid.UUID, by cases.Actor, in ProviderRequestInput) (*ProviderRequest, error) {
	if err := casework.StaffOnly(by); err != nil {
		return nil, err
	}
	now := time.Now().UTC()
	var f fault.Fields
	in.Questions = strings.TrimSpace(in.Questions)
	text(&f, "questions", in.Questions, 1, maxProviderQuestions)
	var due time.Time
	switch {
	case in.DueAt != nil && in.DueDays != nil:
		f.Add("due_days", "not_allowed", "give either due_at or due_days, not both")
	case in.DueAt != nil:
		due = in.DueAt.UTC()
		if !due.After(now) {
			f.Add("due_at", "in_the_past", "the deadline must be in the future")
		} else if due.After(now.AddDate(0, 0, maxProviderDueDays)) {
			f.Addf("due_at", "too_far", "the deadline must be within %d days", maxProviderDueDays)
		}
	case in.DueDays != nil:
		if *in.DueDays < 1 || *in.DueDays > maxProviderDueDays {
			f.Addf("due_days", "out_of_range", "must be between 1 and %d days", maxProviderDueDays)
		}
		due = now.AddDate(0, 0, *in.DueDays)
	default:
		f.Add("due_days", "required", "give the deadline for the provider's answer: due_at or due_days")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	r := &ProviderRequest{ID: uuid.New(), Questions: in.Questions, DueAt: due.Truncate(time.Microsecond)}
	r.Clock = ProviderRequestClock(r.ID)
	sealed, err := s.keys.SealCaseString(caseID, purposeProviderQuestions(r.ID), r.Questions)
	if err != nil {
		return nil, err
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.lockOpen(tx, caseID, by); err != nil {
			return err
		}
		sys, err := providerOf(tx, caseID)
		if err != nil {
			return fmt.Errorf("grievance: provider request: %w", err)
		}
		if sys.ID == nil {
			return fault.New(fault.Conflict, "no_ai_system",
				"The case names no AI system from the register: there is no provider to ask. Set the case's AI system first.")
		}
		if sys.ProviderEmail == nil {
			return fault.New(fault.Conflict, "provider_contact_missing", fmt.Sprintf(
				"The register has no contact email for the provider of %q: an admin adds it (Admin → AI systems) before a request can be sent.",
				*sys.Name))
		}
		r.AISystemID, r.SentTo = *sys.ID, *sys.ProviderEmail
		if r.CreatedAt, err = insertProviderRequest(tx, caseID, r, sealed, *by.ID); err != nil {
			return fmt.Errorf("grievance: insert provider request: %w", err)
		}
		r.CreatedAt = r.CreatedAt.UTC()
		if err := s.clocks.SetTask(tx, caseID, r.Clock, r.DueAt, sla.Rule{Code: "provider_request",
			Source: "the organisation's request to the AI system's provider", Period: "set by staff when they sent the request"}); err != nil {
			return err
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "provider_request.sent", Data: map[string]any{"request_id": r.ID, "ai_system_id": r.AISystemID,
				"due_at": r.DueAt}}); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.ProviderRequested, caseID, events.ProviderRequest{RequestID: r.ID, AISystemID: r.AISystemID})
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// AnswerProviderRequest records the provider's answer to a request, which
// ends its clock. A request already answered is a 409.
func (s *Service) AnswerProviderRequest(ctx context.Context, caseID, requestID uuid.UUID, by cases.Actor, answer string) (*ProviderRequest, error) {
	if err := casework.StaffOnly(by); err != nil {
		return nil, err
	}
	var f fault.Fields
	answer = strings.TrimSpace(answer)
	text(&f, "answer", answer, 1, maxProviderAnswer)
	if err := f.Err(); err != nil {
		return nil, err
	}
	sealed, err := s.keys.SealCaseString(caseID, purposeProviderAnswer(requestID), answer)
	if err != nil {
		return nil, err
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.lockOpen(tx, caseID, by); err != nil {
			return err
		}
		answered, err := providerRequestAnswered(tx, caseID, requestID)
		if err != nil {
			return fmt.Errorf("grievance: provider request: %w", err)
		}
		switch {
		case len(answered) == 0:
			return fault.New(fault.NotFound, "provider_request_not_found", "This case has no request for information with that id.")
		case answered[0].Answered:
			return fault.New(fault.Conflict, "already_answered", "The provider's answer to this request is already recorded.")
		}
		if err := tx.Model(&providerRequestRow{}).Where("id = ?", requestID).Updates(map[string]any{
			"answer_enc": sealed, "answered_by": *by.ID, "answered_at": gorm.Expr("now()")}).Error; err != nil {
			return fmt.Errorf("grievance: answer provider request: %w", err)
		}
		if err := s.clocks.End(tx, caseID, "answered", ProviderRequestClock(requestID)); err != nil {
			return err
		}
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "provider_request.answered", Data: map[string]any{"request_id": requestID}})
		return err
	})
	if err != nil {
		return nil, err
	}
	all, err := s.ProviderRequests(ctx, caseID)
	if err != nil {
		return nil, err
	}
	for i := range all {
		if all[i].ID == requestID {
			return &all[i], nil
		}
	}
	return nil, fmt.Errorf("grievance: provider request %s vanished", requestID)
}

// ProviderRequests lists a case's requests for information, oldest first.
func (s *Service) ProviderRequests(ctx context.Context, caseID uuid.UUID) ([]ProviderRequest, error) {
	var rows []providerRequestRow
	if err := s.db.WithContext(ctx).Select("id, ai_system_id, sent_to, questions_enc, due_at, created_at, answer_enc, answered_at").
		Where("case_id = ?", caseID).Order("created_at, id").Find(&rows).Error; err != nil {
		return nil, fmt.Errorf("grievance: provider requests: %w", err)
	}
	out := make([]ProviderRequest, 0, len(rows))
	for _, row := range rows {
		r := ProviderRequest{ID: row.ID, AISystemID: row.AISystemID, SentTo: row.SentTo, DueAt: row.DueAt.UTC(),
			CreatedAt: row.CreatedAt.UTC(), Clock: ProviderRequestClock(row.ID)}
		var err error
		if r.Questions, err = s.keys.OpenString(purposeProviderQuestions(row.ID), row.QuestionsEnc); err != nil {
			return nil, err
		}
		if row.AnsweredAt != nil {
			a, err := s.keys.OpenString(purposeProviderAnswer(row.ID), row.AnswerEnc)
			if err != nil {
				return nil, err
			}
			at := row.AnsweredAt.UTC()
			r.Answer, r.AnsweredAt = &a, &at
		}
		out = append(out, r)
	}
	return out, nil
}

// ProviderLetter is what the notifier writes to a provider: where, about
// which system, the questions (opened now, never kept in the email queue)
// and the deadline.
type ProviderLetter struct {
	To        string
	AISystem  string
	Questions string
	DueAt     time.Time
}

// ProviderLetterOf opens a request for information for its email.
func (s *Service) ProviderLetterOf(ctx context.Context, requestID uuid.UUID) (*ProviderLetter, error) {
	row, err := providerLetter(s.db.WithContext(ctx), requestID)
	if err != nil {
		return nil, fmt.Errorf("grievance: provider letter: %w", err)
	}
	if row.SentTo == "" {
		return nil, fault.New(fault.NotFound, "provider_request_not_found", "No request for information has that id.")
	}
	q, err := s.keys.OpenString(purposeProviderQuestions(requestID), row.QuestionsEnc)
	if err != nil {
		return nil, err
	}
	return &ProviderLetter{To: row.SentTo, AISystem: row.Name, Questions: q, DueAt: row.DueAt.UTC()}, nil
}
