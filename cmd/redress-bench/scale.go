package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/nats-io/nats.go/jetstream"
	vegeta "github.com/tsenart/vegeta/v12/lib"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/app"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/demo"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/logx"
	"github.com/redresshq/redress/internal/platform/natsx"
	"github.com/redresshq/redress/internal/platform/paging"
)

// scaleDB is the reads-at-scale measurement's database on the same server:
// its millions of cases meet no other measurement (as sweepDB).
const scaleDB = "redress_scale"

// Reads at scale: a second Redress core on scaleDB, with its own HTTP API
// and embedded NATS (no worker: nothing is filed), answers the supervisor's
// case list and case view and the complainant's case view.
const (
	scaleChunk      = 250_000 // cases a loading statement inserts
	scaleStaff      = 50      // staff the cases are assigned to (the demo's four and 46 more)
	scaleSample     = 1000    // cases opened by staff (sealed for real), and as many by their complainants
	scaleDeepPage   = 51      // the deep page of each list, reached through the cursors
	scaleRate       = 200     // complainant reads a second
	scaleRateWarm   = 3 * time.Second
	scalePlanRepeat = 7 // list calls per plan on one connection: the last runs the plan a warm pool keeps
)

// scaleSeries is one request asked again and again, one at a time.
type scaleSeries struct {
	Name  string
	Path  string
	Page  int // 1, or the deep page reached
	Items int // on the page, as checked before the calls
	Calls dist
}

// scalePlan is the list statement's plan for one filter and page.
type scalePlan struct {
	Name, Page     string
	First, Settled stmtPlan // the first call's plan, and the one after scalePlanRepeat calls
	Keyset         bool     // both read an index in the list's order, with no sort of cases
}

type scaleResult struct {
	Cases    int
	Steps    []buildStep
	Build    time.Duration
	Rows     map[string]int64
	Bytes    map[string]int64
	Open     int64 // open cases
	Accounts accounts
	Select   pgbenchResult // pgbench -S, 1 client
	Series   []scaleSeries
	Views    dist // GET /api/v1/cases/{id}, random sealed cases, one at a time
	Comp     readsRun
	CompP95  time.Duration
	CompMax  time.Duration
	Plans    []scalePlan
	Checks   []string
	LoadAvg  []string // at the start of the calls, and at the end
}

// scaleFilter is a list filter as the staff ask for it.
type scaleFilter struct {
	Name  string
	Query url.Values
}

func (b *bench) scale(ctx context.Context) (*scaleResult, error) {
	r := &scaleResult{Cases: b.o.scaleCases, Rows: map[string]int64{}, Bytes: map[string]int64{}}
	if err := b.s.pg.CreateDatabase(ctx, scaleDB, ""); err != nil {
		return r, err
	}
	dir, err := os.MkdirTemp("", "redress-bench-scale-*")
	if err != nil {
		return r, err
	}
	defer os.RemoveAll(dir)
	ns, err := natsx.StartEmbedded("127.0.0.1", -1, filepath.Join(dir, "nats"))
	if err != nil {
		return r, err
	}
	defer ns.Shutdown()
	cfg, _, err := benchConfig(b.s.pg.URL(scaleDB), ns.URL())
	if err != nil {
		return r, err
	}
	core, err := app.NewCore(ctx, cfg, logx.New(io.Discard, "json", "warn"))
	if err != nil {
		return r, err
	}
	defer core.Close()
	if err := db.Migrate(ctx, core.DB, io.Discard); err != nil {
		return r, err
	}
	if err := demo.Seed(ctx, core.DB, core.Registry, core.Users, core.Escalation, b.s.demoPassword); err != nil {
		return r, err
	}

	pcfg, err := pgxpool.ParseConfig(b.s.pg.URL(scaleDB))
	if err != nil {
		return r, err
	}
	pcfg.MaxConns = int32(max(2, runtime.NumCPU()))
	pcfg.ConnConfig.RuntimeParams["application_name"] = "redress-bench-scale"
	pcfg.ConnConfig.RuntimeParams["jit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return r, err
	}
	defer pool.Close()
	if err := b.scaleLoad(ctx, pool, r); err != nil {
		return r, fmt.Errorf("load: %w", err)
	}
	sampled, complainants, err := b.scaleSample(ctx, pool, core)
	if err != nil {
		return r, fmt.Errorf("sample: %w", err)
	}

	// pgbench on the same server: select-only at scale 10 (1,000,000 accounts).
	b.progress("scale: pgbench -i -s 10, then select-only, 1 client, 5 s")
	if r.Accounts, _, err = b.pgbench.initAccounts(ctx, 10); err != nil {
		return r, err
	}
	if err := checkpoint(ctx, pool); err != nil {
		return r, err
	}
	if r.Select, err = b.pgbench.runScript(ctx, 1, 5, "-S"); err != nil {
		return r, err
	}

	nc, err := natsx.Connect(ns.URL(), "redress-bench-scale", "", core.Log)
	if err != nil {
		return r, err
	}
	defer nc.Close()
	js, err := jetstream.New(nc)
	if err != nil {
		return r, err
	}
	api, err := core.HTTP(nc, js)
	if err != nil {
		return r, err
	}
	srv := &stack{client: localClient(5 * time.Second)}
	if err := srv.serveHTTP(api); err != nil {
		return r, err
	}
	defer srv.close()
	if err := srv.waitReady(ctx, 15*time.Second); err != nil {
		return r, err
	}
	base := srv.baseURL
	client := localClient(time.Minute)
	token, err := signIn(ctx, client, base, "supervisor@example.org", b.s.demoPassword)
	if err != nil {
		return r, err
	}
	var super, assignee, general uuid.UUID
	if err := pool.QueryRow(ctx, `SELECT (SELECT id FROM users WHERE email = 'supervisor@example.org'),
		(SELECT id FROM users WHERE email = 'scale-7@example.org'), (SELECT id FROM queues WHERE slug = 'general')`).
		Scan(&super, &assignee, &general); err != nil {
		return r, err
	}
	r.LoadAvg = append(r.LoadAvg, loadAverage())
	// The complainant's case view, at a fixed rate (open loop), first: the
	// staff series after it read much of the table, which other reads then
	// find out of the cache.
	b.progress("scale: GET /api/v1/complainant/case at %d/s for %s (after %s of warm-up)", scaleRate, b.o.scaleRateFor, scaleRateWarm)
	code, body, err := get(ctx, client, base+"/api/v1/complainant/case", complainants[0])
	if err != nil {
		return r, err
	}
	if code != http.StatusOK || !strings.Contains(string(body), "The system refused my application without a reason") {
		return r, fmt.Errorf("GET /api/v1/complainant/case: %d %s", code, clip(string(body), 300))
	}
	targets := func(t *vegeta.Target) error {
		*t = vegeta.Target{Method: http.MethodGet, URL: base + "/api/v1/complainant/case",
			Header: http.Header{"Authorization": {"Bearer " + complainants[rand.IntN(len(complainants))]}}}
		return nil
	}
	rateAttack(ctx, targets, scaleRateWarm)
	var m vegeta.Metrics
	r.Comp, m = rateAttack(ctx, targets, b.o.scaleRateFor)
	r.CompP95, r.CompMax = m.Latencies.P95, m.Latencies.Max
	if r.Comp.OK != r.Comp.Requests {
		return r, fmt.Errorf("complainant reads: %d of %d answered 200: %v %v", r.Comp.OK, r.Comp.Requests, r.Comp.Statuses, r.Comp.Samples)
	}
	open := "submitted,acknowledged,in_review,awaiting_complainant,pending_approval,appealed"
	mine := open + ",decided,remedy_in_progress,escalated"
	filters := []scaleFilter{
		{"all cases", url.Values{}},
		{"open", url.Values{"status": {open}}},
		{"in review", url.Values{"status": {"in_review"}}},
		{"a queue (general), open", url.Values{"queue_id": {general.String()}, "status": {open}}},
		{"an assignee", url.Values{"assignee_id": {assignee.String()}}},
		{"an assignee, not ended (their own list)", url.Values{"assignee_id": {assignee.String()}, "status": {mine}}},
		{"P0", url.Values{"priority": {"P0"}}},
		{"a queue (general), P1, open", url.Values{"queue_id": {general.String()}, "priority": {"P1"}, "status": {open}}},
		{"an assignee, P0, open", url.Values{"assignee_id": {assignee.String()}, "priority": {"P0"}, "status": {open}}},
	}
	deep := map[string]string{} // the filter's deep page's cursor
	for _, f := range filters {
		q := url.Values{"limit": {"50"}}
		for k, v := range f.Query {
			q[k] = v
		}
		path := "/api/v1/cases?" + q.Encode()
		first, err := b.scaleList(ctx, client, base, token, f.Name, path, 1)
		r.Series = append(r.Series, first)
		if err != nil {
			return r, err
		}
		// The deep page: the cursors followed from the first page.
		page, cursor := 1, ""
		for page < scaleDeepPage {
			p := path
			if cursor != "" {
				p += "&cursor=" + url.QueryEscape(cursor)
			}
			code, body, err := get(ctx, client, base+p, token)
			if err != nil {
				return r, err
			}
			var pg paging.Page[json.RawMessage]
			if code != http.StatusOK || json.Unmarshal(body, &pg) != nil {
				return r, fmt.Errorf("GET %s: %d %s", p, code, clip(string(body), 300))
			}
			if pg.NextCursor == "" {
				break
			}
			cursor = pg.NextCursor
			page++
		}
		if page == 1 {
			continue
		}
		deep[f.Name] = cursor
		s, err := b.scaleList(ctx, client, base, token, f.Name, path+"&cursor="+url.QueryEscape(cursor), page)
		r.Series = append(r.Series, s)
		if err != nil {
			return r, err
		}
	}
	r.Checks = append(r.Checks, "each list page measured held 50 cases (fewer only on the last page), and each case on it matched the filter")

	// The staff case view: random sealed cases, one at a time.
	b.progress("scale: GET /api/v1/cases/{id} of %d random cases, one at a time", b.o.scaleCalls)
	var took []time.Duration
	for i := 0; i < b.o.scaleCalls; i++ {
		id := sampled[rand.IntN(len(sampled))]
		start := time.Now()
		code, body, err := get(ctx, client, base+"/api/v1/cases/"+id.String(), token)
		d := time.Since(start)
		if err != nil {
			return r, err
		}
		var one struct {
			ID          string `json:"id"`
			Description string `json:"description"`
		}
		if code != http.StatusOK || json.Unmarshal(body, &one) != nil || one.ID != id.String() || one.Description == "" {
			return r, fmt.Errorf("GET /api/v1/cases/%s: %d %s", id, code, clip(string(body), 300))
		}
		took = append(took, d)
	}
	r.Views = distOf(took)
	r.Checks = append(r.Checks, "each case view answered its own id with its description opened")

	r.LoadAvg = append(r.LoadAvg, loadAverage())

	// The list statements' plans, as the API runs them.
	b.progress("scale: the list statements' plans")
	viewer := access.Viewer{ID: super, Role: auth.RoleSupervisor}
	for _, f := range filters {
		for _, page := range []string{"first", "deep"} {
			cursor := ""
			if page == "deep" {
				if cursor = deep[f.Name]; cursor == "" {
					continue
				}
			}
			p, err := scaleExplain(ctx, b.s.pg.URL(scaleDB), viewer, f.Query, cursor)
			p.Name, p.Page = f.Name, page
			r.Plans = append(r.Plans, p)
			if err != nil {
				return r, fmt.Errorf("plan of %s, %s page: %w", f.Name, page, err)
			}
		}
	}
	return r, nil
}

// scaleList asks path scaleCalls times, one at a time, after checking its answer.
func (b *bench) scaleList(ctx context.Context, client *http.Client, base, token, name, path string, page int) (scaleSeries, error) {
	s := scaleSeries{Name: name, Path: path, Page: page}
	code, body, err := get(ctx, client, base+path, token)
	if err != nil {
		return s, err
	}
	var pg paging.Page[grievance.Summary]
	if code != http.StatusOK || json.Unmarshal(body, &pg) != nil {
		return s, fmt.Errorf("GET %s: %d %s", path, code, clip(string(body), 300))
	}
	// A full page, but for the last (a small data set).
	if s.Items = len(pg.Items); s.Items != 50 && pg.NextCursor != "" {
		return s, fmt.Errorf("GET %s: %d cases, want 50", path, s.Items)
	}
	q, _ := url.ParseQuery(path[strings.Index(path, "?")+1:])
	for _, c := range pg.Items {
		if st := q.Get("status"); st != "" && !strings.Contains(","+st+",", ","+string(c.Status)+",") ||
			q.Get("priority") != "" && (c.Priority == nil || *c.Priority != q.Get("priority")) ||
			q.Get("queue_id") != "" && (c.QueueID == nil || c.QueueID.String() != q.Get("queue_id")) ||
			q.Get("assignee_id") != "" && (c.AssigneeID == nil || c.AssigneeID.String() != q.Get("assignee_id")) {
			return s, fmt.Errorf("GET %s: case %s does not match the filter", path, c.Reference)
		}
	}
	var took []time.Duration
	for i := 0; i < b.o.scaleCalls; i++ {
		start := time.Now()
		code, _, err := get(ctx, client, base+path, token)
		if err != nil {
			return s, err
		}
		if code != http.StatusOK {
			return s, fmt.Errorf("GET %s: %d", path, code)
		}
		took = append(took, time.Since(start))
	}
	s.Calls = distOf(took)
	b.progress("scale: %s, page %d: p50 %s, p95 %s, p99 %s over %d calls", name, page,
		round(s.Calls.P50), round(s.Calls.P95), round(s.Calls.P99), s.Calls.N)
	return s, nil
}

// rateAttack sends GETs at scaleRate a second for d (open loop: a slow answer
// does not hold back the next request).
func rateAttack(ctx context.Context, tr vegeta.Targeter, d time.Duration) (readsRun, vegeta.Metrics) {
	atk := vegeta.NewAttacker(vegeta.KeepAlive(true), vegeta.Timeout(30*time.Second), vegeta.Proxy(nil),
		vegeta.Redirects(vegeta.NoFollow))
	return countReads(ctx, atk, tr, vegeta.Rate{Freq: scaleRate, Per: time.Second}, d, "scale-complainant")
}

// scaleLoad loads the cases with the secondary indexes dropped, builds them
// again and vacuums.
func (b *bench) scaleLoad(ctx context.Context, pool *pgxpool.Pool, r *scaleResult) error {
	n := r.Cases
	started := time.Now()
	step := func(name string, start time.Time) {
		r.Steps = append(r.Steps, buildStep{name, time.Since(start)})
		b.progress("scale: %s in %s", name, round(time.Since(start)))
	}
	var systems, staff, queues []uuid.UUID
	var policy uuid.UUID
	start := time.Now()
	// The staff: the demo's reviewers, supervisor and admin, and more
	// reviewers who never sign in, each a member of every queue.
	if _, err := pool.Exec(ctx, scaleStaffSQL, scaleStaff-4); err != nil {
		return fmt.Errorf("staff: %w", err)
	}
	if err := pool.QueryRow(ctx, `SELECT
		ARRAY(SELECT s.id FROM unnest($1::text[]) WITH ORDINALITY AS x (slug, n) JOIN ai_systems s ON s.slug = x.slug ORDER BY x.n),
		ARRAY(SELECT id FROM users WHERE role IN ('reviewer', 'supervisor', 'admin') ORDER BY email),
		ARRAY(SELECT q.id FROM unnest($2::text[]) WITH ORDINALITY AS x (slug, n) JOIN queues q ON q.slug = x.slug ORDER BY x.n),
		(SELECT id FROM sla_policies WHERE is_default)`,
		statsSystems, []string{"general", "employment", "credit-and-benefits", "supervisors", "incidents"}).
		Scan(&systems, &staff, &queues, &policy); err != nil {
		return err
	}
	if len(systems) != 5 || len(queues) != 5 || len(staff) != scaleStaff {
		return fmt.Errorf("%d AI systems, %d queues and %d staff found, want 5, 5 and %d", len(systems), len(queues), len(staff), scaleStaff)
	}
	step(fmt.Sprintf("%d staff", len(staff)), start)
	tables := []string{"cases", "case_classifications", "case_clocks"}
	start = time.Now()
	defs, err := dropIndexes(ctx, pool, tables)
	if err != nil {
		return err
	}
	step(fmt.Sprintf("dropping %d secondary indexes", len(defs)), start)
	start = time.Now()
	now := time.Now().UTC().Truncate(time.Second)
	chunks := (n + scaleChunk - 1) / scaleChunk
	var mu sync.Mutex
	done := 0
	loadErr := parallel(ctx, chunks, max(2, runtime.NumCPU()), func(j int) error {
		from, to := 1+j*scaleChunk, min(n, (j+1)*scaleChunk)
		if _, err := pool.Exec(ctx, scaleLoadSQL, from, to, n, now, systems, staff, queues, policy); err != nil {
			return fmt.Errorf("cases %d to %d: %w", from, to, err)
		}
		mu.Lock()
		done += to - from + 1
		b.progress("scale: %d of %d cases loaded", done, n)
		mu.Unlock()
		return nil
	})
	if loadErr == nil {
		step("cases, classifications and clocks", start)
	}
	start = time.Now()
	if err := errors.Join(loadErr, buildIndexes(ctx, pool, defs)); err != nil {
		return err
	}
	step(fmt.Sprintf("building the %d indexes again", len(defs)), start)
	start = time.Now()
	if _, err := pool.Exec(ctx, vacuumAnalyze(tables...)); err != nil {
		return fmt.Errorf("vacuum analyze: %w", err)
	}
	step("VACUUM (ANALYZE)", start)
	r.Build = time.Since(started)
	for _, t := range tables {
		var rows, bytes int64
		if err := pool.QueryRow(ctx, `SELECT count(*), pg_total_relation_size($1::regclass) FROM `+pgxIdent(t), t).
			Scan(&rows, &bytes); err != nil {
			return err
		}
		r.Rows[t], r.Bytes[t] = rows, bytes
	}
	return pool.QueryRow(ctx, `SELECT count(*) FROM cases WHERE status IN ('submitted', 'acknowledged', 'in_review',
		'awaiting_complainant', 'pending_approval', 'escalated', 'appealed')`).Scan(&r.Open)
}

// scaleSample seals a real description for scaleSample random cases (the
// staff open them), and gives as many others a case record of two entries
// and a complainant's token.
func (b *bench) scaleSample(ctx context.Context, pool *pgxpool.Pool, core *app.Core) ([]uuid.UUID, []string, error) {
	b.progress("scale: sealing %d cases' descriptions, and %d complainants' records and tokens", scaleSample, scaleSample)
	pick := func(salt string) ([]uuid.UUID, error) {
		var ids []uuid.UUID
		err := pool.QueryRow(ctx, `SELECT array_agg(md5('redress-bench-scale:' || (1 + (hashint4(k + $3::int)::bigint & 2147483647) % $1::int))::uuid)
			FROM generate_series(1, $2::int) k`, b.o.scaleCases, scaleSample, len(salt)*1_000_003).Scan(&ids)
		return ids, err
	}
	staffIDs, err := pick("staff")
	if err != nil {
		return nil, nil, err
	}
	for _, id := range staffIDs {
		sealed, err := core.Keys.SealString("case.description:"+id.String(), "The system refused my application without a reason: "+id.String())
		if err != nil {
			return nil, nil, err
		}
		if _, err := pool.Exec(ctx, `UPDATE cases SET description_enc = $2 WHERE id = $1`, id, sealed); err != nil {
			return nil, nil, err
		}
	}
	compIDs, err := pick("complainants")
	if err != nil {
		return nil, nil, err
	}
	var tokens []string
	for _, id := range compIDs {
		if err := db.Transact(ctx, core.DB, func(tx *gorm.DB) error {
			var has bool
			if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM audit_entries WHERE case_id = ?)`, id).Scan(&has).Error; err != nil || has {
				return err
			}
			// What the complainant wrote, sealed under the case's own data key
			// as intake seals it (the view opens it; the load's placeholders
			// cannot be opened).
			if err := core.Keystore.Create(tx, id); err != nil {
				return err
			}
			desc, err := core.Keys.SealCaseString(id, "case.description:"+id.String(), "The system refused my application without a reason: "+id.String())
			if err != nil {
				return err
			}
			contact, err := core.Keys.SealCaseString(id, "case.contact:"+id.String(), `{"name":"A complainant","email":"complainant@example.org"}`)
			if err != nil {
				return err
			}
			if err := tx.Exec(`UPDATE cases SET description_enc = ?, contact_enc = CASE WHEN contact_enc IS NULL THEN NULL ELSE ?::bytea END WHERE id = ?`,
				desc, contact, id).Error; err != nil {
				return err
			}
			if _, err := audit.Start(tx, audit.Event{CaseID: id, ActorKind: audit.ActorComplainant, Action: "case.submitted", Public: true}); err != nil {
				return err
			}
			_, err = audit.Append(tx, audit.Event{CaseID: id, ActorKind: audit.ActorSystem, Action: "case.acknowledged", Public: true})
			return err
		}); err != nil {
			return nil, nil, err
		}
		t, _, err := core.Tokens.Issue(auth.AudienceComplainant, id, "", time.Hour)
		if err != nil {
			return nil, nil, err
		}
		tokens = append(tokens, t)
	}
	if _, err := pool.Exec(ctx, vacuumAnalyze("cases", "audit_entries")); err != nil {
		return nil, nil, err
	}
	return staffIDs, tokens, nil
}

var (
	sortOfCases  = regexp.MustCompile(`Sort Key: c\.submitted_at`)
	casesByIndex = regexp.MustCompile(`Index (?:Only )?Scan(?: Backward)? using (cases_\w+) on cases c`)
)

// scaleExplain runs the list as the API does, for viewer with the filter
// query and cursor, scalePlanRepeat times on one connection where
// auto_explain logs the plans with ANALYZE and BUFFERS, and keeps the first
// and the last.
func scaleExplain(ctx context.Context, dbURL string, viewer access.Viewer, query url.Values, cursor string) (scalePlan, error) {
	var p scalePlan
	f := grievance.Filter{Viewer: viewer, Priority: query.Get("priority"), Cursor: cursor, Limit: 50}
	if s := query.Get("status"); s != "" {
		f.Statuses = strings.Split(s, ",")
	}
	for k, dst := range map[string]**uuid.UUID{"queue_id": &f.QueueID, "assignee_id": &f.AssigneeID} {
		if v := query.Get(k); v != "" {
			id := uuid.MustParse(v)
			*dst = &id
		}
	}
	plans, err := explainOn(ctx, dbURL, "redress-bench-scale-explain", func(gdb *gorm.DB) error {
		svc := grievance.NewService(gdb, nil, nil, nil, nil, nil, nil, nil, nil)
		for range scalePlanRepeat {
			if _, err := svc.List(ctx, f); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return p, err
	}
	var notices []string
	for _, n := range plans {
		if strings.Contains(n, "FROM cases c") {
			notices = append(notices, n)
		}
	}
	if len(notices) != scalePlanRepeat {
		return p, fmt.Errorf("%d list plans logged, want %d", len(notices), scalePlanRepeat)
	}
	p.First, p.Settled = parsePlan(notices[0]), parsePlan(notices[len(notices)-1])
	p.Keyset = true
	for _, sp := range []stmtPlan{p.First, p.Settled} {
		if sortOfCases.MatchString(sp.Text) || !casesByIndex.MatchString(sp.Text) || len(sp.SeqScans) > 0 {
			p.Keyset = false
		}
	}
	return p, nil
}

// indexOf names the cases index a plan reads.
func indexOf(sp stmtPlan) string {
	var names []string
	for _, m := range casesByIndex.FindAllStringSubmatch(sp.Text, -1) {
		names = append(names, m[1])
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

func reportScale(w io.Writer, r *scaleResult) {
	fmt.Fprintf(w, "\n### Reads at scale: the staff's case list and case view, and the complainant's, among %s cases\n\n", commas(int64(r.Cases)))
	fmt.Fprintf(w, "Database %s on the same server, loaded in %s:", scaleDB, round(r.Build))
	for _, s := range r.Steps {
		fmt.Fprintf(w, " %s %s;", s.Name, round(s.Took))
	}
	fmt.Fprintf(w, " %s open cases.", commas(r.Open))
	for _, t := range []string{"cases", "case_classifications", "case_clocks"} {
		fmt.Fprintf(w, " %s: %s rows, %d MB;", t, commas(r.Rows[t]), r.Bytes[t]>>20)
	}
	fmt.Fprintf(w, "\n\npgbench select-only (1 client, scale %d): %.0f tps, %s a transaction. Load average at the first call and after the case views: %s.\n\n",
		r.Accounts.Scale, r.Select.TPS, r.Select.Latency.Round(time.Microsecond), strings.Join(r.LoadAvg, "; "))
	fmt.Fprintf(w, "| request (page of 50, supervisor) | page | cases on it | calls | p50 | p95 | p99 | max | p95 in select-only transactions |\n")
	fmt.Fprintf(w, "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n")
	for _, s := range r.Series {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %s | %s | %s | %s | %.0f |\n", s.Name, s.Page, s.Items, s.Calls.N, ms(s.Calls.P50), ms(s.Calls.P95),
			ms(s.Calls.P99), ms(s.Calls.Max), ratioTo(s.Calls.P95, r.Select.Latency))
	}
	fmt.Fprintf(w, "| case view, GET /api/v1/cases/{id}, random sealed cases | | 1 | %d | %s | %s | %s | %s | %.0f |\n", r.Views.N,
		ms(r.Views.P50), ms(r.Views.P95), ms(r.Views.P99), ms(r.Views.Max), ratioTo(r.Views.P95, r.Select.Latency))
	fmt.Fprintf(w, "\nThe complainant's case view, GET /api/v1/complainant/case of %d random cases at %d/s (open loop): %d requests, %d answered 200 (%.0f/s), "+
		"p50 %s, p95 %s, p99 %s, max %s; machine CPU %.2f cores.\n", scaleSample, scaleRate, r.Comp.Requests, r.Comp.OK, r.Comp.Rate,
		ms(r.Comp.P50), ms(r.CompP95), ms(r.Comp.P99), ms(r.CompMax), r.Comp.CPU.Machine)

	fmt.Fprintf(w, "\nChecks: %s.\n", strings.Join(r.Checks, "; "))
	fmt.Fprintf(w, "\nThe list statement's plans (auto_explain, ANALYZE and BUFFERS; the first call on a connection, and the %dth, whose plan a warm pool keeps):\n\n", scalePlanRepeat)
	fmt.Fprintf(w, "| filter | page | first: took, buffers, index | settled: took, buffers, index | keyset (index in the list's order, no sort, no scan of cases) |\n")
	fmt.Fprintf(w, "| --- | --- | --- | --- | --- |\n")
	for _, p := range r.Plans {
		fmt.Fprintf(w, "| %s | %s | %s, %d, %s | %s, %d, %s | %v |\n", p.Name, p.Page, ms(p.First.Took), p.First.Hit+p.First.Read, indexOf(p.First),
			ms(p.Settled.Took), p.Settled.Hit+p.Settled.Read, indexOf(p.Settled), p.Keyset)
	}
	for _, p := range r.Plans {
		fmt.Fprintf(w, "\n%s, %s page, settled plan:\n\n```\n%s\n```\n", p.Name, p.Page, p.Settled.Text)
	}
}

func ratioTo(d, pg time.Duration) float64 {
	if pg == 0 {
		return 0
	}
	return float64(d) / float64(pg)
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

func commas(n int64) string {
	s := fmt.Sprint(n)
	var out []byte
	for i := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[i-1] != '-' {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	return string(out)
}
