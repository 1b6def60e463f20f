package testenv

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/redresshq/redress/internal/platform/devpg"
	"github.com/redresshq/redress/migrations"
)

// A test binary's private cluster is a copy of a seed: a cluster initialised
// once, with the migrated template in it, kept for as long as PostgreSQL and
// the migrations stay the same. initdb and the migrations were 2 to 2.5 of
// the 3.4 CPU-seconds each of the 41 test binaries spent before its first
// test; copying the seed's files takes a tenth of a second.
//
// Seeds live under $REDRESS_TEST_PG_SEEDS, or redress-test-pg-seeds in the
// system's temporary directory, one directory per key (seedKey). The first
// binary to need one builds it under an exclusive lock on the key; the others
// wait for it, then copy. A finished seed is never written again: it appears
// by a rename and is only read afterwards. Seeds unused for a week are removed
// when a new one is built.

// seedTemplate is the migrated template's name in a seed's cluster.
const seedTemplate = template

// seedFormat changes when what a seed holds or how it is made changes: how
// devpg initialises a cluster, or what applying the migrations leaves besides
// the migrations' own work (goose's version table, after an upgrade of goose).
const seedFormat = "1"

// seedMaxAge is how long a seed no test binary used is kept.
const seedMaxAge = 7 * 24 * time.Hour

// seedsRoot is where seeds live.
func seedsRoot() string {
	if d := os.Getenv("REDRESS_TEST_PG_SEEDS"); d != "" {
		return d
	}
	return filepath.Join(os.TempDir(), "redress-test-pg-seeds")
}

// startFromSeed starts a private cluster in dir, a copy of the seed for this
// PostgreSQL and these migrations, and returns it with its template's name.
// The cluster's watchdog removes dir if the test binary dies without
// stopping it.
func startFromSeed(ctx context.Context, dir string) (*devpg.Cluster, string, error) {
	if err := copySeed(ctx, dir); err != nil {
		return nil, "", err
	}
	c, err := devpg.Start(ctx, dir, devpg.Options{Fast: true, RemoveWhenOrphaned: true})
	if err != nil {
		return nil, "", err
	}
	return c, seedTemplate, nil
}

// copySeed copies the seed for this PostgreSQL and these migrations, built
// first if need be, into dir/data.
func copySeed(ctx context.Context, dir string) error {
	bin, err := devpg.FindBinDir()
	if err != nil {
		return err
	}
	key, err := seedKey(bin, migrations.FS)
	if err != nil {
		return err
	}
	seed, err := ensureSeed(ctx, seedsRoot(), key)
	if err != nil {
		return err
	}
	// cp -a keeps the owner and modes PostgreSQL insists on (the postgres
	// user when the tests run as root, a data directory no one else reads).
	if out, err := exec.CommandContext(ctx, "cp", "-a", filepath.Join(seed, "data"), filepath.Join(dir, "data")).CombinedOutput(); err != nil {
		return fmt.Errorf("testenv: copy the PostgreSQL seed %s: %v: %s", seed, err, out)
	}
	now := time.Now()
	_ = os.Chtimes(seed, now, now) // in use: not pruned
	return nil
}

// seedKey names the seed for PostgreSQL's binaries in bin and the
// migrations in fsys: the server's version, each migration's name and
// contents, and seedFormat.
func seedKey(bin string, fsys fs.FS) (string, error) {
	h := sha256.New()
	version, err := exec.Command(filepath.Join(bin, "postgres"), "--version").Output()
	if err != nil {
		return "", fmt.Errorf("testenv: postgres --version: %w", err)
	}
	fmt.Fprintf(h, "format %s\nbin %s\n%s\n", seedFormat, bin, version)
	err = fs.WalkDir(fsys, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(fsys, path)
		if err != nil {
			return err
		}
		fmt.Fprintf(h, "%s %d\n", path, len(b))
		h.Write(b)
		return nil
	})
	if err != nil {
		return "", fmt.Errorf("testenv: read the migrations: %w", err)
	}
	return hex.EncodeToString(h.Sum(nil))[:24], nil
}

// ensureSeed returns the directory of the seed key under root, building it
// first if it does not exist.
func ensureSeed(ctx context.Context, root, key string) (string, error) {
	if err := os.MkdirAll(root, 0o711); err != nil {
		return "", fmt.Errorf("testenv: %w", err)
	}
	if err := ownedByUs(root); err != nil {
		return "", err
	}
	seed := filepath.Join(root, key)
	if _, err := os.Stat(filepath.Join(seed, "data", "PG_VERSION")); err == nil {
		return seed, nil
	}
	lock, err := os.OpenFile(filepath.Join(root, key+".lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return "", fmt.Errorf("testenv: lock the seed: %w", err)
	}
	defer lock.Close() // releases the lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		return "", fmt.Errorf("testenv: lock the seed: %w", err)
	}
	if _, err := os.Stat(filepath.Join(seed, "data", "PG_VERSION")); err == nil {
		return seed, nil // another test binary built it while this one waited
	}
	build, err := os.MkdirTemp(root, "build-") // short: the server's socket path is at most 107 bytes
	if err != nil {
		return "", fmt.Errorf("testenv: %w", err)
	}
	defer os.RemoveAll(build) // after a failure; after the rename it is gone
	if err := os.Chmod(build, 0o711); err != nil {
		return "", fmt.Errorf("testenv: %w", err)
	}
	if err := buildSeed(ctx, build); err != nil {
		return "", err
	}
	if err := os.Rename(build, seed); err != nil {
		return "", fmt.Errorf("testenv: keep the seed: %w", err)
	}
	pruneSeeds(root, key)
	return seed, nil
}

// buildSeed initialises a cluster in dir, migrates the template and stops it
// cleanly, so that its files can be copied.
func buildSeed(ctx context.Context, dir string) (err error) {
	c, err := devpg.Start(ctx, dir, devpg.Options{Fast: true, RemoveWhenOrphaned: true})
	if err != nil {
		return err
	}
	defer func() {
		if stopErr := c.Stop(); err == nil && stopErr != nil {
			err = stopErr
		}
		_ = os.Remove(filepath.Join(dir, "postgres.log"))
	}()
	return migrateTemplate(ctx, c.URL("postgres"), seedTemplate)
}

// pruneSeeds removes the seeds under root, other than keep, that no test
// binary has used for seedMaxAge, and builds left by a crash.
func pruneSeeds(root, keep string) {
	entries, _ := os.ReadDir(root)
	for _, e := range entries {
		name := e.Name()
		if name == keep || name == keep+".lock" || !e.IsDir() && !strings.HasSuffix(name, ".lock") {
			continue
		}
		info, err := e.Info()
		if err != nil || time.Since(info.ModTime()) < seedMaxAge {
			continue
		}
		_ = os.RemoveAll(filepath.Join(root, name))
	}
}

// ownedByUs refuses a seed folder someone else made: in a shared temporary
// directory it could hold a cluster that is not what it claims to be.
func ownedByUs(dir string) error {
	info, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("testenv: %w", err)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return errors.New("testenv: cannot tell who owns " + dir)
	}
	if int(st.Uid) != os.Geteuid() {
		return fmt.Errorf("testenv: %s belongs to uid %d, not to this user: set REDRESS_TEST_PG_SEEDS to a folder of your own", dir, st.Uid)
	}
	return nil
}
