package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The issue's "a pg_dump taken before the erasure cannot be read for that
// case after it", and "erased cases stay erased" after a restore: a case is
// erased after the data was dumped. The dump restored with the keystore as
// it is now reads the case as erased — its description, identity and file —
// and the next retention run marks it erased again on its record; the other
// case reads as before. The data dumped after the erasure, restored with a
// keystore dumped before it, reads erased too (the case's own mark), and the
// run destroys the key that came back.
func TestADumpTakenBeforeAnErasureCannotReadTheCaseAfterIt(t *testing.T) {
	ctx := context.Background()
	s := teststack.New(t, teststack.Options{})
	erased := fileWithEverything(t, s, teststack.NamedCase(), []byte("%PDF-1.7\n% erased\n%%EOF\n"))
	kept := fileWithEverything(t, s, teststack.NamedCase(), []byte("%PDF-1.7\n% kept\n%%EOF\n"))
	admin, sup := s.Login("admin@example.org"), s.Login("supervisor@example.org")
	keptBefore := readAsStaff(t, s, admin, kept)
	before := takeBackup(t, s.DBURL)

	// The erasure: a schedule, the case withdrawn, the run 31 days on.
	if r := s.Do(teststack.Request{Method: "PUT", Path: "/api/v1/admin/retention/schedules", Token: admin,
		Body: map[string]any{"ending": "withdrawn", "keep_days": 30}}); r.Status != 200 {
		t.Fatalf("schedule: %d %s", r.Status, r.Body)
	}
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/cases/" + erased.ID + "/transitions", Token: sup,
		Body: map[string]string{"to": "withdrawn", "reason": "The complainant withdrew."}}); r.Status != 200 {
		t.Fatalf("withdraw: %d %s", r.Status, r.Body)
	}
	if run, err := s.Core.Retention.RunNow(ctx, time.Now().AddDate(0, 0, 31)); err != nil || run.Erased != 1 {
		t.Fatalf("erasure run: %+v, %v", run, err)
	}
	after := takeBackup(t, s.DBURL)

	// isErased reads the case through the app on a restored database.
	isErased := func(r *teststack.Stack, tok string, f teststack.Filed) {
		t.Helper()
		c := r.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + f.ID, Token: tok})
		if c.Status != 200 || strings.Contains(string(c.Body), "Maria") || !strings.Contains(string(c.Body), "[erased on ") {
			t.Errorf("case %s reads: %d %.500s", f.Reference, c.Status, c.Body)
		}
		var d struct {
			Evidence []struct {
				ID string `json:"id"`
			} `json:"evidence"`
		}
		c.Decode(t, &d)
		paths := []string{"/identity"}
		for _, e := range d.Evidence {
			paths = append(paths, "/evidence/"+e.ID)
		}
		for _, p := range paths {
			if res := r.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + f.ID + p, Token: tok}); res.Status != 410 {
				t.Errorf("GET %s of %s: %d %.300s", p, f.Reference, res.Status, res.Body)
			}
		}
	}

	// 1. The data from before the erasure, the keystore of now.
	u := restoreFresh(t, backup{Data: before.Data, Keystore: after.Keystore})
	t.Setenv("DATABASE_URL", u)
	secretsEnv(t, s.Core.Config)
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate"}, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	r := teststack.New(t, teststack.Options{DatabaseURL: u, Config: sameSecrets(s.Core.Config)})
	admin = r.Login("admin@example.org")
	isErased(r, admin, erased)
	if got := readAsStaff(t, r, admin, kept); got.Description != keptBefore.Description || got.Contact != keptBefore.Contact {
		t.Errorf("the other case after the restore: %+v", got)
	}
	// The sealed description in the restored rows does not open with any
	// key the app holds.
	var sealed []byte
	r.Core.DB.Raw(`SELECT description_enc FROM cases WHERE id = ?`, erased.ID).Scan(&sealed)
	if _, err := r.Core.Keys.Open("case.description:"+erased.ID, sealed); err == nil {
		t.Error("the erased case's description opens from the dump taken before its erasure")
	}
	run1, err := r.Core.Retention.RunNow(ctx, time.Now())
	if err != nil || run1.Corrected != 1 {
		t.Fatalf("the run after the restore: %+v, %v", run1, err)
	}
	var markedAt *time.Time
	r.Core.DB.Raw(`SELECT erased_at FROM cases WHERE id = ?`, erased.ID).Scan(&markedAt)
	if markedAt == nil {
		t.Error("the run did not mark the restored case erased")
	}
	rec := r.Do(teststack.Request{Method: "GET", Path: "/api/v1/cases/" + erased.ID + "/audit", Token: admin})
	if !strings.Contains(string(rec.Body), `"case.erased"`) || !strings.Contains(string(rec.Body), `"verified":true`) {
		t.Errorf("the restored case's record: %.500s", rec.Body)
	}

	// 2. The data from after the erasure, a keystore from before it.
	u2 := restoreFresh(t, backup{Data: after.Data, Keystore: before.Keystore})
	t.Setenv("DATABASE_URL", u2)
	out.Reset()
	if err := run(ctx, []string{"migrate"}, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	r2 := teststack.New(t, teststack.Options{DatabaseURL: u2, Config: sameSecrets(s.Core.Config)})
	admin2 := r2.Login("admin@example.org")
	isErased(r2, admin2, erased)
	run2, err := r2.Core.Retention.RunNow(ctx, time.Now())
	if err != nil || run2.Corrected != 1 {
		t.Fatalf("the run after restoring an older keystore: %+v, %v", run2, err)
	}
	var live int64
	r2.Core.DB.Raw(`SELECT count(*) FROM keystore.case_keys WHERE case_id = ? AND wrapped IS NOT NULL`, erased.ID).Scan(&live)
	if live != 0 {
		t.Error("the key that came back with the older keystore was not destroyed again")
	}
}
