package worker

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/routing"
	"github.com/redresshq/redress/internal/sla"
)

// Reconciler catches lost events: a case submitted more than After ago and
// still not routed gets its case.submitted put back through the outbox, and
// an alert (redress.ops.case_unrouted) goes out with it. The event goes back
// under its original id when the outbox still holds the original (else
// under one id of the reconciler's own, the same at every attempt), so every
// consumer — which keys on the event id — acts on it once, however late the
// original turns up. A case whose case.submitted still waits in the outbox
// is left alone: the relay has it. Several workers may reconcile at once:
// each case is taken with SKIP LOCKED.
type Reconciler struct {
	DB  *gorm.DB
	Log *slog.Logger
	// After is how long a case may stay unrouted before it is reconciled
	// (default 2 minutes); a case reconciled already waits After, then
	// twice as long at each attempt, up to an hour.
	After time.Duration
	Batch int // cases per pass (default 100)
	// Reconciled is told how many cases a pass republished (the metric
	// redress_reconciled_total).
	Reconciled func(n int)
}

// reconciliation is a case_reconciliations row.
type reconciliation struct {
	CaseID       uuid.UUID `gorm:"primaryKey"`
	Attempts     int
	EventID      uuid.UUID
	OriginalLost bool
	FirstAt      time.Time
	LastAt       time.Time
	NextAt       time.Time
}

func (reconciliation) TableName() string { return "case_reconciliations" }

// unrouted is a case the reconciler took.
type unrouted struct {
	ID          uuid.UUID
	Reference   string
	SubmittedAt time.Time
}

// Once reconciles the cases due at now, up to Batch of them, each in its own
// transaction, and returns how many it republished.
func (r *Reconciler) Once(ctx context.Context, now time.Time) (int, error) {
	after, batch := r.After, r.Batch
	if after <= 0 {
		after = 2 * time.Minute
	}
	if batch <= 0 {
		batch = 100
	}
	n := 0
	for tries := 0; n < batch && tries < 2*batch; tries++ {
		found, republished, err := r.one(ctx, now, after)
		if err != nil {
			return n, err
		}
		if !found {
			break
		}
		if republished {
			n++
		}
	}
	if n > 0 && r.Reconciled != nil {
		r.Reconciled(n)
	}
	return n, nil
}

// due narrows a query over cases aliased c to those due for reconciling at
// now: not routed after the bound, not put off by an earlier attempt, and
// whose case.submitted is not still waiting in the outbox (the relay will
// publish it: nothing is lost).
func due(q *gorm.DB, now time.Time, after time.Duration) *gorm.DB {
	return q.Joins("LEFT JOIN case_reconciliations r ON r.case_id = c.id").
		Where("c.routed_at IS NULL AND c.submitted_at < ?", now.Add(-after)).
		Where("r.next_at IS NULL OR r.next_at <= ?", now).
		Where(`NOT EXISTS (SELECT 1 FROM outbox o WHERE o.subject = ? AND o.payload ->> 'case_id' = c.id::text
			AND o.published_at IS NULL)`, events.CaseSubmitted)
}

// one reconciles the oldest due case, if any (found), and says whether it
// republished it: another reconciler may have done so first.
func (r *Reconciler) one(ctx context.Context, now time.Time, after time.Duration) (found, republished bool, err error) {
	err = db.Transact(ctx, r.DB, func(conn *gorm.DB) error {
		var cs []unrouted
		if err := due(conn.Table("cases AS c").Select("c.id, c.reference, c.submitted_at"), now, after).
			Order("c.submitted_at").Limit(1).
			Clauses(clause.Locking{Strength: "UPDATE", Table: clause.Table{Name: "c"}, Options: "SKIP LOCKED"}).
			Scan(&cs).Error; err != nil {
			return fmt.Errorf("worker: reconcile: unrouted cases: %w", err)
		}
		if len(cs) == 0 {
			return nil
		}
		found = true
		// The SELECT saw the outbox and the reconciliations as they were
		// when it began. Another reconciler may have republished this case
		// and committed while this one waited for the row's lock; it changes
		// no column of the case, so PostgreSQL did not look again. Now that
		// the lock is held, a new statement sees that commit.
		var still int64
		if err := due(conn.Table("cases AS c"), now, after).Where("c.id = ?", cs[0].ID).Count(&still).Error; err != nil {
			return fmt.Errorf("worker: reconcile: check again: %w", err)
		}
		if still == 0 {
			return nil
		}
		republished = true
		return r.republish(conn, cs[0], now, after)
	})
	return found, republished, err
}

func (r *Reconciler) republish(conn *gorm.DB, c unrouted, now time.Time, after time.Duration) error {
	var prev []reconciliation
	if err := conn.Where("case_id = ?", c.ID).Limit(1).Find(&prev).Error; err != nil {
		return fmt.Errorf("worker: reconcile: %w", err)
	}
	rec := reconciliation{CaseID: c.ID, FirstAt: now}
	if len(prev) == 1 {
		rec = prev[0]
	}
	rec.Attempts++
	rec.LastAt = now
	rec.NextAt = now.Add(min(after<<min(rec.Attempts-1, 10), time.Hour))

	// The original event, when the outbox still has it; else the one made
	// at an earlier attempt; else a new one, built from the case.
	originals, err := outbox.Payloads(conn, events.CaseSubmitted, c.ID)
	if err != nil {
		return fmt.Errorf("worker: reconcile: original event: %w", err)
	}
	var env events.Envelope
	if len(originals) == 1 {
		if err := json.Unmarshal([]byte(originals[0]), &env); err != nil {
			return fmt.Errorf("worker: reconcile: original event of %s: %w", c.Reference, err)
		}
		rec.OriginalLost = false
	} else {
		rebuilt, err := r.rebuild(conn, c, rec.EventID)
		if err != nil {
			return err
		}
		env, rec.OriginalLost = *rebuilt, true
	}
	rec.EventID = env.ID
	raw, err := json.Marshal(env)
	if err != nil {
		return err
	}
	rowID, err := uuid.NewV7()
	if err != nil {
		return err
	}
	// A new row (its id is the Nats-Msg-Id, so the stream takes it even
	// within its duplicate window), carrying the event under its own id.
	if err := outbox.Put(conn, rowID, events.CaseSubmitted, string(raw)); err != nil {
		return fmt.Errorf("worker: reconcile: republish: %w", err)
	}
	if err := conn.Clauses(clause.OnConflict{UpdateAll: true}).Create(&rec).Error; err != nil {
		return fmt.Errorf("worker: reconcile: record: %w", err)
	}
	if _, err := outbox.Add(conn, events.OpsCaseUnrouted, c.ID, events.CaseUnrouted{Reference: c.Reference,
		SubmittedAt: c.SubmittedAt.UTC(), Attempts: rec.Attempts, EventID: env.ID, OriginalLost: rec.OriginalLost}); err != nil {
		return err
	}
	if r.Log != nil {
		r.Log.Warn("case not routed in time; its case.submitted is published again", "case_id", c.ID,
			"reference", c.Reference, "submitted_at", c.SubmittedAt, "attempts", rec.Attempts, "event_id", env.ID,
			"original_lost", rec.OriginalLost)
	}
	return nil
}

// rebuild makes a case.submitted event for a case whose original row is
// gone, from the case itself, under id (a new one when id is nil).
func (r *Reconciler) rebuild(conn *gorm.DB, c unrouted, id uuid.UUID) (*events.Envelope, error) {
	var row routing.CaseFacts
	if err := conn.Table("cases AS c").Select(`c.kind, c.ai_system_id, c.language, c.anonymous, c.preferred_channel,
		c.preliminary_severity, k.rights, k.harm_types`).
		Joins("JOIN case_classifications k ON k.case_id = c.id").Where("c.id = ?", c.ID).
		Scan(&row).Error; err != nil {
		return nil, fmt.Errorf("worker: reconcile: case %s: %w", c.Reference, err)
	}
	ackBy, err := clocks.DueAt(conn, c.ID, sla.Acknowledge)
	if err != nil {
		return nil, fmt.Errorf("worker: reconcile: clocks of %s: %w", c.Reference, err)
	}
	data := events.Submitted{Reference: c.Reference, Kind: row.Kind, AISystemID: row.AISystemID, Rights: row.Rights,
		HarmTypes: row.HarmTypes, Language: row.Language, Anonymous: row.Anonymous}
	if data.HarmTypes == nil {
		data.HarmTypes = []string{}
	}
	if row.PreferredChannel != nil {
		data.Channel = *row.PreferredChannel
	}
	if row.PreliminarySeverity != nil {
		data.Severity = *row.PreliminarySeverity
	}
	if len(ackBy) == 1 {
		data.AcknowledgeBy = ackBy[0].UTC()
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return nil, err
	}
	if id == uuid.Nil {
		if id, err = uuid.NewV7(); err != nil {
			return nil, err
		}
	}
	return &events.Envelope{ID: id, Type: events.CaseSubmitted, OccurredAt: c.SubmittedAt.UTC(), CaseID: c.ID, Data: raw}, nil
}

// runReconciler runs the reconciler every `every` until ctx ends.
func (w *Runner) runReconciler(ctx context.Context, r *Reconciler, every time.Duration) error {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := r.Once(ctx, time.Now()); err != nil && ctx.Err() == nil {
			w.Log.Warn("reconcile", "err", err)
		} else if n > 0 {
			w.Log.Warn("reconciled unrouted cases", "cases", n)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
