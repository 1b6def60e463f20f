// Package db opens PostgreSQL through GORM and runs transactions, which it
// hands to the code that runs in them (Transact): they are passed as
// arguments, never looked up in a context.
package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// Open connects to dsn with a bounded pool and GORM's error translation on.
// Each connection encodes a uuid.UUID argument directly (RegisterUUID) and
// counts its round trips (RoundTrips).
func Open(ctx context.Context, dsn string, maxConns int) (*gorm.DB, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("db: open: %w", err)
	}
	cfg.Tracer = roundTripTracer{}
	pool := stdlib.OpenDB(*cfg, stdlib.OptionAfterConnect(func(_ context.Context, c *pgx.Conn) error {
		RegisterUUID(c.TypeMap())
		return nil
	}))
	gdb, err := gorm.Open(postgres.New(postgres.Config{DSN: dsn, Conn: pool}), &gorm.Config{
		TranslateError:         true,
		SkipDefaultTransaction: true,
		Logger:                 logger.Discard,
		NowFunc:                func() time.Time { return time.Now().UTC().Truncate(time.Microsecond) },
	})
	if err != nil {
		_ = pool.Close()
		return nil, fmt.Errorf("db: open: %w", err)
	}
	if err := guardTransactions(gdb); err != nil {
		return nil, err
	}
	if err := gatherWrites(gdb); err != nil {
		return nil, err
	}
	sqlDB, err := gdb.DB()
	if err != nil {
		return nil, fmt.Errorf("db: pool: %w", err)
	}
	sqlDB.SetMaxOpenConns(maxConns)
	sqlDB.SetMaxIdleConns(maxConns)
	sqlDB.SetConnMaxIdleTime(5 * time.Minute)
	pingCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := sqlDB.PingContext(pingCtx); err != nil {
		_ = sqlDB.Close()
		return nil, fmt.Errorf("db: ping: %w", err)
	}
	return gdb, nil
}

// Close closes the pool under gdb.
func Close(gdb *gorm.DB) error {
	sqlDB, err := gdb.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// SQL returns the *sql.DB under gdb.
func SQL(gdb *gorm.DB) *sql.DB {
	sqlDB, err := gdb.DB()
	if err != nil {
		panic(err) // only fails for a gorm.DB not opened from a *sql.DB pool
	}
	return sqlDB
}

// txKey marks the context of an open transaction (Transact's tx): db
// refuses that context on the pool, and a second Transact inside it. Its
// value is the transaction's state.
type txKey struct{}

// txState is what an open transaction carries: what to run once it commits,
// and the connection it runs on, on which Reads and Write send their
// statements in one round trip.
type txState struct {
	afterCommit []func()
	once        map[any]bool
	conn        *sql.Conn // nil: the transaction was not begun on a pool of its own
}

// Transact runs fn in a new transaction and hands it to fn as tx, bound to
// ctx. Whatever must happen in that transaction takes tx as its argument:
// the transaction is opened in one place and passed explicitly, never looked
// up. fn's error rolls the transaction back; nil commits it.
//
// tx's context is marked as the transaction's: a statement sent on the pool
// with it fails (ErrOutsideTransaction), and so does a Transact inside it
// (ErrNestedTransaction): both would run outside the transaction they are
// part of, and could wait on its locks.
func Transact(ctx context.Context, gdb *gorm.DB, fn func(tx *gorm.DB) error) error {
	if ctx.Value(txKey{}) != nil {
		return ErrNestedTransaction
	}
	st := &txState{}
	q := gdb.WithContext(ctx)
	if pool, ok := q.Statement.ConnPool.(*sql.DB); ok {
		// The transaction takes a connection of its own, on which it is
		// begun: Reads and Write reach its pgx connection to send a batch
		// in it (database/sql hands a transaction's connection to nobody).
		conn, err := pool.Conn(ctx)
		if err != nil {
			return fmt.Errorf("db: begin: %w", err)
		}
		defer conn.Close()
		st.conn, q.Statement.ConnPool = conn, conn
	}
	err := q.Transaction(func(tx *gorm.DB) error {
		return fn(tx.WithContext(context.WithValue(ctx, txKey{}, st)))
	})
	if err == nil {
		for _, f := range st.afterCommit {
			f()
		}
	}
	return err
}

// AfterCommit runs fn once q's transaction has committed, and never if it
// rolls back; inside Write on the pool, once its statements have committed;
// on the pool (a statement that committed on its own), at once.
// Of the functions given with the same key in one transaction only the first
// runs (a nil key: every one). fn must not block: it runs on the committing
// goroutine, after the commit.
func AfterCommit(q *gorm.DB, key any, fn func()) {
	st, ok := q.Statement.Context.Value(txKey{}).(*txState)
	if ws, gathering := q.Statement.Context.Value(writesKey{}).(*writes); gathering {
		st = ws.st // Write's statements have not run yet
	} else if !ok || !InTransaction(q) {
		fn()
		return
	}
	if key != nil {
		if st.once[key] {
			return
		}
		if st.once == nil {
			st.once = map[any]bool{}
		}
		st.once[key] = true
	}
	st.afterCommit = append(st.afterCommit, fn)
}

// InTransaction reports whether q is a transaction (Transact's tx) rather
// than the pool.
func InTransaction(q *gorm.DB) bool {
	_, ok := q.Statement.ConnPool.(gorm.TxCommitter)
	return ok
}

// ErrNestedTransaction is the error of a Transact called with an open
// transaction's context: the code inside a transaction must be handed the
// transaction (tx), not open another.
var ErrNestedTransaction = errors.New("db: transaction opened inside an open transaction; pass the transaction (tx) instead")

// ErrOutsideTransaction is the error of a statement sent on the pool with a
// context that belongs to an open transaction (Transact's tx): a read or
// write that would silently happen outside the transaction its caller is in,
// and could wait on the caller's own row locks. The function that sent it
// must take the transaction as an argument instead.
var ErrOutsideTransaction = errors.New("db: statement on the pool inside an open transaction; pass the transaction (tx) instead")

// guardTransactions makes every statement of gdb fail with
// ErrOutsideTransaction when it runs on the pool with a transaction's context.
func guardTransactions(gdb *gorm.DB) error {
	check := func(d *gorm.DB) {
		if d.Statement.Context != nil && d.Statement.Context.Value(txKey{}) != nil && !InTransaction(d) {
			_ = d.AddError(ErrOutsideTransaction)
		}
	}
	cb := gdb.Callback()
	for _, err := range []error{
		cb.Create().Before("gorm:create").Register("redress:transaction_guard", check),
		cb.Query().Before("gorm:query").Register("redress:transaction_guard", check),
		cb.Update().Before("gorm:update").Register("redress:transaction_guard", check),
		cb.Delete().Before("gorm:delete").Register("redress:transaction_guard", check),
		cb.Row().Before("gorm:row").Register("redress:transaction_guard", check),
		cb.Raw().Before("gorm:raw").Register("redress:transaction_guard", check),
	} {
		if err != nil {
			return fmt.Errorf("db: transaction guard: %w", err)
		}
	}
	return nil
}

// IsUniqueViolation reports whether err is a unique-constraint violation,
// as GORM translates it or, from Raw(…).Scan, as PostgreSQL reports it.
func IsUniqueViolation(err error) bool {
	var pg *pgconn.PgError
	return errors.Is(err, gorm.ErrDuplicatedKey) || (errors.As(err, &pg) && pg.Code == "23505")
}
