package worker

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
	"gorm.io/gorm"

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
	// event, read on the pool before any transaction: it queues on r what
	// it reads, sent in one round trip with the worker's read of whether
	// the event's case exists, and what it returns answers once they are
	// read. An event it is not, about a case that exists (or about no
	// case), is acknowledged at once, with no transaction and no
	// processed_events row (issue 18: a consumer with nothing to do for an
	// event costs one round trip, not a commit). An error, or an unknown
	// case, takes the transactional path, which retries or dead-letters as
	// for any event.
	Relevant func(r *db.Reads, env *events.Envelope) (owed func() bool)
	// Stages, when not empty, replaces Handle: handlers that each record
	// the events they handle under their own name in processed_events, run
	// one after another in one transaction (issue 18: consumers that can
	// share a transaction do). A stage that finds an event poison
	// dead-letters it under its name; the other stages still handle it.
	Stages []Stage
	// Replaces are durable consumers this one took over from. When it is
	// created, it starts where the earliest of them had got to, and they
	// are deleted.
	Replaces []string
}

// Stage is a handler of a consumer with stages.
type Stage struct {
	Name   string
	Handle Handler
	// Covers names the stage just before this one, whose work WithCovered
	// does together with this one's in fewer statements: for an event both
	// stages are to handle, WithCovered runs in this stage's place and the
	// covered stage's Handle does not. Its failure is this stage's; an
	// event it finds poison is dead-lettered under this stage's name and
	// handled again by the others, the covered stage by its own Handle.
	Covers      string
	WithCovered Handler
	// Prefetch, when set, queues on r the statements the stage needs first,
	// sent with the statement that records the event for every stage (one
	// round trip for all), and returns the handlers that use what they
	// read, which run in Handle's and WithCovered's places. Its reads must
	// not depend on what the stages before it write. They are made even
	// when the stage has handled the event before; what they read is then
	// unused (a row they lock stays locked until the transaction ends).
	Prefetch func(r *db.Reads, env *events.Envelope) (handle, withCovered Handler)
}

// stages are the consumer's handlers: its stages, or Handle under its name.
func (c Consumer) stages() []Stage {
	if len(c.Stages) > 0 {
		return c.Stages
	}
	return []Stage{{Name: c.Name, Handle: c.Handle}}
}

// stageError is a stage's failure.
type stageError struct {
	stage string
	err   error
}

func (e *stageError) Error() string { return e.stage + ": " + e.err.Error() }
func (e *stageError) Unwrap() error { return e.err }

// maxBatch is how many messages one transaction handles at most.
const maxBatch = 16

// runConsumer consumes until ctx ends, then drains: no new messages, and
// those in hand are finished. Concurrency handlers take the messages as they
// come. One of them at a time takes, with the message it is given, every
// message waiting behind it (up to maxBatch: none when the consumer keeps up,
// many when it falls behind) and handles them in one transaction
// (handleBatch), so a busy consumer commits once for many events. Only one
// handler batches at a time: two transactions each locking rows of many
// cases (a reviewer's, an AI system's) could wait on each other.
func (w *Runner) runConsumer(ctx context.Context, stream jetstream.Stream, c Consumer) error {
	cfg := events.ConsumerConfig(c.Name, c.Subject)
	if len(c.Subjects) > 0 {
		cfg.FilterSubject, cfg.FilterSubjects = "", c.Subjects
	}
	log := w.Log.With("consumer", c.Name)
	cons, err := takeOver(ctx, log, stream, cfg, c.Replaces)
	if err != nil {
		return fmt.Errorf("worker: consumer %s: %w", c.Name, err)
	}
	concurrency := max(w.Concurrency, 1)
	// The callback blocks when the handlers are all busy and the queue is
	// full: back-pressure. quit ends the handlers once the consumer drained;
	// a message the callback could not hand over then is redelivered later.
	queue := make(chan jetstream.Msg, maxBatch)
	quit := make(chan struct{})
	batching := make(chan struct{}, 1) // held by the one handler that batches
	take := func(first jetstream.Msg) {
		select {
		case batching <- struct{}{}:
			w.handleBatch(ctx, log, c, waiting(queue, first))
			<-batching
		default:
			w.handle(ctx, log, c, first)
		}
	}
	var handlers sync.WaitGroup
	for range concurrency {
		handlers.Go(func() {
			for {
				select {
				case first := <-queue:
					take(first)
				case <-quit:
					for { // what is still queued, then stop
						select {
						case first := <-queue:
							take(first)
						default:
							return
						}
					}
				}
			}
		})
	}
	cc, err := cons.Consume(func(msg jetstream.Msg) {
		select {
		case queue <- msg:
		case <-quit:
		}
	},
		jetstream.PullMaxMessages(concurrency+maxBatch),
		jetstream.ConsumeErrHandler(func(_ jetstream.ConsumeContext, err error) {
			if ctx.Err() == nil {
				log.Warn("consume", "err", err)
			}
		}))
	if err != nil {
		close(quit)
		handlers.Wait()
		return fmt.Errorf("worker: consume %s: %w", c.Name, err)
	}
	<-ctx.Done()
	drain(cc)
	close(quit)
	handlers.Wait()
	return nil
}

// waiting is first and the messages waiting in queue behind it, up to maxBatch.
func waiting(queue <-chan jetstream.Msg, first jetstream.Msg) []jetstream.Msg {
	batch := []jetstream.Msg{first}
	for len(batch) < maxBatch {
		select {
		case m := <-queue:
			batch = append(batch, m)
		default:
			return batch
		}
	}
	return batch
}

// handleBatch handles messages taken together. Those that are not events
// are dead-lettered and those Relevant says nothing is owed for are
// acknowledged, as handle does; the rest are handled in one transaction,
// each as handle would in its own (handleTogether), so that a failure
// retries or dead-letters only its own message.
func (w *Runner) handleBatch(ctx context.Context, log *slog.Logger, c Consumer, msgs []jetstream.Msg) {
	if len(msgs) == 1 {
		w.handle(ctx, log, c, msgs[0])
		return
	}
	hctx := context.WithoutCancel(ctx)
	batch := make([]event, 0, len(msgs))
	for _, msg := range msgs {
		env, ok := w.decode(hctx, log, c, msg)
		if ok && !w.irrelevant(hctx, log, c, msg, env) {
			batch = append(batch, event{msg, *env})
		}
	}
	switch len(batch) {
	case 0:
		return
	case 1:
		w.handle(ctx, log, c, batch[0].msg)
		return
	}
	w.handleTogether(ctx, log, c, batch)
}

// event is a message with its envelope.
type event struct {
	msg jetstream.Msg
	env events.Envelope
}

// handleTogether handles the events in one transaction and acknowledges them
// once it commits. When one of them fails, those before it are handled
// together again, it alone (handle: retried later or dead-lettered), and
// those after it together; when the commit fails, each is handled alone.
func (w *Runner) handleTogether(ctx context.Context, log *slog.Logger, c Consumer, batch []event) {
	hctx := context.WithoutCancel(ctx)
	for len(batch) > 0 {
		if len(batch) == 1 {
			w.handle(ctx, log, c, batch[0].msg)
			return
		}
		failed := -1
		err := db.Transact(hctx, w.DB, func(tx *gorm.DB) error {
			for i := range batch {
				if err := w.handleIn(tx, c, &batch[i].env, nil); err != nil {
					failed = i
					return err
				}
			}
			return nil
		})
		if err == nil {
			for _, e := range batch {
				if aerr := e.msg.DoubleAck(hctx); aerr != nil {
					log.Warn("ack", "event_id", e.env.ID, "err", aerr)
				}
			}
			return
		}
		log.Debug("an event of a batch failed", "events", len(batch), "at", failed, "err", err)
		if failed < 0 {
			for _, e := range batch {
				w.handle(ctx, log, c, e.msg)
			}
			return
		}
		w.handleTogether(ctx, log, c, batch[:failed])
		w.handle(ctx, log, c, batch[failed].msg)
		batch = batch[failed+1:]
	}
}

// handle handles one message in its own transaction: a message that is not
// an event is dead-lettered; one Relevant says nothing is owed for is
// acknowledged at once; otherwise handleIn runs, and the message is
// acknowledged when it commits, dead-lettered when it is poison, and
// retried later when it failed.
func (w *Runner) handle(ctx context.Context, log *slog.Logger, c Consumer, msg jetstream.Msg) {
	hctx := context.WithoutCancel(ctx)
	env, ok := w.decode(hctx, log, c, msg)
	if !ok || w.irrelevant(hctx, log, c, msg, env) {
		return
	}
	// A stage that finds the event poison dead-letters it, and the others
	// handle it again without that stage.
	skip := map[string]bool{}
	for {
		err := db.Transact(hctx, w.DB, func(tx *gorm.DB) error { return w.handleIn(tx, c, env, skip) })
		var failed *stageError
		switch {
		case err == nil:
			if aerr := msg.DoubleAck(hctx); aerr != nil {
				log.Warn("ack", "event_id", env.ID, "err", aerr)
			}
			return
		case errors.Is(err, errPoison) && errors.As(err, &failed):
			if !w.deadLetter(hctx, log, failed.stage, msg, failed.err) {
				return
			}
			skip[failed.stage] = true
			if len(skip) < len(c.stages()) {
				continue
			}
			_ = msg.TermWithReason(failed.err.Error())
		default:
			delay := time.Second
			if meta, _ := msg.Metadata(); meta != nil {
				delay = min(time.Duration(meta.NumDelivered)*2*time.Second, 30*time.Second)
			}
			log.Warn("handler failed; will retry", "event_id", env.ID, "err", err, "retry_in", delay)
			_ = msg.NakWithDelay(delay)
		}
		return
	}
}

// decode reads a message's event envelope; a message that is not one is
// dead-lettered, and ok is false.
func (w *Runner) decode(ctx context.Context, log *slog.Logger, c Consumer, msg jetstream.Msg) (*events.Envelope, bool) {
	var env events.Envelope
	if err := json.Unmarshal(msg.Data(), &env); err != nil || env.ID == uuid.Nil {
		reason := fmt.Errorf("%w: payload is not an event envelope", errPoison)
		for _, st := range c.stages() {
			if !w.deadLetter(ctx, log, st.Name, msg, reason) {
				return nil, false
			}
		}
		_ = msg.TermWithReason(reason.Error())
		return nil, false
	}
	return &env, true
}

// irrelevant acknowledges an event Relevant says the consumer has nothing to
// do for, about a case that exists (or about no case), with no transaction,
// and reports whether it did. A case the worker found before is not looked
// for again (knownCases).
func (w *Runner) irrelevant(ctx context.Context, log *slog.Logger, c Consumer, msg jetstream.Msg, env *events.Envelope) bool {
	if c.Relevant == nil {
		return false
	}
	r := db.ReadsOn(w.DB.WithContext(ctx))
	found := env.CaseID == uuid.Nil || w.known.has(env.CaseID)
	if !found {
		readCaseFound(r, env.CaseID, &found)
	}
	owed := c.Relevant(r, env)
	if r.Run() != nil || !found {
		return false
	}
	w.known.add(env.CaseID)
	if owed() {
		return false
	}
	if aerr := msg.DoubleAck(ctx); aerr != nil {
		log.Warn("ack", "event_id", env.ID, "err", aerr)
	}
	return true
}

// handleIn handles one event in tx, stage by stage but for those in skip.
// Every stage records the event as processed under its name in tx, all in
// one statement (claim): an event a stage handled before changes nothing, and
// one about a case that does not exist is poison (caseExists). A failure
// names its stage (stageError).
func (w *Runner) handleIn(tx *gorm.DB, c Consumer, env *events.Envelope, skip map[string]bool) error {
	var names []string
	for _, st := range c.stages() {
		if !skip[st.Name] {
			names = append(names, st.Name)
		}
	}
	if len(names) == 0 {
		return nil
	}
	// One statement records the event for every stage (one round trip, not
	// one a stage), sent with the stages' prefetched reads.
	r := db.ReadsOn(tx)
	var claimed claimed
	queueClaim(r, names, env.ID, env.CaseID, &claimed)
	prefetched := map[string][2]Handler{}
	for _, st := range c.stages() {
		if st.Prefetch != nil && !skip[st.Name] {
			h, covered := st.Prefetch(r, env)
			prefetched[st.Name] = [2]Handler{h, covered}
		}
	}
	if err := r.Run(); err != nil {
		return &stageError{names[0], fmt.Errorf("worker: processed_events, or a stage's prefetched statements: %w", err)}
	}
	fresh, found := []string(claimed.Fresh), claimed.Found
	if found {
		w.known.add(env.CaseID) // committed before its event was published: it exists whatever becomes of tx
	}
	runs := func(st Stage) bool { return !skip[st.Name] && slices.Contains(fresh, st.Name) }
	stages := c.stages()
	for i, st := range stages {
		switch {
		case !runs(st):
			continue // handled before: a redelivery or a duplicate publish
		case !found:
			return &stageError{st.Name, fmt.Errorf("%w: case %s does not exist", errPoison, env.CaseID)}
		case i+1 < len(stages) && stages[i+1].Covers == st.Name && runs(stages[i+1]):
			continue // the next stage does its work (Stage.Covers)
		}
		handle, withCovered := st.Handle, st.WithCovered
		if h, ok := prefetched[st.Name]; ok {
			handle, withCovered = h[0], h[1]
		}
		if st.Covers != "" && i > 0 && stages[i-1].Name == st.Covers && runs(stages[i-1]) {
			handle = withCovered
		}
		if err := handle(tx, env); err != nil {
			return &stageError{st.Name, err}
		}
	}
	return nil
}

// deadLetter records a poison message as the dead letter of consumer (or
// stage) name, and reports whether it did; when it could not, the message
// is redelivered later. The caller terminates the message once every stage
// that will not handle it has recorded it, so it is not redelivered.
func (w *Runner) deadLetter(ctx context.Context, log *slog.Logger, name string, msg jetstream.Msg, reason error) bool {
	var seq, delivered uint64
	if meta, _ := msg.Metadata(); meta != nil {
		seq, delivered = meta.Sequence.Stream, meta.NumDelivered
	}
	eventID := msg.Headers().Get(jetstream.MsgIDHeader)
	if err := outbox.RecordDeadLetter(w.DB.WithContext(ctx), outbox.Letter{Consumer: name, Subject: msg.Subject(), EventID: eventID,
		StreamSeq: seq, Deliveries: delivered, Reason: reason.Error(), Payload: msg.Data()}); err != nil {
		log.Error("dead letter not recorded; will retry", "err", err)
		_ = msg.NakWithDelay(5 * time.Second)
		return false
	}
	log.Error("dead letter", "stage", name, "subject", msg.Subject(), "stream_seq", seq, "reason", reason.Error())
	return true
}

// takeOver creates (or updates) the durable consumer cfg. When it does not
// exist yet and replaces names durables that do, it starts where the
// earliest of them had got to (their ack floor), so no event falls between
// them; its stages' processed_events rows keep what they had handled from
// being handled twice. The durables it replaces are then deleted.
func takeOver(ctx context.Context, log *slog.Logger, stream jetstream.Stream, cfg jetstream.ConsumerConfig,
	replaces []string) (jetstream.Consumer, error) {
	if len(replaces) > 0 {
		if existing, err := stream.Consumer(ctx, cfg.Durable); err == nil {
			have := existing.CachedInfo().Config
			cfg.DeliverPolicy, cfg.OptStartSeq = have.DeliverPolicy, have.OptStartSeq // fixed at creation
		} else if errors.Is(err, jetstream.ErrConsumerNotFound) {
			var from uint64
			for _, name := range replaces {
				old, err := stream.Consumer(ctx, name)
				if err != nil {
					continue
				}
				if next := old.CachedInfo().AckFloor.Stream + 1; from == 0 || next < from {
					from = next
				}
			}
			if from > 0 {
				cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
			}
		} else {
			return nil, err
		}
	}
	cons, err := stream.CreateOrUpdateConsumer(ctx, cfg)
	if err != nil {
		return nil, err
	}
	for _, name := range replaces {
		if err := stream.DeleteConsumer(ctx, name); err == nil {
			log.Info("took over from a retired consumer", "retired", name)
		} else if !errors.Is(err, jetstream.ErrConsumerNotFound) {
			log.Warn("retired consumer not deleted", "retired", name, "err", err)
		}
	}
	return cons, nil
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
