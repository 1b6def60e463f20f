package grievance

import (
	"context"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/remedy"
)

// Remedies moved to internal/remedy; these names forward to it until the
// callers are renamed (/work/briefs17/REM-rename.sh).

type (
	RemedyRequest   = remedy.Request
	RemedyStatus    = remedy.StatusChange
	RemedyComponent = remedy.ComponentView
)

func RemedyPromiseKey(outcome string) string { return remedy.PromiseKey(outcome) }

func (s *Service) ProposeRemedies(ctx context.Context, caseID uuid.UUID, by cases.Actor, r RemedyRequest) ([]RemedyComponent, error) {
	return s.remedies.ProposeRemedies(ctx, caseID, by, r)
}

func (s *Service) ProposeSystemicRemedies(ctx context.Context, issueID uuid.UUID, by cases.Actor, r RemedyRequest) ([]RemedyComponent, error) {
	return s.remedies.ProposeSystemicRemedies(ctx, issueID, by, r)
}

func (s *Service) SetRemedyStatus(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor, r RemedyStatus) error {
	return s.remedies.SetRemedyStatus(ctx, caseID, componentID, by, r)
}

func (s *Service) SetSystemicRemedyStatus(ctx context.Context, issueID, componentID uuid.UUID, by cases.Actor, r RemedyStatus) error {
	return s.remedies.SetSystemicRemedyStatus(ctx, issueID, componentID, by, r)
}

func (s *Service) RecordRemedyReason(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor, reason string) error {
	return s.remedies.RecordRemedyReason(ctx, caseID, componentID, by, reason)
}

func (s *Service) RecordSystemicRemedyReason(ctx context.Context, issueID, componentID uuid.UUID, by cases.Actor, reason string) error {
	return s.remedies.RecordSystemicRemedyReason(ctx, issueID, componentID, by, reason)
}

func (s *Service) RespondToRemedy(ctx context.Context, caseID, componentID uuid.UUID, accept *bool, comment string) error {
	return s.remedies.RespondToRemedy(ctx, caseID, componentID, accept, comment)
}

func (s *Service) SystemicRemedies(ctx context.Context, issueID uuid.UUID) ([]RemedyComponent, error) {
	return s.remedies.SystemicRemedies(ctx, issueID)
}

func (s *Service) SweepOverdueRemedies(ctx context.Context, limit int) (int, error) {
	return s.remedies.SweepOverdueRemedies(ctx, limit)
}

func (s *Service) ApproveRemedyWithdrawal(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor, approve bool, note string) error {
	return s.remedies.ApproveRemedyWithdrawal(ctx, caseID, componentID, by, approve, note)
}

func (s *Service) ApproveSystemicRemedyWithdrawal(ctx context.Context, issueID, componentID uuid.UUID, by cases.Actor, approve bool, note string) error {
	return s.remedies.ApproveSystemicRemedyWithdrawal(ctx, issueID, componentID, by, approve, note)
}

func (s *Service) ApproveRemedyConditions(ctx context.Context, caseID, componentID uuid.UUID, by cases.Actor, approve bool, note string) error {
	return s.remedies.ApproveRemedyConditions(ctx, caseID, componentID, by, approve, note)
}

func (s *Service) RequestRestitutionExemption(ctx context.Context, caseID uuid.UUID, by cases.Actor, reason string) error {
	return s.remedies.RequestRestitutionExemption(ctx, caseID, by, reason)
}

func (s *Service) ApproveRestitutionExemption(ctx context.Context, caseID uuid.UUID, by cases.Actor, approve bool, note string) error {
	return s.remedies.ApproveRestitutionExemption(ctx, caseID, by, approve, note)
}
