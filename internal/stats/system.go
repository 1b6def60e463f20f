package stats

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
)

// SystemRef names an AI system of the register.
type SystemRef struct {
	ID       uuid.UUID `json:"id"`
	Slug     string    `json:"slug"`
	Name     string    `json:"name"`
	Provider string    `json:"provider"`
	Active   bool      `json:"active"`
}

// SystemStats is what staff learn about one AI system from the cases about
// it submitted in a range. Nothing is suppressed: this is for staff.
type SystemStats struct {
	AISystem       SystemRef      `json:"ai_system"`
	Range          Range          `json:"range"`
	GeneratedAt    time.Time      `json:"generated_at"`
	Cases          CaseTally      `json:"cases"`
	Decisions      DecisionStats  `json:"decisions"`
	TimeToDecision TimeToDecision `json:"time_to_decision"`
	SLA            SLAStats       `json:"sla"`
	Remedies       RemedyStats    `json:"remedies"`
	Feedback       FeedbackStats  `json:"feedback"`
	RootCauses     RootCauseStats `json:"root_causes"`
}

// CaseTally counts cases. A case has several rights, so by_right adds up to
// more than total.
type CaseTally struct {
	Total    int64            `json:"total"`
	ByKind   map[string]int64 `json:"by_kind"`
	ByRight  map[string]int64 `json:"by_right"`
	ByStatus map[string]int64 `json:"by_status"`
}

// DecisionTally counts final decisions by outcome; OverturnRate is
// (decision_overturned + decision_modified) / the final decisions within scope.
type DecisionTally struct {
	Final        int64            `json:"final"`
	ByOutcome    map[string]int64 `json:"by_outcome"`
	OverturnRate *float64         `json:"overturn_rate"`
}

// DecisionStats are the final decisions, all of them and by stage.
type DecisionStats struct {
	DecisionTally
	ByStage map[string]DecisionTally `json:"by_stage"`
}

// TimeToDecision is the hours from submission to a case's first final
// decision, over the N cases that have one.
type TimeToDecision struct {
	N           int64    `json:"n"`
	MedianHours *float64 `json:"median_hours"`
	P90Hours    *float64 `json:"p90_hours"`
}

// ClockTally puts each clock in one of four states. Compliance is
// on_time / (on_time + late + running_overdue).
type ClockTally struct {
	OnTime         int64    `json:"on_time"`
	Late           int64    `json:"late"`
	RunningOverdue int64    `json:"running_overdue"`
	Running        int64    `json:"running"`
	Compliance     *float64 `json:"compliance"`
}

// SLAStats are the clocks by name and all together.
type SLAStats struct {
	ByClock map[string]ClockTally `json:"by_clock"`
	All     ClockTally            `json:"all"`
}

// RemedyTally counts remedy components; VerifiedRate is verified / the
// components not declined.
type RemedyTally struct {
	Components   int64            `json:"components"`
	ByForm       map[string]int64 `json:"by_form"`
	ByStatus     map[string]int64 `json:"by_status"`
	VerifiedRate *float64         `json:"verified_rate"`
	// ReasonedAway are components given up with a recorded reason (a
	// withdrawn offer among them): never a remedy met.
	ReasonedAway int64 `json:"reasoned_away"`
}

// RemedyStats are every component (the cases' and the system's systemic
// issues'), and the systemic ones among them.
type RemedyStats struct {
	RemedyTally
	Systemic RemedyTally `json:"systemic"`
}

// FeedbackStats are the complainants' ratings of the process (1–5).
type FeedbackStats struct {
	Count            int64    `json:"count"`
	MeanSatisfaction *float64 `json:"mean_satisfaction"`
}

// RootCauseStats count the closed cases by the root cause found.
type RootCauseStats struct {
	Closed      int64            `json:"closed"`
	ByRootCause map[string]int64 `json:"by_root_cause"`
	Unrecorded  int64            `json:"unrecorded"`
}

// AISystem computes the statistics of one AI system (active or not) over
// the cases about it submitted in r, on one snapshot of the database.
func (s *Service) AISystem(ctx context.Context, id uuid.UUID, r Range) (*SystemStats, error) {
	out := &SystemStats{Range: r}
	err := s.snapshot(ctx, func(conn *gorm.DB) error {
		err := conn.Model(&registry.AISystem{}).Select("id, slug, name, provider, active, now() AS at").Where("id = ?", id).
			Row().Scan(&out.AISystem.ID, &out.AISystem.Slug, &out.AISystem.Name, &out.AISystem.Provider,
			&out.AISystem.Active, &out.GeneratedAt)
		if errors.Is(err, sql.ErrNoRows) {
			return fault.New(fault.NotFound, "ai_system_not_found", "No AI system with that id is in the register.")
		}
		if err != nil {
			return fmt.Errorf("stats: ai system: %w", err)
		}
		out.GeneratedAt = out.GeneratedAt.UTC()
		qs := systemQueries(id, r)
		fold := []func(*gorm.DB, query) error{
			out.foldCases, out.foldRights, out.foldDecisions, out.foldTimeToDecision, out.foldSLA, out.foldRemedies,
			out.foldFeedback,
		}
		for i, q := range qs {
			if err := fold[i](conn, q); err != nil {
				return fmt.Errorf("stats: %s: %w", q.name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func (o *SystemStats) foldCases(conn *gorm.DB, q query) error {
	var rows []caseGroup
	if err := q.scan(conn, &rows); err != nil {
		return err
	}
	o.Cases = CaseTally{ByKind: zeros(Kinds), ByRight: zeros(Rights), ByStatus: zeros(Statuses)}
	o.RootCauses = RootCauseStats{ByRootCause: zeros(RootCauses)}
	for _, r := range rows {
		switch {
		case r.GKind == 0:
			o.Cases.ByKind[*r.Kind] = r.N
		case r.GStatus == 0:
			o.Cases.ByStatus[*r.Status] = r.N
		case r.GRoot == 0 && r.RootCause == nil:
			o.RootCauses.Unrecorded = r.Closed
		case r.GRoot == 0:
			o.RootCauses.ByRootCause[*r.RootCause] = r.Closed
		default: // ()
			o.Cases.Total, o.RootCauses.Closed = r.N, r.Closed
		}
	}
	return nil
}

func (o *SystemStats) foldRights(conn *gorm.DB, q query) error {
	var rows []rightCount
	if err := q.scan(conn, &rows); err != nil {
		return err
	}
	for _, r := range rows {
		o.Cases.ByRight[r.Code] = r.N
	}
	return nil
}

func (o *SystemStats) foldDecisions(conn *gorm.DB, q query) error {
	var rows []decisionGroup
	if err := q.scan(conn, &rows); err != nil {
		return err
	}
	tally := func() DecisionTally { return DecisionTally{ByOutcome: zeros(Outcomes)} }
	o.Decisions = DecisionStats{DecisionTally: tally(), ByStage: map[string]DecisionTally{}}
	for _, st := range Stages {
		o.Decisions.ByStage[st] = tally()
	}
	for _, r := range rows {
		switch {
		case r.GStage == 0 && r.GOutcome == 0:
			o.Decisions.ByStage[*r.Stage].ByOutcome[*r.Outcome] = r.N
		case r.GStage == 0:
			t := o.Decisions.ByStage[*r.Stage]
			t.Final = r.N
			o.Decisions.ByStage[*r.Stage] = t
		case r.GOutcome == 0:
			o.Decisions.ByOutcome[*r.Outcome] = r.N
		default:
			o.Decisions.Final = r.N
		}
	}
	rate := func(t *DecisionTally) {
		changed, within := overturned(t.ByOutcome)
		t.OverturnRate = ratio(changed, within)
	}
	rate(&o.Decisions.DecisionTally)
	for st, t := range o.Decisions.ByStage {
		rate(&t)
		o.Decisions.ByStage[st] = t
	}
	return nil
}

func (o *SystemStats) foldTimeToDecision(conn *gorm.DB, q query) error {
	var r timeToDecisionRow
	if err := q.scan(conn, &r); err != nil {
		return err
	}
	o.TimeToDecision = TimeToDecision{N: r.N, MedianHours: roundPtr(r.Median, 2), P90Hours: roundPtr(r.P90, 2)}
	return nil
}

func (o *SystemStats) foldSLA(conn *gorm.DB, q query) error {
	var rows []clockGroup
	if err := q.scan(conn, &rows); err != nil {
		return err
	}
	o.SLA = SLAStats{ByClock: map[string]ClockTally{}, All: ClockTally{}}
	for _, c := range Clocks {
		o.SLA.ByClock[c] = ClockTally{}
	}
	for _, r := range rows {
		t := ClockTally{OnTime: r.OnTime, Late: r.Late, RunningOverdue: r.RunningOverdue, Running: r.Running,
			Compliance: ratio(r.OnTime, r.OnTime+r.Late+r.RunningOverdue)}
		if r.GClock == 1 {
			o.SLA.All = t
		} else {
			o.SLA.ByClock[*r.Clock] = t
		}
	}
	return nil
}

func (o *SystemStats) foldRemedies(conn *gorm.DB, q query) error {
	var rows []remedyGroup
	if err := q.scan(conn, &rows); err != nil {
		return err
	}
	tally := func() RemedyTally {
		return RemedyTally{ByForm: zeros(RemedyForms), ByStatus: zeros(RemedyStatuses)}
	}
	o.Remedies = RemedyStats{RemedyTally: tally(), Systemic: tally()}
	for _, r := range rows {
		var t *RemedyTally
		switch {
		case r.GSystemic == 1:
			t = &o.Remedies.RemedyTally
		case *r.Systemic:
			t = &o.Remedies.Systemic
		default:
			continue // the cases' own components are the total less the systemic
		}
		switch {
		case r.GForm == 0:
			t.ByForm[*r.Form] = r.N
		case r.GStatus == 0:
			t.ByStatus[*r.Status] = r.N
		default:
			t.Components, t.VerifiedRate, t.ReasonedAway = r.N, ratio(r.Verified, r.NotDeclined), r.ReasonedAway
		}
	}
	return nil
}

func (o *SystemStats) foldFeedback(conn *gorm.DB, q query) error {
	var r feedbackRow
	if err := q.scan(conn, &r); err != nil {
		return err
	}
	o.Feedback = FeedbackStats{Count: r.N, MeanSatisfaction: roundPtr(r.Mean, 2)}
	return nil
}
