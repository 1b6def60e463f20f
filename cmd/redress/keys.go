package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/seal"
)

// `redress keys …`: the keys Redress signs and seals with, and their
// rotation (deploy/README.md, "Rotating keys"). Each kind of key adds its
// subcommands to keyCommands and its line of `redress keys status` to
// keyStatus, from its own file (the dossier signing keys and the token
// secrets here), in an init:
//
//	func init() {
//		keyCommands = append(keyCommands, keyCommand{words: []string{"master", "add"}, …})
//		keyStatus = append(keyStatus, masterStatus)
//	}
//
// The usage lists the commands in that order; a keyEnv gives a command the
// configuration (config), the database (db) and the escalation service.

// keyCommand is one `redress keys` subcommand.
type keyCommand struct {
	words []string // after `keys`, e.g. {"signing", "rotate"}
	args  string   // its arguments in the usage, e.g. "KID"
	nargs int      // how many it takes (-1: any, the command parses its flags)
	help  string   // one line
	run   func(ctx context.Context, k *keyEnv, args []string, stdout io.Writer) error
}

// keyCommands are the `redress keys` subcommands, in the usage's order.
var keyCommands = []keyCommand{
	{words: []string{"status"}, help: "what is current for each kind of key", run: keysStatus},
	{words: []string{"signing", "list"}, help: "the dossier signing keys: status and validity period, current first",
		run: signingList},
	{words: []string{"signing", "rotate"}, help: "make a new current signing key (prints its kid); the current one becomes previous",
		run: signingRotate},
	{words: []string{"signing", "retire"}, args: "KID", nargs: 1,
		help: "retire a previous signing key: it stays published so what it signed verifies, and never signs again",
		run:  signingRetire},
	{words: []string{"token", "new"}, help: "print a fresh token secret and the lines to set (REDRESS_JWT_SECRET, _PREVIOUS)",
		run: tokenNew},
}

// keyStatus are the parts of `redress keys status`, one per kind of key.
var keyStatus = []func(ctx context.Context, k *keyEnv, w io.Writer) error{signingStatus, tokenStatus}

// usageError is a command line that does not say what to do: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func keysUsage() string {
	var b strings.Builder
	b.WriteString("Usage:\n")
	for _, c := range keyCommands {
		line := strings.TrimSpace("redress keys " + strings.Join(c.words, " ") + " " + c.args)
		fmt.Fprintf(&b, "  %-40s %s\n", line, c.help)
	}
	b.WriteString(`
They read DATABASE_URL, and REDRESS_ENCRYPTION_KEYS (a new signing key is sealed
with it) and REDRESS_JWT_SECRET(_PREVIOUS) from the environment, as serve does.
Exit codes: 0 done, 1 failed, 2 a usage error. See deploy/README.md, "Rotating keys".
`)
	return b.String()
}

// keys runs `redress keys ARGS`.
func keys(ctx context.Context, args []string, stdout io.Writer) error {
	help := len(args) > 0 && isHelp(args[len(args)-1])
	if help {
		args = args[:len(args)-1]
	}
	var prefix bool // args name a group of subcommands
	for _, c := range keyCommands {
		n := len(c.words)
		if len(args) >= n && slices.Equal(args[:n], c.words) {
			if help {
				fmt.Fprintf(stdout, "redress keys %s %s\n  %s\n", strings.Join(c.words, " "), c.args, c.help)
				return nil
			}
			rest := args[n:]
			if c.nargs >= 0 && len(rest) != c.nargs {
				return usageError{fmt.Sprintf("keys %s takes %d argument(s) %s, got %d\n\n%s",
					strings.Join(c.words, " "), c.nargs, c.args, len(rest), keysUsage())}
			}
			k := &keyEnv{}
			defer k.close()
			return c.run(ctx, k, rest, stdout)
		}
		if len(args) < n && slices.Equal(args, c.words[:len(args)]) {
			prefix = true
		}
	}
	if help && prefix {
		fmt.Fprint(stdout, keysUsage())
		return nil
	}
	if prefix && len(args) > 0 {
		return usageError{fmt.Sprintf("keys %s: a subcommand is needed\n\n%s", strings.Join(args, " "), keysUsage())}
	}
	if len(args) == 0 {
		return usageError{"keys: a subcommand is needed\n\n" + keysUsage()}
	}
	return usageError{fmt.Sprintf("keys: unknown subcommand %q\n\n%s", strings.Join(args, " "), keysUsage())}
}

func isHelp(s string) bool { return s == "--help" || s == "-h" || s == "help" }

// keyEnv opens what a command needs, once, when it first needs it.
type keyEnv struct {
	cfg  *config.Config
	gdb  *gorm.DB
	ring *seal.Keyring
}

func (k *keyEnv) config() (*config.Config, error) {
	if k.cfg == nil {
		cfg, err := config.Load(config.Need{})
		if err != nil {
			return nil, err
		}
		k.cfg = cfg
	}
	return k.cfg, nil
}

// db opens a small pool on DATABASE_URL, on a current schema.
func (k *keyEnv) db(ctx context.Context) (*gorm.DB, error) {
	if k.gdb != nil {
		return k.gdb, nil
	}
	cfg, err := config.Load(config.Need{Database: true})
	if err != nil {
		return nil, err
	}
	k.cfg = cfg
	gdb, err := db.Open(ctx, cfg.DatabaseURL, 2)
	if err != nil {
		return nil, err
	}
	if err := db.RequireCurrent(ctx, gdb); err != nil {
		db.Close(gdb)
		return nil, err
	}
	k.gdb = gdb
	return gdb, nil
}

// escalation is the dossier signing keys' service; sealing (a new key)
// needs REDRESS_ENCRYPTION_KEYS.
func (k *keyEnv) escalation(ctx context.Context, sealing bool) (*escalation.Service, error) {
	gdb, err := k.db(ctx)
	if err != nil {
		return nil, err
	}
	if k.ring == nil && len(k.cfg.EncryptionKeys) > 0 {
		if k.ring, err = seal.NewKeyring(k.cfg.EncryptionKeys, k.cfg.EncryptionKeyID); err != nil {
			return nil, err
		}
	}
	if sealing && k.ring == nil {
		return nil, errors.New("config: REDRESS_ENCRYPTION_KEYS is required: a new signing key is sealed with it (set it as for serve)")
	}
	return escalation.New(escalation.Options{DB: gdb, Keys: k.ring}), nil
}

func (k *keyEnv) close() {
	if k.gdb != nil {
		db.Close(k.gdb)
	}
}

func day(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func signingList(ctx context.Context, k *keyEnv, _ []string, stdout io.Writer) error {
	s, err := k.escalation(ctx, false)
	if err != nil {
		return err
	}
	list, err := s.SigningKeys(ctx)
	if err != nil {
		return err
	}
	if len(list) == 0 {
		fmt.Fprintln(stdout, "no signing key yet: the first dossier, the key set's first reading or `redress keys signing rotate` makes one")
		return nil
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KID\tSTATUS\tNOT BEFORE\tNOT AFTER\tRETIRED")
	for _, p := range list {
		notAfter, retired := "-", "-"
		if p.NotAfter != nil {
			notAfter = day(*p.NotAfter)
		}
		if p.RetiredAt != nil {
			retired = day(*p.RetiredAt)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.KID, p.Status, day(p.NotBefore), notAfter, retired)
	}
	return tw.Flush()
}

func signingRotate(ctx context.Context, k *keyEnv, _ []string, stdout io.Writer) error {
	s, err := k.escalation(ctx, true)
	if err != nil {
		return err
	}
	kid, err := s.RotateSigningKey(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, kid)
	return nil
}

func signingRetire(ctx context.Context, k *keyEnv, args []string, stdout io.Writer) error {
	s, err := k.escalation(ctx, false)
	if err != nil {
		return err
	}
	kid := args[0]
	switch err := s.RetireSigningKey(ctx, kid); {
	case errors.Is(err, escalation.ErrNoSuchKey):
		return fmt.Errorf("keys signing retire: no signing key %q (see `redress keys signing list`)", kid)
	case errors.Is(err, escalation.ErrKeyIsCurrent):
		return fmt.Errorf("keys signing retire: %s is the current key; run `redress keys signing rotate` first, then retire it", kid)
	case errors.Is(err, escalation.ErrAlreadyRetired):
		fmt.Fprintf(stdout, "signing key %s was retired already\n", kid)
		return nil
	case err != nil:
		return err
	}
	fmt.Fprintf(stdout, "signing key %s retired: it stays published, so what it signed still verifies, and never signs again\n", kid)
	return nil
}

func signingStatus(ctx context.Context, k *keyEnv, w io.Writer) error {
	s, err := k.escalation(ctx, false)
	if err != nil {
		return err
	}
	list, err := s.SigningKeys(ctx)
	if err != nil {
		return err
	}
	current, counts := "none yet (made at the first signing)", map[escalation.KeyStatus]int{}
	for _, p := range list {
		counts[p.Status]++
		if p.Status == escalation.KeyCurrent {
			current = fmt.Sprintf("%s since %s", p.KID, day(p.NotBefore))
		}
	}
	fmt.Fprintf(w, "signing keys\tcurrent %s; %d previous, %d retired, all published\n", current,
		counts[escalation.KeyPrevious], counts[escalation.KeyRetired])
	return nil
}

func tokenStatus(ctx context.Context, k *keyEnv, w io.Writer) error {
	cfg, err := k.config()
	if err != nil {
		return err
	}
	if len(cfg.JWTSecret) == 0 {
		fmt.Fprintf(w, "token secret\tREDRESS_JWT_SECRET is not set in this environment\n")
		return nil
	}
	line := "current kid " + auth.TokenKeyID(cfg.JWTSecret)
	if len(cfg.JWTSecretPrevious) > 0 {
		line += ", previous kid " + auth.TokenKeyID(cfg.JWTSecretPrevious) + " (still verifies)"
	} else {
		line += ", no previous"
	}
	fmt.Fprintf(w, "token secret\t%s (as this environment sets them)\n", line)
	gdb, err := k.db(ctx)
	if err != nil {
		return err
	}
	n, err := auth.AccountsWithOldRecoveryCodes(gdb.WithContext(ctx), auth.TokenKeyID(cfg.JWTSecret))
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "recovery codes\t%d account(s) with unused codes of an older token secret (they work while it is previous)\n", n)
	return nil
}

func keysStatus(ctx context.Context, k *keyEnv, _ []string, stdout io.Writer) error {
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	for _, part := range keyStatus {
		if err := part(ctx, k, tw); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// tokenNew prints a fresh secret, and the lines that make it current and
// keep the one in this environment verifying.
func tokenNew(ctx context.Context, k *keyEnv, _ []string, stdout io.Writer) error {
	cfg, err := k.config()
	if err != nil {
		return err
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	secret := base64.StdEncoding.EncodeToString(b)
	fmt.Fprintf(stdout, "# A new token secret (kid %s). Set these for every serve process and restart them;\n",
		auth.TokenKeyID([]byte(secret)))
	if len(cfg.JWTSecret) == 0 {
		fmt.Fprintln(stdout, "# REDRESS_JWT_SECRET is not set here, so there is no previous secret to keep.")
		fmt.Fprintf(stdout, "REDRESS_JWT_SECRET=%s\n", secret)
		return nil
	}
	fmt.Fprintln(stdout, "# tokens signed with the old secret keep working until they expire. With several serve")
	fmt.Fprintln(stdout, "# processes, first roll out the new secret as REDRESS_JWT_SECRET_PREVIOUS alone (the old")
	fmt.Fprintln(stdout, "# one still current), then these lines. Unset _PREVIOUS once the longer of")
	fmt.Fprintln(stdout, "# REDRESS_STAFF_TOKEN_TTL and REDRESS_COMPLAINANT_TOKEN_TTL has passed, and staff have made")
	fmt.Fprintln(stdout, "# new recovery codes (the old ones are keyed by the old secret; docs/sign-in.md).")
	if len(cfg.JWTSecretPrevious) > 0 {
		fmt.Fprintf(stdout, "# The previous secret set now (kid %s) stops verifying.\n", auth.TokenKeyID(cfg.JWTSecretPrevious))
	}
	fmt.Fprintf(stdout, "REDRESS_JWT_SECRET=%s\n", secret)
	fmt.Fprintf(stdout, "REDRESS_JWT_SECRET_PREVIOUS=%s\n", cfg.JWTSecret)
	return nil
}
