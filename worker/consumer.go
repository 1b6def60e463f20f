package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
)

// errPoison marks a message no retry can fix.
var errPoison = errors.New("poison message")

// Handler handles one event in tx, the transaction that also records it as
// processed by its consumer, so a redelivery changes nothing.
type Handler func(tx *gorm.DB, env *events.Envelope) error

// Consumer is a durable pull consumer running one handler.
type Consumer struct {
	Name, Subject string
	// Subjects, when not empty, replaces Subject: the consumer filters on all of them.
	Subjects []string
	Handle   Handler
	// Relevant, when set, says whether Handle has anything to do for an
	// event, read on the pool before any transaction: an event it is not,
	// about a case that exists (or about no case), is acknowledged at once,
	// with no transaction and no processed_events row (issue 18: a consumer
	// with nothing to do for an event costs a read or two, not a commit). An
	// error, or an unknown case, takes the transactional path, which retries
	// or dead-letters as for any event.
	Relevant func(q *gorm.DB, env *events.Envelope) (bool, error)
}

// runConsumer consumes until ctx ends, handling up to concurrency messages
// at once, then drains: no new messages, and those in hand are finished.
func (w *Runner) runConsumer(ctx context.Context, stream jetstream.Stream, c Consumer) error {
	cfg := events.ConsumerConfig(c.Name, c.Subject)
	if len(c.Subjects) > 0 {
		cfg.FilterSubject, cfg.FilterSubjects = "", c.Subjects
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("worker: consumer %s: %w", c.Name, err)
	}
	log := w.Log.With("consumer", c.Name)
	concurrency := max(w.Concurrency, 1)
	sem := make(chan struct{}, concurrency)
	var inflight sync.WaitGroup
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		sem <- struct{}{} // blocks the callback when all slots are busy: back-pressure
		inflight.Add(1)
		go func() {
			defer inflight.Done()
			defer func() { <-sem }()
			w.handle(ctx, log, c, msg)
		}()
	}, jetstream.PullMaxMessages(2*concurrency),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if ctx.Err() == nil {
				log.Warn("consume", "err", err)
			}
		}))
	if err != nil {
		return fmt.Errorf("worker: consume %s: %w", c.Name, err)
	}
	<-ctx.Done()
	drain(cc)
	inflight.Wait()
	return nil
}

func (w *Runner) handle(ctx context.Context, log *slog.Logger, c Consumer, msg jetstream.Msg) {
	hctx := context.WithoutCancel(ctx)
	meta, _ := msg.Metadata()
	var env events.Envelope
	if err := json.Unmarshal(msg.Data(), &env); err != nil || env.ID.String() == "00000000-0000-0000-0000-000000000000" {
		w.deadLetter(hctx, log, c, msg, meta, fmt.Errorf("%w: payload is not an event envelope", errPoison))
		return
	}
	if c.Relevant != nil {
		q := w.DB.WithContext(hctx)
		if relevant, err := c.Relevant(q, &env); err == nil && !relevant && caseExists(q, env.CaseID) == nil {
			if aerr := msg.DoubleAck(hctx); aerr != nil {
				log.Warn("ack", "event_id", env.ID, "err", aerr)
			}
			return
		}
	}
	err := db.Transact(hctx, w.DB, func(tx *gorm.DB) error {
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).
			Create(&processedEvent{Consumer: c.Name, EventID: env.ID})
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return nil // handled before: a redelivery or a duplicate publish
		}
		if err := caseExists(tx, env.CaseID); err != nil {
			return err
		}
		return c.Handle(tx, &env)
	})
	switch {
	case err == nil:
		if aerr := msg.DoubleAck(hctx); aerr != nil {
			log.Warn("ack", "event_id", env.ID, "err", aerr)
		}
	case errors.Is(err, errPoison):
		w.deadLetter(hctx, log, c, msg, meta, err)
	default:
		delay := time.Second
		if meta != nil {
			delay = min(time.Duration(meta.NumDelivered)*2*time.Second, 30*time.Second)
		}
		log.Warn("handler failed; will retry", "event_id", env.ID, "err", err, "retry_in", delay)
		_ = msg.NakWithDelay(delay)
	}
}

// caseExists is the one rule every consumer follows for an event about a
// case: a case that does not exist makes the event poison (dead-lettered,
// never acknowledged in silence). An event about no case (a systemic
// issue's remedy, an operations alert) carries the nil id and passes.
func caseExists(q *gorm.DB, id uuid.UUID) error {
	if id == uuid.Nil {
		return nil
	}
	found, err := caseFound(q, id)
	if err != nil {
		return fmt.Errorf("worker: case %s: %w", id, err)
	}
	if !found {
		return fmt.Errorf("%w: case %s does not exist", errPoison, id)
	}
	return nil
}

// deadLetter records a poison message and terminates it so it is not redelivered.
func (w *Runner) deadLetter(ctx context.Context, log *slog.Logger, c Consumer, msg jetstream.Msg, meta *jetstream.MsgMetadata, reason error) {
	var seq uint64
	var delivered uint64
	if meta != nil {
		seq, delivered = meta.Sequence.Stream, meta.NumDelivered
	}
	eventID := msg.Headers().Get(jetstream.MsgIDHeader)
	if err := outbox.RecordDeadLetter(w.DB.WithContext(ctx), outbox.Letter{Consumer: c.Name, Subject: msg.Subject(), EventID: eventID,
		StreamSeq: seq, Deliveries: delivered, Reason: reason.Error(), Payload: msg.Data()}); err != nil {
		log.Error("dead letter not recorded; will retry", "err", err)
		_ = msg.NakWithDelay(5 * time.Second)
		return
	}
	log.Error("dead letter", "subject", msg.Subject(), "stream_seq", seq, "reason", reason.Error())
	_ = msg.TermWithReason(reason.Error())
}

// drain stops taking messages and waits (10 s at most) for those in flight
// to be acknowledged before the consumer stops.
func drain(cc jetstream.ConsumeContext) {
	cc.Drain()
	select {
	case <-cc.Closed():
	case <-time.After(10 * time.Second):
		cc.Stop()
	}
}
