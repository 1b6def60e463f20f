package grievance_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/migrations"
)

// Migration 00027 puts the retaliation and imminent-loss rules at the top
// of an install that already has rules (the demo's imminent-loss rule among
// them) without writing any rule twice, and its Down and Up again leave
// the same rules.
func TestProtectionMigrationPutsItsRulesFirstOnce(t *testing.T) {
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
	if _, err := p.UpTo(ctx, 22); err != nil {
		t.Fatal(err)
	}
	// An install with the demo's first rules.
	for _, q := range []string{
		`INSERT INTO queues (slug, name, description) VALUES ('incidents', 'Serious incidents', 'x'), ('supervisors', 'Supervisor review', 'y') ON CONFLICT (slug) DO NOTHING`,
		`INSERT INTO routing_rules (position, name, kinds, queue_id, priority) SELECT 0, 'Possible serious incidents', '{incident}', id, 'P1' FROM queues WHERE slug = 'incidents'`,
		`INSERT INTO routing_rules (position, name, severities, queue_id, priority) SELECT 1, 'Someone is about to lose a job, benefit or home', '{imminent_loss}', id, 'P1' FROM queues WHERE slug = 'supervisors'`,
	} {
		if err := gdb.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	order := func() string {
		var names []string
		gdb.Raw(`SELECT name FROM routing_rules ORDER BY is_default, position`).Scan(&names)
		return strings.Join(names, " | ")
	}
	const want = "Retaliation against a complainant | Someone is about to lose a job, benefit or home | Possible serious incidents | Default: every other case"
	if _, err := p.UpTo(ctx, 27); err != nil {
		t.Fatal(err)
	}
	if got := order(); got != want {
		t.Errorf("after 00027: %s", got)
	}
	if _, err := p.DownTo(ctx, 26); err != nil {
		t.Fatal(err)
	}
	if _, err := p.UpTo(ctx, 27); err != nil {
		t.Fatal(err)
	}
	if got := order(); got != want {
		t.Errorf("after 00027 down and up: %s", got)
	}
}
