package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/platform/devpg"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/natstest"
)

// asBinary, set in a child's environment, makes the test binary act as the
// redress binary with these arguments (see startRedress).
const asBinary = "REDRESS_TEST_AS_BINARY"

func TestMain(m *testing.M) {
	if args := os.Getenv(asBinary); args != "" {
		runMain(strings.Fields(args))
		return
	}
	os.Exit(testenv.Main(m))
}

func TestConfigErrorsNameTheVariable(t *testing.T) {
	for _, k := range []string{"DATABASE_URL", "NATS_URL", "REDRESS_JWT_SECRET", "REDRESS_RECEIPT_SECRET", "REDRESS_ENCRYPTION_KEYS"} {
		t.Setenv(k, "")
	}
	t.Setenv("REDRESS_DB_MAX_CONNS", "lots")
	var out, errb bytes.Buffer
	err := run(context.Background(), []string{"serve"}, &out, &errb)
	if err == nil {
		t.Fatal("serve started without configuration")
	}
	for _, name := range []string{"DATABASE_URL", "NATS_URL", "REDRESS_JWT_SECRET", "REDRESS_RECEIPT_SECRET",
		"REDRESS_ENCRYPTION_KEYS", "REDRESS_DB_MAX_CONNS"} {
		if !strings.Contains(err.Error(), name) {
			t.Errorf("error does not name %s:\n%v", name, err)
		}
	}
	if err := run(context.Background(), []string{"frobnicate"}, &out, &errb); err == nil || !strings.Contains(errb.String(), "Usage") {
		t.Errorf("unknown subcommand: %v", err)
	}
}

func TestServeRefusesASchemaThatIsBehind(t *testing.T) {
	empty := testenv.EmptyDatabaseURL(t)
	ns, _, _ := natstest.Start(t)
	cfg := testenv.Config(t)
	t.Setenv("DATABASE_URL", empty)
	t.Setenv("NATS_URL", ns.URL())
	t.Setenv("REDRESS_JWT_SECRET", string(cfg.JWTSecret))
	t.Setenv("REDRESS_RECEIPT_SECRET", string(cfg.ReceiptSecret))
	t.Setenv("REDRESS_ENCRYPTION_KEYS", "k1:"+strings.Repeat("A", 43)+"=")
	for _, sub := range []string{"serve", "work"} {
		err := run(context.Background(), []string{sub}, io.Discard, io.Discard)
		if err == nil || !strings.Contains(err.Error(), "redress migrate") {
			t.Errorf("%s on an unmigrated schema: %v", sub, err)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate", "status"}, &out, io.Discard); err != nil || !strings.Contains(out.String(), "pending") {
		t.Fatalf("migrate status: %v %s", err, out.String())
	}
	if err := run(context.Background(), []string{"migrate"}, &out, io.Discard); err != nil {
		t.Fatal(err)
	}
	out.Reset()
	_ = run(context.Background(), []string{"migrate", "status"}, &out, io.Discard)
	if !strings.Contains(out.String(), ", 0 pending") {
		t.Errorf("after migrate: %s", out.String())
	}
}

// `redress dev` — what `make run` starts — boots a private cluster and an
// embedded NATS, seeds the demo, takes a case and stops cleanly.
func TestDevModeRunsEndToEnd(t *testing.T) {
	if _, err := devpg.FindBinDir(); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	addr := freeAddr(t)
	t.Setenv("REDRESS_DATA_DIR", dir)
	t.Setenv("REDRESS_ADDR", addr)
	t.Setenv("REDRESS_WORKER_ADDR", freeAddr(t))
	t.Setenv("REDRESS_METRICS_ADDR", freeAddr(t))
	t.Setenv("REDRESS_DEMO_PASSWORD", "demo-password-for-the-test")
	for _, k := range []string{"DATABASE_URL", "NATS_URL", "REDRESS_JWT_SECRET", "REDRESS_RECEIPT_SECRET", "REDRESS_ENCRYPTION_KEYS"} {
		t.Setenv(k, "")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	out := &testenv.LogBuffer{}
	done := make(chan error, 1)
	go func() { done <- run(ctx, []string{"dev"}, out, io.Discard) }()

	base := "http://" + addr
	testenv.Eventually(t, 90*time.Second, "redress dev to serve", func() bool {
		select {
		case err := <-done:
			t.Fatalf("dev stopped: %v\n%s", err, out.String())
		default:
		}
		r, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == 200
	})
	for _, want := range []string{"reviewer@example.org", "demo-password-for-the-test", "regulator@example.org"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("banner does not show %q", want)
		}
	}
	body := `{"kind":"concern","ai_system_other":"a chatbot","informed_of_ai":"unsure",
		"description":"The assistant refused to pass my complaint to a person.","rights":["other"],"anonymous":true}`
	r, err := http.Post(base+"/api/v1/cases", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	var rec map[string]any
	_ = json.NewDecoder(r.Body).Decode(&rec)
	r.Body.Close()
	if r.StatusCode != 201 || rec["reference"] == nil {
		t.Fatalf("file: %d %v", r.StatusCode, rec)
	}
	r, err = http.Get(base + "/api/v1/ai-systems")
	if err != nil {
		t.Fatal(err)
	}
	var reg struct{ Items []any }
	_ = json.NewDecoder(r.Body).Decode(&reg)
	r.Body.Close()
	if len(reg.Items) != 5 {
		t.Errorf("demo register has %d systems", len(reg.Items))
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("dev did not stop cleanly: %v", err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("dev did not stop within 60s")
	}
	if _, err := os.Stat(dir + "/pg/data/postmaster.pid"); err == nil {
		t.Error("the private PostgreSQL is still running after dev stopped")
	}
	if _, err := os.Stat(dir + "/secrets.env"); err != nil {
		t.Errorf("dev secrets not kept: %v", err)
	}
}

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return fmt.Sprint(l.Addr())
}
