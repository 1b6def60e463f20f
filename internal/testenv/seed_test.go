package testenv

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/devpg"
	"github.com/redresshq/redress/migrations"
)

// The seed's key follows the server and every migration's name and text.
func TestSeedKeyFollowsTheMigrations(t *testing.T) {
	bin, err := devpg.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	key := func(fsys fstest.MapFS) string {
		t.Helper()
		k, err := seedKey(bin, fsys)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	one := fstest.MapFS{"00001_a.sql": {Data: []byte("CREATE TABLE a (id int);")}}
	base := key(one)
	if again := key(fstest.MapFS{"00001_a.sql": {Data: []byte("CREATE TABLE a (id int);")}}); again != base {
		t.Errorf("the same migrations gave keys %s and %s", base, again)
	}
	for name, fsys := range map[string]fstest.MapFS{
		"a migration edited":  {"00001_a.sql": {Data: []byte("CREATE TABLE a (id bigint);")}},
		"a migration renamed": {"00002_a.sql": {Data: []byte("CREATE TABLE a (id int);")}},
		"a migration added": {"00001_a.sql": {Data: []byte("CREATE TABLE a (id int);")},
			"00002_b.sql": {Data: []byte("CREATE TABLE b (id int);")}},
	} {
		if k := key(fsys); k == base {
			t.Errorf("%s: the key stayed %s", name, k)
		}
	}
	if k := key(fstest.MapFS{}); k == base {
		t.Error("no migrations and one migration gave the same key")
	}
	if _, err := seedKey(filepath.Join(t.TempDir(), "no-postgres"), one); err == nil {
		t.Error("a key without a server to ask its version")
	}
}

// Test binaries starting together build the seed once and share it; the
// copy is a cluster whose template holds every migration; seeds no one used
// for a week and builds left by a crash are removed when a seed is built.
func TestSeedIsBuiltOnceAndShared(t *testing.T) {
	ctx := context.Background()
	root, err := os.MkdirTemp("", "seeds-") // short: the server's socket path is at most 107 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o711); err != nil { // the postgres user reaches the clusters inside
		t.Fatal(err)
	}
	stale := filepath.Join(root, "0123456789abcdef01234567")
	crashed := filepath.Join(root, "build-1")
	recent := filepath.Join(root, "00000000000000000000000a")
	for _, d := range []string{stale, crashed, recent} {
		if err := os.MkdirAll(filepath.Join(d, "data"), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-seedMaxAge - time.Hour)
	for _, d := range []string{stale, crashed} {
		if err := os.Chtimes(d, old, old); err != nil {
			t.Fatal(err)
		}
	}

	bin, err := devpg.FindBinDir()
	if err != nil {
		t.Fatal(err)
	}
	key, err := seedKey(bin, migrations.FS)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	seeds := make([]string, 3)
	errs := make([]error, 3)
	for i := range seeds {
		wg.Add(1)
		go func() {
			defer wg.Done()
			seeds[i], errs[i] = ensureSeed(ctx, root, key)
		}()
	}
	wg.Wait()
	for i := range seeds {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		if seeds[i] != filepath.Join(root, key) {
			t.Errorf("seed %d at %s, want %s", i, seeds[i], filepath.Join(root, key))
		}
	}
	entries, _ := os.ReadDir(root)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	for _, gone := range []string{stale, crashed} {
		if _, err := os.Stat(gone); err == nil {
			t.Errorf("%s was kept: %v", filepath.Base(gone), names)
		}
	}
	if _, err := os.Stat(recent); err != nil {
		t.Errorf("a seed used within the week was removed: %v", names)
	}
	if len(names) != 3 { // the seed, its lock, the recent seed
		t.Errorf("the seeds folder holds %v", names)
	}
	if _, err := os.Stat(filepath.Join(seeds[0], "data", "postmaster.pid")); err == nil {
		t.Error("the seed was kept with its server running")
	}

	// A copy starts, and its template is migrated.
	dir, err := os.MkdirTemp("", "copy-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o711); err != nil {
		t.Fatal(err)
	}
	t.Setenv("REDRESS_TEST_PG_SEEDS", root)
	c, name, err := startFromSeed(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()
	gdb, err := db.Open(ctx, c.URL(name), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(gdb)
	var applied int64
	if err := gdb.Raw(`SELECT count(*) FROM goose_db_version WHERE version_id > 0 AND is_applied`).Scan(&applied).Error; err != nil {
		t.Fatal(err)
	}
	sql, _ := fs.Glob(migrations.FS, "*.sql")
	if applied == 0 || applied != int64(len(sql)) {
		t.Errorf("the copy's template has %d migrations applied, want %d", applied, len(sql))
	}
}

// A seeds folder that belongs to someone else is refused.
func TestSeedsFolderOfSomeoneElseIsRefused(t *testing.T) {
	root := "/" // root's: someone else's unless the tests run as root
	if os.Geteuid() == 0 {
		root = filepath.Join(t.TempDir(), "seeds")
		if err := os.Mkdir(root, 0o711); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(root, 65534, 65534); err != nil {
			t.Fatal(err)
		}
	}
	_, err := ensureSeed(context.Background(), root, "k")
	if err == nil || !strings.Contains(err.Error(), "belongs to uid") || !strings.Contains(err.Error(), "REDRESS_TEST_PG_SEEDS") {
		t.Errorf("a seeds folder of another user (%s): %v", root, err)
	}
}

// A test's database is copied with FILE_COPY on the private cluster, which
// runs without fsync, and with the default on a server that syncs to disk
// (a REDRESS_TEST_DATABASE_URL), where FILE_COPY's checkpoints would cost
// each test a flush; either way the copy holds the migrated schema.
func TestCloneStrategyFollowsTheServer(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	conn, err := admin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if got := cloneStrategyOf(ctx, conn); got != " STRATEGY FILE_COPY" {
		t.Errorf("the private cluster (fsync off): %q, want FILE_COPY", got)
	}
	gdb, _ := DB(t)
	var tables int
	if err := gdb.Raw(`SELECT count(*) FROM pg_tables WHERE tablename IN ('cases', 'audit_entries', 'outbox')`).Scan(&tables).Error; err != nil || tables != 3 {
		t.Errorf("the copy holds %d of 3 tables (%v)", tables, err)
	}

	// A server that syncs: the seed's copy started without Fast.
	dir := t.TempDir()
	if err := copySeed(ctx, dir); err != nil {
		t.Fatal(err)
	}
	synced, err := devpg.Start(ctx, dir, devpg.Options{RemoveWhenOrphaned: true})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = synced.Stop() }()
	sconn, err := pgx.Connect(ctx, synced.URL("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	defer sconn.Close(ctx)
	if got := cloneStrategyOf(ctx, sconn); got != "" {
		t.Errorf("a server with fsync on: %q, want the default", got)
	}
}
