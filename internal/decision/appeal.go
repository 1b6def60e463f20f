package decision

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

// Appealable are the statuses a complainant may appeal from: a decision, or
// a refusal to take the case forward.
var Appealable = []cases.Status{cases.StatusDecided, cases.StatusRemedyInProgress, cases.StatusClosed, cases.StatusRejected}

const maxAppealReason = 20000

// PurposeAppeal binds a case's sealed appeal reason to its column and row.
func PurposeAppeal(caseID uuid.UUID) string { return "case.appeal_reason:" + caseID.String() }

// Appeal is the complainant contesting the decision, within the window the
// case's policy allows, once. The case goes back to its queue with every
// reviewer who decided, approved or held it excluded; the appeal clock starts.
func (s *Service) Appeal(ctx context.Context, caseID uuid.UUID, reason string) error {
	var f fault.Fields
	f.Text("reason", reason, 10, maxAppealReason)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var c appealFacts
		if err := cases.Locked(tx, caseID, "status", "appeal_state", "appeal_by", "appeal_window_rule", "sla_policy_id", "decided_at", "status_changed_at", "assignee_id").Scan(&c).Error; err != nil {
			return fmt.Errorf("decision: appeal: %w", err)
		}
		switch {
		case c.Status == "":
			return fault.New(fault.NotFound, "case_not_found", "The case does not exist.")
		case c.AppealState != nil && *c.AppealState == string(cases.AppealDecided):
			return fault.New(fault.Conflict, "appeal_decided",
				"Your appeal has been decided and that decision is final here. You can take your complaint to an independent body.")
		case c.AppealState != nil:
			return fault.New(fault.Conflict, "appeal_open", "Your appeal is already being reviewed.")
		case !slices.Contains(Appealable, c.Status):
			return fault.New(fault.Conflict, "nothing_to_appeal",
				"You can appeal once a decision has been made on your complaint (or it was not taken forward).")
		}
		by, rule, err := AppealWindow(s.clocks, tx, c.AppealBy, c.AppealRule, c.SLAPolicyID, c.DecidedAt, c.StatusChangedAt)
		if err != nil {
			return err
		}
		if time.Now().After(by) {
			return fault.New(fault.Conflict, "appeal_out_of_time", fmt.Sprintf(
				"The time to appeal ended on %s (%s, %s). You can still take your complaint to an independent body.",
				by.UTC().Format("2 January 2006, 15:04 UTC"), rule.Source, rule.Period))
		}
		excluded, err := decidersOf(tx, caseID)
		if err != nil {
			return fmt.Errorf("decision: appeal: deciders: %w", err)
		}
		// Who rejected the case decided it too (the case record names them).
		rejecters, err := rejectersOf(tx, caseID)
		if err != nil {
			return fmt.Errorf("decision: appeal: rejecters: %w", err)
		}
		for _, id := range append(rejecters, derefs(c.AssigneeID)...) {
			if !slices.Contains(excluded, id) {
				excluded = append(excluded, id)
			}
		}
		sealed, err := s.keys.SealCase(caseID, PurposeAppeal(caseID), []byte(strings.TrimSpace(reason)))
		if err != nil {
			return err
		}
		list := make([]string, len(excluded))
		for i, id := range excluded {
			list[i] = id.String()
		}
		from, err := s.move(tx, caseID, cases.StatusAppealed, map[string]any{
			"appealed_at": gorm.Expr("now()"), "appeal_state": cases.AppealOpen, "appeal_reason_enc": sealed,
			"excluded_reviewers": gorm.Expr("?::uuid[]", "{"+strings.Join(list, ",")+"}"), "assignee_id": nil,
			"assigned_at": nil, "status_reason": nil, "closed_at": nil, "root_cause": nil})
		if err != nil {
			return err
		}
		if err := casework.RecordMove(tx, caseID, cases.Actor{Kind: audit.ActorComplainant}, from, cases.StatusAppealed,
			map[string]any{"appeal_by": by.UTC(), "excluded_reviewers": len(excluded)}, events.CaseStatusChanged); err != nil {
			return err
		}
		_, err = outbox.Add(tx, events.CaseAppealed, caseID, events.Appealed{ExcludedReviewers: excluded})
		return err
	})
}

// OpenAppealWindow records a decision (decided_at) or a refusal, and opens
// the window for appealing it by the case's policy (clk), in tx; a decision
// on appeal closes the appeal. It is part of what a move to decided or
// rejected entails (internal/grievance's move).
func OpenAppealWindow(tx *gorm.DB, clk *clocks.Service, caseID uuid.UUID, to cases.Status) error {
	c, err := appealStateOf(tx, caseID)
	if err != nil {
		return fmt.Errorf("decision: appeal window: %w", err)
	}
	if c.AppealState != nil {
		return cases.DecideAppeal(tx, caseID, to)
	}
	now := time.Now()
	by, rule, err := clk.AppealBy(tx, c.SLAPolicyID, now)
	if err != nil {
		return err
	}
	raw, _ := json.Marshal(rule)
	return cases.OpenAppealWindow(tx, caseID, to, by, string(raw))
}

// AppealWindow is when the window to appeal closes and the rule behind it:
// as stored when the decision (or refusal) was made, or, for a case decided
// before windows were stored, counted from its decision by its policy (read
// through clk on q, which may be the caller's transaction).
func AppealWindow(clk *clocks.Service, q *gorm.DB, by *time.Time, rule *string, policyID *uuid.UUID,
	decidedAt *time.Time, statusChangedAt time.Time) (time.Time, sla.Rule, error) {
	var r sla.Rule
	if by != nil {
		if rule != nil {
			_ = json.Unmarshal([]byte(*rule), &r)
		}
		return *by, r, nil
	}
	from := statusChangedAt
	if decidedAt != nil {
		from = *decidedAt
	}
	return clk.AppealBy(q, policyID, from)
}

func derefs(id *uuid.UUID) []uuid.UUID {
	if id == nil {
		return nil
	}
	return []uuid.UUID{*id}
}
