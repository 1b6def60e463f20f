package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// slowBackoff makes the first backoff a minute: no loaded machine outwaits
// it between two requests, so the tests never race the clock.
func slowBackoff(o *middleware.ThrottleOptions) { o.Base = time.Minute }

// fromSource posts a sign-in to base from the loopback address ip
// (127.0.0.x): the throttle sees each as its own source.
func fromSource(t *testing.T, base, ip, email, password string) *teststack.Response {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(ip)}, Timeout: 10 * time.Second}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	defer c.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	resp, err := c.Post(base+"/api/v1/auth/token", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &teststack.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

func retryAfter(t *testing.T, r *teststack.Response) int {
	t.Helper()
	n, err := strconv.Atoi(r.Header.Get("Retry-After"))
	if err != nil || n < 1 {
		t.Fatalf("Retry-After %q, want whole seconds ≥ 1", r.Header.Get("Retry-After"))
	}
	return n
}

// An attacker guessing the admin's password from 127.0.0.2 backs off after
// five failures — refused outright, even with the right password, and for
// any account — while the owner, from a clean 127.0.0.3, signs in at once.
func TestSignInOwnerIsNeverLockedOut(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff})
	const attacker, owner, admin = "127.0.0.2", "127.0.0.3", "admin@example.org"
	for i := range middleware.DefaultThreshold {
		if r := fromSource(t, s.URL, attacker, admin, fmt.Sprint("guess ", i)); r.Status != 401 {
			t.Fatalf("guess %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	r := fromSource(t, s.URL, attacker, admin, teststack.DemoPassword)
	if r.Status != 429 || problemCode(t, r) != "too_many_attempts" {
		t.Fatalf("the attacker's next try, with the right password: %d %s", r.Status, r.Body)
	}
	if n := retryAfter(t, r); n > 60 {
		t.Errorf("Retry-After %d after the first backoff of a minute", n)
	}
	if strings.Contains(string(r.Body), "access_token") {
		t.Fatal("a throttled source got a token")
	}
	// The source is refused for any account.
	if r := fromSource(t, s.URL, attacker, "reviewer@example.org", teststack.DemoPassword); r.Status != 429 {
		t.Fatalf("the attacker's source, another account: %d", r.Status)
	}
	// The owner, from a clean source, while their account backs off.
	r = fromSource(t, s.URL, owner, "Admin@Example.org ", teststack.DemoPassword)
	if r.Status != 200 || r.JSON(t)["access_token"] == nil {
		t.Fatalf("the owner from a clean source: %d %s", r.Status, r.Body)
	}
}

// Successes are not counted: twenty right sign-ins in a row from one
// source, then four wrong ones, and the right one still gets through.
func TestSignInSuccessesAreNotCounted(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff})
	const ip, email = "127.0.0.4", "reviewer@example.org"
	for i := range 20 {
		if r := fromSource(t, s.URL, ip, email, teststack.DemoPassword); r.Status != 200 {
			t.Fatalf("right sign-in %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	for i := range middleware.DefaultThreshold - 1 {
		if r := fromSource(t, s.URL, ip, email, "wrong"); r.Status != 401 {
			t.Fatalf("wrong %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := fromSource(t, s.URL, ip, email, teststack.DemoPassword); r.Status != 200 {
		t.Fatalf("after 20 successes and 4 failures: %d %s", r.Status, r.Body)
	}
}

// Two API instances on one NATS share the counts: failures split between
// them back the source off on both, which per-process counting never did.
func TestSignInThrottleIsSharedAcrossInstances(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff})
	second, err := s.Core.HTTP(s.NC, s.JS)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = second.Listener(ln) }()
	t.Cleanup(func() { _ = second.ShutdownWithTimeout(5 * time.Second) })
	other := "http://" + ln.Addr().String()
	const ip = "127.0.0.5"
	for i := range middleware.DefaultThreshold {
		base := s.URL
		if i%2 == 1 {
			base = other
		}
		if r := fromSource(t, base, ip, fmt.Sprintf("nobody%d@example.org", i), "wrong"); r.Status != 401 {
			t.Fatalf("failure %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	for _, base := range []string{s.URL, other} {
		if r := fromSource(t, base, ip, "reviewer@example.org", teststack.DemoPassword); r.Status != 429 {
			t.Fatalf("%s after five failures split over two instances: %d %s", base, r.Status, r.Body)
		}
	}
	// The counts are in NATS's bucket, under keyed hashes: no address, no email.
	kv, err := s.JS.KeyValue(context.Background(), middleware.AttemptsBucket)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := kv.ListKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for k := range keys.Keys() {
		n++
		if strings.Contains(k, "127.0") || strings.Contains(k, "example") || strings.Contains(k, "@") {
			t.Errorf("key %q names the source or the email", k)
		}
	}
	if n != middleware.DefaultThreshold+1 { // five accounts and one source
		t.Errorf("%d keys in the bucket, want %d", n, middleware.DefaultThreshold+1)
	}
}

// Failed sign-ins write nothing to the database: no row anywhere changes
// in count or names the address tried.
func TestSignInAttemptsAreNotWrittenToTheDatabase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff})
	var tables []string
	if err := s.Core.DB.Raw(`SELECT quote_ident(schemaname) || '.' || quote_ident(relname) FROM pg_stat_user_tables
		ORDER BY 1`).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	counts := func() map[string]int64 {
		out := map[string]int64{}
		for _, tb := range tables {
			var n int64
			if err := s.Core.DB.Raw(`SELECT count(*) FROM ` + tb).Scan(&n).Error; err != nil {
				t.Fatal(err)
			}
			out[tb] = n
		}
		return out
	}
	var updated time.Time
	_ = s.Core.DB.Raw(`SELECT updated_at FROM users WHERE email = 'admin@example.org'`).Scan(&updated)
	before := counts()
	const marker = "attempt-marker-7f3a@example.org"
	for i := range middleware.DefaultThreshold + 2 {
		fromSource(t, s.URL, "127.0.0.6", marker, "wrong")
		fromSource(t, s.URL, "127.0.0.7", "admin@example.org", fmt.Sprint("wrong ", i))
	}
	after := counts()
	for _, tb := range tables {
		if before[tb] != after[tb] {
			t.Errorf("%s: %d rows before the failed sign-ins, %d after", tb, before[tb], after[tb])
		}
		var n int64
		if err := s.Core.DB.Raw(`SELECT count(*) FROM `+tb+` t WHERE t::text ILIKE ?`, "%attempt-marker%").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			t.Errorf("%s holds the email tried", tb)
		}
	}
	var now time.Time
	_ = s.Core.DB.Raw(`SELECT updated_at FROM users WHERE email = 'admin@example.org'`).Scan(&now)
	if !now.Equal(updated) {
		t.Error("the account's row was written by failed sign-ins")
	}
}

// When every hash slot is taken and the wait runs out, a sign-in is 429
// too_many_requests with Retry-After, and nothing was checked: a known and
// an unknown email alike.
func TestSignInWaitsForAHashSlotThenRefuses(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff})
	l := auth.NewHashLimiter(1, 50*time.Millisecond)
	s.Core.Users.SetHashLimiter(l)
	hold, release, done := make(chan struct{}), make(chan struct{}), make(chan struct{})
	go func() { _ = l.Do(context.Background(), func() { close(hold); <-release }); close(done) }()
	<-hold
	for _, email := range []string{"admin@example.org", "nobody@example.org"} {
		r := s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: map[string]string{"email": email, "password": teststack.DemoPassword}})
		if r.Status != 429 || problemCode(t, r) != "too_many_requests" {
			t.Fatalf("%s with no free slot: %d %s", email, r.Status, r.Body)
		}
		retryAfter(t, r)
	}
	if l.Refused() != 2 {
		t.Errorf("refused %d, want 2", l.Refused())
	}
	// A busy server is not a failure: the slot freed, the owner signs in.
	close(release)
	<-done // the slot is free once Do has returned (it collects the hash's garbage first)
	if r := s.Do(req{Method: "POST", Path: "/api/v1/auth/token", Body: map[string]string{"email": "admin@example.org", "password": teststack.DemoPassword}}); r.Status != 200 {
		t.Fatalf("with the slot free: %d %s", r.Status, r.Body)
	}
}

// Thirty-two sign-ins at once with random addresses never run more hashes
// at once than the cap.
func TestSignInHashesStayUnderTheCap(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff})
	l := auth.NewHashLimiter(2, time.Minute)
	s.Core.Users.SetHashLimiter(l)
	done := make(chan int, 32)
	for i := range 32 {
		go func() {
			ip := fmt.Sprintf("127.0.1.%d", i+1)
			done <- fromSource(t, s.URL, ip, fmt.Sprintf("random%d@example.org", i), "wrong").Status
		}()
	}
	for range 32 {
		if st := <-done; st != 401 {
			t.Errorf("status %d, want 401", st)
		}
	}
	if l.Peak() < 1 || l.Peak() > 2 {
		t.Fatalf("peak %d hashes at once, cap 2", l.Peak())
	}
}
