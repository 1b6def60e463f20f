package middleware

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/redresshq/redress/internal/platform/fault"
)

// Sign-in throttle (docs/sign-in.md): wrong passwords are counted per
// account (the normalised email) and per source (the client's address),
// successes never; after Threshold failures a key backs off exponentially,
// Base doubling to Cap. A source in backoff is refused outright. An account
// in backoff still accepts an attempt from a clean source (fewer than
// CleanBelow failures of its own), so an attacker hammering someone's
// address from their own machines backs off themselves and never locks the
// owner out. Counters live in a Store shared by the replicas (NATS
// JetStream key-value), never in the database or the logs; their keys are
// keyed hashes, so the store holds no address or email either.

// Attempts is what a Store keeps of one key.
type Attempts struct {
	Failures int       `json:"f"`
	Last     time.Time `json:"l"`
}

// AttemptStore keeps failure counters. Keys are short, safe for NATS KV.
type AttemptStore interface {
	Get(ctx context.Context, key string) (Attempts, error)
	// Fail counts one more failure at at and returns the new count.
	Fail(ctx context.Context, key string, at time.Time) (Attempts, error)
	Clear(ctx context.Context, key string) error
}

// ThrottleOptions configure NewSignInThrottle; zero values take the defaults.
type ThrottleOptions struct {
	Store      AttemptStore // nil: in this process's memory
	Secret     []byte       // keys the hashes of emails and addresses
	Threshold  int          // failures before the first backoff (5)
	Base       time.Duration
	Cap        time.Duration
	CleanBelow int // a source with fewer failures is clean (3)
	Log        *slog.Logger
	Now        func() time.Time
	// Proxies are the reverse proxies whose X-Forwarded-For names the
	// client (REDRESS_TRUSTED_PROXIES); without them a source is the peer.
	Proxies Proxies
}

// SignInThrottle is the sign-in throttle the API's token route and the
// pages' sign-in form share.
type SignInThrottle struct {
	o        ThrottleOptions
	fallback *MemoryAttempts
	warn     sync.Once
	failures prometheus.Counter
	refused  *prometheus.CounterVec
	degraded prometheus.Gauge
}

// Defaults of the throttle.
const (
	DefaultThreshold  = 5
	DefaultBase       = time.Second
	DefaultCap        = 15 * time.Minute
	DefaultCleanBelow = 3
	// AttemptsTTL is how long a key's count lives after its last failure.
	AttemptsTTL = time.Hour
)

// NewSignInThrottle makes the throttle.
func NewSignInThrottle(o ThrottleOptions) *SignInThrottle {
	if o.Threshold <= 0 {
		o.Threshold = DefaultThreshold
	}
	if o.Base <= 0 {
		o.Base = DefaultBase
	}
	if o.Cap <= 0 {
		o.Cap = DefaultCap
	}
	if o.CleanBelow <= 0 {
		o.CleanBelow = DefaultCleanBelow
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Log == nil {
		o.Log = slog.Default()
	}
	t := &SignInThrottle{o: o, fallback: NewMemoryAttempts(AttemptsTTL, o.Now),
		failures: prometheus.NewCounter(prometheus.CounterOpts{Name: "redress_signin_failures_total",
			Help: "Sign-in attempts with a wrong email or password."}),
		refused: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "redress_signin_throttled_total",
			Help: "Sign-in attempts refused by the throttle, by the key in backoff (source or account)."}, []string{"key"}),
		degraded: prometheus.NewGauge(prometheus.GaugeOpts{Name: "redress_signin_throttle_local",
			Help: "1 when the sign-in throttle counts in this process only (the shared NATS store is unavailable)."}),
	}
	if o.Store == nil {
		t.o.Store = t.fallback
		t.degraded.Set(1)
		o.Log.Info("sign-in throttle: counting in this process only (no shared store)")
	}
	return t
}

// Collectors are the throttle's metrics, for /metrics.
func (t *SignInThrottle) Collectors() []prometheus.Collector {
	return []prometheus.Collector{t.failures, t.refused, t.degraded}
}

// Backoff is how long a key with a must still wait at now (0: none).
func (t *SignInThrottle) Backoff(a Attempts, now time.Time) time.Duration {
	if a.Failures < t.o.Threshold {
		return 0
	}
	d := t.o.Cap
	if n := a.Failures - t.o.Threshold; n < 30 {
		d = min(t.o.Base<<n, t.o.Cap)
	}
	if left := a.Last.Add(d).Sub(now); left > 0 {
		return left
	}
	return 0
}

// key is the store's key of kind ("a" account, "s" source) and v.
func (t *SignInThrottle) key(kind, v string) string {
	m := hmac.New(sha256.New, t.o.Secret)
	m.Write([]byte("redress sign-in throttle v1\x00" + kind + "\x00" + v))
	return kind + "." + hex.EncodeToString(m.Sum(nil)[:20])
}

// local is the store to use after the shared one failed: this process's
// memory, said once in the log and always in the metric.
func (t *SignInThrottle) local(err error) AttemptStore {
	t.warn.Do(func() {
		t.o.Log.Warn("sign-in throttle: the shared attempt store is unavailable; counting in this process only", "err", err)
	})
	t.degraded.Set(1)
	return t.fallback
}

// storeTimeout bounds one call to the shared store: a NATS that does not
// answer must not hold a sign-in.
const storeTimeout = time.Second

// shared is the outcome of a call to the shared store: nil keeps the
// metric at 0, an error falls back to memory.
func (t *SignInThrottle) shared(err error) AttemptStore {
	if err != nil {
		return t.local(err)
	}
	if t.o.Store != t.fallback {
		t.degraded.Set(0)
	}
	return nil
}

func (t *SignInThrottle) get(ctx context.Context, key string) Attempts {
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	a, err := t.o.Store.Get(sctx, key)
	if local := t.shared(err); local != nil {
		a, _ = local.Get(ctx, key)
	}
	return a
}

func (t *SignInThrottle) fail(ctx context.Context, key string, at time.Time) {
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	_, err := t.o.Store.Fail(sctx, key, at)
	if local := t.shared(err); local != nil {
		_, _ = local.Fail(ctx, key, at)
	}
}

func (t *SignInThrottle) clear(ctx context.Context, key string) {
	sctx, cancel := context.WithTimeout(ctx, storeTimeout)
	defer cancel()
	err := t.o.Store.Clear(sctx, key)
	if local := t.shared(err); local != nil {
		_ = local.Clear(ctx, key)
	}
}

// errThrottled refuses an attempt for wait.
func errThrottled(wait time.Duration) error {
	return &fault.Error{Kind: fault.TooMany, Code: "too_many_attempts", RetryAfter: wait,
		Message: "Too many failed sign-in attempts; wait a moment and try again."}
}

// SignInEmail reads the email of a sign-in, from a JSON body or a form,
// normalised as accounts are.
func SignInEmail(c *fiber.Ctx) string {
	var body struct {
		Email string `json:"email"`
	}
	if strings.HasPrefix(c.Get(fiber.HeaderContentType), fiber.MIMEApplicationForm) {
		body.Email = c.FormValue("email")
	} else {
		_ = json.Unmarshal(c.Request().Body(), &body)
	}
	return strings.ToLower(strings.TrimSpace(body.Email))
}

// Handler runs before a sign-in handler.
func (t *SignInThrottle) Handler() fiber.Handler {
	return func(c *fiber.Ctx) error {
		ctx := c.UserContext()
		now := t.o.Now()
		source, account := t.key("s", t.o.Proxies.ClientIP(c)), t.key("a", SignInEmail(c))
		src := t.get(ctx, source)
		if wait := t.Backoff(src, now); wait > 0 {
			t.refused.WithLabelValues("source").Inc()
			return errThrottled(wait)
		}
		if wait := t.Backoff(t.get(ctx, account), now); wait > 0 && src.Failures >= t.o.CleanBelow {
			t.refused.WithLabelValues("account").Inc()
			return errThrottled(wait)
		}
		err := c.Next()
		switch {
		case badCredentials(c, err):
			t.failures.Inc()
			at := t.o.Now()
			t.fail(ctx, source, at)
			t.fail(ctx, account, at)
		case err == nil && c.Response().StatusCode() < 400:
			// The right password: the account's count starts again (the
			// source's does not: signing in to one's own account must not
			// wash an attacker's address clean).
			t.clear(ctx, account)
		}
		return err
	}
}

// badCredentials reports whether the sign-in handler refused the email or
// password: the API returns the error, the pages render it as a 401.
func badCredentials(c *fiber.Ctx, err error) bool {
	if err != nil {
		de, ok := fault.As(err)
		return ok && de.Code == "invalid_credentials"
	}
	return c.Response().StatusCode() == fiber.StatusUnauthorized
}
