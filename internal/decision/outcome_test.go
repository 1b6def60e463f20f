package decision_test

import (
	"context"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/pressly/goose/v3"

	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/migrations"
)

// Go's outcomes and the decisions table's CHECK constraint are the same, and
// the constraint that asks for signposting names the outcome Go does.
func TestOutcomesMatchDatabase(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	def := func(name string) string {
		var d string
		if err := gdb.Raw(`SELECT pg_get_constraintdef(oid) FROM pg_constraint WHERE conname = ?`, name).Scan(&d).Error; err != nil || d == "" {
			t.Fatalf("%s: %q %v", name, d, err)
		}
		return d
	}
	var inDB []string
	for _, m := range regexp.MustCompile(`'([a-z_]+)'`).FindAllStringSubmatch(def("decisions_outcome_check"), -1) {
		inDB = append(inDB, m[1])
	}
	if got, want := slices.Sorted(slices.Values(inDB)), testenv.Sorted(decision.Outcomes); !slices.Equal(got, want) {
		t.Errorf("the database allows the outcomes %v, Go %v", got, want)
	}
	if d := def("decisions_signposted"); !strings.Contains(d, "'"+string(decision.OutcomeNotWithinScope)+"'") {
		t.Errorf("decisions_signposted is %s, not about %s", d, decision.OutcomeNotWithinScope)
	}
	for _, o := range decision.Outcomes {
		if decision.OutcomeMeanings[o] == "" {
			t.Errorf("%s has no meaning in words", o)
		}
	}
	for old, renamed := range decision.RenamedOutcomes {
		if slices.Contains(decision.Outcomes, old) || !slices.Contains(decision.Outcomes, renamed) {
			t.Errorf("%s renamed %s: the old name is still allowed, or the new one is not", old, renamed)
		}
		if decision.CurrentOutcome(old) != renamed || decision.CurrentOutcome(renamed) != renamed {
			t.Errorf("CurrentOutcome(%s) = %s", old, decision.CurrentOutcome(old))
		}
	}
}

// Migration 00016 renames the stored outcomes and the outcomes of events not
// yet published, leaves published events alone, and goes back down.
func TestOutcomeMigrationRenamesStoredDecisions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	gdb, err := db.Open(ctx, testenv.EmptyDatabaseURL(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	p, err := goose.NewProvider(goose.DialectPostgres, db.SQL(gdb), migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 15); err != nil {
		t.Fatal(err)
	}
	// Decisions as the old names stored them. Their case and reviewer do not
	// matter here: replication mode skips the foreign keys' triggers.
	old := map[uuid.UUID]string{}
	conn, err := db.SQL(gdb).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SET session_replication_role = replica`); err != nil {
		t.Fatal(err)
	}
	for _, o := range []string{"upheld", "overturned", "modified", "not_within_scope"} {
		id := uuid.New()
		old[id] = o
		if _, err := conn.ExecContext(ctx, `INSERT INTO decisions (id, case_id, outcome, rationale_enc, signposting_enc,
			had_authority, not_a_model_rerun, deployer_involvement, provider_involvement, decided_by, status)
			VALUES ($1, $2, $3, '\x00', '\x00', true, true, 'none', 'none', $4, 'final')`, id, uuid.New(), o, uuid.New()); err != nil {
			t.Fatalf("%s: %v", o, err)
		}
	}
	if _, err := conn.ExecContext(ctx, `RESET session_replication_role`); err != nil {
		t.Fatal(err)
	}
	event := func(outcome string, published bool) uuid.UUID {
		id := uuid.New()
		if err := gdb.Exec(`INSERT INTO outbox (id, subject, payload, published_at) VALUES (?, 'redress.case.decided',
			jsonb_build_object('id', ?::text, 'type', 'redress.case.decided', 'data', jsonb_build_object('outcome', ?::text)),
			CASE WHEN ? THEN now() END)`, id, id.String(), outcome, published).Error; err != nil {
			t.Fatal(err)
		}
		return id
	}
	pending, sent := event("upheld", false), event("overturned", true)

	if _, err := p.UpTo(ctx, 16); err != nil {
		t.Fatal(err)
	}
	outcomeOf := func(id uuid.UUID) string {
		var o string
		gdb.Raw(`SELECT outcome FROM decisions WHERE id = ?`, id).Scan(&o)
		return o
	}
	eventOutcome := func(id uuid.UUID) string {
		var o string
		gdb.Raw(`SELECT payload #>> '{data,outcome}' FROM outbox WHERE id = ?`, id).Scan(&o)
		return o
	}
	for id, o := range old {
		if got, want := outcomeOf(id), string(decision.CurrentOutcome(decision.Outcome(o))); got != want {
			t.Errorf("%s became %s, want %s", o, got, want)
		}
	}
	if got := eventOutcome(pending); got != string(decision.OutcomeConfirmed) {
		t.Errorf("an event not yet published says %s", got)
	}
	if got := eventOutcome(sent); got != "overturned" {
		t.Errorf("a published event was rewritten: %s", got)
	}
	// The old names are refused by the database from now on.
	err = gdb.Exec(`UPDATE decisions SET outcome = 'upheld' WHERE outcome = 'decision_confirmed'`).Error
	if err == nil || !strings.Contains(err.Error(), "decisions_outcome_check") {
		t.Errorf("the database took an old name: %v", err)
	}

	if _, err := p.DownTo(ctx, 15); err != nil {
		t.Fatal(err)
	}
	for id, o := range old {
		if got := outcomeOf(id); got != o {
			t.Errorf("down: %s came back as %s", o, got)
		}
	}
	if got := eventOutcome(pending); got != "upheld" {
		t.Errorf("down: the pending event says %s", got)
	}
}
