package grievance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// The review workspace: what the reviewer establishes about the contested AI
// decision, the complainant's point of view as heard, and evidence
// (evidence.go). Each write locks the case row first and checks who may
// write: the case's assignee, or anyone whose role lets them act on any
// case (supervisors, admins), never someone recused, and never on a closed
// or withdrawn case.

// Workspace vocabularies.
var (
	HumanOversight = []string{"none", "nominal", "meaningful"}
	PersonInformed = []string{"yes", "no", "unsure"}
	HeardVia       = []string{"in_writing", "call", "meeting", "representative"}
)

const (
	maxAIInputs      = 100
	maxAIInput       = 1000
	maxAIOutput      = 20000
	maxOversight     = 20000
	minPointOfView   = 20
	maxPointOfView   = 20000
	maxSystemVersion = 200
)

func purposeAIDecision(caseID string) string { return "ai_decision.record:" + caseID }
func purposePointOfView(id string) string    { return "point_of_view.summary:" + id }

// lockOpen locks a case for by's work on its record (lockForWork) and
// refuses it once the case is closed or withdrawn.
func (s *Service) lockOpen(tx *gorm.DB, caseID uuid.UUID, by cases.Actor) error {
	_, err := casework.LockOpen(tx, caseID, by)
	return err
}

// AIDecisionRequest is PUT /api/v1/cases/{id}/ai-decision: the contested AI
// decision as the reviewer established it.
type AIDecisionRequest struct {
	SystemVersion     string   `json:"system_version"`
	Inputs            []string `json:"inputs"`
	Output            string   `json:"output"`
	SolelyAutomated   *bool    `json:"solely_automated"`
	HumanOversight    string   `json:"human_oversight"`
	OversightDetail   string   `json:"oversight_detail"`
	PersonInformed    string   `json:"person_informed"`
	DecisionReference string   `json:"decision_reference"`
	DecisionDate      string   `json:"decision_date"`
}

// AIDecisionRecord is the AI decision record as staff see it.
type AIDecisionRecord struct {
	SystemVersion     string    `json:"system_version"`
	Inputs            []string  `json:"inputs"`
	Output            string    `json:"output"`
	SolelyAutomated   bool      `json:"solely_automated"`
	HumanOversight    string    `json:"human_oversight"`
	OversightDetail   string    `json:"oversight_detail"`
	PersonInformed    string    `json:"person_informed"`
	DecisionReference *string   `json:"decision_reference"`
	DecisionDate      *string   `json:"decision_date"`
	RecordedBy        uuid.UUID `json:"recorded_by"`
	RecordedAt        time.Time `json:"recorded_at"`
}

// aiSealed is the part of the record sealed in record_enc.
type aiSealed struct {
	Inputs          []string `json:"inputs"`
	Output          string   `json:"output"`
	OversightDetail string   `json:"oversight_detail"`
}

func (r *AIDecisionRequest) validate(now time.Time) (*time.Time, error) {
	var f fault.Fields
	r.SystemVersion = strings.TrimSpace(r.SystemVersion)
	r.Output = strings.TrimSpace(r.Output)
	r.OversightDetail = strings.TrimSpace(r.OversightDetail)
	r.DecisionReference = strings.TrimSpace(r.DecisionReference)
	text(&f, "system_version", r.SystemVersion, 1, maxSystemVersion)
	switch {
	case len(r.Inputs) == 0:
		f.Addf("inputs", "required", "list the inputs the system relied on: 1 to %d items", maxAIInputs)
	case len(r.Inputs) > maxAIInputs:
		f.Addf("inputs", "too_many", "list at most %d inputs (got %d)", maxAIInputs, len(r.Inputs))
	default: // each checked only when the list is not already refused
		for i := range r.Inputs {
			r.Inputs[i] = strings.TrimSpace(r.Inputs[i])
			text(&f, fmt.Sprintf("inputs[%d]", i), r.Inputs[i], 1, maxAIInput)
		}
	}
	text(&f, "output", r.Output, 1, maxAIOutput)
	if r.SolelyAutomated == nil {
		f.Add("solely_automated", "required", "is required: true when no human took part in the decision in a way that could change it")
	}
	if oneOf(&f, "human_oversight", r.HumanOversight, HumanOversight, true) {
		switch {
		case r.HumanOversight != "none":
			text(&f, "oversight_detail", r.OversightDetail, 10, maxOversight)
			if r.HumanOversight == "meaningful" && r.SolelyAutomated != nil && *r.SolelyAutomated {
				f.Add("human_oversight", "contradiction",
					"a solely automated decision had no meaningful human oversight: choose none or nominal, or set solely_automated to false")
			}
		default:
			text(&f, "oversight_detail", r.OversightDetail, 0, maxOversight)
		}
	}
	oneOf(&f, "person_informed", r.PersonInformed, PersonInformed, true)
	text(&f, "decision_reference", r.DecisionReference, 0, 200)
	var date *time.Time
	if r.DecisionDate != "" {
		d, err := time.Parse(time.DateOnly, r.DecisionDate)
		switch {
		case err != nil:
			f.Add("decision_date", "invalid", "must be a date written YYYY-MM-DD")
		case d.After(now.Add(24 * time.Hour)):
			f.Add("decision_date", "in_future", "cannot be in the future")
		case d.Year() < 1970:
			f.Add("decision_date", "too_early", "must be 1970 or later")
		default:
			date = &d
		}
	}
	return date, f.Err()
}

// RecordAIDecision replaces the case's AI decision record. Every save lands
// in the case record (ai_decision.recorded, with codes and the version, never
// the sealed text), so the case record keeps its history.
func (s *Service) RecordAIDecision(ctx context.Context, caseID uuid.UUID, by cases.Actor, r AIDecisionRequest) (*AIDecisionRecord, error) {
	if err := casework.StaffOnly(by); err != nil {
		return nil, err
	}
	date, err := r.validate(time.Now())
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(aiSealed{Inputs: r.Inputs, Output: r.Output, OversightDetail: r.OversightDetail})
	sealed, err := s.keys.SealCase(caseID, purposeAIDecision(caseID.String()), raw)
	if err != nil {
		return nil, err
	}
	var rec *AIDecisionRecord
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.lockOpen(tx, caseID, by); err != nil {
			return err
		}
		var recorded int64
		if err := tx.Model(&audit.Entry{}).Where("case_id = ? AND action = ?", caseID, "ai_decision.recorded").
			Count(&recorded).Error; err != nil {
			return fmt.Errorf("grievance: ai decision revision: %w", err)
		}
		revision := int(recorded) + 1
		if err := saveAIDecision(tx, caseID, r, sealed, date, *by.ID); err != nil {
			return fmt.Errorf("grievance: save ai decision record: %w", err)
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "ai_decision.recorded", Data: map[string]any{"revision": revision, "system_version": r.SystemVersion,
				"solely_automated": *r.SolelyAutomated, "human_oversight": r.HumanOversight,
				"person_informed": r.PersonInformed, "inputs": len(r.Inputs), "decision_date": casework.Nullable(r.DecisionDate)}}); err != nil {
			return err
		}
		rec, err = s.aiDecision(tx, caseID)
		return err
	})
	return rec, err
}

// AIDecision returns the case's AI decision record: NotFound when the case
// does not exist or has none yet.
func (s *Service) AIDecision(ctx context.Context, caseID uuid.UUID) (*AIDecisionRecord, error) {
	if _, err := s.Status(ctx, caseID); err != nil {
		return nil, err
	}
	rec, err := s.aiDecision(s.db.WithContext(ctx), caseID)
	if err == nil && rec == nil {
		err = fault.New(fault.NotFound, "ai_decision_not_recorded", "No AI decision record has been made for this case yet.")
	}
	return rec, err
}

// aiDecisionRow is a row of ai_decision_records as read: alone by
// aiDecision, or by Get in the case's own statement (aiDecisionColumns, with
// the record joined as r).
type aiDecisionRow struct {
	SystemVersion     *string    `gorm:"column:ai_system_version"`
	RecordEnc         []byte     `gorm:"column:ai_record_enc"`
	SolelyAutomated   bool       `gorm:"column:ai_solely_automated"`
	HumanOversight    string     `gorm:"column:ai_human_oversight"`
	PersonInformed    string     `gorm:"column:ai_person_informed"`
	DecisionReference *string    `gorm:"column:ai_decision_reference"`
	DecisionDate      *time.Time `gorm:"column:ai_decision_date"`
	RecordedBy        *uuid.UUID `gorm:"column:ai_recorded_by"`
	RecordedAt        *time.Time `gorm:"column:ai_recorded_at"`
}

// aiDecisionColumns select an aiDecisionRow from ai_decision_records r
// (all NULL when the case has no record: r is LEFT JOINed).
const aiDecisionColumns = `r.system_version AS ai_system_version, r.record_enc AS ai_record_enc,
		       coalesce(r.solely_automated, false) AS ai_solely_automated,
		       coalesce(r.human_oversight, '') AS ai_human_oversight, coalesce(r.person_informed, '') AS ai_person_informed,
		       r.decision_reference AS ai_decision_reference, r.decision_date AS ai_decision_date,
		       r.recorded_by AS ai_recorded_by, r.recorded_at AS ai_recorded_at`

// aiDecision loads (on q: the pool or a transaction) and opens the case's AI
// decision record, nil when there is none.
func (s *Service) aiDecision(q *gorm.DB, caseID uuid.UUID) (*AIDecisionRecord, error) {
	row, err := aiDecisionOf(q, caseID)
	if err != nil {
		return nil, fmt.Errorf("grievance: ai decision record: %w", err)
	}
	return s.openAIDecision(caseID, row)
}

// openAIDecision opens a record read as row, nil when there is none.
func (s *Service) openAIDecision(caseID uuid.UUID, row aiDecisionRow) (*AIDecisionRecord, error) {
	if row.SystemVersion == nil {
		return nil, nil
	}
	var sealed aiSealed
	if err := s.openJSON(purposeAIDecision(caseID.String()), row.RecordEnc, &sealed); err != nil {
		return nil, err
	}
	rec := &AIDecisionRecord{SystemVersion: *row.SystemVersion, Inputs: casework.NonNil(sealed.Inputs), Output: sealed.Output,
		SolelyAutomated: row.SolelyAutomated, HumanOversight: row.HumanOversight, OversightDetail: sealed.OversightDetail,
		PersonInformed: row.PersonInformed, DecisionReference: row.DecisionReference, RecordedBy: *row.RecordedBy,
		RecordedAt: row.RecordedAt.UTC()}
	if row.DecisionDate != nil {
		d := row.DecisionDate.Format(time.DateOnly)
		rec.DecisionDate = &d
	}
	return rec, nil
}

// PointOfViewRequest is POST /api/v1/cases/{id}/points-of-view: the
// complainant's point of view as the reviewer heard it.
type PointOfViewRequest struct {
	HeardVia string `json:"heard_via"`
	HeardAt  string `json:"heard_at"`
	Summary  string `json:"summary"`
}

// PointOfView is a point of view as staff see it.
type PointOfView struct {
	ID         uuid.UUID `json:"id"`
	HeardVia   string    `json:"heard_via"`
	HeardAt    time.Time `json:"heard_at"`
	Summary    string    `json:"summary"`
	RecordedBy uuid.UUID `json:"recorded_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// casework.ClockSkew is how far ahead of the server's clock a given time may be and
// still count as now.

func (r *PointOfViewRequest) validate(now time.Time) (time.Time, error) {
	var f fault.Fields
	oneOf(&f, "heard_via", r.HeardVia, HeardVia, true)
	var at time.Time
	if r.HeardAt == "" {
		f.Add("heard_at", "required", "is required: when the complainant was heard, in RFC 3339 such as 2026-11-20T14:30:00Z")
	} else if t, err := time.Parse(time.RFC3339, r.HeardAt); err != nil {
		f.Add("heard_at", "invalid", "must be a date and time in RFC 3339, such as 2026-11-20T14:30:00Z")
	} else if t.After(now.Add(casework.ClockSkew)) {
		f.Add("heard_at", "in_future", "cannot be in the future")
	} else if t.Year() < 1970 {
		f.Add("heard_at", "too_early", "must be 1970 or later")
	} else {
		at = t.UTC()
	}
	r.Summary = strings.TrimSpace(r.Summary)
	text(&f, "summary", r.Summary, minPointOfView, maxPointOfView)
	return at, f.Err()
}

// RecordPointOfView records the complainant's point of view, sealed. The
// entry in the case record is public: the complainant's timeline shows they
// were heard.
func (s *Service) RecordPointOfView(ctx context.Context, caseID uuid.UUID, by cases.Actor, r PointOfViewRequest) (*PointOfView, error) {
	if err := casework.StaffOnly(by); err != nil {
		return nil, err
	}
	at, err := r.validate(time.Now())
	if err != nil {
		return nil, err
	}
	p := &PointOfView{ID: uuid.New(), HeardVia: r.HeardVia, HeardAt: at, Summary: r.Summary, RecordedBy: *by.ID}
	sealed, err := s.keys.SealCase(caseID, purposePointOfView(p.ID.String()), []byte(r.Summary))
	if err != nil {
		return nil, err
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.lockOpen(tx, caseID, by); err != nil {
			return err
		}
		if p.CreatedAt, err = insertPointOfView(tx, caseID, p, sealed); err != nil {
			return fmt.Errorf("grievance: insert point of view: %w", err)
		}
		p.CreatedAt = p.CreatedAt.UTC()
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "point_of_view.recorded", Public: true,
			Data: map[string]any{"point_of_view_id": p.ID, "heard_via": p.HeardVia, "heard_at": p.HeardAt}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return p, nil
}

// pointsOfView loads and opens a case's points of view, in the order they were heard.
func (s *Service) pointsOfView(rd *db.Reads, caseID uuid.UUID, out *[]PointOfView) {
	var rows []pointOfViewRow
	pointsOfViewOf(rd, caseID, &rows)
	rd.Then(func() error {
		*out = make([]PointOfView, 0, len(rows))
		for _, r := range rows {
			summary, err := s.keys.OpenString(purposePointOfView(r.ID.String()), r.SummaryEnc)
			if err != nil {
				return fmt.Errorf("grievance: open point of view %s: %w", r.ID, err)
			}
			*out = append(*out, PointOfView{ID: r.ID, HeardVia: r.HeardVia, HeardAt: r.HeardAt.UTC(), Summary: summary,
				RecordedBy: r.RecordedBy, CreatedAt: r.CreatedAt.UTC()})
		}
		return nil
	})
}

// CheckWorker locks the case and checks that by may work on it: its
// reviewer, or a supervisor, and never someone recused from it (for work
// other packages do on a case, such as a referral to an independent body),
// in the caller's transaction tx.
func (s *Service) CheckWorker(tx *gorm.DB, caseID uuid.UUID, by cases.Actor) error {
	_, err := casework.LockForWork(tx, caseID, by)
	return err
}

// CheckNotRecused locks the case and checks that by, held or not, is not
// recused from it (for work other packages do on a case whose route's gate
// already decided who may act, such as verifying a body's order was complied
// with), in the caller's transaction tx.
func (s *Service) CheckNotRecused(tx *gorm.DB, caseID uuid.UUID, by cases.Actor) error {
	_, err := casework.LockUnlessRecused(tx, caseID, by)
	return err
}
