package incident

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/sla"
)

// The work a serious incident owes (docs/incidents.md): the initial and the
// complete report to the market surveillance authority (AI Act art. 73),
// telling the AI system's provider, and deciding whether to suspend the
// system (AI Act art. 26(5)). Each task but the complete report ends a clock
// of its own; the three clocks run from awareness.

// Incident tasks.
const (
	TaskInitialReport      = "initial_report"
	TaskCompleteReport     = "complete_report"
	TaskProviderNotice     = "provider_notice"
	TaskSuspensionDecision = "suspension_decision"
)

// Tasks are the tasks of every incident, in the order people read them.
var Tasks = []string{TaskInitialReport, TaskCompleteReport, TaskProviderNotice, TaskSuspensionDecision}

// SuspensionOutcomes are what a suspension decision decides.
var SuspensionOutcomes = []string{"suspend", "continue"}

// taskClock is the clock each task ends, and what the clock records
// as having ended it (case_clocks.satisfied_by). The complete report has no
// clock: the law sets it no period.
var taskClock = map[string]struct {
	clock sla.ClockName
	by    string
}{
	TaskInitialReport:      {sla.IncidentReport, "reported"},
	TaskProviderNotice:     {sla.ProviderNotice, "provider_notified"},
	TaskSuspensionDecision: {sla.SuspensionDecision, "suspension_decided"},
}

const maxAuthorityReference = 200

func purposeNote(caseID, task string) string { return "incident.note:" + caseID + ":" + task }

// Incident is what staff see of an incident case: when the organisation
// became aware of it, its subtype, and its tasks.
type Incident struct {
	AwareAt *time.Time `json:"aware_at"`
	Subtype *string    `json:"subtype"`
	Tasks   []Task     `json:"tasks"`
}

// Task is one task of an incident. DueAt follows the task's clock;
// the complete report has none.
type Task struct {
	Task               string     `json:"task"`
	Clock              *string    `json:"clock"`
	DueAt              *time.Time `json:"due_at"`
	DoneAt             *time.Time `json:"done_at"`
	DoneBy             *uuid.UUID `json:"done_by"`
	Note               *string    `json:"note"`
	Outcome            *string    `json:"outcome"`
	AuthorityReference *string    `json:"authority_reference"`
}

// TaskRequest is POST /api/v1/cases/{id}/incident/tasks/{task}.
type TaskRequest struct {
	// Note says what was done: what was sent, to whom, how; for a
	// suspension decision, the reasons for it. Sealed at rest.
	Note string `json:"note"`
	// Outcome of a suspension decision: suspend or continue.
	Outcome string `json:"outcome"`
	// AuthorityReference is the authority's reference for a report.
	AuthorityReference string `json:"authority_reference"`
	// DoneAt is when it was done (RFC 3339); now when empty.
	DoneAt string `json:"done_at"`
}

// validate checks r for task and returns the given done_at (zero for now).
func (r *TaskRequest) validate(task string, now time.Time) (time.Time, error) {
	var f fault.Fields
	known := f.OneOf("task", task, Tasks, true)
	r.Note = strings.TrimSpace(r.Note)
	r.AuthorityReference = strings.TrimSpace(r.AuthorityReference)
	if known && task == TaskSuspensionDecision && r.Note == "" {
		f.Add("note", "required", "is required: the reasons for suspending the AI system or continuing to use it")
	} else {
		f.Text("note", r.Note, 1, casework.MaxLongText)
	}
	switch {
	case !known:
	case task == TaskSuspensionDecision:
		f.OneOf("outcome", r.Outcome, SuspensionOutcomes, true)
	case r.Outcome != "":
		f.Add("outcome", "not_allowed", "only a suspension_decision has an outcome")
	}
	if r.AuthorityReference != "" {
		if known && task != TaskInitialReport && task != TaskCompleteReport {
			f.Add("authority_reference", "not_allowed", "only a report to the authority has the authority's reference")
		} else {
			f.Text("authority_reference", r.AuthorityReference, 1, maxAuthorityReference)
		}
	}
	var at time.Time
	if r.DoneAt != "" {
		t, err := time.Parse(time.RFC3339, r.DoneAt)
		switch {
		case err != nil:
			f.Add("done_at", "invalid", "must be a date and time in RFC 3339, such as 2026-11-20T14:30:00Z")
		case t.After(now.Add(casework.ClockSkew)):
			f.Add("done_at", "in_future", "cannot be in the future")
		default:
			at = t.UTC()
		}
	}
	return at, f.Err()
}

// CompleteTask records that a task of an incident was done, by the
// case's holder or a supervisor or admin of its queue (by.MayWorkAnyCase): the task's clock ends at
// done_at, a suspension to suspend marks the case's AI system suspended in
// the register, and each report adds a public incident.reported entry to the
// complainant's timeline. The whole lands in one transaction, with its entry
// in the case record and a redress.incident.task_done event.
func (s *Service) CompleteTask(ctx context.Context, caseID uuid.UUID, by cases.Actor, task string, r TaskRequest) error {
	if err := casework.StaffOnly(by); err != nil {
		return err
	}
	doneAt, err := r.validate(task, time.Now())
	if err != nil {
		return err
	}
	sealed, err := s.keys.SealCaseString(caseID, purposeNote(caseID.String(), task), r.Note)
	if err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := casework.LockOpen(tx, caseID, by)
		if err != nil {
			return err
		}
		if c.Kind != "incident" {
			return fault.New(fault.Conflict, "not_an_incident", "Only incident cases have incident tasks.")
		}
		var inc caseIncident
		if err := tx.Model(&cases.Case{}).Select("incident_aware_at, ai_system_id, now() AS now").Where("id = ?", caseID).
			Scan(&inc).Error; err != nil {
			return fmt.Errorf("incident: %w", err)
		}
		if inc.IncidentAwareAt == nil {
			return fault.New(fault.Conflict, "awareness_first",
				"Record when the organisation became aware of the incident first (POST /api/v1/cases/{id}/incident): its clocks run from then.")
		}
		if _, err := s.clocks.RecomputeIn(tx, caseID); err != nil {
			return err
		}
		if err := ensureTasks(tx, caseID); err != nil {
			return err
		}
		var rows []taskDone
		if err := tx.Table(tasksTable).Select("task, done_at").Where("case_id = ?", caseID).
			Clauses(clause.Locking{Strength: "UPDATE"}).Scan(&rows).Error; err != nil {
			return fmt.Errorf("incident: tasks: %w", err)
		}
		done := map[string]*time.Time{}
		for _, row := range rows {
			done[row.Task] = row.DoneAt
		}
		switch {
		case done[task] != nil:
			return fault.New(fault.Conflict, "task_done", fmt.Sprintf("This task was done on %s; it is done once.",
				done[task].UTC().Format(time.RFC3339)))
		case task == TaskCompleteReport && done[TaskInitialReport] == nil:
			return fault.New(fault.Conflict, "initial_report_first",
				"The complete report follows the initial report (AI Act art. 73(5)); record the initial report first.")
		}
		if doneAt.IsZero() {
			doneAt = inc.Now.UTC()
		}
		var f fault.Fields
		if doneAt.Before(*inc.IncidentAwareAt) {
			f.Addf("done_at", "before_awareness", "cannot be before the organisation became aware of the incident (%s)",
				inc.IncidentAwareAt.UTC().Format(time.RFC3339))
		} else if initial := done[TaskInitialReport]; task == TaskCompleteReport && doneAt.Before(*initial) {
			f.Addf("done_at", "before_initial_report", "cannot be before the initial report (%s)", initial.UTC().Format(time.RFC3339))
		}
		if err := f.Err(); err != nil {
			return err
		}
		if err := tx.Table(tasksTable).Where("case_id = ? AND task = ? AND done_at IS NULL", caseID, task).
			Updates(map[string]any{"done_at": doneAt, "done_by": *by.ID, "note_enc": sealed,
				"outcome": casework.Nullable(r.Outcome), "authority_reference": casework.Nullable(r.AuthorityReference)}).Error; err != nil {
			return fmt.Errorf("incident: task: %w", err)
		}
		ends, hasClock := taskClock[task]
		if hasClock {
			if err := s.clocks.EndAt(tx, caseID, ends.by, doneAt, ends.clock); err != nil {
				return err
			}
		}
		suspended := false
		if r.Outcome == "suspend" && inc.AISystemID != nil {
			// The earliest suspension stands; the system stays in the register.
			if suspended, err = registry.Suspend(tx, *inc.AISystemID, doneAt, caseID); err != nil {
				return err
			}
		}
		data := map[string]any{"task": task, "done_at": doneAt}
		ev := events.IncidentTask{Task: task, DoneAt: doneAt, Outcome: r.Outcome, AISystemID: inc.AISystemID}
		if hasClock {
			data["clock"], ev.Clock = ends.clock, ends.clock
		}
		if r.Outcome != "" {
			data["outcome"] = r.Outcome
			data["ai_system_id"] = inc.AISystemID
			data["ai_system_suspended"] = suspended
		}
		if r.AuthorityReference != "" {
			data["authority_reference"] = r.AuthorityReference
		}
		if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "incident.task_done", Data: data}); err != nil {
			return err
		}
		if task == TaskInitialReport || task == TaskCompleteReport {
			report := map[string]string{TaskInitialReport: "initial", TaskCompleteReport: "complete"}[task]
			if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
				Action: "incident.reported", Public: true, Data: map[string]any{"report": report, "reported_at": doneAt}}); err != nil {
				return err
			}
		}
		_, err = outbox.Add(tx, events.IncidentTaskDone, caseID, ev)
		return err
	})
}

// Of is the incident part of a case's staff view: nil unless the case
// (of kind) is an incident. It reads through q (the pool or a transaction).
func (s *Service) Of(q *gorm.DB, caseID uuid.UUID, kind string) (*Incident, error) {
	if kind != "incident" {
		return nil, nil
	}
	out := &Incident{Tasks: []Task{}}
	var c caseIncident
	if err := q.Model(&cases.Case{}).Select("incident_aware_at, incident_subtype").Where("id = ?", caseID).
		Scan(&c).Error; err != nil {
		return nil, fmt.Errorf("incident: %w", err)
	}
	out.AwareAt, out.Subtype = casework.UTC(c.IncidentAwareAt), c.IncidentSubtype
	rows, err := taskRows(q, caseID)
	if err != nil {
		return nil, err
	}
	for _, row := range rows {
		t := row.Task
		t.DueAt, t.DoneAt = casework.UTC(t.DueAt), casework.UTC(t.DoneAt)
		if row.NoteEnc != nil {
			note, err := s.keys.OpenString(purposeNote(caseID.String(), t.Task), row.NoteEnc)
			if err != nil {
				return nil, fmt.Errorf("incident: open note: %w", err)
			}
			t.Note = &note
		}
		out.Tasks = append(out.Tasks, t)
	}
	return out, nil
}
