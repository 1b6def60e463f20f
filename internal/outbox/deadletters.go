package outbox

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// DeadLetter is a message a consumer gave up on: a poison message it
// terminated, or one that reached its MaxDeliver.
type DeadLetter struct {
	ID         int64      `json:"id"`
	Consumer   string     `json:"consumer"`
	Subject    string     `json:"subject"`
	EventID    *string    `json:"event_id"`
	StreamSeq  *int64     `json:"stream_seq"`
	Deliveries *int       `json:"deliveries"`
	Reason     string     `json:"reason"`
	CreatedAt  time.Time  `json:"created_at"`
	ReplayedAt *time.Time `json:"replayed_at"`
	ReplayedAs *string    `json:"replayed_as"`
	// Payload is the message as received (nil when it had left the stream
	// before it was recorded); read by Replay only.
	Payload []byte `json:"-"`
}

// TableName is the dead letters' table.
func (DeadLetter) TableName() string { return "dead_letters" }

// DeadLetters lists dead letters newest first, with ids below beforeID (0: from the newest).
func DeadLetters(ctx context.Context, gdb *gorm.DB, beforeID int64, limit int) ([]DeadLetter, error) {
	out := []DeadLetter{}
	q := gdb.WithContext(ctx).Model(&DeadLetter{}).
		Select("id, consumer, subject, event_id, stream_seq, deliveries, reason, created_at, replayed_at, replayed_as")
	if beforeID > 0 {
		q = q.Where("id < ?", beforeID)
	}
	if err := q.Order("id DESC").Limit(limit).Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("outbox: dead letters: %w", err)
	}
	return out, nil
}

// Replay puts a dead letter's message back into the outbox under a new id, so
// the relay publishes it again and the consumers see it anew (those that
// handled it already skip it: they key on the event id inside the message).
// It returns the new outbox id.
func Replay(ctx context.Context, gdb *gorm.DB, id int64) (uuid.UUID, error) {
	newID, err := uuid.NewV7()
	if err != nil {
		return uuid.Nil, err
	}
	err = db.Transact(ctx, gdb, func(conn *gorm.DB) error {
		var dl DeadLetter
		if err := conn.Select("subject, payload").Where("id = ?", id).
			Clauses(clause.Locking{Strength: "UPDATE"}).Find(&dl).Error; err != nil {
			return err
		}
		if dl.Subject == "" {
			return fault.New(fault.NotFound, "dead_letter_not_found", "No dead letter has that id.")
		}
		if dl.Payload == nil {
			return fault.New(fault.Conflict, "not_replayable", "The message had left the stream before it was recorded; there is nothing to replay.")
		}
		if !json.Valid(dl.Payload) {
			return fault.New(fault.Conflict, "not_replayable", "The message is not a JSON event, so it cannot go back through the outbox.")
		}
		if err := conn.Create(&Row{ID: newID, Subject: dl.Subject, Payload: dl.Payload}).Error; err != nil {
			return fmt.Errorf("outbox: replay %d: %w", id, err)
		}
		return conn.Model(&DeadLetter{}).Where("id = ?", id).Updates(map[string]any{
			"replayed_at": gorm.Expr("now()"), "replayed_as": newID.String(),
		}).Error
	})
	return newID, err
}

// Letter is a message a consumer gives up on, as the worker records it.
type Letter struct {
	Consumer, Subject, EventID string
	StreamSeq, Deliveries      uint64
	Reason                     string
	Payload                    []byte
}

// RecordDeadLetter records a dead letter, once per consumer and stream
// sequence.
func RecordDeadLetter(tx *gorm.DB, l Letter) error {
	return tx.Table("dead_letters").Clauses(clause.OnConflict{
		Columns:     []clause.Column{{Name: "consumer"}, {Name: "stream_seq"}},
		TargetWhere: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "stream_seq IS NOT NULL"}}},
		DoNothing:   true,
	}).Create(map[string]any{"consumer": l.Consumer, "subject": l.Subject, "event_id": l.EventID,
		"stream_seq": l.StreamSeq, "deliveries": l.Deliveries, "reason": l.Reason, "payload": l.Payload}).Error
}
