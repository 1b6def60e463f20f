package auth

import (
	"context"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/platform/fault"
)

// 40 real argon2 checks at once through a limiter of 3: a counter kept by
// the test itself never sees more than 3 inside, and every one ran.
func TestHashLimiterHoldsTheCap(t *testing.T) {
	cost := PasswordCost{MemoryKiB: 256, Time: 1, Threads: 1}
	hash, err := HashPasswordCost("correct horse battery", cost)
	if err != nil {
		t.Fatal(err)
	}
	l := NewHashLimiter(3, time.Minute)
	var inside, most, done atomic.Int64
	var wg sync.WaitGroup
	for range 40 {
		wg.Go(func() {
			err := l.Do(context.Background(), func() {
				n := inside.Add(1)
				for {
					m := most.Load()
					if n <= m || most.CompareAndSwap(m, n) {
						break
					}
				}
				if ok, err := CheckPassword(hash, "correct horse battery"); err != nil || !ok {
					t.Errorf("check: %v %v", ok, err)
				}
				runtime.Gosched()
				inside.Add(-1)
			})
			if err != nil {
				t.Errorf("Do: %v", err)
				return
			}
			done.Add(1)
		})
	}
	wg.Wait()
	if most.Load() > 3 || l.Peak() > 3 {
		t.Fatalf("at most 3 hashes at once, saw %d (limiter's own peak %d)", most.Load(), l.Peak())
	}
	if done.Load() != 40 {
		t.Fatalf("%d of 40 checks ran", done.Load())
	}
}

// With the only slot held, the next attempt waits its bound, then gets a
// 429 too_many_requests saying when to retry; its work never runs.
func TestHashLimiterRefusesWhenTheWaitRunsOut(t *testing.T) {
	l := NewHashLimiter(1, 50*time.Millisecond)
	hold, release := make(chan struct{}), make(chan struct{})
	go func() { _ = l.Do(context.Background(), func() { close(hold); <-release }) }()
	<-hold
	defer close(release)
	ran := false
	err := l.Do(context.Background(), func() { ran = true })
	de, ok := fault.As(err)
	if !ok || de.Kind != fault.TooMany || de.Code != "too_many_requests" || de.RetrySeconds() < 1 {
		t.Fatalf("want 429 too_many_requests with a retry time, got %v", err)
	}
	if ran {
		t.Fatal("the refused attempt's hash ran")
	}
	if l.Refused() != 1 {
		t.Fatalf("refused = %d, want 1", l.Refused())
	}
}

// A client that goes away stops waiting at once: no hash runs for it.
func TestHashLimiterStopsWaitingWhenTheClientGoesAway(t *testing.T) {
	l := NewHashLimiter(1, time.Hour)
	hold, release := make(chan struct{}), make(chan struct{})
	go func() { _ = l.Do(context.Background(), func() { close(hold); <-release }) }()
	<-hold
	defer close(release)
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	ran := atomic.Bool{}
	go func() { errc <- l.Do(ctx, func() { ran.Store(true) }) }()
	cancel()
	select {
	case err := <-errc:
		if !fault.Is(err, fault.TooMany) {
			t.Fatalf("want a 429 error, got %v", err)
		}
	case <-time.After(time.Minute):
		t.Fatal("the wait did not end with the context")
	}
	if ran.Load() {
		t.Fatal("the hash of a client gone away ran")
	}
}

// The cap follows the memory limit: 1 GiB holds 4 hashes of 64 MiB, so
// at most 4 run whatever the cores; without a limit, the cores decide,
// each hash taking as many as it has lanes (2 by default).
func TestHashSlotsFromMemoryLimit(t *testing.T) {
	old := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(old)
	debug.SetMemoryLimit(1 << 30)
	cores := max(runtime.GOMAXPROCS(0)/2, 1)
	want := min(cores, 4)
	if got := HashSlots(DefaultPasswordCost); got != want {
		t.Fatalf("1 GiB limit: %d slots, want %d", got, want)
	}
	debug.SetMemoryLimit(100 << 20)
	if got := HashSlots(DefaultPasswordCost); got != 1 {
		t.Fatalf("100 MiB limit: %d slots, want 1", got)
	}
	debug.SetMemoryLimit(1<<63 - 1)
	if got := HashSlots(DefaultPasswordCost); got != cores {
		t.Fatalf("no limit: %d slots, want GOMAXPROCS/2 = %d", got, cores)
	}
	one := PasswordCost{MemoryKiB: 64 * 1024, Time: 3, Threads: 1}
	if got := HashSlots(one); got != runtime.GOMAXPROCS(0) {
		t.Fatalf("one lane, no limit: %d slots, want GOMAXPROCS %d", got, runtime.GOMAXPROCS(0))
	}
}

// A hash's memory counted live by a collection during it must not leave the
// collector's target at twice it once the hash is over (issue 18, item 7):
// the last hash to end collects before Do returns.
func TestHashLimiterLeavesNoInflatedHeapTarget(t *testing.T) {
	const hashMem = 64 << 20
	goal := func() uint64 {
		s := []metrics.Sample{{Name: "/gc/heap/goal:bytes"}}
		metrics.Read(s)
		return s[0].Value.Uint64()
	}
	runtime.GC()
	base := goal()
	l := NewHashLimiter(1, time.Second)
	var during uint64
	if err := l.Do(context.Background(), func() {
		b := make([]byte, hashMem) // as argon2's blocks, live for the whole hash
		for i := range b {
			b[i] = byte(i)
		}
		runtime.GC() // a collection while the hash runs, as under load
		during = goal()
		runtime.KeepAlive(b)
	}); err != nil {
		t.Fatal(err)
	}
	if during < base+hashMem {
		t.Fatalf("the test's premise failed: the target during the hash is %d MiB, the hash holds %d MiB", during>>20, hashMem>>20)
	}
	if after := goal(); after >= base+hashMem {
		t.Errorf("after the hash the collector's target is %d MiB (during it %d MiB, before it %d MiB): "+
			"the hash's memory still counts", after>>20, during>>20, base>>20)
	}
}
