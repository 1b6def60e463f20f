package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// cpuMeter measures where CPU went during one run: the whole machine (from
// /proc/stat, Linux only) and this process (the API, the worker, NATS and
// the load generator, which share it).
type cpuMeter struct {
	start     time.Time
	busy, all uint64 // machine jiffies
	self      time.Duration
	ok        bool
}

func startCPU() cpuMeter {
	m := cpuMeter{start: time.Now(), self: selfCPU()}
	m.busy, m.all, m.ok = machineJiffies()
	return m
}

// cpuUse is CPU in cores (1.0 = one core busy for the whole run).
type cpuUse struct {
	Machine, Self float64
	MachineOK     bool
}

func (m cpuMeter) stop() cpuUse {
	wall := time.Since(m.start).Seconds()
	u := cpuUse{Self: (selfCPU() - m.self).Seconds() / wall}
	busy, all, ok := machineJiffies()
	if ok && m.ok && all > m.all {
		u.Machine = float64(busy-m.busy) / float64(all-m.all) * float64(machineCPUs())
		u.MachineOK = true
	}
	return u
}

func rusage(who int) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(who, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func selfCPU() time.Duration { return rusage(syscall.RUSAGE_SELF) }

// childCPU is the CPU time of the child processes waited for so far (pgbench).
func childCPU() time.Duration { return rusage(syscall.RUSAGE_CHILDREN) }

// machineJiffies reads the busy and total time of all CPUs from /proc/stat.
func machineJiffies() (busy, all uint64, ok bool) {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0, 0, false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return 0, 0, false
	}
	fields := strings.Fields(sc.Text())
	if len(fields) < 6 || fields[0] != "cpu" {
		return 0, 0, false
	}
	for i, v := range fields[1:] {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, 0, false
		}
		if i == 8 { // guest time is already counted in user time
			break
		}
		all += n
		if i != 3 && i != 4 && i != 7 { // idle, iowait, steal (another VM ran)
			busy += n
		}
	}
	return busy, all, true
}

// machineCPUs counts the CPUs /proc/stat reports on.
func machineCPUs() int {
	f, err := os.Open("/proc/stat")
	if err != nil {
		return 0
	}
	defer f.Close()
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); strings.HasPrefix(l, "cpu") && !strings.HasPrefix(l, "cpu ") {
			n++
		}
	}
	return n
}

// waitProfile tallies what the client backends of one database were doing,
// sampled from pg_stat_activity: running, waiting on an event (IO:WALSync,
// Lock:…) or idle in a transaction, waiting for the application's next statement.
type waitProfile struct {
	samples int
	counts  map[string]int
}

// sampleWaits samples pg_stat_activity for datname every interval until stop is called.
func sampleWaits(ctx context.Context, pool *pgxpool.Pool, datname string, interval time.Duration) (stop func() waitProfile) {
	p := waitProfile{counts: map[string]int{}}
	halt := every(ctx, interval, func(ctx context.Context) {
		rows, err := pool.Query(ctx, `
			SELECT CASE WHEN state = 'idle in transaction' THEN 'idle in transaction'
			            WHEN wait_event IS NULL THEN 'running'
			            ELSE wait_event_type || ':' || wait_event END, count(*)
			FROM pg_stat_activity
			WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid()
			  AND state IN ('active', 'idle in transaction')
			GROUP BY 1`, datname)
		if err != nil {
			return
		}
		for rows.Next() {
			var what string
			var n int
			if rows.Scan(&what, &n) == nil {
				p.counts[what] += n
			}
		}
		rows.Close()
		p.samples++
	})
	return func() waitProfile {
		halt()
		return p
	}
}

// every runs fn every interval, in a goroutine, until the returned stop is
// called; stop returns once fn has finished for the last time.
func every(ctx context.Context, interval time.Duration, fn func(context.Context)) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			fn(ctx)
		}
	}()
	return func() {
		cancel()
		wg.Wait()
	}
}

// String gives the average number of busy backends and the three commonest states.
func (p waitProfile) String() string {
	if p.samples == 0 {
		return "no samples"
	}
	total := 0
	type entry struct {
		what string
		n    int
	}
	var es []entry
	for w, n := range p.counts {
		es = append(es, entry{w, n})
		total += n
	}
	if total == 0 {
		return "no busy backends"
	}
	sort.Slice(es, func(i, j int) bool { return es[i].n > es[j].n || (es[i].n == es[j].n && es[i].what < es[j].what) })
	parts := []string{fmt.Sprintf("%.1f busy backends:", float64(total)/float64(p.samples))}
	for i, e := range es {
		if i == 3 {
			break
		}
		sep := ","
		if i == min(len(es), 3)-1 {
			sep = ""
		}
		parts = append(parts, fmt.Sprintf("%s %.0f%%%s", e.what, 100*float64(e.n)/float64(total), sep))
	}
	return strings.Join(parts, " ")
}

// backlog is the worker's unfinished work: outbox rows not yet published to
// JetStream, and cases whose submitted event the intake consumer has not handled.
type backlog struct {
	Cases, Unpublished, Unreceived int64
}

func readBacklog(ctx context.Context, pool *pgxpool.Pool) (backlog, error) {
	var b backlog
	err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM cases),
		(SELECT count(*) FROM outbox WHERE published_at IS NULL),
		(SELECT count(*) FROM cases WHERE received_at IS NULL)`).Scan(&b.Cases, &b.Unpublished, &b.Unreceived)
	return b, err
}

// drain is how long the worker took, after load stopped, to publish every
// outbox row and to handle every submitted event.
type drain struct {
	Published, Received time.Duration // -1 if not reached within the limit
	Left                backlog
}

func (d drain) String() string {
	if d.Published < 0 || d.Received < 0 {
		return fmt.Sprintf("not within limit: %d unpublished, %d not received", d.Left.Unpublished, d.Left.Unreceived)
	}
	return fmt.Sprintf("%s / %s", round(d.Published), round(d.Received))
}

// waitDrained polls the backlog until it is empty or limit passes.
func waitDrained(ctx context.Context, pool *pgxpool.Pool, limit time.Duration) (drain, error) {
	start := time.Now()
	d := drain{Published: -1, Received: -1}
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		b, err := readBacklog(ctx, pool)
		if err != nil {
			if ctx.Err() != nil {
				return d, nil
			}
			return d, err
		}
		d.Left = b
		if b.Unpublished == 0 && d.Published < 0 {
			d.Published = time.Since(start)
		}
		if b.Unreceived == 0 && d.Received < 0 {
			d.Received = time.Since(start)
		}
		if d.Published >= 0 && d.Received >= 0 {
			return d, nil
		}
		select {
		case <-ctx.Done():
			return d, nil
		case <-tick.C:
		}
	}
}

func round(d time.Duration) time.Duration {
	switch {
	case d >= 10*time.Second:
		return d.Round(time.Second)
	case d >= time.Second:
		return d.Round(100 * time.Millisecond)
	case d >= 10*time.Millisecond:
		return d.Round(time.Millisecond)
	default:
		return d.Round(10 * time.Microsecond)
	}
}

// markdownTable writes rows as a Markdown table with aligned columns.
func markdownTable(header []string, rows [][]string) string {
	widths := make([]int, len(header))
	for _, r := range append([][]string{header}, rows...) {
		for i, c := range r {
			widths[i] = max(widths[i], len([]rune(c)))
		}
	}
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for i, c := range cells {
			fmt.Fprintf(&b, " %s%s |", c, strings.Repeat(" ", widths[i]-len([]rune(c))))
		}
		b.WriteString("\n")
	}
	line(header)
	sep := make([]string, len(header))
	for i := range sep {
		sep[i] = strings.Repeat("-", widths[i])
	}
	line(sep)
	for _, r := range rows {
		line(r)
	}
	return b.String()
}

// memoryPeak is the largest memory of one database's busy client backends
// seen while sampling: private memory (RssAnon: the backend's own heap,
// hash tables and sorts among them) and resident memory (VmRSS, which also
// counts the pages of shared_buffers the backend has touched).
type memoryPeak struct {
	Samples        int   // samples that found a busy backend
	Anon, Resident int64 // bytes
}

func (m memoryPeak) String() string {
	if m.Samples == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f MB / %.0f MB", float64(m.Anon)/1e6, float64(m.Resident)/1e6)
}

// sampleMemory reads /proc/<pid>/status (Linux) of datname's active client
// backends every interval until stop is called.
func sampleMemory(ctx context.Context, pool *pgxpool.Pool, datname string, interval time.Duration) (stop func() memoryPeak) {
	var m memoryPeak
	halt := every(ctx, interval, func(ctx context.Context) {
		rows, err := pool.Query(ctx, `SELECT pid FROM pg_stat_activity
			WHERE datname = $1 AND backend_type = 'client backend' AND pid <> pg_backend_pid() AND state = 'active'`, datname)
		if err != nil {
			return
		}
		var pids []int
		for rows.Next() {
			var pid int
			if rows.Scan(&pid) == nil {
				pids = append(pids, pid)
			}
		}
		rows.Close()
		seen := false
		for _, pid := range pids {
			if anon, rss, ok := procMemory(pid); ok {
				seen = true
				m.Anon, m.Resident = max(m.Anon, anon), max(m.Resident, rss)
			}
		}
		if seen {
			m.Samples++
		}
	})
	return func() memoryPeak {
		halt()
		return m
	}
}

// procMemory reads RssAnon and VmRSS of a process, in bytes.
func procMemory(pid int) (anon, rss int64, ok bool) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0, false
	}
	for _, line := range strings.Split(string(b), "\n") {
		k, v, found := strings.Cut(line, ":")
		if !found {
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			continue
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "RssAnon":
			anon, ok = n*1024, true
		case "VmRSS":
			rss = n * 1024
		}
	}
	return anon, rss, ok
}
