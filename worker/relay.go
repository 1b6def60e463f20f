package worker

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
)

// Relay publishes outbox rows to JetStream with Nats-Msg-Id = outbox id.
type Relay struct {
	DB    *gorm.DB
	JS    jetstream.JetStream
	Log   *slog.Logger
	Batch int           // rows per claim (default 200)
	Poll  time.Duration // how often an idle relay looks for new rows (default 100ms)
	// BeforeCommit, when set, runs after publishing and before the rows are
	// marked sent; an error rolls the claim back (tests simulate a crash here).
	BeforeCommit func(ids []uuid.UUID) error
	// Published counts rows marked sent (metrics and tests).
	Published func(n int)
}

// Run relays until ctx ends, then finishes the batch in hand.
func (r *Relay) Run(ctx context.Context) error {
	if r.Batch == 0 {
		r.Batch = 200
	}
	if r.Poll == 0 {
		r.Poll = 100 * time.Millisecond
	}
	ticker := time.NewTicker(r.Poll)
	defer ticker.Stop()
	backoff := 100 * time.Millisecond
	for {
		if nc := r.JS.Conn(); nc != nil && !nc.IsConnected() {
			// NATS is away: the rows wait in the outbox (claiming them would
			// only count failed attempts), and go when it is back.
			select {
			case <-ctx.Done():
				return nil
			case <-ticker.C:
			}
			continue
		}
		n, err := r.RelayOnce(context.WithoutCancel(ctx))
		switch {
		case err != nil:
			r.Log.Warn("outbox relay", "err", err)
			select {
			case <-ctx.Done():
				return nil
			case <-time.After(backoff):
			}
			backoff = min(backoff*2, 5*time.Second)
			continue
		case n == r.Batch:
			backoff = 100 * time.Millisecond
			if ctx.Err() == nil {
				continue // more may be waiting
			}
		}
		backoff = 100 * time.Millisecond
		select {
		case <-ctx.Done():
			return nil
		case <-ticker.C:
		}
	}
}

// RelayOnce claims one batch and publishes it, returning how many were sent.
func (r *Relay) RelayOnce(ctx context.Context) (int, error) {
	return outbox.ClaimBatch(ctx, r.DB, r.Batch, func(ctx context.Context, rows []outbox.Row) ([]uuid.UUID, map[uuid.UUID]error, error) {
		futures := make([]jetstream.PubAckFuture, len(rows))
		failed := map[uuid.UUID]error{}
		for i, row := range rows {
			msg := &nats.Msg{Subject: row.Subject, Data: row.Payload, Header: nats.Header{}}
			msg.Header.Set(jetstream.MsgIDHeader, row.ID.String())
			f, err := r.JS.PublishMsgAsync(msg, jetstream.WithExpectStream(events.Stream))
			if err != nil {
				failed[row.ID] = err
				continue
			}
			futures[i] = f
		}
		var sent []uuid.UUID
		timeout := time.After(10 * time.Second)
		for i, f := range futures {
			if f == nil {
				continue
			}
			select {
			case <-f.Ok():
				sent = append(sent, rows[i].ID)
			case err := <-f.Err():
				failed[rows[i].ID] = err
			case <-timeout:
				failed[rows[i].ID] = fmt.Errorf("no ack from JetStream within 10s")
			}
		}
		if r.BeforeCommit != nil && len(sent) > 0 {
			if err := r.BeforeCommit(sent); err != nil {
				return nil, nil, err
			}
		}
		if r.Published != nil {
			r.Published(len(sent))
		}
		return sent, failed, nil
	})
}
