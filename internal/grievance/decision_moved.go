package grievance

import (
	"context"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/decision"
)

// The names below moved to internal/decision; they forward until the callers
// are renamed (/work/briefs17/DEC-rename.sh) in the next commit.

type (
	TriageRequest = decision.TriageRequest
	TriageResult  = decision.TriageResult
	Severity      = decision.Severity
	Factors       = decision.Factors
	Reason        = decision.Reason
)

var (
	Rights       = decision.Rights
	HarmTypes    = decision.HarmTypes
	Mechanisms   = decision.Mechanisms
	HarmStatuses = decision.HarmStatuses
	Priority     = decision.Priority
	MoreUrgent   = decision.MoreUrgent
)

func (s *Service) Triage(ctx context.Context, caseID uuid.UUID, actor cases.Actor, r TriageRequest) (*TriageResult, error) {
	return decision.NewService(s.db, s.clocks).Triage(ctx, caseID, actor, r)
}

func (s *Service) ApprovePriority(ctx context.Context, caseID, approver uuid.UUID, approve bool, reason string) error {
	return decision.NewService(s.db, s.clocks).ApprovePriority(ctx, caseID, approver, approve, reason)
}
