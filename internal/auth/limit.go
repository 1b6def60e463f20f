package auth

import (
	"context"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redresshq/redress/internal/platform/fault"
)

// HashLimiter caps the argon2 work running at once in the process. Each
// hash holds its cost's memory (64 MiB by default) for its whole run, so
// without a cap a crowd of sign-ins with random addresses fills memory and
// starves every other request of CPU. An attempt over the cap waits a
// little for a slot, then is refused with ErrHashBusy (429, Retry-After).
type HashLimiter struct {
	slots chan struct{}
	wait  time.Duration
	// running and peak count the hashes in progress (tests and metrics).
	running atomic.Int64
	waiting atomic.Int64 // attempts waiting for a slot
	peak    atomic.Int64
	refused atomic.Int64
	// collected is when Do last collected the garbage (unix nanoseconds),
	// and collectCost how long that took.
	collected, collectCost atomic.Int64
}

// collectShare bounds the time Do's collections take: after a collection
// that took d, the next waits at least collectShare × d (10%), so a small
// heap (milliseconds) is collected after every sign-in and a large one
// (hundreds of milliseconds under the race detector) seldom.
const collectShare = 10

// gcCycles is how many collections have completed so far.
func gcCycles() uint64 {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// DefaultHashWait is how long an attempt waits for a slot before a 429.
const DefaultHashWait = 2 * time.Second

// NewHashLimiter lets n hashes run at once; others wait up to wait.
func NewHashLimiter(n int, wait time.Duration) *HashLimiter {
	return &HashLimiter{slots: make(chan struct{}, max(n, 1)), wait: wait}
}

// HashSlots is the cap for hashes of cost: the cores Go may use divided by
// the lanes of one hash (each lane keeps a core busy), so hashing leaves
// room for other requests, and no more hashes than a quarter of the memory
// limit (GOMEMLIMIT, or what debug.SetMemoryLimit set) holds; at least one.
func HashSlots(cost PasswordCost) int {
	n := runtime.GOMAXPROCS(0) / max(int(cost.Threads), 1)
	if lim := debug.SetMemoryLimit(-1); lim > 0 && lim < math.MaxInt64 {
		per := int64(cost.MemoryKiB) * 1024
		if per <= 0 {
			per = int64(DefaultPasswordCost.MemoryKiB) * 1024
		}
		n = min(n, int(lim/(4*per)))
	}
	return max(n, 1)
}

var (
	processOnce    sync.Once
	processLimiter *HashLimiter
)

// ProcessHashLimiter is the one limiter of the process, sized at first use
// by HashSlots of the default cost (cmd/redress sets the memory limit
// before). Every user store of the process shares it.
func ProcessHashLimiter() *HashLimiter {
	processOnce.Do(func() {
		processLimiter = NewHashLimiter(HashSlots(DefaultPasswordCost), DefaultHashWait)
	})
	return processLimiter
}

// ErrHashBusy refuses an attempt that found no free slot in time.
func errHashBusy() *fault.Error {
	return &fault.Error{Kind: fault.TooMany, Code: "too_many_requests", RetryAfter: time.Second,
		Message: "The server is busy checking other sign-ins; try again in a moment."}
}

// Cap is how many hashes may run at once.
func (l *HashLimiter) Cap() int { return cap(l.slots) }

// Running is how many hashes run now.
func (l *HashLimiter) Running() int { return int(l.running.Load()) }

// Peak is the most hashes that ran at once so far.
func (l *HashLimiter) Peak() int { return int(l.peak.Load()) }

// Refused counts attempts refused for want of a slot.
func (l *HashLimiter) Refused() int64 { return l.refused.Load() }

// Do runs fn in a slot: at once if one is free, else after waiting up to
// the limiter's wait. It returns a 429 error when the wait runs out or ctx
// ends first (the client went away, or the request timed out); fn then
// never runs.
//
// When the last hash running ends, a collection ran during it and no
// attempt waits for a slot, Do collects the garbage before it frees the slot
// and returns: a hash's memory (64 MiB) is garbage once it ends, but a
// collection that ran during it counted that memory live and set the next
// target at twice it, so the heap would grow by another 128 MiB of other
// requests' garbage before the next collection (the API under intake went
// from 89 to 217 MB with three sign-ins). Collecting inside the slot makes
// the next hash reuse this one's memory. One collection of a heap of a few
// tens of MB takes milliseconds, against a hash's hundreds; a large heap's
// (the tests', under the race detector) can take long enough to make an
// attempt that arrives meanwhile wait, so the collections take at most 10%
// of the time (collectShare), and none runs while an attempt waits.
func (l *HashLimiter) Do(ctx context.Context, fn func()) error {
	select {
	case l.slots <- struct{}{}:
	default:
		l.waiting.Add(1)
		t := time.NewTimer(l.wait)
		select {
		case l.slots <- struct{}{}:
			l.waiting.Add(-1)
			t.Stop()
		case <-t.C:
			l.waiting.Add(-1)
			l.refused.Add(1)
			return errHashBusy()
		case <-ctx.Done():
			l.waiting.Add(-1)
			t.Stop()
			l.refused.Add(1)
			return errHashBusy()
		}
	}
	n := l.running.Add(1)
	cycles := gcCycles()
	defer func() { <-l.slots }()
	defer func() {
		// Before the slot is freed, so that the next hash reuses this one's
		// memory rather than taking 64 MiB more while it is uncollected.
		last := l.running.Add(-1) == 0
		now, prev := time.Now().UnixNano(), l.collected.Load()
		if last && l.waiting.Load() == 0 && gcCycles() > cycles && now-prev >= collectShare*l.collectCost.Load() &&
			l.collected.CompareAndSwap(prev, now) {
			start := time.Now()
			runtime.GC()
			l.collectCost.Store(int64(time.Since(start)))
		}
	}()
	for {
		p := l.peak.Load()
		if n <= p || l.peak.CompareAndSwap(p, n) {
			break
		}
	}
	fn()
	return nil
}
