package frontend_test

import (
	"html"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// tags are the markup inside a cell (the links to the cases behind a number).
var tags = regexp.MustCompile(`<[^>]+>`)

// tableRow is the cells of the row headed rowHeader in the table with id,
// as text.
func tableRow(t *testing.T, body, id, rowHeader string) []string {
	t.Helper()
	start := strings.Index(body, `<table id="`+id+`"`)
	if start < 0 {
		t.Fatalf("no table %s", id)
	}
	table := body[start : start+strings.Index(body[start:], "</table>")]
	for _, tr := range regexp.MustCompile(`(?s)<tr>(.*?)</tr>`).FindAllStringSubmatch(table, -1) {
		th := regexp.MustCompile(`(?s)<th scope="row">(.*?)</th>`).FindStringSubmatch(tr[1])
		if th == nil || html.UnescapeString(tags.ReplaceAllString(th[1], "")) != rowHeader {
			continue
		}
		var cells []string
		for _, td := range regexp.MustCompile(`(?s)<td[^>]*>(.*?)</td>`).FindAllStringSubmatch(tr[1], -1) {
			cells = append(cells, html.UnescapeString(tags.ReplaceAllString(td[1], "")))
		}
		return cells
	}
	t.Fatalf("table %s has no row %q:\n%s", id, rowHeader, table)
	return nil
}

func TestDashboardShowsWhatSQLCounts(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	db := s.Core.DB
	exec := func(q string, args ...any) {
		t.Helper()
		if err := db.Exec(q, args...).Error; err != nil {
			t.Fatalf("%v\n%s", err, q)
		}
	}
	var hiring string
	db.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'hiring-screener'`).Scan(&hiring)
	body := teststack.ValidCase()
	delete(body, "ai_system_other")
	body["ai_system_id"] = hiring
	c1, c2 := s.File(body), s.File(body)
	c3 := s.File(teststack.ValidCase())
	// Into the general queue: one breached, one at risk (2 days), one due in 30 days.
	exec(`UPDATE cases SET queue_id = (SELECT id FROM queues WHERE slug = 'general'),
		next_due_at = CASE id WHEN ? THEN now() - interval '1 hour' WHEN ? THEN now() + interval '2 days'
		ELSE now() + interval '30 days' END WHERE id IN (?, ?, ?)`, c1.ID, c2.ID, c1.ID, c2.ID, c3.ID)
	// Decisions: case 1 overturned, case 2 confirmed (the AI decision stands).
	var reviewer string
	db.Raw(`SELECT id::text FROM users WHERE email = 'reviewer@example.org'`).Scan(&reviewer)
	for id, outcome := range map[string]string{c1.ID: "decision_overturned", c2.ID: "decision_confirmed"} {
		exec(`INSERT INTO decisions (case_id, outcome, rationale_enc, had_authority, not_a_model_rerun, deployer_involvement,
			provider_involvement, decided_by, status, final_at) VALUES (?, ?, '\x00'::bytea, true, true, 'none', 'none', ?, 'final', now())`,
			id, outcome, reviewer)
	}
	// The acknowledge clock: met on case 1, late on case 2.
	exec(`UPDATE case_clocks SET satisfied_at = now() - interval '1 hour', due_at = now() + interval '1 day' WHERE case_id = ? AND clock = 'acknowledge'`, c1.ID)
	exec(`UPDATE case_clocks SET satisfied_at = now() - interval '1 hour', due_at = now() - interval '1 day' WHERE case_id = ? AND clock = 'acknowledge'`, c2.ID)

	// What SQL says, independently of the stats package.
	var want, clocks struct{ Open, AtRisk, Breached, Filed, Ended, OnTime string }
	db.Raw(`SELECT count(*)::text AS open,
		count(*) FILTER (WHERE next_due_at >= now() AND next_due_at < now() + interval '7 days')::text AS at_risk,
		count(*) FILTER (WHERE next_due_at < now())::text AS breached
		FROM cases WHERE queue_id = (SELECT id FROM queues WHERE slug = 'general') AND status IN ('submitted', 'acknowledged',
		'in_review', 'awaiting_complainant', 'pending_approval', 'appealed')`).Scan(&want)
	db.Raw(`SELECT count(*)::text FROM cases WHERE ai_system_id = ?`, hiring).Row().Scan(&want.Filed)
	db.Raw(`SELECT count(*)::text AS ended, count(*) FILTER (WHERE satisfied_at <= due_at)::text AS on_time
		FROM case_clocks WHERE clock = 'acknowledge' AND satisfied_at IS NOT NULL`).Scan(&clocks)
	want.Ended, want.OnTime = clocks.Ended, clocks.OnTime
	if want.Open != "3" || want.AtRisk != "1" || want.Breached != "1" || want.Filed != "2" || want.Ended != "2" || want.OnTime != "1" {
		t.Fatalf("fixture: %+v", want)
	}

	for _, who := range []string{"supervisor@example.org", "admin@example.org"} {
		c := signedIn(t, s, who)
		p := c.get("/dashboard")
		if p.Status != 200 {
			t.Fatalf("%s: %d %s", who, p.Status, p.Body)
		}
		if got := tableRow(t, p.Body, "table-backlog", "General review"); strings.Join(got, ",") !=
			strings.Join([]string{want.Open, want.AtRisk, want.Breached}, ",") {
			t.Errorf("%s backlog: %v, want %+v", who, got, want)
		}
		// The cases table's footer: the hiring screener's total and the others'.
		foot := tableRow(t, p.Body, "table-cases", "Total")
		if !strings.Contains(p.Body, "TalentSift hiring screener") || !slicesContain(foot, want.Filed) || !slicesContain(foot, "1") {
			t.Errorf("%s cases: %v", who, foot)
		}
		if got := tableRow(t, p.Body, "table-overturn", "TalentSift hiring screener"); strings.Join(got, ",") != "2,2,1,50%" {
			t.Errorf("%s overturn: %v", who, got)
		}
		if got := tableRow(t, p.Body, "table-sla", "Acknowledge receipt"); strings.Join(got, ",") != "2,1,1,50%" {
			t.Errorf("%s sla: %v", who, got)
		}
		// Four charts, each an image named by its title and described.
		svgs := regexp.MustCompile(`<svg [^>]*role="img" aria-labelledby="([a-z-]+)-title ([a-z-]+)-desc"`).FindAllStringSubmatch(p.Body, -1)
		if len(svgs) != 4 {
			t.Errorf("%s: %d charts", who, len(svgs))
		}
		for _, m := range svgs {
			if !strings.Contains(p.Body, `<title id="`+m[1]+`-title">`) || !strings.Contains(p.Body, `<desc id="`+m[2]+`-desc">`) {
				t.Errorf("chart %s lacks its title or desc", m[1])
			}
		}
		if strings.Contains(p.Body, "style=") || strings.Contains(p.Body, "⟦") {
			t.Errorf("%s: inline style or a missing message", who)
		}
		// Bar labels say the values in words.
		if !strings.Contains(p.Body, "Breached: 1") || !strings.Contains(p.Body, "50% (1 of 2)") {
			t.Errorf("%s: bar labels missing", who)
		}
	}

	c := signedIn(t, s, "supervisor@example.org")
	// Filtered to the hiring screener: the free-text case leaves the backlog.
	p := c.get("/dashboard?weeks=4&bucket=month&risk_days=30&ai_system=" + hiring)
	if got := tableRow(t, p.Body, "table-backlog", "General review"); strings.Join(got, ",") != "2,1,1" {
		t.Errorf("filtered backlog: %v", got)
	}
	if !strings.Contains(p.Body, `<option value="`+hiring+`" selected>`) {
		t.Error("the chosen system is not selected")
	}
	// Bad choices: 422 naming the field.
	p = c.get("/dashboard?weeks=5&risk_days=x")
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-weeks"`) || !strings.Contains(p.Body, `href="#f-risk-days"`) ||
		!strings.Contains(p.Body, `id="f-weeks" name="weeks" aria-invalid="true"`) {
		t.Errorf("bad filter: %d %s", p.Status, p.Body)
	}
	p = c.get("/dashboard?ai_system=" + url.QueryEscape("00000000-0000-0000-0000-000000000001"))
	if p.Status != 422 || !strings.Contains(p.Body, `href="#f-ai-system"`) {
		t.Errorf("unknown system: %d", p.Status)
	}

	// Reviewers are refused; strangers are sent to sign in.
	if p := signedIn(t, s, "reviewer@example.org").get("/dashboard"); p.Status != 403 {
		t.Errorf("reviewer: %d", p.Status)
	}
	if p := newClient(t, s.URL).get("/dashboard"); p.Status != 303 || !strings.HasPrefix(p.Header.Get("Location"), "/login") {
		t.Errorf("anonymous: %d %s", p.Status, p.Header.Get("Location"))
	}
}

func slicesContain(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
