package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"github.com/redresshq/redress/api/middleware"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// viaPeer posts a sign-in from the loopback address peer, with the
// X-Forwarded-For header xff when it is not empty.
func viaPeer(t *testing.T, base, peer, xff, email, password string) *teststack.Response {
	t.Helper()
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(peer)}, Timeout: 10 * time.Second}
	c := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: d.DialContext}}
	defer c.CloseIdleConnections()
	body, _ := json.Marshal(map[string]string{"email": email, "password": password})
	req, _ := http.NewRequest("POST", base+"/api/v1/auth/token", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	if xff != "" {
		req.Header.Set("X-Forwarded-For", xff)
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &teststack.Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// Behind an ingress every request comes from the ingress's address. With the
// ingress trusted (REDRESS_TRUSTED_PROXIES) the throttle counts the address
// the ingress saw, so an attacker's failures back off the attacker and not
// the account's owner, who signs in through the same ingress; and the
// attacker cannot get clean by writing X-Forwarded-For itself, because the
// ingress appends the address it saw, and that is the one counted.
func TestSignInThrottleBehindATrustedProxy(t *testing.T) {
	t.Parallel()
	const ingress, admin = "127.0.0.5", "admin@example.org"
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff, Config: func(c *config.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix(ingress + "/32")}
	}})
	// The attacker, at 203.0.113.9, forges a new address in front of the
	// one the ingress appends at every try.
	for i := range middleware.DefaultThreshold {
		xff := fmt.Sprintf("198.51.100.%d, 203.0.113.9", i+1)
		if r := viaPeer(t, s.URL, ingress, xff, admin, fmt.Sprint("guess ", i)); r.Status != 401 {
			t.Fatalf("guess %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := viaPeer(t, s.URL, ingress, "192.0.2.77, 203.0.113.9", admin, teststack.DemoPassword); r.Status != 429 {
		t.Fatalf("the attacker with a forged first address: %d %s, want 429", r.Status, r.Body)
	}
	// The owner, through the same ingress from their own address.
	if r := viaPeer(t, s.URL, ingress, "198.51.100.200", admin, teststack.DemoPassword); r.Status != 200 {
		t.Fatalf("the owner through the ingress: %d %s, want 200", r.Status, r.Body)
	}
}

// A client that is not a trusted proxy cannot choose its own source by
// sending X-Forwarded-For: the throttle counts its peer address.
func TestSignInThrottleIgnoresForwardedForFromAnUntrustedPeer(t *testing.T) {
	t.Parallel()
	const attacker, admin = "127.0.0.6", "admin@example.org"
	s := teststack.New(t, teststack.Options{Throttle: slowBackoff, Config: func(c *config.Config) {
		c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.5/32")}
	}})
	for i := range middleware.DefaultThreshold {
		xff := fmt.Sprintf("198.51.100.%d", i+1)
		if r := viaPeer(t, s.URL, attacker, xff, admin, fmt.Sprint("guess ", i)); r.Status != 401 {
			t.Fatalf("guess %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	if r := viaPeer(t, s.URL, attacker, "192.0.2.1", admin, teststack.DemoPassword); r.Status != 429 {
		t.Fatalf("a sixth try with yet another forged address: %d %s, want 429", r.Status, r.Body)
	}
}
