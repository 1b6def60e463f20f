package grievance

import (
	"context"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/platform/fault"
)

// ValidateIntakeFields checks in as Submit would and reports only the
// problems of the named fields: a field names itself and everything under
// it ("contact" covers "contact.email", "rights" covers "rights[1]"). A form
// asked in steps checks each step's answers with it, by the same rules as
// the filing itself. Nothing is written.
func (s *Service) ValidateIntakeFields(ctx context.Context, in *IntakeRequest, fields ...string) error {
	cp := *in
	_, err := s.validate(ctx, &cp, time.Now().UTC())
	if err == nil {
		return nil
	}
	de, ok := fault.As(err)
	if !ok || de.Kind != fault.Invalid {
		return err
	}
	var kept []fault.FieldError
	for _, fe := range de.Fields {
		for _, want := range fields {
			if fe.Field == want || strings.HasPrefix(fe.Field, want+".") || strings.HasPrefix(fe.Field, want+"[") {
				kept = append(kept, fe)
				break
			}
		}
	}
	if len(kept) == 0 {
		return nil
	}
	out := *de
	out.Fields = kept
	return &out
}

// SubmitWithEvidence files a case and the files the complainant attached
// while filing, in one transaction: either the case and every file are
// stored, or nothing is. Each file is validated as AddEvidence validates a
// complainant's file (at most evidence.MaxComplainant; its errors name the
// field file, or description), and is the complainant's (source
// complainant, no user). The idempotency key covers the files too: sending
// the same complaint with the same files again answers the first receipt;
// other answers or other files under the same key are refused.
func (s *Service) SubmitWithEvidence(ctx context.Context, in *IntakeRequest, idempotencyKey string, files []evidence.Input) (*Receipt, error) {
	if len(files) == 0 {
		return s.Submit(ctx, in, idempotencyKey)
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	n, err := s.validate(ctx, in, now)
	if err != nil {
		return nil, err
	}
	if len(files) > evidence.MaxComplainant {
		var f fault.Fields
		f.Addf("file", "too_many", "a complaint can hold at most %d files from you", evidence.MaxComplainant)
		return nil, f.Err()
	}
	by := cases.Actor{Kind: audit.ActorComplainant}
	key, err := s.keystore.Prepare(uuid.New())
	if err != nil {
		return nil, err
	}
	sealed := make([]*evidence.Sealed, 0, len(files))
	attached := make([]attachedFile, 0, len(files))
	for _, ev := range files {
		ev.Source = evidence.SourceComplainant
		if err := ev.Validate(); err != nil {
			return nil, err
		}
		se, err := s.ev.Seal(key.CaseID(), ev, nil)
		if err != nil {
			return nil, err
		}
		sealed = append(sealed, se)
		attached = append(attached, attachedFile{SHA256: se.SHA256, Filename: se.Filename, Description: se.Description})
	}
	return s.file(ctx, key, n, now, idempotencyKey, intakeWithFiles{&n.IntakeRequest, attached}, func(tx *gorm.DB, rec *Receipt) error {
		for _, se := range sealed {
			if err := s.ev.Store(tx, rec.CaseID, by, se); err != nil {
				return err
			}
		}
		return nil
	})
}

// intakeWithFiles is what an idempotency key of a filing with files stands for.
type intakeWithFiles struct {
	*IntakeRequest
	Files []attachedFile `json:"files"`
}

type attachedFile struct {
	SHA256      string `json:"sha256"`
	Filename    string `json:"filename"`
	Description string `json:"description,omitempty"`
}
