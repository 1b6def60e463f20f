package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"mime/multipart"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/devpg"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The backups of docs/backup.md, taken and restored as it says. The
// helpers are apart from the test so that others (erasure: a case erased
// after the dump stays erased after the restore) take and restore backups
// the same way.

// backup is a logical backup: the data without the keystore, and the
// keystore on its own (kept for a short time: docs/backup.md).
type backup struct {
	Data     string // pg_dump --format=custom --exclude-schema=keystore
	Keystore string // pg_dump --format=custom --schema=keystore; "" when the database has no keystore
}

// takeBackup dumps the database at dbURL: its data, then its keystore.
func takeBackup(t *testing.T, dbURL string) backup {
	t.Helper()
	return backup{Data: dumpData(t, dbURL), Keystore: dumpKeystore(t, dbURL)}
}

// dumpData dumps everything but the keystore into a file of its own.
func dumpData(t *testing.T, dbURL string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "redress-data.dump")
	pgTool(t, "pg_dump", "--format=custom", "--exclude-schema=keystore", "--file="+file, "--dbname="+dbURL)
	return file
}

// dumpKeystore dumps the keystore alone, or returns "" when the database
// has none (pg_dump fails on a --schema that matches nothing).
func dumpKeystore(t *testing.T, dbURL string) string {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var has bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = 'keystore')`).Scan(&has); err != nil {
		t.Fatal(err)
	}
	if !has {
		return ""
	}
	file := filepath.Join(t.TempDir(), "redress-keystore.dump")
	pgTool(t, "pg_dump", "--format=custom", "--schema=keystore", "--file="+file, "--dbname="+dbURL)
	return file
}

// restoreFresh starts a fresh PostgreSQL cluster (stopped when the test
// ends, failed or not), restores b into a new database there, the data
// first and then the keystore, and returns the database's URL. The
// schema is as the dump left it: `redress migrate` comes next.
func restoreFresh(t *testing.T, b backup) string {
	t.Helper()
	ctx := context.Background()
	c, err := devpg.Start(ctx, t.TempDir(), devpg.Options{Fast: true, RemoveWhenOrphaned: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Error(err)
		}
	})
	if err := c.CreateDatabase(ctx, "redress", ""); err != nil {
		t.Fatal(err)
	}
	u := c.URL("redress")
	restore := func(file string) {
		pgTool(t, "pg_restore", "--exit-on-error", "--single-transaction", "--no-owner", "--no-acl", "--dbname="+u, file)
	}
	restore(b.Data)
	if b.Keystore != "" {
		restore(b.Keystore)
	}
	return u
}

// pgTool runs one of PostgreSQL's client programs (from the server's
// installation, as devpg finds it) and returns its output, or fails t with
// it when it fails.
func pgTool(t *testing.T, name string, args ...string) []byte {
	t.Helper()
	bin, err := devpg.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(bin, name), args...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") { // the caller's PGHOST, PGUSER … must not steer the tool
			cmd.Env = append(cmd.Env, kv)
		}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// secretsEnv sets the environment of `redress` subcommands to cfg's secrets.
func secretsEnv(t *testing.T, cfg *config.Config) {
	t.Helper()
	var keys []string
	for id, k := range cfg.EncryptionKeys {
		keys = append(keys, id+":"+base64.StdEncoding.EncodeToString(k))
	}
	sort.Strings(keys)
	t.Setenv("REDRESS_JWT_SECRET", string(cfg.JWTSecret))
	t.Setenv("REDRESS_RECEIPT_SECRET", string(cfg.ReceiptSecret))
	t.Setenv("REDRESS_ENCRYPTION_KEYS", strings.Join(keys, ","))
	t.Setenv("REDRESS_ENCRYPTION_KEY_ID", cfg.EncryptionKeyID)
}

// sameSecrets gives a stack the secrets of another's configuration.
func sameSecrets(from *config.Config) func(*config.Config) {
	return func(c *config.Config) {
		c.JWTSecret, c.ReceiptSecret = from.JWTSecret, from.ReceiptSecret
		c.EncryptionKeys, c.EncryptionKeyID = from.EncryptionKeys, from.EncryptionKeyID
	}
}

// filedCase is a case filed through the app, and what staff read of it.
type filedCase struct {
	teststack.Filed
	Description string
	Messages    []string
	Contact     string            // the identity as JSON ("null" contact for an anonymous case)
	Evidence    map[string]string // evidence id → SHA-256 of the bytes downloaded
	Entries     int               // entries of its record
}

// fileWithEverything files body, then the complainant writes a message and
// adds a file, and staff read it all once routed.
func fileWithEverything(t *testing.T, s *teststack.Stack, body map[string]any, file []byte) teststack.Filed {
	t.Helper()
	f := s.File(body)
	tok := s.ComplainantToken(f)
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: tok,
		Body: map[string]string{"body": "A message of mine for " + f.Reference + ": my payslips show the cut."}}); r.Status != 201 {
		t.Fatalf("message: %d %s", r.Status, r.Body)
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	pw, err := w.CreateFormFile("file", "payslip-"+f.Reference+".pdf")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = pw.Write(file)
	_ = w.WriteField("description", "My payslip of November")
	_ = w.Close()
	if r := s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/evidence", Token: tok, Body: buf.Bytes(),
		Header: map[string]string{"Content-Type": w.FormDataContentType()}}); r.Status != 201 {
		t.Fatalf("evidence: %d %s", r.Status, r.Body)
	}
	return f
}

// readAsStaff reads a case as an admin reads it: the case, its identity,
// its evidence (downloaded) and its record, which must verify.
func readAsStaff(t *testing.T, s *teststack.Stack, admin string, f teststack.Filed) filedCase {
	t.Helper()
	path := "/api/v1/cases/" + f.ID
	r := s.Do(teststack.Request{Method: "GET", Path: path, Token: admin})
	if r.Status != 200 {
		t.Fatalf("read case %s: %d %s", f.Reference, r.Status, r.Body)
	}
	var d struct {
		Description string `json:"description"`
		Messages    []struct {
			Body string `json:"body"`
		} `json:"messages"`
		Evidence []struct {
			ID     string `json:"id"`
			SHA256 string `json:"sha256"`
		} `json:"evidence"`
	}
	r.Decode(t, &d)
	c := filedCase{Filed: f, Description: d.Description, Evidence: map[string]string{}}
	for _, m := range d.Messages {
		c.Messages = append(c.Messages, m.Body)
	}
	id := s.Do(teststack.Request{Method: "GET", Path: path + "/identity", Token: admin})
	if id.Status != 200 {
		t.Fatalf("identity of %s: %d %s", f.Reference, id.Status, id.Body)
	}
	c.Contact = string(id.Body)
	for _, e := range d.Evidence {
		dl := s.Do(teststack.Request{Method: "GET", Path: path + "/evidence/" + e.ID, Token: admin})
		if dl.Status != 200 {
			t.Fatalf("download evidence of %s: %d %s", f.Reference, dl.Status, dl.Body)
		}
		sum := sha256.Sum256(dl.Body)
		if hex.EncodeToString(sum[:]) != e.SHA256 {
			t.Errorf("evidence %s of %s: the bytes downloaded do not match its SHA-256", e.ID, f.Reference)
		}
		c.Evidence[e.ID] = hex.EncodeToString(sum[:])
	}
	rec := s.Do(teststack.Request{Method: "GET", Path: path + "/audit", Token: admin})
	var audit struct {
		Items        []any `json:"items"`
		Verification struct {
			Verified bool `json:"verified"`
		} `json:"verification"`
	}
	rec.Decode(t, &audit)
	if rec.Status != 200 || !audit.Verification.Verified {
		t.Errorf("record of %s: %d, verifies: %v", f.Reference, rec.Status, audit.Verification.Verified)
	}
	c.Entries = len(audit.Items)
	return c
}

// The "the restore test passes": cases filed with messages and
// evidence through the app are dumped as docs/backup.md says (the data, then
// the keystore), restored into a fresh cluster, migrated, verified by
// `redress verify`, and read through the app on the restored database:
// every chain verifies, every case reads as before, its evidence downloads
// with its hash, and the complainant's code and receipt still open it.
// Then, as docs/backup.md says to, every event the outbox still holds is
// published again to a new stream: consumers skip what they had handled.
func TestBackupRestoresIntoAFreshCluster(t *testing.T) {
	start := time.Now()
	ctx := context.Background()
	s := teststack.New(t, teststack.Options{Worker: true})
	pdf := func(marker string) []byte {
		return []byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n% " + marker + "\n%%EOF\n")
	}
	filed := []teststack.Filed{
		fileWithEverything(t, s, teststack.NamedCase(), pdf("named")),
		fileWithEverything(t, s, teststack.ValidCase(), pdf("anonymous")),
	}
	for _, f := range filed {
		testenv.Eventually(t, 20*time.Second, "case "+f.Reference+" to be routed", func() bool {
			var routed bool
			s.Core.DB.Raw(`SELECT routed_at IS NOT NULL FROM cases WHERE id = ?`, f.ID).Scan(&routed)
			return routed
		})
	}
	admin := s.Login("admin@example.org")
	var before []filedCase
	for _, f := range filed {
		c := readAsStaff(t, s, admin, f)
		if c.Description == "" || len(c.Messages) == 0 || len(c.Evidence) != 1 {
			t.Fatalf("case %s before the backup: %+v", f.Reference, c)
		}
		before = append(before, c)
	}
	if !strings.Contains(before[0].Contact, "maria.lopez@example.net") {
		t.Fatalf("named case's identity before the backup: %s", before[0].Contact)
	}

	// Every event handled before the backup, so that handling one again shows.
	settle(t, s, 1)
	if got := counts(t, s); !strings.Contains(got, "dead_letters 0") {
		t.Fatalf("before the backup: %s", got)
	}
	// A row in the keystore (a probe table, beside the keystore's own
	// tables once they exist) travels in the keystore's dump, never in the data's.
	for _, q := range []string{`CREATE SCHEMA IF NOT EXISTS keystore`,
		`CREATE TABLE keystore.restore_probe (id int PRIMARY KEY)`, `INSERT INTO keystore.restore_probe VALUES (1)`} {
		if err := s.Core.DB.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	b := takeBackup(t, s.DBURL)
	if b.Keystore == "" {
		t.Fatal("no keystore dump")
	}
	if list := string(pgTool(t, "pg_restore", "--list", b.Data)); strings.Contains(list, "keystore") {
		t.Errorf("the data dump holds the keystore:\n%s", list)
	}
	restored := restoreFresh(t, b)

	// `redress migrate`, then `redress verify`, on the restored database with the same secrets.
	t.Setenv("DATABASE_URL", restored)
	secretsEnv(t, s.Core.Config)
	var out bytes.Buffer
	if err := run(ctx, []string{"migrate"}, &out, io.Discard); err != nil {
		t.Fatalf("migrate: %v\n%s", err, out.String())
	}
	out.Reset()
	if err := run(ctx, []string{"verify"}, &out, io.Discard); err != nil {
		t.Fatalf("verify: %v\n%s", err, out.String())
	}
	for _, want := range []string{"cases:          2\n", "records:        2 verify, 0 broken", "cases read:     2 (identities 2, evidence files 2",
		"failures:       0"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("verify's report does not say %q:\n%s", want, out.String())
		}
	}

	// The app on the restored database, with the same secrets and a new NATS server.
	r := teststack.New(t, teststack.Options{DatabaseURL: restored, Config: sameSecrets(s.Core.Config)})
	var probes int
	if err := r.Core.DB.Raw(`SELECT count(*) FROM keystore.restore_probe`).Scan(&probes).Error; err != nil || probes != 1 {
		t.Errorf("the keystore after the restore: %d rows, %v", probes, err)
	}
	admin = r.Login("admin@example.org")
	for _, want := range before {
		got := readAsStaff(t, r, admin, want.Filed)
		if got.Description != want.Description || fmt.Sprint(got.Messages) != fmt.Sprint(want.Messages) ||
			got.Contact != want.Contact || fmt.Sprint(got.Evidence) != fmt.Sprint(want.Evidence) {
			t.Errorf("case %s after the restore:\n got %+v\nwant %+v", want.Reference, got, want)
		}
		for _, session := range []map[string]string{{"code": want.Code}, {"reference": want.Reference, "receipt": want.Receipt}} {
			res := r.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/session", Body: session})
			if res.Status != 201 {
				t.Errorf("case %s: the complainant's %v no longer opens it: %d %s", want.Reference, session, res.Status, res.Body)
				continue
			}
			view := r.Do(teststack.Request{Method: "GET", Path: "/api/v1/complainant/case", Token: res.JSON(t)["token"].(string)})
			if view.Status != 200 || !strings.Contains(string(view.Body), want.Reference) {
				t.Errorf("case %s: the complainant's view after the restore: %d %.300s", want.Reference, view.Status, view.Body)
			}
		}
	}

	// The stream is rebuilt from the outbox: every row goes again to the new
	// server; what was handled before the backup is skipped (processed_events).
	var republished int64
	handled := counts(t, r)
	res := r.Core.DB.Exec(`UPDATE outbox SET published_at = NULL`)
	if res.Error != nil || res.RowsAffected == 0 {
		t.Fatalf("the restored outbox holds no event to publish again: %v", res.Error)
	}
	republished = res.RowsAffected
	r.StartWorker()
	settle(t, r, republished)
	if got := counts(t, r); got != handled {
		t.Errorf("publishing the outbox again (%d events) changed what the consumers had done: before %s, after %s",
			republished, handled, got)
	}
	t.Logf("%d events published again, consumers had done %s; dump, restore, migrate, verify and the reads took %s",
		republished, handled, time.Since(start).Round(time.Millisecond))
}

// settle waits until s's outbox is published, its stream holds at least
// msgs messages, and every consumer has handled all it was given.
func settle(t *testing.T, s *teststack.Stack, msgs int64) {
	t.Helper()
	ctx := context.Background()
	testenv.Eventually(t, 30*time.Second, "the outbox to be published and its events handled", func() bool {
		var pending int64
		s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE published_at IS NULL`).Scan(&pending)
		if pending > 0 {
			return false
		}
		st, err := s.JS.Stream(ctx, events.Stream)
		if err != nil || st.CachedInfo().State.Msgs < uint64(msgs) {
			return false
		}
		n := 0
		for c := range st.ListConsumers(ctx).Info() {
			if c.NumPending > 0 || c.NumAckPending > 0 {
				return false
			}
			n++
		}
		return n > 0
	})
}

// counts sums up what the consumers do: the rows of the tables they write.
func counts(t *testing.T, s *teststack.Stack) string {
	t.Helper()
	var out []string
	for _, table := range []string{"audit_entries", "processed_events", "notifications_sent", "dead_letters", "systemic_alerts"} {
		var n int64
		if err := s.Core.DB.Raw(`SELECT count(*) FROM ` + table).Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d", table, n))
	}
	return strings.Join(out, ", ")
}
