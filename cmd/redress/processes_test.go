package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/demo"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/sla"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/natstest"
)

// startRedress runs the test binary as `redress <args>` in a child process
// with env, and stops it (SIGTERM, then SIGKILL) when the test ends.
func startRedress(t *testing.T, name string, env []string, args string) *testenv.LogBuffer {
	t.Helper()
	logs := &testenv.LogBuffer{}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(append(os.Environ(), env...), asBinary+"="+args)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("%s exited: %v", name, err)
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			t.Errorf("%s did not stop within 30s", name)
		}
		if t.Failed() {
			t.Logf("%s logs:\n%s", name, logs.String())
		}
	})
	return logs
}

// The "done when", with real processes: `redress serve` and two
// `redress work` on one database and one NATS server. Cases filed over HTTP
// are routed once each; with a policy shrunk to seconds each produces its
// warnings and breaches, once each, with the policy's actions.
func TestTwoWorkProcessesNeverDoubleRouteOrDoubleFire(t *testing.T) {
	g, dbURL := testenv.DB(t)
	ns, _, _ := natstest.Start(t)
	ctx := context.Background()

	// The demo data and a drill policy on the same database.
	if err := demo.Seed(ctx, g, registry.New(g), auth.NewUsers(g, auth.PasswordCost{MemoryKiB: 64, Time: 1, Threads: 1}), escalation.New(escalation.Options{DB: g}), "a password for the drill"); err != nil {
		t.Fatal(err)
	}
	tier := []sla.TimeLimit{{Rule: sla.Rule{Code: "drill_ack", Source: "Drill policy", Period: "4 seconds"},
		Clock: sla.Acknowledge, Budget: sla.Budget{Unit: sla.Seconds, Amount: 4}, From: sla.FromSubmitted, Pausable: true}}
	drill := clocks.PolicyInput{Slug: "drill", Name: "Drill", Calendar: "eu-office", Policy: sla.Policy{
		Tiers: map[string][]sla.TimeLimit{"P0": tier, "P1": tier, "P2": tier, "P3": tier},
		Statutory: []sla.StatutoryLimit{{TimeLimit: sla.TimeLimit{Rule: sla.Rule{Code: "drill_statute", Source: "Drill statute",
			Period: "6 seconds"}, Clock: sla.FirstResponse, Budget: sla.Budget{Unit: sla.Seconds, Amount: 6}, From: sla.FromSubmitted}}},
		WarnFractions: []float64{0.5},
		Breach:        sla.BreachActions{Notify: true, RaisePriority: true, MoveToQueue: "supervisors", EscalateStatutory: true},
	}}
	if _, err := clocks.New(g, nil, nil).SavePolicy(ctx, nil, drill); err != nil {
		t.Fatal(err)
	}
	if err := g.Exec(`UPDATE routing_rules SET sla_policy = 'drill'`).Error; err != nil {
		t.Fatal(err)
	}

	cfg := testenv.Config(t)
	addr := freeAddr(t)
	env := []string{"DATABASE_URL=" + dbURL, "NATS_URL=" + ns.URL(),
		"REDRESS_JWT_SECRET=" + string(cfg.JWTSecret), "REDRESS_RECEIPT_SECRET=" + string(cfg.ReceiptSecret),
		"REDRESS_ENCRYPTION_KEYS=k1:" + base64.StdEncoding.EncodeToString([]byte(strings.Repeat("k", 32))),
		"REDRESS_SLA_SWEEP_EVERY=200ms", "REDRESS_ADDR=" + addr}
	startRedress(t, "serve", append(env, "REDRESS_WORKER_ADDR="+freeAddr(t), "REDRESS_METRICS_ADDR="+freeAddr(t)), "serve")
	startRedress(t, "work 1", append(env, "REDRESS_WORKER_ADDR="+freeAddr(t)), "work")
	startRedress(t, "work 2", append(env, "REDRESS_WORKER_ADDR="+freeAddr(t)), "work")
	base := "http://" + addr
	testenv.Eventually(t, 60*time.Second, "serve to be ready", func() bool {
		r, err := http.Get(base + "/readyz")
		if err != nil {
			return false
		}
		r.Body.Close()
		return r.StatusCode == 200
	})

	const n = 16
	var refs []string
	for i := range n {
		body := fmt.Sprintf(`{"kind":"concern","ai_system_other":"a chatbot","informed_of_ai":"unsure",
			"description":"Drill case %d: the assistant refused to pass my complaint to a person.","rights":["other"],"anonymous":true}`, i)
		r, err := http.Post(base+"/api/v1/cases", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var rec struct{ Reference string }
		_ = json.NewDecoder(r.Body).Decode(&rec)
		r.Body.Close()
		if r.StatusCode != 201 {
			t.Fatalf("file: %d", r.StatusCode)
		}
		refs = append(refs, rec.Reference)
	}

	count := func(action string) map[string]int {
		var rows []struct {
			Reference string
			N         int
		}
		g.Raw(`SELECT c.reference, count(a.id) AS n FROM cases c LEFT JOIN audit_entries a ON a.case_id = c.id AND a.action = ?
			GROUP BY c.reference`, action).Scan(&rows)
		out := map[string]int{}
		for _, r := range rows {
			out[r.Reference] = r.N
		}
		return out
	}
	testenv.Eventually(t, 60*time.Second, "every case to breach both clocks", func() bool {
		for _, n := range count("sla.breached") {
			if n < 2 {
				return false
			}
		}
		return true
	})
	time.Sleep(time.Second) // more sweeps by both workers: nothing more may fire

	routed, breached, warned, escalated := count("case.routed"), count("sla.breached"), count("sla.warning"),
		count("escalation.requested")
	for _, ref := range refs {
		if routed[ref] != 1 || breached[ref] != 2 || warned[ref] > 2 || escalated[ref] != 1 {
			t.Errorf("%s: routed %d, breaches %d, warnings %d, escalations %d; want 1, 2, ≤2, 1",
				ref, routed[ref], breached[ref], warned[ref], escalated[ref])
		}
	}
	var cases []struct {
		Reference, Priority, Queue string
		RoutedAfterMS              float64
	}
	g.Raw(`SELECT c.reference, c.priority, q.slug AS queue,
		       extract(epoch FROM c.routed_at - c.submitted_at) * 1000 AS routed_after_ms
		  FROM cases c JOIN queues q ON q.id = c.queue_id`).Scan(&cases)
	var lat []float64
	for _, c := range cases {
		if c.Queue != "supervisors" || (c.Priority != "P2" && c.Priority != "P1") {
			t.Errorf("%s after its breaches: %s in %s", c.Reference, c.Priority, c.Queue)
		}
		lat = append(lat, c.RoutedAfterMS)
	}
	slices.Sort(lat)
	t.Logf("submitted → routed: median %.0f ms, max %.0f ms (two workers, %d cases)", lat[len(lat)/2], lat[len(lat)-1], len(lat))
	var esc int
	g.Raw(`SELECT count(*) FROM escalation_requests WHERE source = 'sla_breach' AND clock = 'first_response'`).Scan(&esc)
	if esc != n {
		t.Errorf("%d escalation requests, want %d", esc, n)
	}
	testenv.Eventually(t, 10*time.Second, "the outbox to drain", func() bool {
		var pending int
		g.Raw(`SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&pending)
		return pending == 0
	})
}
