package grievance

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/platform/db"
)

// Filing is what the complainant wrote when they filed, as they gave it:
// their words, the contested decision and how to reach them. The
// complainant's view carries it, so that their copy of their case
// (internal/casecopy, GDPR art. 15 and 20) gives it back to them.
type Filing struct {
	Language          string  `json:"language"`
	Description       string  `json:"description"`
	DesiredOutcome    string  `json:"desired_outcome"`
	DecisionReference *string `json:"decision_reference"`
	DecisionDate      *string `json:"decision_date"` // YYYY-MM-DD
	InformedOfAI      string  `json:"informed_of_ai"`
	Country           *string `json:"country"`
	// Contact and Representative are null when not given (an anonymous case
	// has no contact details).
	Contact          *Contact        `json:"contact"`
	PreferredChannel *string         `json:"preferred_channel"`
	Representative   *Representative `json:"representative"`
	// Unreadable stands in for contact details or a representative that can
	// no longer be opened (an erased case's "[erased on …]").
	Unreadable []string `json:"unreadable,omitempty"`
}

// filing opens what the complainant wrote from their case's row.
func (s *Service) filing(caseID string, c *complainantCaseRow) (Filing, error) {
	f := Filing{Language: c.Language, DecisionReference: c.DecisionReference, InformedOfAI: c.InformedOfAI,
		Country: c.ComplainantCountry, PreferredChannel: c.PreferredChannel}
	if c.DecisionDate != nil {
		d := c.DecisionDate.Format(time.DateOnly)
		f.DecisionDate = &d
	}
	var err error
	if f.Description, err = s.keys.OpenString(purposeDescription(caseID), c.DescriptionEnc); err != nil {
		return f, fmt.Errorf("grievance: open description: %w", err)
	}
	if f.DesiredOutcome, err = s.keys.OpenString(purposeDesiredOutcome(caseID), c.DesiredOutcomeEnc); err != nil {
		return f, fmt.Errorf("grievance: open desired outcome: %w", err)
	}
	if c.ContactEnc != nil {
		if f.Contact, err = openFiled(s, purposeContact(caseID), c.ContactEnc, &Contact{}, &f.Unreadable); err != nil {
			return f, err
		}
	}
	if c.RepresentativeEnc != nil {
		if f.Representative, err = openFiled(s, purposeRepresentative(caseID), c.RepresentativeEnc, &Representative{},
			&f.Unreadable); err != nil {
			return f, err
		}
	}
	return f, nil
}

// openFiled opens a sealed JSON value into v; a value that opens to a text
// that is not JSON (an erased case's notice) leaves it nil and adds the text
// to unreadable.
func openFiled[T any](s *Service, purpose string, sealed []byte, v *T, unreadable *[]string) (*T, error) {
	text, err := s.keys.OpenString(purpose, sealed)
	if err != nil {
		return nil, fmt.Errorf("grievance: open %s: %w", purpose, err)
	}
	if json.Unmarshal([]byte(text), v) != nil {
		*unreadable = append(*unreadable, text)
		return nil, nil
	}
	return v, nil
}

// Exported records on the case record that the complainant took a copy of
// their case, in format (json or pdf) and language: not public, as their
// own read is no staff look, but staff know a copy was taken.
func (s *Service) Exported(ctx context.Context, caseID uuid.UUID, format, language string) error {
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		_, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: audit.ActorComplainant, Action: "case.exported",
			Data: map[string]any{"format": format, "language": language}})
		return err
	})
}
