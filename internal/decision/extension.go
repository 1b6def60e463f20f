package decision

import (
	"context"
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

// NoticeExtension tells the complainant that the reply to their request will
// take longer, with the reasons (GDPR art. 12(3)): the reasons go to them as a
// message, and the gdpr_reply clock takes its extended period. The law allows
// this only inside the first period, so a notice after the original due date
// is refused, and only one notice is given.
func (s *Service) NoticeExtension(ctx context.Context, caseID uuid.UUID, by cases.Actor, clock, reasons string) error {
	var f fault.Fields
	if sla.ClockName(clock) != sla.GDPRReply {
		f.Add("clock", "not_extendable", "only the gdpr_reply clock can be extended (GDPR art. 12(3))")
	}
	f.Text("reasons", reasons, 1, casework.MaxLongText)
	if err := f.Err(); err != nil {
		return err
	}
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		c, err := lockForExtension(tx, caseID, clock)
		if err != nil {
			return fmt.Errorf("decision: extension: %w", err)
		}
		switch {
		case c.Status == "":
			return fault.New(fault.NotFound, "case_not_found", "No case has that id.")
		case c.DueAt == nil && c.SatisfiedAt == nil:
			return fault.New(fault.Conflict, "no_such_clock", "This case has no GDPR reply clock: it is not a request under GDPR.")
		case c.SatisfiedAt != nil:
			return fault.New(fault.Conflict, "clock_ended", "The request was already answered.")
		case c.ExtensionNoticeAt != nil:
			return fault.New(fault.Conflict, "already_extended", "The complainant was already told of an extension.")
		case !c.Now.Before(*c.DueAt):
			return fault.New(fault.Conflict, "notice_too_late", fmt.Sprintf(
				"The first month ended on %s; GDPR art. 12(3) allows an extension only with notice inside it.",
				c.DueAt.UTC().Format("2 January 2006, 15:04 UTC")))
		}
		if err := cases.NoteExtension(tx, caseID); err != nil {
			return err
		}
		msgID, err := s.tell(tx, caseID, by, reasons)
		if err != nil {
			return err
		}
		set, err := s.clocks.RecomputeIn(tx, caseID)
		if err != nil {
			return err
		}
		data := map[string]any{"clock": clock, "message_id": msgID, "previous_due": c.DueAt.UTC()}
		for _, k := range set {
			if k.Clock == sla.ClockName(clock) {
				data["due"], data["rule"] = k.DueAt.UTC(), k.Rule
			}
		}
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "clock.extended", Public: true, Data: data})
		return err
	})
}
