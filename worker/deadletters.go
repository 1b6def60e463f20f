package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
)

// runDeadLetters records every message the server gave up on (a consumer's
// MaxDeliver reached), from the advisory stream, once per consumer and message.
func (w *Runner) runDeadLetters(ctx context.Context) error {
	adv, err := events.EnsureAdvisoryStream(ctx, w.JS, max(w.Replicas, 1))
	if err != nil {
		return err
	}
	stream, err := w.JS.Stream(ctx, events.Stream)
	if err != nil {
		return fmt.Errorf("worker: dead letters: %w", err)
	}
	cfg := events.ConsumerConfig(events.ConsumerDeadLetters, events.MaxDeliveriesSubject)
	cons, err := adv.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return fmt.Errorf("worker: consumer %s: %w", events.ConsumerDeadLetters, err)
	}
	log := w.Log.With("consumer", events.ConsumerDeadLetters)
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		hctx := context.WithoutCancel(ctx)
		if err := w.recordMaxDeliveries(hctx, stream, msg.Data()); err != nil {
			log.Warn("dead letter not recorded; will retry", "err", err)
			_ = msg.NakWithDelay(5 * time.Second)
			return
		}
		_ = msg.Ack()
	})
	if err != nil {
		return fmt.Errorf("worker: consume %s: %w", events.ConsumerDeadLetters, err)
	}
	<-ctx.Done()
	drain(cc)
	return nil
}

func (w *Runner) recordMaxDeliveries(ctx context.Context, stream jetstream.Stream, data []byte) error {
	var a events.MaxDeliveries
	if err := json.Unmarshal(data, &a); err != nil || a.StreamSeq == 0 {
		w.Log.Error("unreadable max-deliveries advisory", "err", err)
		return nil // nothing to record; acking drops it
	}
	var subject, eventID string
	var payload []byte
	msg, err := stream.GetMsg(ctx, a.StreamSeq)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		subject = "(expired from the stream)"
	case err != nil:
		return err
	default:
		subject, payload = msg.Subject, msg.Data
		eventID = msg.Header.Get(jetstream.MsgIDHeader)
	}
	return outbox.RecordDeadLetter(w.DB.WithContext(ctx), outbox.Letter{Consumer: a.Consumer, Subject: subject, EventID: eventID,
		StreamSeq: a.StreamSeq, Deliveries: a.Deliveries, Reason: fmt.Sprintf("gave up after %d deliveries", a.Deliveries),
		Payload: payload})
}
