package db

import (
	"context"
	"fmt"
	"io"

	"github.com/pressly/goose/v3"
	"gorm.io/gorm"

	"github.com/redresshq/redress/migrations"
)

func provider(gdb *gorm.DB) (*goose.Provider, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, SQL(gdb), migrations.FS)
	if err != nil {
		return nil, fmt.Errorf("db: migrations: %w", err)
	}
	return p, nil
}

// Migrate applies every pending migration and reports each to w.
func Migrate(ctx context.Context, gdb *gorm.DB, w io.Writer) error {
	p, err := provider(gdb)
	if err != nil {
		return err
	}
	results, err := p.Up(ctx)
	for _, r := range results {
		fmt.Fprintf(w, "migrated %s (%s)\n", r.Source.Path, r.Duration.Round(1e6))
	}
	if err != nil {
		return fmt.Errorf("db: migrate: %w", err)
	}
	return nil
}

// SchemaStatus is the applied and latest migration versions.
type SchemaStatus struct {
	Current, Latest int64
	Pending         []string
}

// Status reports how far the schema is behind the embedded migrations. A
// pooled connection the server has closed (a restart, a failover: goose asks
// on one dedicated connection, which database/sql does not try again) is
// tried again on another, so that a process does not refuse to start for it.
func Status(ctx context.Context, gdb *gorm.DB) (SchemaStatus, error) {
	st, err := status(ctx, gdb)
	for try := 1; try < 3 && err != nil && Unavailable(err); try++ {
		st, err = status(ctx, gdb)
	}
	return st, err
}

func status(ctx context.Context, gdb *gorm.DB) (SchemaStatus, error) {
	p, err := provider(gdb)
	if err != nil {
		return SchemaStatus{}, err
	}
	st := SchemaStatus{}
	if st.Current, err = p.GetDBVersion(ctx); err != nil {
		return st, fmt.Errorf("db: schema version: %w", err)
	}
	statuses, err := p.Status(ctx)
	if err != nil {
		return st, fmt.Errorf("db: schema status: %w", err)
	}
	for _, s := range statuses {
		if s.Source.Version > st.Latest {
			st.Latest = s.Source.Version
		}
		if s.State == goose.StatePending {
			st.Pending = append(st.Pending, s.Source.Path)
		}
	}
	return st, nil
}

// RequireCurrent refuses to go on when migrations are pending: serve and work
// never run on a schema that is behind.
func RequireCurrent(ctx context.Context, gdb *gorm.DB) error {
	st, err := Status(ctx, gdb)
	if err != nil {
		return err
	}
	if len(st.Pending) > 0 {
		return fmt.Errorf("db: schema is at version %d but this build needs %d (%d migrations pending); run `redress migrate` first",
			st.Current, st.Latest, len(st.Pending))
	}
	return nil
}
