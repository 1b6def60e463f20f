package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"github.com/redresshq/redress/internal/auth"
)

// The signin measurement: signinClients sign-ins at once with random
// addresses for signinDuration, each from a fresh loopback source (a
// botnet, the worst case: no source is ever throttled, so every attempt
// costs an argon2id check at the production cost), while one client files
// a case every 100 ms. It reports the process's memory (VmRSS sampled,
// VmHWM) and the filings' latency.
const (
	signinClients  = 32
	signinDuration = 30 * time.Second
	signinFileGap  = 100 * time.Millisecond
	signinQuiet    = 10 * time.Second
)

type signinResult struct {
	Clients    int
	Uncapped   bool
	Duration   time.Duration
	Attempts   map[int]int // answers by status; 0 is a transport error
	HashCap    int
	HashPeak   int
	Refused    int64
	MemLimit   int64         // GOMEMLIMIT in force (0: none)
	RSSBefore  uint64        // VmRSS before the load, bytes
	RSSPeak    uint64        // highest VmRSS sampled during the load
	HWM        uint64        // VmHWM at the end (the whole run's peak)
	Drain      time.Duration // hashing still running after the clients stopped
	Filings    int
	FilingErrs map[int]int
	P50, P99   time.Duration
	// QuietP50, QuietP99: filings alone, before the sign-ins start.
	QuietP50, QuietP99 time.Duration
	Max                time.Duration
}

// procStatus reads a kB field of /proc/self/status, in bytes.
func procStatus(field string) uint64 { return procStatusOf(0, field) }

// sourceClient dials from a random 127.x.y.z: every attempt its own source.
func sourceClient() *http.Client {
	ip := net.IPv4(127, byte(1+rand.IntN(254)), byte(rand.IntN(256)), byte(1+rand.IntN(254)))
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: ip}, Timeout: 10 * time.Second}
	return &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{Proxy: nil, DialContext: d.DialContext,
		DisableKeepAlives: true}}
}

func (b *bench) signin(ctx context.Context) (*signinResult, error) {
	lim := b.s.core.Users.HashLimiter()
	if b.o.signinUncapped {
		lim = auth.NewHashLimiter(1<<20, time.Hour)
		b.s.core.Users.SetHashLimiter(lim)
	}
	res := &signinResult{Clients: signinClients, Uncapped: b.o.signinUncapped, Duration: signinDuration, Attempts: map[int]int{},
		FilingErrs: map[int]int{}, HashCap: lim.Cap(), RSSBefore: procStatus("VmRSS")}
	if l := debug.SetMemoryLimit(-1); l < 1<<62 {
		res.MemLimit = l
	}
	runtime.GC()
	b.progress("signin: first %s of filings alone, every %s, for the machine's own latency", signinQuiet, signinFileGap)
	qctx, qcancel := context.WithTimeout(ctx, signinQuiet)
	quiet, err := b.fileEvery(qctx, ctx, res.FilingErrs)
	qcancel()
	if err != nil {
		return res, err
	}
	res.QuietP50, res.QuietP99 = percentiles(quiet)
	b.progress("signin: %d sign-ins at once with random addresses from random sources for %s, one filing every %s; hash cap %d",
		signinClients, signinDuration, signinFileGap, lim.Cap())
	refusedBefore := lim.Refused()
	lctx, cancel := context.WithTimeout(ctx, signinDuration)
	defer cancel()

	var peak atomic.Uint64
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if r := procStatus("VmRSS"); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-lctx.Done():
				return
			case <-t.C:
			}
		}
	}()

	var mu sync.Mutex
	var wg sync.WaitGroup
	url := b.s.baseURL + "/api/v1/auth/token"
	for range signinClients {
		wg.Go(func() {
			for lctx.Err() == nil {
				body, _ := json.Marshal(map[string]string{
					"email":    fmt.Sprintf("x%016x@bench.invalid", rand.Uint64()),
					"password": fmt.Sprintf("guess %016x", rand.Uint64()),
				})
				req, _ := http.NewRequestWithContext(lctx, http.MethodPost, url, bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				c := sourceClient()
				status := 0
				if resp, err := c.Do(req); err == nil {
					_, _ = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					status = resp.StatusCode
				} else if lctx.Err() != nil {
					return // the run ended mid-request
				}
				mu.Lock()
				res.Attempts[status]++
				mu.Unlock()
			}
		})
	}

	lat, err := b.fileEvery(lctx, ctx, res.FilingErrs)
	if err != nil {
		return res, err
	}
	stopped := time.Now()
	wg.Wait()
	<-sampled
	// How long hashing goes on once the clients have gone.
	for lim.Running() > 0 && time.Since(stopped) < 5*time.Minute {
		time.Sleep(10 * time.Millisecond)
	}
	res.Drain = time.Since(stopped)
	res.RSSPeak, res.HWM = peak.Load(), procStatus("VmHWM")
	res.HashPeak, res.Refused = lim.Peak(), lim.Refused()-refusedBefore
	res.Filings = len(lat)
	res.P50, res.P99 = percentiles(lat)
	if n := len(lat); n > 0 {
		res.Max = lat[n-1]
	}
	if err := ctx.Err(); err != nil {
		return res, err
	}
	_, err = waitDrained(ctx, b.mon, drainLimit)
	return res, err
}

// percentiles sorts lat and returns its p50 and p99.
func percentiles(lat []time.Duration) (p50, p99 time.Duration) {
	slices.Sort(lat)
	n := len(lat)
	if n == 0 {
		return 0, 0
	}
	return lat[n*50/100], lat[min(n-1, n*99/100)]
}

// fileEvery files a case every signinFileGap until until ends (each
// request bounded by ctx) and returns the latencies; answers other than
// 201 are counted in errs.
func (b *bench) fileEvery(until, ctx context.Context, errs map[int]int) ([]time.Duration, error) {
	var lat []time.Duration
	tick := time.NewTicker(signinFileGap)
	defer tick.Stop()
	for until.Err() == nil {
		select {
		case <-until.Done():
		case <-tick.C:
			var t vegeta.Target
			if err := b.targeter(&t); err != nil {
				return lat, err
			}
			start := time.Now()
			status := 0
			req, _ := http.NewRequestWithContext(ctx, t.Method, t.URL, bytes.NewReader(t.Body))
			req.Header = t.Header
			resp, err := b.s.client.Do(req)
			if err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				status = resp.StatusCode
			}
			lat = append(lat, time.Since(start))
			if status == http.StatusCreated {
				b.created++
			} else {
				errs[status]++
			}
		}
	}
	return lat, nil
}

func mib(b uint64) string { return fmt.Sprintf("%.0f MiB", float64(b)/(1<<20)) }

func reportSignin(w io.Writer, r *signinResult) {
	fmt.Fprintf(w, "\n### Sign-in under attack: %d sign-ins at once with random addresses, one filing every %s\n\n",
		r.Clients, signinFileGap)
	fmt.Fprintf(w, "%s of POST /api/v1/auth/token with random emails and passwords, each attempt from its own random "+
		"127.x.y.z source (so the per-source throttle never stops one: every attempt costs an argon2id check at the "+
		"production cost, 64 MiB), while one client files a complaint every %s.\n\n", r.Duration, signinFileGap)
	codes := make([]int, 0, len(r.Attempts))
	total := 0
	for c, n := range r.Attempts {
		codes = append(codes, c)
		total += n
	}
	slices.Sort(codes)
	var parts []string
	for _, c := range codes {
		parts = append(parts, fmt.Sprintf("%d×%d", c, r.Attempts[c]))
	}
	limit := "none"
	if r.MemLimit > 0 {
		limit = mib(uint64(r.MemLimit))
	}
	rows := [][]string{
		{"sign-in attempts (by status)", fmt.Sprintf("%d (%s)", total, strings.Join(parts, ", "))},
		{"hash cap / most at once / refused after the 2 s wait", fmt.Sprintf("%d / %d / %d", r.HashCap, r.HashPeak, r.Refused)},
		{"GOMEMLIMIT", limit},
		{"process RSS before", mib(r.RSSBefore)},
		{"process RSS peak during the load (VmRSS every 50 ms)", mib(r.RSSPeak)},
		{"process VmHWM at the end (whole run)", mib(r.HWM)},
		{"hashing still running after the clients stopped", round(r.Drain).String()},
		{"filings", fmt.Sprintf("%d (other than 201: %v)", r.Filings, r.FilingErrs)},
		{"filing p50 / p99 alone, before the sign-ins (the machine's own)", fmt.Sprintf("%s / %s", round(r.QuietP50), round(r.QuietP99))},
		{"filing p50 / p99 / max under the sign-ins", fmt.Sprintf("%s / %s / %s", round(r.P50), round(r.P99), round(r.Max))},
	}
	if r.Uncapped {
		rows[1][0] = "hash cap LIFTED (-signin-uncapped) / most at once / refused"
	}
	fmt.Fprint(w, markdownTable([]string{"what", "figure"}, rows))
	fmt.Fprintf(w, "\nTarget: RSS under 300 MB and a filing under 200 ms at p99.\n")
}
