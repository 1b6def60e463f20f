// Package outbox writes events in the same transaction as the change they
// announce, and lets the relay claim and mark them. It owns the tables
// outbox (model Row) and dead_letters (model DeadLetter).
package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/platform/db"
)

// Add writes an event for caseID to the outbox in tx, the transaction whose
// commit publishes it. data must be subject's payload type (events.Check): any
// other fails, and the transaction with it.
func Add(tx *gorm.DB, subject string, caseID uuid.UUID, data events.Data) (uuid.UUID, error) {
	if err := events.Check(subject, data); err != nil {
		return uuid.Nil, fmt.Errorf("outbox: %w", err)
	}
	raw, err := json.Marshal(data)
	if err != nil {
		return uuid.Nil, fmt.Errorf("outbox: marshal %s: %w", subject, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	env := events.Envelope{ID: id, Type: subject, OccurredAt: time.Now().UTC(), CaseID: caseID, Data: raw}
	payload, err := json.Marshal(env)
	if err != nil {
		return uuid.Nil, fmt.Errorf("outbox: marshal envelope: %w", err)
	}
	if err := tx.Create(&Row{ID: id, Subject: subject, Payload: payload}).Error; err != nil {
		return uuid.Nil, fmt.Errorf("outbox: add %s: %w", subject, err)
	}
	signalAfterCommit(tx)
	return id, nil
}

// Item is one event of AddMany.
type Item struct {
	Subject string
	CaseID  uuid.UUID
	Data    events.Data
}

// AddMany is Add for several events, written in one statement.
func AddMany(tx *gorm.DB, items []Item) error {
	if len(items) == 0 {
		return nil
	}
	rows := make([]Row, len(items))
	for i, it := range items {
		if err := events.Check(it.Subject, it.Data); err != nil {
			return fmt.Errorf("outbox: %w", err)
		}
		raw, err := json.Marshal(it.Data)
		if err != nil {
			return fmt.Errorf("outbox: marshal %s: %w", it.Subject, err)
		}
		id, err := uuid.NewV7()
		if err != nil {
			return err
		}
		env := events.Envelope{ID: id, Type: it.Subject, OccurredAt: time.Now().UTC(), CaseID: it.CaseID, Data: raw}
		payload, err := json.Marshal(env)
		if err != nil {
			return fmt.Errorf("outbox: marshal envelope: %w", err)
		}
		rows[i] = Row{ID: id, Subject: it.Subject, Payload: payload}
	}
	if err := tx.Create(&rows).Error; err != nil {
		return fmt.Errorf("outbox: add %d events: %w", len(rows), err)
	}
	signalAfterCommit(tx)
	return nil
}

// Row is an outbox row as it is added and claimed by the relay: its event's
// id, subject and envelope (JSON).
type Row struct {
	ID      uuid.UUID
	Subject string
	Payload []byte
}

// TableName is the outbox's table.
func (Row) TableName() string { return "outbox" }

// ClaimBatch locks up to limit unpublished rows, oldest first, skipping rows
// another relay holds, and hands them to publish inside the transaction.
// Rows publish returns as sent are marked published; the rest get their
// attempt counted and stay pending. A crash anywhere rolls the claim back, so
// the rows are claimed again, as they are when publish returns an error: the stream's duplicate window and the
// consumers' idempotency make the second publish harmless.
func ClaimBatch(ctx context.Context, gdb *gorm.DB, limit int,
	publish func(ctx context.Context, rows []Row) (sent []uuid.UUID, failed map[uuid.UUID]error, err error)) (int, error) {
	n := 0
	err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		var rows []Row
		if err := tx.Select("id, subject, payload::text::bytea AS payload").
			Where("published_at IS NULL").Order("seq").Limit(limit).
			Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).Find(&rows).Error; err != nil {
			return fmt.Errorf("outbox: claim: %w", err)
		}
		if len(rows) == 0 {
			return nil
		}
		sent, failed, err := publish(tx.Statement.Context, rows) // the JetStream publish, no statement
		if err != nil {
			return err // roll the claim back: the rows stay pending
		}
		n = len(sent)
		if len(sent) > 0 {
			if err := tx.Model(&Row{}).Where("id IN ?", sent).Updates(map[string]any{
				"published_at": gorm.Expr("now()"), "attempts": gorm.Expr("attempts + 1"), "last_error": nil,
			}).Error; err != nil {
				return fmt.Errorf("outbox: mark sent: %w", err)
			}
		}
		for id, perr := range failed {
			if err := tx.Model(&Row{}).Where("id = ?", id).Updates(map[string]any{
				"attempts": gorm.Expr("attempts + 1"), "last_error": truncate(perr.Error(), 500),
			}).Error; err != nil {
				return fmt.Errorf("outbox: mark failed: %w", err)
			}
		}
		return nil
	})
	return n, err
}

// Prune deletes rows published before cutoff.
func Prune(ctx context.Context, gdb *gorm.DB, before time.Time) (int64, error) {
	res := gdb.WithContext(ctx).Where("published_at < ?", before).Delete(&Row{})
	return res.RowsAffected, res.Error
}

// Pending counts unpublished rows (a readiness and metrics figure).
func Pending(ctx context.Context, gdb *gorm.DB) (int64, error) {
	var n int64
	err := gdb.WithContext(ctx).Model(&Row{}).Where("published_at IS NULL").Count(&n).Error
	return n, err
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

// Put writes a ready envelope (payload, JSON) to the outbox under row id: the
// reconciler's republished case.submitted, which keeps its event's own id.
func Put(tx *gorm.DB, id uuid.UUID, subject, payload string) error {
	if err := tx.Table("outbox").Create(map[string]any{"id": id, "subject": subject, "payload": payload}).Error; err != nil {
		return err
	}
	signalAfterCommit(tx)
	return nil
}

// Payloads returns the payload (JSON text) of the oldest outbox row with
// subject about caseID, or none: the original event, while the outbox keeps
// it.
func Payloads(tx *gorm.DB, subject string, caseID uuid.UUID) ([]string, error) {
	var out []string
	err := tx.Table("outbox").Where("subject = ? AND payload ->> 'case_id' = ?", subject, caseID.String()).
		Order("seq").Limit(1).Pluck("payload::text", &out).Error
	return out, err
}
