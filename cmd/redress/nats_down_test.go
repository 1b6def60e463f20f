package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/demo"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/natsx"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/testenv"
)

// get answers the status and body of GET url (0 when nothing answers).
func get(url string) (int, string) {
	r, err := http.Get(url)
	if err != nil {
		return 0, ""
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// Intake without NATS (issue 15, item 5): `redress serve` starts while
// nothing listens at NATS_URL, is ready (PostgreSQL is all intake needs) and
// says NATS is down, takes a complaint; `redress work` runs but is not
// ready. Then a NATS server comes up on that address: both connect by
// themselves, the outbox drains and the case is routed.
func TestServeTakesComplaintsWhileNATSIsDown(t *testing.T) {
	g, dbURL := testenv.DB(t)
	ctx := context.Background()
	if err := demo.Seed(ctx, g, registry.New(g), auth.NewUsers(g, auth.PasswordCost{MemoryKiB: 64, Time: 1, Threads: 1}),
		escalation.New(escalation.Options{DB: g}), "a password for the drill"); err != nil {
		t.Fatal(err)
	}
	natsAddr := freeAddr(t) // nothing listens here yet
	// The store directory is made before the shutdown below is registered, so
	// that its removal runs after NATS has stopped writing into it (cleanups
	// run last-registered first).
	storeDir := t.TempDir()
	var mu sync.Mutex
	var ns *natsx.Embedded
	t.Cleanup(func() { // after serve and work have stopped
		mu.Lock()
		defer mu.Unlock()
		if ns != nil {
			ns.Shutdown()
		}
	})

	cfg := testenv.Config(t)
	addr, workAddr := freeAddr(t), freeAddr(t)
	env := []string{"DATABASE_URL=" + dbURL, "NATS_URL=nats://" + natsAddr,
		"REDRESS_JWT_SECRET=" + string(cfg.JWTSecret), "REDRESS_RECEIPT_SECRET=" + string(cfg.ReceiptSecret),
		"REDRESS_ENCRYPTION_KEYS=k1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))),
		"REDRESS_ADDR=" + addr}
	metricsAddr := freeAddr(t) // serve's operations port
	serveLogs := startRedress(t, "serve", append(env, "REDRESS_WORKER_ADDR="+freeAddr(t), "REDRESS_METRICS_ADDR="+metricsAddr), "serve")
	startRedress(t, "work", append(env, "REDRESS_WORKER_ADDR="+workAddr, "REDRESS_METRICS_ADDR="+freeAddr(t)), "work")
	base, workBase := "http://"+addr, "http://"+workAddr

	var ready string
	testenv.Eventually(t, 60*time.Second, "serve to be ready without NATS", func() bool {
		code, body := get(base + "/readyz")
		ready = body
		return code == 200
	})
	var rz struct {
		Status string
		Checks map[string]string
	}
	if err := json.Unmarshal([]byte(ready), &rz); err != nil || rz.Status != "ok" || rz.Checks["postgres"] != "ok" ||
		rz.Checks["nats"] != "down" {
		t.Errorf("serve /readyz without NATS: %s", ready)
	}
	// The operations port may start listening just after /readyz answers.
	var metrics string
	testenv.Eventually(t, 30*time.Second, "serve's operations port to answer", func() bool {
		code, m := get("http://" + metricsAddr + "/metrics")
		metrics = m
		return code == 200
	})
	if !strings.Contains(metrics, "\nredress_nats_connected 0\n") {
		t.Errorf("serve /metrics without NATS has no redress_nats_connected 0:\n%s", metrics)
	}
	if !strings.Contains(serveLogs.String(), "connecting in the background") {
		t.Errorf("serve did not say it connects to NATS in the background:\n%s", serveLogs.String())
	}

	body := `{"kind":"concern","ai_system_other":"a chatbot","informed_of_ai":"unsure",
		"description":"Filed while NATS is down: the assistant refused to pass my complaint to a person.","rights":["other"],"anonymous":true}`
	r, err := http.Post(base+"/api/v1/cases", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var rec struct{ Reference, Receipt string }
	_ = json.NewDecoder(r.Body).Decode(&rec)
	r.Body.Close()
	if r.StatusCode != 201 || rec.Reference == "" || rec.Receipt == "" {
		t.Fatalf("filing while NATS is down: %d %+v", r.StatusCode, rec)
	}
	// The worker is alive but not ready: without NATS it relays and consumes nothing.
	testenv.Eventually(t, 60*time.Second, "work to answer, not ready", func() bool {
		code, body := get(workBase + "/readyz")
		return code == 503 && strings.Contains(body, `"nats":"down"`)
	})
	if code, _ := get(workBase + "/livez"); code != 200 {
		t.Errorf("work /livez without NATS: %d", code)
	}
	if _, m := get(workBase + "/metrics"); !strings.Contains(m, "\nredress_nats_connected 0\n") {
		t.Errorf("work /metrics without NATS has no redress_nats_connected 0")
	}
	var pending int
	g.Raw(`SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&pending)
	if pending == 0 {
		t.Errorf("the case's event left the outbox with no NATS to go to")
	}

	// NATS comes up where NATS_URL points.
	host, port, _ := net.SplitHostPort(natsAddr)
	p, _ := strconv.Atoi(port)
	mu.Lock()
	ns, err = natsx.StartEmbedded(host, p, storeDir)
	mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 60*time.Second, "the case routed once NATS is up", func() bool {
		var n int
		g.Raw(`SELECT count(*) FROM cases WHERE reference = ? AND routed_at IS NOT NULL AND received_at IS NOT NULL`,
			rec.Reference).Scan(&n)
		return n == 1
	})
	var routed int
	g.Raw(`SELECT count(*) FROM audit_entries a JOIN cases c ON c.id = a.case_id WHERE c.reference = ? AND a.action = 'case.routed'`,
		rec.Reference).Scan(&routed)
	if routed != 1 {
		t.Errorf("routed %d times", routed)
	}
	testenv.Eventually(t, 30*time.Second, "both ready, NATS ok", func() bool {
		sc, sb := get(base + "/readyz")
		wc, wb := get(workBase + "/readyz")
		_, m := get("http://" + metricsAddr + "/metrics")
		_, wm := get(workBase + "/metrics")
		return sc == 200 && strings.Contains(sb, `"nats":"ok"`) && wc == 200 && strings.Contains(wb, `"nats":"ok"`) &&
			strings.Contains(m, "\nredress_nats_connected 1\n") && strings.Contains(wm, "\nredress_nats_connected 1\n")
	})
	testenv.Eventually(t, 30*time.Second, "the outbox to drain", func() bool {
		g.Raw(`SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&pending)
		return pending == 0
	})
}

// NATS never comes: serve and work still stop cleanly on SIGTERM (startRedress
// fails the test on a non-zero exit or one slower than 30 s).
func TestServeAndWorkStopCleanlyWhenNATSNeverCame(t *testing.T) {
	_, dbURL := testenv.DB(t)
	cfg := testenv.Config(t)
	addr, workAddr := freeAddr(t), freeAddr(t)
	env := []string{"DATABASE_URL=" + dbURL, "NATS_URL=nats://" + freeAddr(t),
		"REDRESS_JWT_SECRET=" + string(cfg.JWTSecret), "REDRESS_RECEIPT_SECRET=" + string(cfg.ReceiptSecret),
		"REDRESS_ENCRYPTION_KEYS=k1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))),
		"REDRESS_ADDR=" + addr}
	startRedress(t, "serve", append(env, "REDRESS_WORKER_ADDR="+freeAddr(t)), "serve")
	workLogs := startRedress(t, "work", append(env, "REDRESS_WORKER_ADDR="+workAddr), "work")
	testenv.Eventually(t, 60*time.Second, "serve ready and work answering not ready", func() bool {
		sc, _ := get("http://" + addr + "/readyz")
		wc, _ := get("http://" + workAddr + "/readyz")
		return sc == 200 && wc == 503 && strings.Contains(workLogs.String(), "waiting for JetStream")
	})
}
