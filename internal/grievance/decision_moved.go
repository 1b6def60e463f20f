package grievance

import (
	"context"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
)

// NoticeExtension moved to internal/decision; it forwards until the callers
// are renamed (/work/briefs17/DEC-rename.sh) in the next commit.
func (s *Service) NoticeExtension(ctx context.Context, caseID uuid.UUID, by cases.Actor, clock, reasons string) error {
	tell := func(ctx context.Context, caseID uuid.UUID, by cases.Actor, body string) (uuid.UUID, error) {
		m, err := s.AddMessage(ctx, caseID, by, "complainant", body)
		if err != nil {
			return uuid.Nil, err
		}
		return m.ID, nil
	}
	return decision.NewService(s.db, s.clocks, tell).NoticeExtension(ctx, caseID, by, clock, reasons)
}
