package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/redresshq/redress/internal/stats"
)

// statsBudget bounds each series of calls: once it is spent, the series
// stops after at least statsMinCalls measured calls.
const (
	statsBudget   = 30 * time.Second
	statsMinCalls = 3
	statsWarm     = 200 // calls answered from the public statistics' cache
)

// statsResult is what the statistics measurement found.
type statsResult struct {
	Data     *statsData
	Accounts accounts
	Select   pgbenchResult // pgbench -S, 1 client: one primary-key SELECT
	Scan     pgbenchResult // scanScript, 1 client: one whole-table aggregate of pgbench_accounts
	Series   []statsSeries
	Explains []statsExplain
	Checks   []string
}

// statsSeries is one request asked again and again, one at a time.
type statsSeries struct {
	Name   string
	Path   string
	Scope  int64         // cases the answer covers, counted in SQL
	First  time.Duration // the first call, not among Calls
	Calls  dist          // the calls after it
	CPU    cpuUse
	Waits  waitProfile
	Memory memoryPeak
}

// statsExplain is what auto_explain showed for one computation's statements.
type statsExplain struct {
	Name  string
	Total time.Duration // the computation, with EXPLAIN ANALYZE's instrumentation
	Stmts []stmtPlan
}

// seqScanShown is the fewest rows a sequential scan must read to be listed:
// reading ai_systems or systemic_issues whole is nothing.
const seqScanShown = 1000

// stmtPlan is one statement's plan, from auto_explain.
type stmtPlan struct {
	Label       string
	Took        time.Duration
	Hit, Read   int64         // shared buffers
	TempWritten int64         // blocks spilled to temporary files
	JIT         time.Duration // compiling the statement's expressions (jit, on by default, for costly plans)
	SeqScans    []string      // tables read whole, with seqScanShown rows or more
	Text        string        // the plan without the query text and costs
}

// stats builds the data set in the application's database, then asks the
// API for one AI system's figures and for the public statistics.
func (b *bench) stats(ctx context.Context) (*statsResult, error) {
	r := &statsResult{}
	n := b.o.statsCases
	b.progress("stats: building %d cases with their classifications, decisions, clocks, remedies and ratings", n)
	cfg, err := pgxpool.ParseConfig(b.s.pg.URL(appDB))
	if err != nil {
		return r, err
	}
	cfg.MaxConns = int32(max(2, runtime.NumCPU()))
	cfg.ConnConfig.RuntimeParams["application_name"] = "redress-bench-stats-load"
	// JIT would compile each loading statement's expressions anew, for
	// every part: seconds of CPU for nothing.
	cfg.ConnConfig.RuntimeParams["jit"] = "off"
	load, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return r, err
	}
	d, err := buildStatsData(ctx, load, n, b.progress)
	load.Close()
	r.Data = d
	if err != nil {
		return r, fmt.Errorf("data set: %w", err)
	}
	b.progress("stats: data set built in %s", round(d.Build))

	// pgbench on the same server: pgbench_accounts with as many rows as
	// there are cases (at least pgbench's smallest scale).
	scale := max(1, n/100_000)
	b.progress("stats: pgbench -i -s %d, then select-only and a whole-table aggregate, 1 client, 5 s each", scale)
	acc, scan, err := b.pgbench.initAccounts(ctx, scale)
	r.Accounts = acc
	if err != nil {
		return r, err
	}
	if err := checkpoint(ctx, b.mon); err != nil {
		return r, err
	}
	if r.Select, err = b.pgbench.runScript(ctx, 1, 5, "-S"); err != nil {
		return r, err
	}
	if r.Scan, err = b.pgbench.runScript(ctx, 1, 5, "-f", scan); err != nil {
		return r, err
	}
	if err := checkpoint(ctx, b.mon); err != nil {
		return r, err
	}

	client := localClient(10 * time.Minute)
	token, err := signIn(ctx, client, b.s.baseURL, "supervisor@example.org", b.s.demoPassword)
	if err != nil {
		return r, err
	}
	month := time.Now().UTC().AddDate(0, -1, 0).Truncate(time.Second)
	for _, q := range []struct {
		name string
		sys  int
		from *time.Time
	}{
		{"small system, all time", 1, nil},
		{"small system, last month", 1, &month},
		{"big system, all time", 0, nil},
		{"big system, last month", 0, &month},
	} {
		id := d.Systems[q.sys]
		path := "/api/v1/stats/ai-systems/" + id.String()
		count := `SELECT count(*) FROM cases WHERE ai_system_id = $1`
		args := []any{id}
		if q.from != nil {
			path += "?from=" + url.QueryEscape(q.from.Format(time.RFC3339))
			count += ` AND submitted_at >= $2`
			args = append(args, *q.from)
		}
		var scope int64
		if err := b.mon.QueryRow(ctx, count, args...).Scan(&scope); err != nil {
			return r, err
		}
		s, err := b.statsSeries(ctx, client, token, q.name, path, scope, b.o.statsCalls, nil, func(body []byte) error {
			var a struct {
				Cases struct {
					Total int64 `json:"total"`
				} `json:"cases"`
			}
			if err := json.Unmarshal(body, &a); err != nil {
				return err
			}
			if a.Cases.Total != scope {
				return fmt.Errorf("cases.total is %d, the database holds %d", a.Cases.Total, scope)
			}
			return nil
		})
		r.Series = append(r.Series, s)
		if err != nil {
			return r, fmt.Errorf("%s: %w", q.name, err)
		}
	}
	r.Checks = append(r.Checks, "each answer's cases.total equals the cases counted in SQL for its system and range")

	var all int64
	if err := b.mon.QueryRow(ctx, `SELECT count(*) FROM cases`).Scan(&all); err != nil {
		return r, err
	}
	checkPublic := func(body []byte) error {
		var p struct {
			All struct {
				Cases struct {
					Total struct {
						Value *int64 `json:"value"`
					} `json:"total"`
				} `json:"cases"`
			} `json:"all"`
		}
		if err := json.Unmarshal(body, &p); err != nil {
			return err
		}
		if p.All.Cases.Total.Value == nil || *p.All.Cases.Total.Value != all {
			return fmt.Errorf("all.cases.total is %v, the database holds %d", p.All.Cases.Total.Value, all)
		}
		return nil
	}
	// Cold: SetPublicCacheTTL drops the cached answer (and keeps the
	// production period), so the next request computes it.
	svc := b.s.core.Stats
	s, err := b.statsSeries(ctx, client, token, "public, computed (cold)", "/api/v1/stats/public", all, b.o.statsCalls,
		func() { svc.SetPublicCacheTTL(stats.PublicTTL) }, checkPublic)
	r.Series = append(r.Series, s)
	if err != nil {
		return r, fmt.Errorf("public statistics: %w", err)
	}
	s, err = b.statsSeries(ctx, client, token, "public, cached (warm)", "/api/v1/stats/public", all, statsWarm, nil, checkPublic)
	r.Series = append(r.Series, s)
	if err != nil {
		return r, fmt.Errorf("public statistics: %w", err)
	}
	r.Checks = append(r.Checks, "each public answer's all.cases.total equals the cases in the database")

	// Where the time goes: each computation once more on a connection of its
	// own with auto_explain, outside the API.
	for _, e := range []struct {
		name string
		fn   func(*stats.Service) error
	}{
		{"small system, all time", func(s *stats.Service) error {
			_, err := s.AISystem(ctx, d.Systems[1], stats.Range{})
			return err
		}},
		{"big system, all time", func(s *stats.Service) error {
			_, err := s.AISystem(ctx, d.Systems[0], stats.Range{})
			return err
		}},
		{"public", func(s *stats.Service) error { _, err := s.Public(ctx); return err }},
	} {
		b.progress("stats: %s once more under auto_explain", e.name)
		x, err := explainStats(ctx, b.s.pg.URL(appDB), e.name, e.fn)
		r.Explains = append(r.Explains, x)
		if err != nil {
			return r, fmt.Errorf("explain %s: %w", e.name, err)
		}
	}
	return r, nil
}

// statsSeries calls path once, then up to calls more times (fewer once
// statsBudget is spent, but at least statsMinCalls), each answer checked.
// before, if set, runs before each call.
func (b *bench) statsSeries(ctx context.Context, client *http.Client, token, name, path string, scope int64, calls int,
	before func(), check func([]byte) error) (s statsSeries, err error) {
	s = statsSeries{Name: name, Path: path, Scope: scope}
	b.progress("stats: %s (%d cases): GET %s", name, scope, path)
	meter := startCPU()
	stopWaits := sampleWaits(ctx, b.mon, appDB, 100*time.Millisecond)
	stopMemory := sampleMemory(ctx, b.mon, appDB, 100*time.Millisecond)
	defer func() { s.Waits, s.Memory, s.CPU = stopWaits(), stopMemory(), meter.stop() }()
	call := func() (time.Duration, error) {
		if before != nil {
			before()
		}
		start := time.Now()
		code, body, err := get(ctx, client, b.s.baseURL+path, token)
		took := time.Since(start)
		if err != nil {
			return took, err
		}
		if code != http.StatusOK {
			return took, fmt.Errorf("GET %s: %d %s", path, code, clip(string(body), 300))
		}
		return took, check(body)
	}
	if s.First, err = call(); err != nil {
		return s, err
	}
	var took []time.Duration
	start := time.Now()
	for len(took) < calls && (len(took) < statsMinCalls || time.Since(start) < statsBudget) {
		d, err := call()
		if err != nil {
			return s, err
		}
		took = append(took, d)
	}
	s.Calls = distOf(took)
	b.progress("stats: %s: first %s, then p50 %s over %d calls", name, round(s.First), round(s.Calls.P50), s.Calls.N)
	return s, nil
}

// get sends a GET with a bearer token and reads the answer (up to 16 MiB).
func get(ctx context.Context, client *http.Client, url, token string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	return resp.StatusCode, out, err
}

// Labels of the statements each computation runs, in order: the lookup of
// the system (or now()) and then the queries of internal/stats (system.go's
// systemQueries, public.go's publicQueries). Should the package change them,
// the report numbers the statements instead.
var (
	systemLabels = []string{"ai_systems row", "cases", "rights", "decisions", "time_to_decision", "sla", "remedies", "feedback"}
	publicLabels = []string{"now()", "systems", "cases", "decisions", "remedies", "time_to_decision", "sla", "feedback"}
)

var (
	durationLine = regexp.MustCompile(`^duration: ([0-9.]+) ms`)
	costPart     = regexp.MustCompile(`  \(cost=[^)]*\)`)
	planStart    = regexp.MustCompile(`\(actual time=|\(never executed\)`)
	seqScanLine  = regexp.MustCompile(`(?:Parallel )?Seq Scan on (\S+).*actual time=\S+ rows=(\d+) loops=(\d+)`)
	removedLine  = regexp.MustCompile(`Rows Removed by Filter: (\d+)`)
	hitPart      = regexp.MustCompile(`shared hit=(\d+)`)
	readPart     = regexp.MustCompile(`shared(?: hit=\d+)? read=(\d+)`)
	tempPart     = regexp.MustCompile(`temp(?: read=\d+)? written=(\d+)`)
	jitLine      = regexp.MustCompile(`Timing: Generation .*Total ([0-9.]+) ms`)
)

// explainStats runs fn with a statistics service of its own on one
// connection where auto_explain logs every statement's plan with ANALYZE
// and BUFFERS as a notice, and returns the plans.
func explainStats(ctx context.Context, dbURL, name string, fn func(*stats.Service) error) (statsExplain, error) {
	x := statsExplain{Name: name}
	plans, err := explainOn(ctx, dbURL, "redress-bench-explain", func(gdb *gorm.DB) error {
		start := time.Now()
		err := fn(stats.New(gdb))
		x.Total = time.Since(start)
		return err
	})
	if err != nil {
		return x, err
	}
	labels := systemLabels
	if strings.HasPrefix(name, "public") {
		labels = publicLabels
	}
	for i, n := range plans {
		p := parsePlan(n)
		p.Label = fmt.Sprintf("statement %d", i+1)
		if len(plans) == len(labels) {
			p.Label = labels[i]
		}
		x.Stmts = append(x.Stmts, p)
	}
	return x, nil
}

// explainOn runs fn with a GORM handle on one connection of dbURL (named
// app) where auto_explain logs every statement's plan with ANALYZE and
// BUFFERS as a notice, and returns the plans logged, in order.
func explainOn(ctx context.Context, dbURL, app string, fn func(*gorm.DB) error) ([]string, error) {
	cfg, err := pgx.ParseConfig(dbURL)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var plans []string
	cfg.OnNotice = func(_ *pgconn.PgConn, n *pgconn.Notice) {
		mu.Lock()
		defer mu.Unlock()
		if durationLine.MatchString(n.Message) {
			plans = append(plans, n.Message)
		}
	}
	cfg.RuntimeParams["application_name"] = app
	sqlDB := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(ctx context.Context, c *pgx.Conn) error {
		_, err := c.Exec(ctx, autoExplain)
		return err
	}))
	defer sqlDB.Close()
	sqlDB.SetMaxOpenConns(1)
	gdb, err := gorm.Open(postgres.New(postgres.Config{Conn: sqlDB}), &gorm.Config{SkipDefaultTransaction: true,
		Logger: logger.Discard, TranslateError: true})
	if err != nil {
		return nil, err
	}
	if err := fn(gdb.WithContext(ctx)); err != nil {
		return nil, err
	}
	mu.Lock()
	defer mu.Unlock()
	return plans, nil
}

// parsePlan reads one auto_explain notice: "duration: … ms  plan:", the
// query text, then the plan in EXPLAIN's text format.
func parsePlan(notice string) stmtPlan {
	var p stmtPlan
	if m := durationLine.FindStringSubmatch(notice); m != nil {
		ms, _ := strconv.ParseFloat(m[1], 64)
		p.Took = time.Duration(ms * float64(time.Millisecond))
	}
	lines := strings.Split(notice, "\n")
	first := len(lines)
	for i, l := range lines {
		if i > 0 && planStart.MatchString(l) {
			first = i
			break
		}
	}
	var plan []string
	buffersSeen := false
	for i := first; i < len(lines); i++ {
		l := costPart.ReplaceAllString(lines[i], "")
		plan = append(plan, l)
		if strings.Contains(l, "Buffers:") && !buffersSeen { // the top node's: the whole statement's
			buffersSeen = true
			if m := hitPart.FindStringSubmatch(l); m != nil {
				p.Hit, _ = strconv.ParseInt(m[1], 10, 64)
			}
			if m := readPart.FindStringSubmatch(l); m != nil {
				p.Read, _ = strconv.ParseInt(m[1], 10, 64)
			}
			if m := tempPart.FindStringSubmatch(l); m != nil {
				p.TempWritten, _ = strconv.ParseInt(m[1], 10, 64)
			}
		}
		if m := jitLine.FindStringSubmatch(l); m != nil {
			ms, _ := strconv.ParseFloat(m[1], 64)
			p.JIT = time.Duration(ms * float64(time.Millisecond))
		}
		if m := seqScanLine.FindStringSubmatch(l); m != nil {
			rows, _ := strconv.ParseInt(m[2], 10, 64)
			loops, _ := strconv.ParseInt(m[3], 10, 64)
			// The node's own detail lines follow, more indented, up to the next node.
			indent := len(l) - len(strings.TrimLeft(l, " "))
			for j := i + 1; j < len(lines); j++ {
				lj := lines[j]
				if strings.Contains(lj, "->") || len(lj)-len(strings.TrimLeft(lj, " ")) <= indent {
					break
				}
				if mm := removedLine.FindStringSubmatch(lj); mm != nil {
					removed, _ := strconv.ParseInt(mm[1], 10, 64)
					rows += removed
				}
			}
			if rows*max(loops, 1) >= seqScanShown {
				p.SeqScans = append(p.SeqScans, fmt.Sprintf("%s (%d rows read)", m[1], rows*max(loops, 1)))
			}
		}
	}
	p.Text = strings.TrimRight(strings.Join(plan, "\n"), "\n ")
	return p
}
