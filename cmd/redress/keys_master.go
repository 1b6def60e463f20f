package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/redresshq/redress/internal/keystore"
	"github.com/redresshq/redress/internal/platform/seal"
)

// The master sealing keys (REDRESS_ENCRYPTION_KEYS): each case's data key
// is wrapped by one (internal/keystore). A new key is added to the
// configuration and made current (REDRESS_ENCRYPTION_KEY_ID) by a rolling
// update; the worker then re-wraps every data key in the background, or
// `redress keys master rewrap` does it at once; `redress keys master
// retire KID` says when nothing needs the old key any more
// (deploy/README.md, "Rotating keys").
func init() {
	keyCommands = append(keyCommands,
		keyCommand{words: []string{"master", "status"},
			help: "what each master key seals: data keys it wraps, values it seals directly (scans every sealed column)",
			run:  masterUse},
		keyCommand{words: []string{"master", "rewrap"}, args: "[--batch N] [--pause D]",
			help: "re-wrap every data key with the current master key now (the worker does it in the background)",
			run:  masterRewrap, nargs: -1},
		keyCommand{words: []string{"master", "retire"}, args: "KID", nargs: 1,
			help: "check that nothing needs master key KID any more, so it can leave REDRESS_ENCRYPTION_KEYS",
			run:  masterRetire})
	keyStatus = append(keyStatus, masterStatus)
}

// store is the keystore on the database with the configuration's master keys.
func (k *keyEnv) store(ctx context.Context) (*keystore.Store, error) {
	gdb, err := k.db(ctx)
	if err != nil {
		return nil, err
	}
	if len(k.cfg.EncryptionKeys) == 0 {
		return nil, fmt.Errorf("config: REDRESS_ENCRYPTION_KEYS is required (set it as for serve)")
	}
	if k.ring == nil {
		if k.ring, err = seal.NewKeyring(k.cfg.EncryptionKeys, k.cfg.EncryptionKeyID); err != nil {
			return nil, err
		}
	}
	return keystore.New(gdb, k.ring), nil
}

func masterStatus(ctx context.Context, k *keyEnv, w io.Writer) error {
	if _, err := k.db(ctx); err != nil {
		return err
	}
	if len(k.cfg.EncryptionKeys) == 0 {
		fmt.Fprintln(w, "master keys	unknown: REDRESS_ENCRYPTION_KEYS is not set")
		return nil
	}
	s, err := k.store(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	st, err := s.Status(ctx)
	if err != nil {
		return err
	}
	var parts []string
	waiting := 0
	for id, n := range st.ByMasterKey {
		parts = append(parts, fmt.Sprintf("%s %d", id, n))
		if id != st.Current {
			waiting += n
		}
	}
	fmt.Fprintf(w, "master keys\tcurrent %s; data keys wrapped by: %s; %d to re-wrap; %d erased\n", st.Current,
		strings.Join(slices.Sorted(slices.Values(parts)), ", "), waiting, st.Erased)
	return nil
}

func masterUse(ctx context.Context, k *keyEnv, _ []string, stdout io.Writer) error {
	gdb, err := k.db(ctx)
	if err != nil {
		return err
	}
	uses, err := keystore.Census(gdb.WithContext(ctx))
	if err != nil {
		return err
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KEY\tTABLE\tCOLUMN\tVALUES")
	for _, u := range uses {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\n", u.KeyID, u.Table, u.Column, u.Values)
	}
	return tw.Flush()
}

func masterRewrap(ctx context.Context, k *keyEnv, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("keys master rewrap", flag.ContinueOnError)
	fs.SetOutput(stdout)
	batch := fs.Int("batch", 500, "data keys per transaction")
	pause := fs.Duration("pause", 20*time.Millisecond, "pause between transactions (throttle)")
	if err := fs.Parse(args); err != nil || fs.NArg() > 0 || *batch < 1 || *pause < 0 {
		return usageError{"keys master rewrap: use [--batch N] [--pause D]"}
	}
	s, err := k.store(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	total, start := 0, time.Now()
	for {
		n, err := s.Rewrap(ctx, *batch)
		if err != nil {
			return err
		}
		total += n
		if n < *batch {
			break
		}
		fmt.Fprintf(stdout, "re-wrapped %d data keys…\n", total)
		time.Sleep(*pause)
	}
	fmt.Fprintf(stdout, "re-wrapped %d data keys with %s in %s\n", total, k.ring.CurrentKeyID(), time.Since(start).Round(time.Millisecond))
	return masterStatus(ctx, k, stdout)
}

func masterRetire(ctx context.Context, k *keyEnv, args []string, stdout io.Writer) error {
	kid := args[0]
	gdb, err := k.db(ctx)
	if err != nil {
		return err
	}
	if kid == k.cfg.EncryptionKeyID {
		return fmt.Errorf("keys master retire: %s is the current master key: make another current first", kid)
	}
	uses, err := keystore.Census(gdb.WithContext(ctx))
	if err != nil {
		return err
	}
	var still []string
	for _, u := range uses {
		if u.KeyID == kid {
			still = append(still, fmt.Sprintf("%d in %s.%s", u.Values, u.Table, u.Column))
		}
	}
	if len(still) > 0 {
		return fmt.Errorf("keys master retire: %s still seals %s: keep it (re-wrap the data keys with `redress keys master rewrap`)",
			kid, strings.Join(still, ", "))
	}
	fmt.Fprintf(stdout, "nothing in the database needs master key %s any more: remove it from REDRESS_ENCRYPTION_KEYS "+
		"everywhere, and keep it in your secret manager as long as you keep backups taken before now (docs/backup.md)\n", kid)
	return nil
}
