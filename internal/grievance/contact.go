package grievance

import (
	"context"
	"fmt"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/seal"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Reachable is how to write to a complainant: their contact details (nil for
// an anonymous case), the channel they chose and their language.
type Reachable struct {
	Anonymous        bool
	Contact          *Contact
	PreferredChannel string
	Language         string
}

// ContactOf opens only a case's contact details — not its description,
// desired outcome or messages — for the moment a notice is sent. Callers
// must not keep or log them.
func (s *Service) ContactOf(ctx context.Context, caseID uuid.UUID) (*Reachable, error) {
	return s.contactOf(s.db.WithContext(ctx), caseID)
}

// contactOf is ContactOf reading on q (the pool or a transaction).
func (s *Service) contactOf(q *gorm.DB, caseID uuid.UUID) (*Reachable, error) {
	var row cases.Case
	if err := q.Select("anonymous", "contact_enc", "preferred_channel", "language", "erased_at").
		Where("id = ?", caseID).Find(&row).Error; err != nil {
		return nil, fmt.Errorf("grievance: contact: %w", err)
	}
	if row.ErasedAt != nil {
		row.ContactEnc = nil // erased: there is no one to reach any more
	}
	if row.Language == "" {
		return nil, fault.New(fault.NotFound, "case_not_found", "No case has that id.")
	}
	r := &Reachable{Anonymous: row.Anonymous, Language: row.Language}
	if row.PreferredChannel != nil {
		r.PreferredChannel = *row.PreferredChannel
	}
	if row.ContactEnc != nil && !row.Anonymous {
		r.Contact = &Contact{}
		if err := s.openJSON(purposeContact(caseID.String()), row.ContactEnc, r.Contact); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// Identity is who complained: the contact details and representative of a
// named case (both nil for an anonymous one) and the channel they chose.
type Identity struct {
	Anonymous        bool            `json:"anonymous"`
	Contact          *Contact        `json:"contact"`
	PreferredChannel *string         `json:"preferred_channel"`
	Representative   *Representative `json:"representative"`
}

// IdentityOf opens a case's identity for a reader internal/access admitted
// and recorded (GET /api/v1/cases/{id}/identity, the workspace's "show
// contact details").
func (s *Service) IdentityOf(ctx context.Context, caseID uuid.UUID) (*Identity, error) {
	return s.IdentityIn(s.db.WithContext(ctx), caseID)
}

// IdentityIn is IdentityOf reading on q: the pool, or the transaction of a
// caller that reads the identity inside it (escalation's dossier and
// disclosure).
func (s *Service) IdentityIn(q *gorm.DB, caseID uuid.UUID) (*Identity, error) {
	var row cases.Case
	if err := q.Select("anonymous", "contact_enc", "preferred_channel", "representative_enc", "language",
		"erased_at", "erasure_ground").Where("id = ?", caseID).Find(&row).Error; err != nil {
		return nil, fmt.Errorf("grievance: identity: %w", err)
	}
	if row.Language == "" {
		return nil, fault.New(fault.NotFound, "case_not_found", "No case has that id.")
	}
	if row.ErasedAt != nil && (row.ContactEnc != nil || row.RepresentativeEnc != nil) {
		ground := ""
		if row.ErasureGround != nil {
			ground = *row.ErasureGround
		}
		return nil, &seal.ErasedError{CaseID: caseID, At: *row.ErasedAt, Ground: ground}
	}
	sid := caseID.String()
	id := &Identity{Anonymous: row.Anonymous, PreferredChannel: row.PreferredChannel}
	if row.ContactEnc != nil {
		id.Contact = &Contact{}
		if err := casework.MustOpenJSON(s.keys, purposeContact(sid), row.ContactEnc, id.Contact); err != nil {
			return nil, err
		}
	}
	if row.RepresentativeEnc != nil {
		id.Representative = &Representative{}
		if err := casework.MustOpenJSON(s.keys, purposeRepresentative(sid), row.RepresentativeEnc, id.Representative); err != nil {
			return nil, err
		}
	}
	return id, nil
}
