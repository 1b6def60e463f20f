package outbox

import (
	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
)

// The worker's writes to the outbox and dead letters (issue 17: one owner
// per table).

// Put writes a ready envelope (payload, JSON) to the outbox under row id: the
// reconciler's republished case.submitted, which keeps its event's own id.
func Put(tx *gorm.DB, id uuid.UUID, subject, payload string) error {
	return tx.Table("outbox").Create(map[string]any{"id": id, "subject": subject, "payload": payload}).Error
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
