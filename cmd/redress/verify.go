package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/redresshq/redress/internal/platform/seal"
	"io"
	"math/rand/v2"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/app"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/logx"
)

// verification is what `redress verify` found.
type verification struct {
	Cases    int // cases in the database
	Entries  int // entries of their records, all recomputed
	Broken   int // cases whose chain does not verify
	Read     int // cases read as staff read them (every sealed field of the case opened)
	Contacts int // identities opened (contact details, representative)
	Files    int // evidence files opened and matched to their SHA-256 and size
	Erased   int // values that read as erased
	Failures []string
	refs     map[uuid.UUID]string // case id → reference, for the failures
}

// verifyOptions tune a verification.
type verifyOptions struct {
	// Sample is how many cases, chosen at random, are read; 0 reads every
	// case. The chains of every case are verified in any case.
	Sample int
	// Progress, when set, gets a line every so many cases.
	Progress io.Writer
}

// verifyCmd runs `redress verify [--sample N]`: every case's record
// chain, and the reads of every case (or a sample), on DATABASE_URL with
// the process's keys. It prints counts and fails when anything does not
// verify or open.
func verifyCmd(ctx context.Context, args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var opts verifyOptions
	fs.IntVar(&opts.Sample, "sample", 0, "read only this many cases, chosen at random (0: every case); every chain is verified anyway")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 || opts.Sample < 0 {
		return fmt.Errorf("verify: use `redress verify` or `redress verify --sample N`")
	}
	core, err := quietCore(ctx)
	if err != nil {
		return err
	}
	defer core.Close()
	opts.Progress = stdout
	start := time.Now()
	v, err := verifyAll(ctx, core, opts)
	if err != nil {
		return err
	}
	v.print(stdout, time.Since(start))
	if len(v.Failures) > 0 {
		return fmt.Errorf("verify: %d failures", len(v.Failures))
	}
	return nil
}

// quietCore is the services of a one-off command (verify, retention run)
// on DATABASE_URL with the secrets, on a small pool and a current schema;
// their log lines would only mix with the command's report.
func quietCore(ctx context.Context) (*app.Core, error) {
	cfg, err := config.Load(config.Need{Database: true, Secrets: true})
	if err != nil {
		return nil, err
	}
	cfg.DBMaxConns = 4
	core, err := app.NewCore(ctx, cfg, logx.New(io.Discard, cfg.LogFormat, cfg.LogLevel))
	if err != nil {
		return nil, err
	}
	if err := db.RequireCurrent(ctx, core.DB); err != nil {
		_ = core.Close()
		return nil, err
	}
	return core, nil
}

// verifyAll checks core's database: audit.Verify on every case's record,
// and for every case (or opts.Sample of them) the reads that open its
// sealed values: the case as staff read it (description, desired outcome,
// AI decision, messages, decisions, resolution, points of view, evidence
// metadata, disclosures), its identity, and each evidence file's content
// against its SHA-256. A failure is recorded and the next case checked; an
// error is returned only when the database itself cannot be read.
func verifyAll(ctx context.Context, core *app.Core, opts verifyOptions) (*verification, error) {
	var all []cases.Case
	if err := core.DB.WithContext(ctx).Select("id", "reference").Order("id").Find(&all).Error; err != nil {
		return nil, fmt.Errorf("verify: cases: %w", err)
	}
	ids := make([]uuid.UUID, len(all))
	v := &verification{Cases: len(all), refs: make(map[uuid.UUID]string, len(all))}
	for i, c := range all {
		ids[i] = c.ID
		v.refs[c.ID] = c.Reference
	}
	read := map[uuid.UUID]bool{}
	if opts.Sample == 0 || opts.Sample >= len(ids) {
		for _, id := range ids {
			read[id] = true
		}
	} else {
		for _, i := range rand.Perm(len(ids))[:opts.Sample] {
			read[ids[i]] = true
		}
	}
	for n, id := range ids {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		entries, err := core.Audit.Entries(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("verify: record of case %s: %w", id, err)
		}
		v.Entries += len(entries)
		if r := audit.Verify(id, entries); !r.Verified {
			v.Broken++
			v.fail(id, "record broken at entry %d: %s", r.BrokenAt, r.Problem)
		} else if len(entries) == 0 {
			v.Broken++
			v.fail(id, "record has no entry")
		}
		if read[id] {
			v.read(ctx, core, id)
		}
		if opts.Progress != nil && (n+1)%1000 == 0 {
			fmt.Fprintf(opts.Progress, "… %d of %d cases\n", n+1, len(ids))
		}
	}
	return v, nil
}

// read opens what staff open of case id; values of an erased case count
// as erased, anything else that does not open is a failure.
func (v *verification) read(ctx context.Context, core *app.Core, id uuid.UUID) {
	d, err := core.Grievance.Get(ctx, id)
	if err != nil {
		v.failOrErased(id, err, "case does not read")
		return
	}
	v.Read++
	if _, err := core.Grievance.IdentityOf(ctx, id); err != nil {
		v.failOrErased(id, err, "identity does not open")
	} else {
		v.Contacts++
	}
	for _, e := range d.Evidence {
		// Open checks the content against the stored SHA-256 and size.
		if _, _, err := core.Evidence.Open(ctx, id, e.ID); err != nil {
			v.failOrErased(id, err, fmt.Sprintf("evidence %s does not open", e.ID))
			continue
		}
		v.Files++
	}
}

func (v *verification) failOrErased(id uuid.UUID, err error, what string) {
	if isErased(err) {
		v.Erased++
		return
	}
	v.fail(id, "%s: %v", what, err)
}

func (v *verification) fail(id uuid.UUID, format string, args ...any) {
	v.Failures = append(v.Failures, fmt.Sprintf("case %s (%s): ", id, v.refs[id])+fmt.Sprintf(format, args...))
}

// isErased says whether err is a value that no longer opens because its
// case was erased (issue 19: the keystore's seal.ErrErased), which is what
// an erased case must read as, not a failure.
func isErased(err error) bool { return errors.Is(err, seal.ErrErased) }

func (v *verification) print(w io.Writer, took time.Duration) {
	for _, f := range v.Failures {
		fmt.Fprintln(w, "FAIL", f)
	}
	fmt.Fprintf(w, "cases:          %d\n", v.Cases)
	fmt.Fprintf(w, "records:        %d verify, %d broken (%d entries)\n", v.Cases-v.Broken, v.Broken, v.Entries)
	fmt.Fprintf(w, "cases read:     %d (identities %d, evidence files %d, erased values %d)\n", v.Read, v.Contacts, v.Files, v.Erased)
	fmt.Fprintf(w, "failures:       %d\n", len(v.Failures))
	fmt.Fprintf(w, "took:           %s\n", took.Round(time.Millisecond))
}
