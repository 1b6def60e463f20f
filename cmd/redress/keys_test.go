package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv"
)

// keysRun runs `redress keys ARGS` in this process and returns its output.
func keysRun(t *testing.T, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"keys"}, args...), &out, io.Discard)
	return out.String(), err
}

// TestKeysSubcommands: `redress keys` lists, rotates and retires the
// dossier signing keys, makes a token secret with the lines to set, says
// what is current, and answers a wrong command line with its usage.
func TestKeysSubcommands(t *testing.T) {
	cfg := testenv.Config(t)
	oldSecret := string(cfg.JWTSecret)
	t.Setenv("DATABASE_URL", testenv.DatabaseURL(t))
	t.Setenv("REDRESS_JWT_SECRET", oldSecret)
	t.Setenv("REDRESS_JWT_SECRET_PREVIOUS", "")
	t.Setenv("REDRESS_ENCRYPTION_KEYS", "")

	for _, args := range [][]string{{"--help"}, {"signing", "--help"}, {"signing", "rotate", "--help"}} {
		if out, err := keysRun(t, args...); err != nil || !strings.Contains(out, "redress keys signing rotate") {
			t.Errorf("keys %v: %v\n%s", args, err, out)
		}
	}
	for _, args := range [][]string{{}, {"frobnicate"}, {"signing"}, {"signing", "retire"}, {"signing", "list", "extra"}} {
		var usage usageError
		if _, err := keysRun(t, args...); !errors.As(err, &usage) || !strings.Contains(err.Error(), "Usage:") {
			t.Errorf("keys %v: %v, want a usage error", args, err)
		}
	}

	if out, err := keysRun(t, "signing", "list"); err != nil || !strings.Contains(out, "no signing key yet") {
		t.Errorf("list with no key: %v\n%s", err, out)
	}
	if _, err := keysRun(t, "signing", "rotate"); err == nil || !strings.Contains(err.Error(), "REDRESS_ENCRYPTION_KEYS") {
		t.Errorf("rotate without the sealing keys: %v", err)
	}
	t.Setenv("REDRESS_ENCRYPTION_KEYS", "test1:"+strings.Repeat("A", 43)+"=")
	first, err := keysRun(t, "signing", "rotate")
	if err != nil {
		t.Fatal(err)
	}
	second, err := keysRun(t, "signing", "rotate")
	if err != nil {
		t.Fatal(err)
	}
	kid1, kid2 := strings.TrimSpace(first), strings.TrimSpace(second)
	if kid1 == "" || kid2 == "" || kid1 == kid2 || strings.ContainsAny(kid1+kid2, " \n") {
		t.Fatalf("rotate printed %q then %q, want a kid each", first, second)
	}
	if _, err := keysRun(t, "signing", "retire", kid2); err == nil || !strings.Contains(err.Error(), "rotate` first") {
		t.Errorf("retire the current key: %v", err)
	}
	if _, err := keysRun(t, "signing", "retire", "nope-nope-nope"); err == nil || !strings.Contains(err.Error(), "no signing key") {
		t.Errorf("retire an unknown key: %v", err)
	}
	if out, err := keysRun(t, "signing", "retire", kid1); err != nil || !strings.Contains(out, "retired") {
		t.Errorf("retire %s: %v %s", kid1, err, out)
	}
	out, err := keysRun(t, "signing", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if err != nil || len(lines) != 3 || !strings.HasPrefix(lines[1], kid2) || !strings.Contains(lines[1], "current") ||
		!strings.HasPrefix(lines[2], kid1) || !strings.Contains(lines[2], "retired") {
		t.Errorf("list: %v\n%s", err, out)
	}

	// token new: a fresh secret as current, this environment's as previous;
	// set, they load, and status names both by kid.
	out, err = keysRun(t, "token", "new")
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if k, v, ok := strings.Cut(l, "="); ok && !strings.HasPrefix(l, "#") {
			env[k] = v
		}
	}
	fresh := env["REDRESS_JWT_SECRET"]
	if len(env) != 2 || len(fresh) < 32 || fresh == oldSecret || env["REDRESS_JWT_SECRET_PREVIOUS"] != oldSecret {
		t.Fatalf("token new:\n%s", out)
	}
	for k, v := range env {
		t.Setenv(k, v)
	}
	out, err = keysRun(t, "status")
	if err != nil || !strings.Contains(out, "current "+kid2) || !strings.Contains(out, "1 retired") ||
		!strings.Contains(out, "current kid "+auth.TokenKeyID([]byte(fresh))) ||
		!strings.Contains(out, "previous kid "+auth.TokenKeyID([]byte(oldSecret))) || strings.Contains(out, fresh) ||
		!strings.Contains(out, "0 account(s) with unused codes of an older token secret") {
		t.Errorf("status: %v\n%s", err, out)
	}
}

// TestKeysExitCodes: 2 for a usage error, 1 for a failure, 0 for help.
func TestKeysExitCodes(t *testing.T) {
	for _, tc := range []struct {
		args string
		want int
	}{{"keys --help", 0}, {"keys frobnicate", 2}, {"keys signing retire", 2}, {"keys signing retire nope-nope-nope", 1}} {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), asBinary+"="+tc.args, "DATABASE_URL="+testenv.DatabaseURL(t))
		out, _ := cmd.CombinedOutput()
		if got := cmd.ProcessState.ExitCode(); got != tc.want {
			t.Errorf("redress %s: exit %d, want %d\n%s", tc.args, got, tc.want, out)
		}
	}
}
