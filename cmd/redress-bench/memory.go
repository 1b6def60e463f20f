package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The API's memory at peak intake (issue 18, item 7). With -api-process the
// intake runs against `redress serve` started as a process of its own, on the
// bench's PostgreSQL and NATS and with the bench's secrets, so its
// /proc/PID/status is the API's alone; the worker, NATS and the load
// generator stay in the bench's process. Without it the API is measured inside
// the bench's process, whose memory then bounds the API's from above.

// memSampleEvery is how often VmRSS is read during a run.
const memSampleEvery = 50 * time.Millisecond

// heapSampleEvery is how often the Go heap in use is read: from
// runtime.ReadMemStats in the bench's process, or from the API process's
// /metrics (go_memstats_heap_inuse_bytes), a request it has to answer.
const heapSampleEvery = 250 * time.Millisecond

// memUse is the memory of the process holding the API over one run.
type memUse struct {
	PeakRSS, EndRSS   uint64  // VmRSS: highest sampled, and at the end of the run
	PeakHeap, EndHeap uint64  // Go heap in use (HeapInuse): highest sampled, and at the end
	Samples           int     // VmRSS samples taken
	CPU               float64 // the API process's CPU in cores over the run (-api-process only)
	OK                bool
}

// memTarget is where the memory of the process holding the API is read.
type memTarget struct {
	pid        int    // 0: the bench's own process
	metricsURL string // the API process's /metrics, for its Go heap
	client     *http.Client
}

func (t memTarget) rss() uint64 { return procStatusOf(t.pid, "VmRSS") }

func (t memTarget) hwm() uint64 { return procStatusOf(t.pid, "VmHWM") }

// heapInuse is the Go heap in use of the process holding the API; 0 if unknown.
func (t memTarget) heapInuse(ctx context.Context) uint64 {
	if t.pid == 0 {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		return m.HeapInuse
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.metricsURL, nil)
	if err != nil {
		return 0
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return 0
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(resp.Body, 4<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "go_memstats_heap_inuse_bytes "); ok {
			v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
			if err != nil {
				return 0
			}
			return uint64(v)
		}
	}
	return 0
}

// cpu is the CPU time the API process has used so far (0 for the bench's own).
func (t memTarget) cpu() time.Duration {
	if t.pid == 0 {
		return 0
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", t.pid))
	if err != nil {
		return 0
	}
	// Fields after the command (which may hold spaces) start at state, field 3.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseUint(f[11], 10, 64) // utime, field 14
	st, _ := strconv.ParseUint(f[12], 10, 64) // stime, field 15
	return time.Duration(ut+st) * time.Second / clockTicks
}

// clockTicks is USER_HZ, the unit of /proc/PID/stat's times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// sampleAPIMemory samples the memory of the process holding the API until the
// returned function is called, which returns what it saw.
func sampleAPIMemory(ctx context.Context, t memTarget) func() memUse {
	ctx, cancel := context.WithCancel(ctx)
	var (
		mu  sync.Mutex
		use memUse
		wg  sync.WaitGroup
	)
	start, cpu0 := time.Now(), t.cpu()
	wg.Go(func() {
		tick := time.NewTicker(memSampleEvery)
		defer tick.Stop()
		for {
			if r := t.rss(); r > 0 {
				mu.Lock()
				use.PeakRSS, use.Samples = max(use.PeakRSS, r), use.Samples+1
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	wg.Go(func() {
		tick := time.NewTicker(heapSampleEvery)
		defer tick.Stop()
		for {
			if h := t.heapInuse(ctx); h > 0 {
				mu.Lock()
				use.PeakHeap = max(use.PeakHeap, h)
				mu.Unlock()
			}
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	})
	return func() memUse {
		end, endHeap := t.rss(), t.heapInuse(context.WithoutCancel(ctx))
		cancel()
		wg.Wait()
		use.EndRSS, use.EndHeap = end, endHeap
		use.PeakRSS, use.PeakHeap = max(use.PeakRSS, end), max(use.PeakHeap, endHeap)
		if t.pid != 0 {
			if wall := time.Since(start).Seconds(); wall > 0 {
				use.CPU = (t.cpu() - cpu0).Seconds() / wall
			}
		}
		use.OK = use.PeakRSS > 0
		return use
	}
}

// procStatusOf reads a "kB" field of /proc/PID/status (PID 0: this process) in bytes; 0 if unknown.
func procStatusOf(pid int, field string) uint64 {
	path := "/proc/self/status"
	if pid != 0 {
		path = fmt.Sprintf("/proc/%d/status", pid)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field+":"); ok {
			n, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64)
			return n * 1024
		}
	}
	return 0
}

// apiProcess is `redress serve` running as a process of its own.
type apiProcess struct {
	cmd     *exec.Cmd
	baseURL string
	target  memTarget
	log     string // its stdout and stderr
	done    chan error
}

// startAPIProcess starts bin as `redress serve` with env (the bench's
// configuration: its PostgreSQL, NATS and secrets) on free ports of
// 127.0.0.1, and waits until it answers /readyz. The process inherits the
// bench's environment first, so GOMEMLIMIT or GOGC set for the bench apply
// to it too.
func startAPIProcess(ctx context.Context, bin, dir string, env map[string]string) (*apiProcess, error) {
	addr, err := freeLocalAddr()
	if err != nil {
		return nil, err
	}
	metrics, err := freeLocalAddr()
	if err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	cmd.Env = append(cmd.Env, "REDRESS_ADDR="+addr, "REDRESS_METRICS_ADDR="+metrics, "REDRESS_PUBLIC_URL=http://"+addr)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		logFile.Close()
		return nil, fmt.Errorf("-api-process: %w", err)
	}
	p := &apiProcess{cmd: cmd, baseURL: "http://" + addr, log: logPath, done: make(chan error, 1),
		target: memTarget{pid: cmd.Process.Pid, metricsURL: "http://" + metrics + "/metrics", client: localClient(5 * time.Second)}}
	go func() { p.done <- cmd.Wait(); logFile.Close() }()

	s := &stack{baseURL: p.baseURL, client: localClient(5 * time.Second)}
	if err := s.waitReady(ctx, 30*time.Second); err != nil {
		return nil, errors.Join(fmt.Errorf("-api-process: %w (its log: %s)", err, tail(logPath)), p.stop())
	}
	return p, nil
}

// stop ends the API process as an orchestrator would: SIGTERM, then SIGKILL
// if it has not stopped within 15 s.
func (p *apiProcess) stop() error {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return fmt.Errorf("redress serve: %w (its log: %s)", err, tail(p.log))
		}
		return err
	case <-time.After(15 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("redress serve did not stop within 15s of SIGTERM")
	}
}

func freeLocalAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// tail is the end of a log file, for an error message.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return err.Error()
	}
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return strings.TrimSpace(string(b))
}

// memTargetMB is the bound on the API's resident memory at peak intake.
const memTargetMB = 150

func reportIntakeMemory(w io.Writer, e environment, o options, steps []step) {
	if e.APIProcess != "" {
		fmt.Fprintf(w, "\nThe API's memory: `%s`, a process of its own on the bench's PostgreSQL and NATS (the worker, NATS and the "+
			"load generator stay in the bench's process). VmRSS from its /proc/PID/status every %s, the Go heap in use "+
			"(go_memstats_heap_inuse_bytes from its /metrics) every %s; its CPU from /proc/PID/stat. "+
			"Before any load: VmRSS %s, Go heap in use %s. Target: under %d MB at 16 and 64 in flight.\n\n",
			e.APIProcess, memSampleEvery, heapSampleEvery, megabytes(int64(e.APIIdleRSS)), megabytes(int64(e.APIIdleHeap)), memTargetMB)
	} else {
		fmt.Fprintf(w, "\nThe API's memory, as an upper bound: the API runs in the bench's process with the worker, embedded NATS and "+
			"the load generator, so these figures are all of theirs (-api-process measures the API alone). VmRSS from "+
			"/proc/self/status every %s, the Go heap in use (runtime.ReadMemStats) every %s. Before any load: VmRSS %s, "+
			"Go heap in use %s. Target for the API: under %d MB at 16 and 64 in flight.\n\n",
			memSampleEvery, heapSampleEvery, megabytes(int64(e.APIIdleRSS)), megabytes(int64(e.APIIdleHeap)), memTargetMB)
	}
	signins := o.intakeSignins > 0
	if signins {
		fmt.Fprintf(w, "During each step %d sign-ins with unknown emails (each an argon2id password check, 64 MiB at the "+
			"production cost, under the process's hash cap) were spread over the middle half of the step, as staff "+
			"signing in at peak intake (-intake-signins).\n\n", o.intakeSignins)
	}
	var rows [][]string
	for _, s := range steps {
		m := s.APIMem
		if !m.OK {
			row := []string{fmt.Sprint(s.Concurrency), fmt.Sprintf("%.0f", s.API.Rate), "n/a", "n/a", "n/a", "n/a", "n/a"}
			if signins {
				row = append(row, otherAnswers(s.Signins))
			}
			rows = append(rows, row)
			continue
		}
		cpu := "n/a (same process)"
		if e.APIProcess != "" {
			cpu = fmt.Sprintf("%.2f", m.CPU)
		}
		row := []string{fmt.Sprint(s.Concurrency), fmt.Sprintf("%.0f", s.API.Rate),
			megabytes(int64(m.PeakRSS)), megabytes(int64(m.EndRSS)), megabytes(int64(m.PeakHeap)), megabytes(int64(m.EndHeap)), cpu}
		if signins {
			row = append(row, otherAnswers(s.Signins))
		}
		rows = append(rows, row)
	}
	header := []string{"concurrency", "API cases/s", "VmRSS peak", "VmRSS at the end", "Go heap in use, peak",
		"Go heap in use, at the end", "API process CPU (cores)"}
	if signins {
		header = append(header, "sign-ins during the step, by status")
	}
	fmt.Fprint(w, markdownTable(header, rows))
}

// signInDuring posts -intake-signins sign-ins with unknown emails to the
// intake's API, spread evenly over the middle half of a run of length d,
// each from its own 127.x.y.z source (so the per-source throttle does not
// refuse them before their password check). The returned function waits
// for them and returns their answers by status.
func (b *bench) signInDuring(ctx context.Context, d time.Duration) func() map[int]int {
	n := b.o.intakeSignins
	res := map[int]int{}
	if n <= 0 {
		return func() map[int]int { return nil }
	}
	var (
		mu sync.Mutex
		wg sync.WaitGroup
	)
	gap := d / 2 / time.Duration(n)
	for i := range n {
		wg.Go(func() {
			select {
			case <-ctx.Done():
				return
			case <-time.After(d/4 + time.Duration(i)*gap):
			}
			body := fmt.Sprintf(`{"email":"x%016x@bench.invalid","password":"guess %016x"}`, rand.Uint64(), rand.Uint64())
			req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.intakeAt+"/api/v1/auth/token", strings.NewReader(body))
			if err != nil {
				return
			}
			req.Header.Set("Content-Type", "application/json")
			status := 0
			if resp, err := sourceClient().Do(req); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
			mu.Lock()
			res[status]++
			mu.Unlock()
		})
	}
	return func() map[int]int { wg.Wait(); return res }
}
