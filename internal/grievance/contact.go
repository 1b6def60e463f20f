package grievance

import (
	"context"
	"fmt"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/db"
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
	var row struct {
		Anonymous        bool
		ContactEnc       []byte
		PreferredChannel *string
		Language         string
	}
	if err := db.Conn(ctx, s.db).Raw(`SELECT anonymous, contact_enc, preferred_channel, language FROM cases WHERE id = ?`,
		caseID).Scan(&row).Error; err != nil {
		return nil, fmt.Errorf("grievance: contact: %w", err)
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
