// Package devpg runs a private PostgreSQL cluster with the machine's initdb
// and pg_ctl, for `redress dev`, the tests and the benchmark.
//
// The cluster lives in a directory of its own (./.redress/pg for dev, a
// temporary one for tests), listens on 127.0.0.1 at a free port and on a Unix
// socket inside that directory, and trusts local connections only. Run as
// root, it runs PostgreSQL as the `postgres` user, which refuses to run as root.
package devpg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"
)

// Options tunes a cluster.
type Options struct {
	// Fast turns off fsync and friends: for throwaway test clusters only.
	Fast bool
	// Logf receives progress lines; nil discards them.
	Logf func(format string, args ...any)
	// Settings are more server settings, name=value each (for example
	// shared_preload_libraries=pg_stat_statements).
	Settings []string
	// RemoveWhenOrphaned is for a cluster in a directory of its own that
	// nothing else will use (a test binary's): when its watchdog stops it
	// (see Start), it also removes the directory.
	RemoveWhenOrphaned bool
}

// Cluster is a running private PostgreSQL cluster.
type Cluster struct {
	Dir    string // the cluster's directory (data/ and run/ inside)
	Port   int
	BinDir string
	cred   *syscall.Credential
	logf   func(string, ...any)
}

// User is the superuser of a private cluster.
const User = "redress"

// Start initialises dir if it holds no cluster yet and starts PostgreSQL on it.
// A cluster already running in dir (left by a crash) is stopped first.
//
// The server does not outlive this process: if the process ends without
// calling Stop, a watchdog stops the server at once (immediate mode). That
// covers a process that is killed, and a test binary that panics at its
// -timeout, which runs no deferred call and no cleanup. A cluster whose
// Start failed is left to its watchdog too.
func Start(ctx context.Context, dir string, opts Options) (*Cluster, error) {
	bin, err := FindBinDir()
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c := &Cluster{Dir: abs, BinDir: bin, logf: opts.Logf}
	if c.logf == nil {
		c.logf = func(string, ...any) {}
	}
	if os.Geteuid() == 0 {
		if c.cred, err = postgresCredential(); err != nil {
			return nil, err
		}
	}
	for _, d := range []string{abs, c.dataDir(), c.runDir()} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("devpg: %w", err)
		}
		if err := c.own(d); err != nil {
			return nil, err
		}
	}
	if err := c.allowTraverse(abs); err != nil {
		return nil, err
	}
	if err := c.startWatchdog(opts.RemoveWhenOrphaned); err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(c.dataDir(), "PG_VERSION")); errors.Is(err, os.ErrNotExist) {
		c.logf("devpg: initialising a private PostgreSQL cluster in %s", c.dataDir())
		args := []string{"-D", c.dataDir(), "-U", User, "--auth=trust", "--encoding=UTF8", "--locale=C.UTF-8"}
		if opts.Fast {
			args = append(args, "--no-sync")
		}
		if out, err := c.run(ctx, "initdb", args...); err != nil {
			return nil, fmt.Errorf("devpg: initdb: %w\n%s", err, out)
		}
	}
	// A postmaster left behind by a killed process is stopped before starting anew.
	if _, err := os.Stat(filepath.Join(c.dataDir(), "postmaster.pid")); err == nil {
		_, _ = c.run(ctx, "pg_ctl", "stop", "-D", c.dataDir(), "-m", "immediate", "-w")
	}
	if c.Port, err = freePort(); err != nil {
		return nil, err
	}
	settings := []string{
		"-p", strconv.Itoa(c.Port), "-k", c.runDir(),
		"-c", "listen_addresses=127.0.0.1", "-c", "max_connections=300",
		"-c", "shared_buffers=128MB",
	}
	if opts.Fast {
		settings = append(settings, "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off")
	}
	for _, kv := range opts.Settings {
		settings = append(settings, "-c", kv)
	}
	logFile := filepath.Join(c.Dir, "postgres.log")
	if out, err := c.run(ctx, "pg_ctl", "start", "-D", c.dataDir(), "-w", "-t", "60", "-l", logFile,
		"-o", strings.Join(settings, " ")); err != nil {
		tail, _ := os.ReadFile(logFile)
		if len(tail) > 2000 {
			tail = tail[len(tail)-2000:]
		}
		return nil, fmt.Errorf("devpg: pg_ctl start: %w\n%s\n%s", err, out, tail)
	}
	c.logf("devpg: PostgreSQL listening on 127.0.0.1:%d", c.Port)
	return c, nil
}

// URL returns a connection URL for database name.
func (c *Cluster) URL(name string) string {
	return fmt.Sprintf("postgres://%s@127.0.0.1:%d/%s?sslmode=disable", User, c.Port, name)
}

// Stop shuts the cluster down (fast mode: rolls back open transactions).
func (c *Cluster) Stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if out, err := c.run(ctx, "pg_ctl", "stop", "-D", c.dataDir(), "-m", "fast", "-w"); err != nil {
		return fmt.Errorf("devpg: pg_ctl stop: %w\n%s", err, out)
	}
	c.dismissWatchdog()
	return nil
}

// watchdogScript waits on its standard input, the read end of a pipe whose
// only write end this process holds. A line means the cluster was stopped:
// it leaves. End of file means this process has ended, however it ended (the
// kernel closes the write end even after SIGKILL): it stops the server at
// once and, when $3 is "remove", removes the cluster's directory. $0 is
// pg_ctl, $1 the data directory, $2 the cluster's directory.
const watchdogScript = `if read -r _; then exit 0; fi
"$0" stop -D "$1" -m immediate -w >/dev/null 2>&1
if [ "$3" = remove ]; then rm -rf "$2"; fi`

// watchdogs holds the write ends of the watchdogs' pipes, so that the
// garbage collector never closes one (which would wake its watchdog) while
// its cluster runs.
var watchdogs struct {
	sync.Mutex
	pipes map[*Cluster]*os.File
}

// startWatchdog starts the cluster's watchdog (see Start). It runs as the
// cluster's owner (pg_ctl refuses root) in a process group of its own, so
// that a Ctrl-C meant for the process does not kill it before it can work.
func (c *Cluster) startWatchdog(remove bool) error {
	r, w, err := os.Pipe() // close-on-exec: no other child inherits the write end
	if err != nil {
		return fmt.Errorf("devpg: watchdog: %w", err)
	}
	defer r.Close()
	mode := "keep"
	if remove {
		mode = "remove"
	}
	cmd := exec.Command("/bin/sh", "-c", watchdogScript, filepath.Join(c.BinDir, "pg_ctl"), c.dataDir(), c.Dir, mode)
	cmd.Dir = "/"
	cmd.Env = c.env()
	cmd.Stdin = r // stdout and stderr: /dev/null, so that it holds no pipe of go test's
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: c.cred}
	if err := cmd.Start(); err != nil {
		w.Close()
		return fmt.Errorf("devpg: watchdog: %w", err)
	}
	go func() { _ = cmd.Wait() }() // reaped when it leaves
	watchdogs.Lock()
	defer watchdogs.Unlock()
	if watchdogs.pipes == nil {
		watchdogs.pipes = make(map[*Cluster]*os.File)
	}
	watchdogs.pipes[c] = w
	return nil
}

// dismissWatchdog tells the cluster's watchdog, if it has one, that the
// cluster was stopped: it leaves without touching anything.
func (c *Cluster) dismissWatchdog() {
	watchdogs.Lock()
	w := watchdogs.pipes[c]
	delete(watchdogs.pipes, c)
	watchdogs.Unlock()
	if w != nil {
		_, _ = w.WriteString("stopped\n")
		_ = w.Close()
	}
}

// Run runs one of the cluster's binaries (psql, pgbench, pg_dump …) as the cluster's owner.
func (c *Cluster) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	return c.run(ctx, name, args...)
}

func (c *Cluster) dataDir() string { return filepath.Join(c.Dir, "data") }
func (c *Cluster) runDir() string  { return filepath.Join(c.Dir, "run") }

func (c *Cluster) run(ctx context.Context, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(c.BinDir, name), args...)
	cmd.Dir = c.Dir
	cmd.Env = c.env()
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	// pg_ctl start leaves the postmaster holding inherited pipes; a file avoids waiting on them.
	if name == "pg_ctl" && len(args) > 0 && args[0] == "start" {
		f, err := os.CreateTemp("", "pgctl-*.out")
		if err != nil {
			return nil, err
		}
		defer os.Remove(f.Name())
		defer f.Close()
		cmd.Stdout, cmd.Stderr = f, f
		err = cmd.Run()
		out, _ := os.ReadFile(f.Name())
		return out, err
	}
	err := cmd.Run()
	return buf.Bytes(), err
}

// env is the environment of the cluster's commands: the caller's, without
// PGHOST, PGPORT … (which must not steer the private cluster) and LC_*.
func (c *Cluster) env() []string {
	env := []string{"LC_ALL=C.UTF-8"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") {
			env = append(env, kv)
		}
	}
	return env
}

func (c *Cluster) own(path string) error {
	if c.cred == nil {
		return nil
	}
	if err := os.Chown(path, int(c.cred.Uid), int(c.cred.Gid)); err != nil {
		return fmt.Errorf("devpg: chown %s: %w", path, err)
	}
	return nil
}

// allowTraverse makes sure the postgres user can reach dir through its parents.
func (c *Cluster) allowTraverse(dir string) error {
	if c.cred == nil {
		return nil
	}
	for d := filepath.Dir(dir); d != "/" && d != "."; d = filepath.Dir(d) {
		st, err := os.Stat(d)
		if err != nil {
			return fmt.Errorf("devpg: %w", err)
		}
		if st.Mode().Perm()&0o001 == 0 {
			if err := os.Chmod(d, st.Mode().Perm()|0o001); err != nil {
				return fmt.Errorf("devpg: %s is not reachable by the postgres user: %w", d, err)
			}
		}
	}
	return nil
}

func postgresCredential() (*syscall.Credential, error) {
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("devpg: running as root needs a `postgres` user to run PostgreSQL as (install the postgresql package): %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// FindBinDir locates PostgreSQL's server binaries: $REDRESS_PG_BINDIR, the
// directory of pg_ctl on PATH, `pg_config --bindir`, or the newest
// /usr/lib/postgresql/*/bin.
func FindBinDir() (string, error) {
	has := func(dir string) bool {
		for _, b := range []string{"initdb", "pg_ctl", "postgres"} {
			if _, err := os.Stat(filepath.Join(dir, b)); err != nil {
				return false
			}
		}
		return true
	}
	if d := os.Getenv("REDRESS_PG_BINDIR"); d != "" {
		if has(d) {
			return d, nil
		}
		return "", fmt.Errorf("devpg: REDRESS_PG_BINDIR=%s has no initdb, pg_ctl and postgres", d)
	}
	if p, err := exec.LookPath("pg_ctl"); err == nil {
		if real, err := filepath.EvalSymlinks(p); err == nil && has(filepath.Dir(real)) {
			return filepath.Dir(real), nil
		}
	}
	if out, err := exec.Command("pg_config", "--bindir").Output(); err == nil {
		if d := strings.TrimSpace(string(out)); has(d) {
			return d, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return versionOf(dirs[i]) > versionOf(dirs[j]) })
	for _, d := range dirs {
		if has(d) {
			return d, nil
		}
	}
	return "", errors.New("devpg: no PostgreSQL server binaries (initdb, pg_ctl, postgres) found; install PostgreSQL (Debian: apt-get install postgresql) or set DATABASE_URL")
}

func versionOf(binDir string) int {
	v, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return v
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("devpg: free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// CreateDatabase creates database name (from template, if given) unless it exists.
func (c *Cluster) CreateDatabase(ctx context.Context, name, template string) error {
	conn, err := pgx.Connect(ctx, c.URL("postgres"))
	if err != nil {
		return fmt.Errorf("devpg: connect: %w", err)
	}
	defer conn.Close(ctx)
	var exists bool
	if err := conn.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)`, name).Scan(&exists); err != nil {
		return fmt.Errorf("devpg: %w", err)
	}
	if exists {
		return nil
	}
	q := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize()
	if template != "" {
		q += " TEMPLATE " + pgx.Identifier{template}.Sanitize()
	}
	if _, err := conn.Exec(ctx, q); err != nil {
		return fmt.Errorf("devpg: create database %s: %w", name, err)
	}
	return nil
}
