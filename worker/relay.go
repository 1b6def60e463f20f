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

// AnnounceCommits makes this process tell the others' relays, over nc, when
// it commits outbox rows of gdb's database (outbox.Signal). Without it they
// find the rows at their next poll.
func AnnounceCommits(gdb *gorm.DB, nc *nats.Conn) {
	if nc == nil {
		return
	}
	sig := outbox.SignalOf(gdb)
	id := []byte(sig.ID)
	sig.Announce(func() { _ = nc.Publish(events.OutboxCommitted, id) }) // buffered: it does not wait
}

// Run relays until ctx ends, then finishes the batch in hand. It claims
// rows as soon as a transaction of this process that added some commits,
// or another process announces one (AnnounceCommits), and every Poll in
// any case: the safety net for a signal lost.
func (r *Relay) Run(ctx context.Context) error {
	if r.Batch == 0 {
		r.Batch = 200
	}
	if r.Poll == 0 {
		r.Poll = 100 * time.Millisecond
	}
	ticker := time.NewTicker(r.Poll)
	defer ticker.Stop()
	sig := outbox.SignalOf(r.DB)
	woken, unsubscribe := sig.Subscribe()
	defer unsubscribe()
	if nc := r.JS.Conn(); nc != nil {
		sub, err := nc.Subscribe(events.OutboxCommitted, func(m *nats.Msg) {
			if string(m.Data) != sig.ID {
				sig.Wake()
			}
		})
		if err != nil {
			r.Log.Warn("outbox relay: no commit announcements; polling only", "err", err)
		} else {
			defer func() { _ = sub.Unsubscribe() }()
		}
	}
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
		case <-woken:
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
