package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// proc is one child process that can be killed and started again.
type proc struct {
	kind, name string
	path       string
	args       []string
	env        []string
	logPath    string
	ready      string // a URL that answers 200 once it is ready ("" for none)

	mu   sync.Mutex
	cmd  *exec.Cmd
	done chan struct{}
}

func (p *proc) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	logf, err := os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	fmt.Fprintf(logf, "\n=== %s start %s\n", p.name, time.Now().UTC().Format(time.RFC3339Nano))
	cmd := exec.Command(p.path, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = logf, logf
	// Its own process group, so a Ctrl-C of the chaos run reaches it only
	// through stopAll.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		logf.Close()
		return fmt.Errorf("start %s: %w", p.name, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); logf.Close(); close(done) }()
	p.cmd, p.done = cmd, done
	return nil
}

// kill sends SIGKILL and waits for the process to be gone.
func (p *proc) kill() {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGKILL)
	<-done
}

// stop asks the process to end (SIGTERM), then kills it after grace.
func (p *proc) stop(grace time.Duration) {
	p.mu.Lock()
	cmd, done := p.cmd, p.done
	p.mu.Unlock()
	if cmd == nil {
		return
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(grace):
		_ = cmd.Process.Signal(syscall.SIGKILL)
		<-done
	}
}

func (p *proc) running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done == nil {
		return false
	}
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// waitReady polls p.ready until it answers 200, or the process exits.
func (p *proc) waitReady(ctx context.Context, limit time.Duration) error {
	if p.ready == "" {
		return nil
	}
	deadline := time.Now().Add(limit)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		if !p.running() {
			return fmt.Errorf("%s exited while starting (log: %s)", p.name, p.logPath)
		}
		if r, err := client.Get(p.ready); err == nil {
			r.Body.Close()
			if r.StatusCode == 200 {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(200 * time.Millisecond):
		}
	}
	return fmt.Errorf("%s not ready within %s (log: %s)", p.name, limit, p.logPath)
}

// freePorts picks n free loopback ports.
func freePorts(n int) ([]int, error) {
	var out []int
	for range n {
		p, err := freePort()
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func secret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.StdEncoding.EncodeToString(b)
}

// fleet is every process of the run.
type fleet struct {
	nats    []*proc
	apis    []*proc
	workers []*proc
	natsURL string
}

func (f *fleet) all() []*proc {
	return append(append(append([]*proc{}, f.nats...), f.apis...), f.workers...)
}

// newFleet lays out three NATS nodes, two APIs and two workers in dir.
func newFleet(dir, redress, self, dbURL string) (*fleet, error) {
	f := &fleet{}
	clientPorts, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	routePorts, err := freePorts(3)
	if err != nil {
		return nil, err
	}
	var routes, urls []string
	for i := range 3 {
		routes = append(routes, "nats://127.0.0.1:"+strconv.Itoa(routePorts[i]))
		urls = append(urls, "nats://127.0.0.1:"+strconv.Itoa(clientPorts[i]))
	}
	f.natsURL = strings.Join(urls, ",")
	for i := range 3 {
		name := fmt.Sprintf("nats-%d", i+1)
		monitor, err := freePort()
		if err != nil {
			return nil, err
		}
		f.nats = append(f.nats, &proc{kind: "nats", name: name, path: self,
			args: []string{"nats-node", "-name", name, "-port", strconv.Itoa(clientPorts[i]),
				"-cluster-port", strconv.Itoa(routePorts[i]), "-routes", strings.Join(routes, ","),
				"-monitor-port", strconv.Itoa(monitor), "-store", filepath.Join(dir, name)},
			logPath: filepath.Join(dir, name+".log"),
			ready:   "http://127.0.0.1:" + strconv.Itoa(monitor) + "/healthz"})
	}
	env := []string{"DATABASE_URL=" + dbURL, "NATS_URL=" + f.natsURL, "REDRESS_NATS_REPLICAS=3",
		"REDRESS_JWT_SECRET=" + secret(), "REDRESS_RECEIPT_SECRET=" + secret(),
		"REDRESS_ENCRYPTION_KEYS=k1:" + secret(), "REDRESS_LOG_FORMAT=text", "REDRESS_LOG_LEVEL=warn",
		"REDRESS_DB_MAX_CONNS=10"}
	// serve and work: each gets its own app, worker and metrics ports.
	redressProc := func(kind, cmd string, i int) (*proc, error) {
		ports, err := freePorts(3)
		if err != nil {
			return nil, err
		}
		ready := ports[0] // serve's /readyz is on the app's port, work's on the worker's
		if kind == "worker" {
			ready = ports[1]
		}
		name := fmt.Sprintf("%s-%d", kind, i+1)
		return &proc{kind: kind, name: name, path: redress, args: []string{cmd},
			env: append(append([]string{}, env...), fmt.Sprintf("REDRESS_ADDR=127.0.0.1:%d", ports[0]),
				fmt.Sprintf("REDRESS_WORKER_ADDR=127.0.0.1:%d", ports[1]), fmt.Sprintf("REDRESS_METRICS_ADDR=127.0.0.1:%d", ports[2])),
			logPath: filepath.Join(dir, name+".log"), ready: fmt.Sprintf("http://127.0.0.1:%d/readyz", ready)}, nil
	}
	for i := range 2 {
		api, err := redressProc("api", "serve", i)
		if err != nil {
			return nil, err
		}
		worker, err := redressProc("worker", "work", i)
		if err != nil {
			return nil, err
		}
		f.apis, f.workers = append(f.apis, api), append(f.workers, worker)
	}
	return f, nil
}

// startAll starts the NATS nodes together (a cluster needs a quorum to
// answer), then the workers (they create the streams), then the APIs.
func (f *fleet) startAll(ctx context.Context) error {
	for _, group := range [][]*proc{f.nats, f.workers, f.apis} {
		for _, p := range group {
			if err := p.start(); err != nil {
				return err
			}
		}
		for _, p := range group {
			if err := p.waitReady(ctx, 90*time.Second); err != nil {
				return err
			}
		}
	}
	return nil
}

// restartDead starts again whatever is not running.
func (f *fleet) restartDead(ctx context.Context) error {
	for _, p := range f.all() {
		if !p.running() {
			if err := p.start(); err != nil {
				return err
			}
			if err := p.waitReady(ctx, 90*time.Second); err != nil {
				return err
			}
		}
	}
	return nil
}

func (f *fleet) stopAll() {
	var wg sync.WaitGroup
	for _, p := range append(append(append([]*proc{}, f.apis...), f.workers...), f.nats...) {
		wg.Add(1)
		go func() { defer wg.Done(); p.stop(15 * time.Second) }()
	}
	wg.Wait()
}
