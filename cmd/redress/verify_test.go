package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// `redress verify` passes on a sound database and reports, case by case,
// a record edited behind the application's back, a message whose sealed
// body does not open, and evidence whose content does not open; it exits
// non-zero. --sample reads only that many cases, and still checks every chain.
func TestVerifyReportsBrokenRecordsAndValuesThatDoNotOpen(t *testing.T) {
	ctx := context.Background()
	s := teststack.New(t, teststack.Options{})
	var filed []teststack.Filed
	for _, marker := range []string{"one", "two", "three"} {
		filed = append(filed, fileWithEverything(t, s, teststack.NamedCase(), []byte("%PDF-1.7\n% "+marker+"\n%%EOF\n")))
	}
	t.Setenv("DATABASE_URL", s.DBURL)
	secretsEnv(t, s.Core.Config)
	verify := func(args ...string) (string, error) {
		var out bytes.Buffer
		err := run(ctx, append([]string{"verify"}, args...), &out, io.Discard)
		return out.String(), err
	}
	if out, err := verify(); err != nil || !strings.Contains(out, "records:        3 verify, 0 broken") ||
		!strings.Contains(out, "cases read:     3 (identities 3, evidence files 3") {
		t.Fatalf("verify on a sound database: %v\n%s", err, out)
	}
	if out, err := verify("--sample", "1"); err != nil || !strings.Contains(out, "records:        3 verify") ||
		!strings.Contains(out, "cases read:     1 (") {
		t.Fatalf("verify --sample 1: %v\n%s", err, out)
	}

	// Behind the application's back (its triggers off): the first case's
	// record is edited, the second's message gets the third's sealed body,
	// and the third's evidence the second's sealed content.
	one, two, three := filed[0].ID, filed[1].ID, filed[2].ID
	if err := db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`SET LOCAL session_replication_role = replica`, nil},
			{`UPDATE audit_entries SET data = '{"edited": true}' WHERE case_id = ? AND seq = 1`, []any{one}},
			{`UPDATE messages SET body_enc = (SELECT body_enc FROM messages WHERE case_id = ? LIMIT 1) WHERE case_id = ?`, []any{three, two}},
			{`UPDATE evidence SET content_enc = (SELECT content_enc FROM evidence WHERE case_id = ?) WHERE case_id = ?`, []any{two, three}},
		} {
			if err := tx.Exec(q.sql, q.args...).Error; err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	if err == nil || !strings.Contains(err.Error(), "3 failures") {
		t.Errorf("verify on a tampered database: %v", err)
	}
	for _, want := range []string{
		"FAIL case " + one + " (" + filed[0].Reference + "): record broken at entry 1",
		"FAIL case " + two + " (" + filed[1].Reference + "): case does not read",
		"FAIL case " + three + " (" + filed[2].Reference + "): evidence ",
		"records:        2 verify, 1 broken",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("verify's report does not say %q:\n%s", want, out)
		}
	}
}
