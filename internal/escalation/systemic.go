package escalation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// A systemic issue referred to a body as a whole (issue 16, item 4): the
// body gets the issue — its AI system, the failure, its title — and a
// summary of its cases that names no one: each case's kind, the month it
// was filed, where it stands and the decision's outcome. No reference, no
// complainant's words. Each linked case's record notes the referral.

// SystemicReferralRequest is POST /api/v1/systemic-issues/{id}/referrals.
type SystemicReferralRequest struct {
	BodyID     string `json:"body_id"`
	Reason     string `json:"reason"`
	LegalBasis string `json:"legal_basis"`
}

// SystemicCase is one case of a systemic referral's summary.
type SystemicCase struct {
	Kind      string  `json:"kind"`
	FiledIn   string  `json:"filed_in"` // YYYY-MM
	Status    string  `json:"status"`
	Outcome   *string `json:"decision_outcome"`
	Anonymous bool    `json:"filed_anonymously"`
}

// SystemicSummary is what a body receives about a systemic issue.
type SystemicSummary struct {
	Reference string         `json:"issue_reference"`
	AISystem  string         `json:"ai_system"`
	Mechanism string         `json:"mechanism"`
	Title     string         `json:"title"`
	Status    string         `json:"issue_status"`
	Cases     []SystemicCase `json:"cases"`
}

// SystemicReferral is a systemic issue's referral as its body and staff see it.
type SystemicReferral struct {
	ID            uuid.UUID       `json:"id"`
	IssueID       uuid.UUID       `json:"systemic_issue_id"`
	Body          BodyRef         `json:"body"`
	LegalBasis    string          `json:"legal_basis"`
	Reason        string          `json:"reason"`
	CaseCount     int             `json:"case_count"`
	Summary       SystemicSummary `json:"summary"`
	CreatedAt     time.Time       `json:"created_at"`
	FirstOpenedAt *time.Time      `json:"first_opened_at"`
}

func purposeSystemicSummary(id uuid.UUID) string { return "systemic_referral.summary:" + id.String() }
func purposeSystemicReason(id uuid.UUID) string  { return "systemic_referral.reason:" + id.String() }

// ReferSystemic refers a systemic issue as a whole to a body, by a supervisor.
func (s *Service) ReferSystemic(ctx context.Context, issueID, by uuid.UUID, req SystemicReferralRequest) (*SystemicReferral, error) {
	var f fault.Fields
	var bodyID uuid.UUID
	if id, err := uuid.Parse(strings.TrimSpace(req.BodyID)); err != nil {
		f.Add("body_id", "invalid", "must be the id of a body from GET /api/v1/bodies")
	} else {
		bodyID = id
	}
	req.Reason, req.LegalBasis = strings.TrimSpace(req.Reason), strings.TrimSpace(req.LegalBasis)
	f.Text("reason", req.Reason, 1, 4000)
	f.Text("legal_basis", req.LegalBasis, 1, 500)
	if err := f.Err(); err != nil {
		return nil, err
	}
	id := uuid.New()
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		issue, err := lockedIssue(tx, issueID)
		if err != nil {
			return fmt.Errorf("escalation: systemic issue: %w", err)
		}
		if issue.ID == uuid.Nil {
			return fault.New(fault.NotFound, "issue_not_found", "No systemic issue has that id.")
		}
		body, err := s.body(tx, bodyID)
		if fault.Is(err, fault.NotFound) || (err == nil && !body.Active) {
			var f fault.Fields
			f.Add("body_id", "unknown", "no active body has that id: see GET /api/v1/bodies")
			return f.Err()
		}
		if err != nil {
			return err
		}
		if body.SignpostOnly {
			return fault.New(fault.Conflict, "signpost_only", fmt.Sprintf(
				"%s is listed as a place to go, not one Redress delivers to.", body.Name))
		}
		cases, err := lockedIssueCases(tx, issueID)
		if err != nil {
			return fmt.Errorf("escalation: systemic cases: %w", err)
		}
		sum := SystemicSummary{Reference: issue.Reference, AISystem: issue.AISystem, Mechanism: issue.Mechanism,
			Title: issue.Title, Status: issue.Status, Cases: make([]SystemicCase, len(cases))}
		for i, c := range cases {
			sum.Cases[i] = c.SystemicCase
		}
		raw, _ := json.Marshal(sum)
		summary, err := s.keys.Seal(purposeSystemicSummary(id), raw)
		if err != nil {
			return err
		}
		reason, err := s.keys.SealString(purposeSystemicReason(id), req.Reason)
		if err != nil {
			return err
		}
		res := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "systemic_issue_id"}, {Name: "body_id"}}, DoNothing: true}).
			Create(&systemicReferralRow{ID: id, SystemicIssueID: issueID, BodyID: bodyID, RequestedBy: by,
				LegalBasis: req.LegalBasis, ReasonEnc: reason, SummaryEnc: summary, CaseCount: len(cases)})
		if res.Error != nil {
			return fmt.Errorf("escalation: systemic referral: %w", res.Error)
		}
		if res.RowsAffected == 0 {
			return fault.New(fault.Conflict, "already_referred", fmt.Sprintf("The issue is already with %s.", body.Name))
		}
		for _, c := range cases {
			if _, err := audit.Append(tx, audit.Event{CaseID: c.ID, ActorKind: audit.ActorStaff, ActorID: &by,
				Action: "systemic.referred", Data: map[string]any{"systemic_issue_id": issueID, "systemic_referral_id": id,
					"body": body.Name}}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s.systemicReferral(s.db.WithContext(ctx), id, nil)
}

// SystemicReferrals lists the systemic referrals to a body's user's body, newest first.
func (s *Service) SystemicReferrals(ctx context.Context, bodyUser uuid.UUID) ([]SystemicReferral, error) {
	q := s.db.WithContext(ctx)
	ids, err := systemicReferralIDs(q, bodyUser)
	if err != nil {
		return nil, fmt.Errorf("escalation: systemic referrals: %w", err)
	}
	out := make([]SystemicReferral, 0, len(ids))
	for _, id := range ids {
		r, err := s.systemicReferral(q, id, &bodyUser)
		if err != nil {
			return nil, err
		}
		out = append(out, *r)
	}
	return out, nil
}

// SystemicReferral returns one systemic referral to a body's user's body;
// the first opening is recorded.
func (s *Service) SystemicReferral(ctx context.Context, id, bodyUser uuid.UUID) (*SystemicReferral, error) {
	q := s.db.WithContext(ctx)
	r, err := s.systemicReferral(q, id, &bodyUser)
	if err != nil {
		return nil, err
	}
	if r.FirstOpenedAt == nil {
		if err := q.Model(&systemicReferralRow{}).Where("id = ? AND first_opened_at IS NULL", id).
			Update("first_opened_at", gorm.Expr("now()")).Error; err != nil {
			return nil, fmt.Errorf("escalation: systemic referral opened: %w", err)
		}
	}
	return r, nil
}

// systemicReferral reads a systemic referral in q (the caller's transaction or the pool).
func (s *Service) systemicReferral(q *gorm.DB, id uuid.UUID, bodyUser *uuid.UUID) (*SystemicReferral, error) {
	row, err := systemicReferral(q, id, bodyUser)
	if err != nil {
		return nil, fmt.Errorf("escalation: systemic referral: %w", err)
	}
	if row.ID == uuid.Nil {
		return nil, fault.New(fault.NotFound, "referral_not_found", "No systemic referral with that id was made to you.")
	}
	out := &SystemicReferral{ID: row.ID, IssueID: row.SystemicIssueID, Body: BodyRef{row.BodyID, row.BodyName, row.BodyType},
		LegalBasis: row.LegalBasis, CaseCount: row.CaseCount, CreatedAt: row.CreatedAt.UTC(), FirstOpenedAt: utc(row.FirstOpenedAt)}
	if out.Reason, err = s.keys.OpenString(purposeSystemicReason(row.ID), row.ReasonEnc); err != nil {
		return nil, fmt.Errorf("escalation: open systemic reason: %w", err)
	}
	raw, err := s.keys.Open(purposeSystemicSummary(row.ID), row.SummaryEnc)
	if err != nil {
		return nil, fmt.Errorf("escalation: open systemic summary: %w", err)
	}
	if err := json.Unmarshal(raw, &out.Summary); err != nil {
		return nil, fmt.Errorf("escalation: systemic summary: %w", err)
	}
	return out, nil
}
