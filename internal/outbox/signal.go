package outbox

import (
	"sync"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
)

// Signal tells relays that outbox rows were committed, so they claim them at
// once instead of at their next poll (issue 18, routing without a poll).
//
// Add registers the signal on its transaction (db.AfterCommit): it fires
// after the commit, never for a transaction rolled back, and costs nothing
// while it waits. It reaches the relays of this process through their
// subscriptions (Subscribe), and those of other processes through Announce
// (a core NATS message, internal/app): the committing process signals its
// own relay, and wakes the others with a message that does not touch the
// database (a trigger's NOTIFY would serialise every commit: BENCHMARKS.md).
// A signal may be lost (a full subscriber, NATS away): the relays' poll is
// the safety net.
type Signal struct {
	// ID names this process's signal in Announce's messages, so a relay
	// does not wake again for its own process's commits.
	ID       string
	mu       sync.Mutex
	subs     map[chan struct{}]struct{}
	announce func()
}

// signals holds one Signal per database pool (per gorm.Open: its sessions
// and transactions keep the pool as their Config's ConnPool), so the stacks
// of one test process do not wake each other.
var signals sync.Map // gorm.ConnPool → *Signal

// SignalOf is the signal of gdb's database pool.
func SignalOf(gdb *gorm.DB) *Signal {
	if s, ok := signals.Load(gdb.Config.ConnPool); ok {
		return s.(*Signal)
	}
	s, _ := signals.LoadOrStore(gdb.Config.ConnPool, &Signal{ID: uuid.NewString(), subs: map[chan struct{}]struct{}{}})
	return s.(*Signal)
}

// Subscribe returns a channel that receives a value after rows are
// committed (several commits may make one value), and the function that ends
// the subscription.
func (s *Signal) Subscribe() (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	s.mu.Lock()
	s.subs[ch] = struct{}{}
	s.mu.Unlock()
	return ch, func() {
		s.mu.Lock()
		delete(s.subs, ch)
		s.mu.Unlock()
	}
}

// Announce sets how the other processes hear of a commit (nil: they do not).
func (s *Signal) Announce(fn func()) {
	s.mu.Lock()
	s.announce = fn
	s.mu.Unlock()
}

// Wake tells every subscriber that rows may be waiting, without blocking;
// a relay told by another process (Announce's message) wakes its own with it.
func (s *Signal) Wake() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for ch := range s.subs {
		select {
		case ch <- struct{}{}:
		default: // already told: one claim serves both
		}
	}
}

// signalKey keys the signal among a transaction's after-commit functions:
// one per transaction, however many rows it adds.
type signalKey struct{}

// signalAfterCommit signals tx's database once tx commits.
func signalAfterCommit(tx *gorm.DB) { db.AfterCommit(tx, signalKey{}, SignalOf(tx).committed) }

// committed is Add's hook: this process's relays, then the others.
func (s *Signal) committed() {
	s.Wake()
	s.mu.Lock()
	announce := s.announce
	s.mu.Unlock()
	if announce != nil {
		announce()
	}
}
