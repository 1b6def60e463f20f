package grievance

import (
	"context"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// AddEvidence seals and stores a piece of evidence, with its entry in the
// case record (public: the complainant's timeline shows it) and an event, in
// one transaction. Staff must hold the case unless by.MayWorkAnyCase; a complainant's
// evidence is always source complainant, with no user behind it, and at
// most evidence.MaxComplainant files per case; added while the case awaits
// the complainant, it resumes the case as their reply would. Nothing about
// the uploader's device is kept.
func (s *Service) AddEvidence(ctx context.Context, caseID uuid.UUID, by cases.Actor, in evidence.Input) (*evidence.Evidence, error) {
	var addedBy *uuid.UUID
	switch by.Kind {
	case audit.ActorComplainant:
		in.Source, by.ID = evidence.SourceComplainant, nil
	case audit.ActorStaff:
		if by.ID == nil {
			return nil, casework.StaffOnly(by)
		}
		addedBy = by.ID
	default:
		return nil, fault.New(fault.Forbidden, "forbidden", "Only staff and the complainant may add evidence.")
	}
	if err := in.Validate(); err != nil {
		return nil, err
	}
	sealed, err := s.ev.Seal(caseID, in, addedBy)
	if err != nil {
		return nil, err
	}
	e := &sealed.Evidence
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := casework.LockOpen(tx, caseID, by)
		if err != nil {
			return err
		}
		if by.Kind == audit.ActorComplainant {
			n, err := evidence.CountFromComplainant(tx, caseID)
			if err != nil {
				return err
			}
			if n >= evidence.MaxComplainant {
				var f fault.Fields
				f.Addf("file", "too_many", "a complaint can hold at most %d files from you; send more by message or ask the reviewer", evidence.MaxComplainant)
				return f.Err()
			}
		}
		if err := s.ev.Store(tx, caseID, by, sealed); err != nil {
			return err
		}
		if by.Kind != audit.ActorComplainant {
			return nil
		}
		// The complainant's file answers a request for information as a
		// reply does: the case goes back in review and its clocks resume.
		return s.messageClocks(tx, caseID, by, VisibilityComplainant, c.Status)
	})
	if err != nil {
		return nil, err
	}
	return e, nil
}
