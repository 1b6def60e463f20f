package retention

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Request is a complainant's request for erasure of their case.
type Request struct {
	ID          uuid.UUID  `json:"id"`
	CaseID      uuid.UUID  `json:"-"`
	RequestedAt time.Time  `json:"requested_at"`
	EffectiveAt time.Time  `json:"effective_at"`
	Status      string     `json:"status"`
	Ground      *string    `json:"ground,omitempty"`
	NoteEnc     []byte     `json:"-"`
	Note        string     `json:"note,omitempty" gorm:"-"`
	DecidedBy   *uuid.UUID `json:"-"`
	DecidedAt   *time.Time `json:"decided_at,omitempty"`
}

// TableName is the requests' table.
func (Request) TableName() string { return "erasure_requests" }

func purposeNote(id uuid.UUID) string { return "erasure.note:" + id.String() }

// RefuseInput is staff's refusal of a request: a legal ground and the
// words the complainant reads.
type RefuseInput struct {
	Ground string `json:"ground"`
	Note   string `json:"note"`
}

// LatestRequest is the case's latest request for erasure, or nil; its note
// opened (an erased case's reads as erased).
func (s *Service) LatestRequest(q *gorm.DB, caseID uuid.UUID) (*Request, error) {
	var r Request
	err := q.Where("case_id = ?", caseID).Order("requested_at DESC").Take(&r).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("retention: request: %w", err)
	}
	if r.Note, err = s.keys.OpenString(purposeNote(r.ID), r.NoteEnc); err != nil {
		return nil, err
	}
	r.RequestedAt, r.EffectiveAt = r.RequestedAt.UTC(), r.EffectiveAt.UTC()
	return &r, nil
}

// RequestErasure records the complainant's request that their case be
// erased, carried out after the delay unless cancelled or refused first.
func (s *Service) RequestErasure(ctx context.Context, caseID uuid.UUID) (*Request, error) {
	by := cases.Complainant()
	now := time.Now().UTC().Truncate(time.Microsecond)
	r := &Request{ID: uuid.New(), CaseID: caseID, RequestedAt: now, EffectiveAt: now.Add(s.Delay), Status: RequestPending}
	err := s.transact(ctx, func(tx *gorm.DB) error {
		c, err := casework.LockUnlessRecused(tx, caseID, by)
		if err != nil {
			return err
		}
		if c.ErasedAt != nil {
			return fault.New(fault.Conflict, "case_erased", "Your case is already erased.")
		}
		var pending int64
		if err := tx.Model(&Request{}).Where("case_id = ? AND status = ?", caseID, RequestPending).Count(&pending).Error; err != nil {
			return fmt.Errorf("retention: request: %w", err)
		}
		if pending > 0 {
			return fault.New(fault.Conflict, "erasure_pending", "You have already asked for your case to be erased.")
		}
		if err := tx.Omit("Note").Create(r).Error; err != nil {
			return fmt.Errorf("retention: request: %w", err)
		}
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, Action: "erasure.requested",
			Public: true, Data: map[string]any{"request_id": r.ID, "effective_at": r.EffectiveAt}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return r, nil
}

// CancelErasure withdraws the complainant's pending request.
func (s *Service) CancelErasure(ctx context.Context, caseID uuid.UUID) (*Request, error) {
	by := cases.Complainant()
	var r Request
	err := s.transact(ctx, func(tx *gorm.DB) error {
		if _, err := casework.LockUnlessRecused(tx, caseID, by); err != nil {
			return err
		}
		if err := tx.Where("case_id = ? AND status = ?", caseID, RequestPending).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fault.New(fault.Conflict, "no_pending_erasure", "You have no request for erasure waiting.")
			}
			return fmt.Errorf("retention: cancel: %w", err)
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		r.Status, r.DecidedAt = RequestCancelled, &now
		if err := tx.Model(&Request{}).Where("id = ?", r.ID).
			Updates(map[string]any{"status": RequestCancelled, "decided_at": now}).Error; err != nil {
			return fmt.Errorf("retention: cancel: %w", err)
		}
		_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, Action: "erasure.cancelled",
			Public: true, Data: map[string]any{"request_id": r.ID}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// RefuseErasure refuses the complainant's pending request on a legal
// ground, with words for them (10 to 2,000 characters, sealed with the
// case): a supervisor's or admin's of the case's queue.
func (s *Service) RefuseErasure(ctx context.Context, caseID uuid.UUID, by cases.Actor, in RefuseInput) (*Request, error) {
	who, err := staffWho(by)
	if err != nil {
		return nil, err
	}
	if err := supervisorOnly(by); err != nil {
		return nil, err
	}
	var f fault.Fields
	if !slices.Contains(RefusalGrounds, in.Ground) {
		f.Addf("ground", "invalid", "ground must be one of %v", RefusalGrounds)
	}
	note := trimmed(in.Note)
	if n := len([]rune(note)); n < 10 || n > 2000 {
		f.Addf("note", "length", "note must be 10 to 2,000 characters: what the complainant reads about the refusal")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	var r Request
	err = s.transact(ctx, func(tx *gorm.DB) error {
		if _, err := casework.LockUnlessRecused(tx, caseID, by); err != nil {
			return err
		}
		if err := tx.Where("case_id = ? AND status = ?", caseID, RequestPending).Take(&r).Error; err != nil {
			if errors.Is(err, gorm.ErrRecordNotFound) {
				return fault.New(fault.Conflict, "no_pending_erasure", "The case has no request for erasure waiting.")
			}
			return fmt.Errorf("retention: refuse: %w", err)
		}
		sealed, err := s.keys.SealCaseString(caseID, purposeNote(r.ID), note)
		if err != nil {
			return err
		}
		now := time.Now().UTC().Truncate(time.Microsecond)
		r.Status, r.Ground, r.Note, r.DecidedAt, r.DecidedBy = RequestRefused, &in.Ground, note, &now, &who
		if err := tx.Model(&Request{}).Where("id = ?", r.ID).Updates(map[string]any{"status": RequestRefused,
			"ground": in.Ground, "note_enc": sealed, "decided_by": who, "decided_at": now}).Error; err != nil {
			return fmt.Errorf("retention: refuse: %w", err)
		}
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID, Action: "erasure.refused",
			Public: true, Data: map[string]any{"request_id": r.ID, "ground": in.Ground}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}
