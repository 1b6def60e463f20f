package grievance

import (
	"context"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/evidence"
)

// Evidence moved to internal/evidence; these names keep the callers
// building until the rename script (GRV-rename-evidence.sh) runs in the
// next commit, which deletes this file.

const (
	MaxEvidenceBytes       = evidence.MaxBytes
	MaxComplainantEvidence = evidence.MaxComplainant
)

type (
	EvidenceFile        = evidence.File
	EvidenceInput       = evidence.Input
	Evidence            = evidence.Evidence
	ComplainantEvidence = evidence.ComplainantEvidence
)

var (
	EvidenceSources     = evidence.Sources
	ErrEvidenceTampered = evidence.ErrTampered
	ReadEvidence        = evidence.Read
	ParseEvidenceForm   = evidence.ParseForm
)

func (s *Service) ListEvidence(ctx context.Context, caseID uuid.UUID) ([]Evidence, error) {
	return s.ev.List(ctx, caseID)
}

func (s *Service) ComplainantEvidenceList(ctx context.Context, caseID uuid.UUID) ([]ComplainantEvidence, error) {
	return s.ev.ComplainantList(ctx, caseID)
}

func (s *Service) OpenEvidence(ctx context.Context, caseID, evidenceID uuid.UUID) (*Evidence, []byte, error) {
	return s.ev.Open(ctx, caseID, evidenceID)
}

func (s *Service) OpenComplainantEvidence(ctx context.Context, caseID, evidenceID uuid.UUID) (*Evidence, []byte, error) {
	return s.ev.OpenComplainant(ctx, caseID, evidenceID)
}

func (s *Service) EvidenceBelongs(ctx context.Context, caseID uuid.UUID, field string, ids []uuid.UUID) error {
	return s.ev.Belongs(ctx, caseID, field, ids)
}
