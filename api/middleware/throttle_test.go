package middleware

import (
	"bytes"
	"log/slog"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	dto "github.com/prometheus/client_model/go"

	"github.com/redresshq/redress/internal/platform/fault"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuf) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// With NATS unreachable the throttle still counts, in the process; it says
// so once in the log and in its metric, and the log never names the email.
func TestSignInThrottleFallsBackToMemory(t *testing.T) {
	var logs syncBuf
	now := time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC)
	th := NewSignInThrottle(ThrottleOptions{Store: NewKVAttempts(nil, 1), Secret: []byte("k"),
		Log: slog.New(slog.NewTextHandler(&logs, nil)), Now: func() time.Time { return now }})
	app := fiber.New(fiber.Config{ErrorHandler: func(c *fiber.Ctx, err error) error {
		if de, ok := fault.As(err); ok && de.Kind == fault.TooMany {
			c.Set(fiber.HeaderRetryAfter, "1")
			return c.SendStatus(429)
		}
		return c.SendStatus(401)
	}})
	app.Post("/login", th.Handler(), func(c *fiber.Ctx) error {
		return fault.New(fault.Unauthorized, "invalid_credentials", "no")
	})
	post := func() int {
		r := httptest.NewRequest("POST", "/login", strings.NewReader(`{"email":"victim@example.org","password":"x"}`))
		r.Header.Set("Content-Type", "application/json")
		resp, err := app.Test(r, -1)
		if err != nil {
			t.Fatal(err)
		}
		return resp.StatusCode
	}
	for i := range DefaultThreshold {
		if st := post(); st != 401 {
			t.Fatalf("attempt %d: %d", i+1, st)
		}
	}
	if st := post(); st != 429 {
		t.Fatalf("after %d failures counted in memory: %d", DefaultThreshold, st)
	}
	// The backoff doubles: 1 s after the fifth failure, then 2 s.
	now = now.Add(1500 * time.Millisecond)
	if st := post(); st != 401 {
		t.Fatalf("after the first backoff: %d", st)
	}
	now = now.Add(1500 * time.Millisecond)
	if st := post(); st != 429 {
		t.Fatalf("1.5 s into the second, 2 s backoff: %d", st)
	}
	if n := strings.Count(logs.String(), "unavailable"); n != 1 {
		t.Errorf("the fallback was logged %d times, want once:\n%s", n, logs.String())
	}
	if strings.Contains(logs.String(), "victim") {
		t.Error("the log names the email")
	}
	var m dto.Metric
	if err := th.degraded.Write(&m); err != nil || m.GetGauge().GetValue() != 1 {
		t.Errorf("redress_signin_throttle_local = %v (%v), want 1", m.GetGauge().GetValue(), err)
	}
}

func TestBackoffDoublesToTheCap(t *testing.T) {
	th := NewSignInThrottle(ThrottleOptions{})
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		failures int
		want     time.Duration
	}{{4, 0}, {5, time.Second}, {6, 2 * time.Second}, {10, 32 * time.Second}, {15, 15 * time.Minute}, {200, 15 * time.Minute}} {
		if got := th.Backoff(Attempts{Failures: c.failures, Last: at}, at); got != c.want {
			t.Errorf("%d failures: %s, want %s", c.failures, got, c.want)
		}
	}
}
