package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// MemoryAttempts keeps counters in this process: the fallback when NATS is
// unavailable, and the store of an API built without NATS.
type MemoryAttempts struct {
	mu    sync.Mutex
	ttl   time.Duration
	now   func() time.Time
	m     map[string]Attempts
	swept time.Time
}

// NewMemoryAttempts keeps each count ttl after its last failure.
func NewMemoryAttempts(ttl time.Duration, now func() time.Time) *MemoryAttempts {
	if now == nil {
		now = time.Now
	}
	return &MemoryAttempts{ttl: ttl, now: now, m: map[string]Attempts{}}
}

// Get reads key's count.
func (s *MemoryAttempts) Get(_ context.Context, key string) (Attempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.m[key]
	if !ok || s.now().Sub(a.Last) > s.ttl {
		return Attempts{}, nil
	}
	return a, nil
}

// Fail counts a failure of key.
func (s *MemoryAttempts) Fail(_ context.Context, key string, at time.Time) (Attempts, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	if now.Sub(s.swept) > s.ttl/4 { // forget expired counts now and then
		for k, a := range s.m {
			if now.Sub(a.Last) > s.ttl {
				delete(s.m, k)
			}
		}
		s.swept = now
	}
	a := s.m[key]
	if now.Sub(a.Last) > s.ttl {
		a = Attempts{}
	}
	a.Failures++
	a.Last = at
	s.m[key] = a
	return a, nil
}

// Clear forgets key.
func (s *MemoryAttempts) Clear(_ context.Context, key string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, key)
	return nil
}

// AttemptsBucket is the NATS key-value bucket of the sign-in counters.
const AttemptsBucket = "signin_attempts"

// KVAttempts keeps counters in a NATS JetStream key-value bucket, shared by
// every replica; a count expires AttemptsTTL after its last failure. The
// bucket is opened at first use, and again (at most every few seconds)
// while NATS cannot be reached; meanwhile its calls fail and the throttle
// counts in memory.
type KVAttempts struct {
	js       jetstream.JetStream
	replicas int
	mu       sync.Mutex
	kv       jetstream.KeyValue
	next     time.Time // no new try to open the bucket before
}

// NewKVAttempts is the store in js's bucket, with replicas copies.
func NewKVAttempts(js jetstream.JetStream, replicas int) *KVAttempts {
	return &KVAttempts{js: js, replicas: max(replicas, 1)}
}

// errNoBucket is a call while the bucket cannot be opened.
var errNoBucket = errors.New("sign-in throttle: the NATS key-value bucket is not available")

func (s *KVAttempts) bucket(ctx context.Context) (jetstream.KeyValue, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.kv != nil {
		return s.kv, nil
	}
	if s.js == nil || time.Now().Before(s.next) {
		return nil, errNoBucket
	}
	kv, err := s.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
		Bucket:      AttemptsBucket,
		Description: "Sign-in failures per account and per source (keyed hashes), for the throttle.",
		History:     1,
		TTL:         AttemptsTTL,
		Storage:     jetstream.MemoryStorage,
		Replicas:    s.replicas,
	})
	if err != nil {
		s.next = time.Now().Add(5 * time.Second)
		return nil, fmt.Errorf("sign-in throttle: key-value bucket: %w", err)
	}
	s.kv = kv
	return kv, nil
}

// Get reads key's count.
func (s *KVAttempts) Get(ctx context.Context, key string) (Attempts, error) {
	a, _, err := s.read(ctx, key)
	return a, err
}

func (s *KVAttempts) read(ctx context.Context, key string) (Attempts, uint64, error) {
	kv, err := s.bucket(ctx)
	if err != nil {
		return Attempts{}, 0, err
	}
	e, err := kv.Get(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return Attempts{}, 0, nil
	}
	if err != nil {
		return Attempts{}, 0, err
	}
	var a Attempts
	if err := json.Unmarshal(e.Value(), &a); err != nil {
		return Attempts{}, e.Revision(), nil // unreadable: count afresh
	}
	return a, e.Revision(), nil
}

// Fail counts a failure of key: a compare-and-set on the key's revision,
// retried when another replica counted at the same moment.
func (s *KVAttempts) Fail(ctx context.Context, key string, at time.Time) (Attempts, error) {
	kv, err := s.bucket(ctx)
	if err != nil {
		return Attempts{}, err
	}
	for range 8 {
		a, rev, err := s.read(ctx, key)
		if err != nil {
			return Attempts{}, err
		}
		a.Failures++
		a.Last = at
		b, _ := json.Marshal(a)
		if rev == 0 {
			_, err = kv.Create(ctx, key, b)
		} else {
			_, err = kv.Update(ctx, key, b, rev)
		}
		if err == nil {
			return a, nil
		}
		if !errors.Is(err, jetstream.ErrKeyExists) && !isWrongSequence(err) {
			return Attempts{}, err
		}
	}
	return Attempts{}, errors.New("sign-in throttle: too many concurrent updates of one key")
}

// isWrongSequence is the error of an Update whose revision is stale.
func isWrongSequence(err error) bool {
	var apiErr *jetstream.APIError
	return errors.As(err, &apiErr) && (apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
		apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant)
}

// Clear forgets key.
func (s *KVAttempts) Clear(ctx context.Context, key string) error {
	kv, err := s.bucket(ctx)
	if err != nil {
		return err
	}
	err = kv.Purge(ctx, key)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil
	}
	return err
}
