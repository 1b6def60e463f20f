package testenv

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/platform/devpg"
)

// orphanEnv makes TestOrphanHelper act: it is the test binary started again
// by TestAClusterDoesNotOutliveItsProcess.
const orphanEnv = "REDRESS_TESTENV_ORPHAN_HELPER"

// A process that dies without stopping its cluster (killed, or a test binary
// panicking at go test's -timeout, which runs no deferred call and no
// cleanup) leaves no PostgreSQL running: the cluster's watchdog stops the
// server. A test binary's cluster directory goes too; the directory of a
// cluster started without RemoveWhenOrphaned (`redress dev`'s) is kept.
func TestAClusterDoesNotOutliveItsProcess(t *testing.T) {
	if cluster == nil {
		t.Skip("REDRESS_TEST_DATABASE_URL: the tests use a shared server, not a cluster of their own")
	}
	for _, c := range []struct {
		name, death string
		keep        bool
	}{
		{"killed test binary", "kill", false},
		{"test binary at its timeout", "panic", false},
		{"killed process with a cluster it keeps", "kill", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			var kept string
			if c.keep {
				kept = t.TempDir()
			}
			cmd := exec.Command(os.Args[0], "-test.run=^TestOrphanHelper$", "-test.count=1")
			cmd.Env = append(os.Environ(), orphanEnv+"=1", orphanKeepEnv+"="+kept)
			stdin, err := cmd.StdinPipe()
			if err != nil {
				t.Fatal(err)
			}
			stdout, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })

			// The helper names its cluster's directory once the cluster runs.
			var dir string
			lines := bufio.NewScanner(stdout)
			for lines.Scan() {
				if d, ok := strings.CutPrefix(lines.Text(), "cluster "); ok {
					dir = d
					break
				}
			}
			if dir == "" {
				t.Fatal("the helper ended without naming its cluster")
			}
			go func() { // the rest of its output, so that it never blocks writing
				for lines.Scan() {
				}
			}()
			pid := postmasterPID(t, dir)
			if !alive(pid) {
				t.Fatalf("the helper's postmaster (pid %d) is not running", pid)
			}

			if c.death == "kill" {
				_ = cmd.Process.Kill()
			} else {
				fmt.Fprintln(stdin, "panic")
			}
			var exit *exec.ExitError
			if err := cmd.Wait(); !errors.As(err, &exit) {
				t.Fatalf("the helper ended with %v, want it to die", err)
			}

			deadline := time.Now().Add(time.Minute) // generous: the machine may be busy
			for (alive(pid) || exists(dir) != c.keep) && time.Now().Before(deadline) {
				time.Sleep(50 * time.Millisecond)
			}
			if alive(pid) {
				t.Errorf("the postmaster (pid %d) still runs a minute after its process died", pid)
			}
			switch {
			case c.keep && !exists(filepath.Join(dir, "data", "PG_VERSION")):
				t.Errorf("the kept cluster's data in %s is gone", dir)
			case !c.keep && exists(dir):
				t.Errorf("the cluster's directory %s is still there a minute after its test binary died", dir)
			}
		})
	}
}

// orphanKeepEnv, when set, names a directory in which TestOrphanHelper starts
// a cluster without RemoveWhenOrphaned, as `redress dev` does.
const orphanKeepEnv = "REDRESS_TESTENV_ORPHAN_KEEP"

// TestOrphanHelper is the process that dies in
// TestAClusterDoesNotOutliveItsProcess; run directly, it does nothing.
func TestOrphanHelper(t *testing.T) {
	if os.Getenv(orphanEnv) == "" {
		t.Skip("a helper of TestAClusterDoesNotOutliveItsProcess")
	}
	dir := cluster.Dir
	if kept := os.Getenv(orphanKeepEnv); kept != "" {
		ctx := context.Background()
		if err := copySeed(ctx, kept); err != nil {
			t.Fatal(err)
		}
		if _, err := devpg.Start(ctx, kept, devpg.Options{Fast: true}); err != nil {
			t.Fatal(err)
		}
		dir = kept
	}
	fmt.Println("cluster", dir)
	line, _ := bufio.NewReader(os.Stdin).ReadString('\n')
	if strings.TrimSpace(line) == "panic" {
		// What go test's -timeout does: a panic on a goroutine of its own.
		go func() { panic("test timed out after 0s (TestOrphanHelper)") }()
	}
	select {}
}

// postmasterPID reads the server's pid from its data directory.
func postmasterPID(t *testing.T, dir string) int {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "data", "postmaster.pid"))
	if err != nil {
		t.Fatal(err)
	}
	first, _, _ := strings.Cut(string(raw), "\n")
	pid, err := strconv.Atoi(strings.TrimSpace(first))
	if err != nil {
		t.Fatalf("postmaster.pid: %v", err)
	}
	return pid
}

// alive reports whether pid runs: it exists and is not a zombie waiting for
// its parent (init, for a postmaster) to collect it.
func alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	_, rest, _ := strings.Cut(string(raw), ") ")
	return !strings.HasPrefix(rest, "Z")
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}
