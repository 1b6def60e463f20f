package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"reflect"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/stdlib"
	"gorm.io/gorm"
	"gorm.io/gorm/schema"
)

// Reads are SELECTs that do not depend on one another, gathered from the
// packages that own their tables and sent to PostgreSQL together: on the
// pool or in a transaction (Transact's), in one round trip (pgx's batch,
// which pipelines them). Each is scanned into its
// destination by GORM's scanner, as Raw(…).Scan or Find would scan it;
// then the steps registered with Then run, in order (opening sealed
// columns, shaping views).
//
// A read of a case's page is a dozen short statements whose cost is the
// round trip, not the work: the client's and the server's system calls and
// the switch between them on a loaded machine (BENCHMARKS.md, "Reads").
type Reads struct {
	conn  *gorm.DB
	reads []read
	then  []func() error
}

type read struct {
	sql  string
	vars []any
	dest any
	err  error // building it
}

// On is the handle r reads through, for a step that reads more.
func (r *Reads) On() *gorm.DB { return r.conn }

// ReadsOn is a set of reads run through q: the pool or a transaction, in
// one batch.
func ReadsOn(q *gorm.DB) *Reads { return &Reads{conn: q} }

// Raw queues a statement written in SQL, with GORM's placeholders, to be
// scanned into dest as Raw(query, args…).Scan(dest) scans it: every row
// into a slice, the first into a struct (left as it is when there is none).
func (r *Reads) Raw(dest any, query string, args ...any) {
	st := r.conn.Session(&gorm.Session{NewDB: true}).Raw(query, args...).Statement
	r.reads = append(r.reads, read{sql: st.SQL.String(), vars: st.Vars, dest: dest})
}

// Find queues the statement q.Find(dest) would run; q builds it on the
// handle it is given with GORM's builder (Model or Table, Where, Order, …).
func (r *Reads) Find(dest any, q func(*gorm.DB) *gorm.DB) {
	tx := q(r.conn.Session(&gorm.Session{NewDB: true, DryRun: true})).Find(dest)
	r.reads = append(r.reads, read{sql: tx.Statement.SQL.String(), vars: tx.Statement.Vars, dest: dest, err: tx.Error})
}

// Then registers fn to run after every read is scanned, after the steps
// registered before it.
func (r *Reads) Then(fn func() error) { r.then = append(r.then, fn) }

// Run runs the reads queued, then the steps, and empties r. The first error
// stops it.
func (r *Reads) Run() error {
	reads, then := r.reads, r.then
	r.reads, r.then = nil, nil
	for _, rd := range reads {
		if rd.err != nil {
			return fmt.Errorf("db: build read: %w", rd.err)
		}
	}
	var err error
	pool, onPool := r.conn.Statement.ConnPool.(*sql.DB)
	if onPool && r.conn.Statement.Context.Value(txKey{}) != nil {
		return ErrOutsideTransaction
	}
	st, _ := r.conn.Statement.Context.Value(txKey{}).(*txState)
	switch {
	case onPool && len(reads) > 1:
		err = r.batch(func(use func(*sql.Conn) error) error { return onPoolConn(r.conn.Statement.Context, pool, use) }, reads)
	case !onPool && InTransaction(r.conn) && st != nil && st.conn != nil && len(reads) > 1:
		err = r.batch(func(use func(*sql.Conn) error) error { return use(st.conn) }, reads)
	default:
		err = r.oneByOne(reads)
	}
	if err != nil {
		return err
	}
	return runSteps(then)
}

// runSteps runs the steps registered with Then, in order, until one fails.
func runSteps(then []func() error) error {
	for _, fn := range then {
		if err := fn(); err != nil {
			return err
		}
	}
	return nil
}

// oneByOne runs the reads on r's handle (a transaction's connection), each
// in its own round trip.
func (r *Reads) oneByOne(reads []read) error {
	ctx := r.conn.Statement.Context
	for _, rd := range reads {
		begin := time.Now()
		rows, err := r.conn.Statement.ConnPool.QueryContext(ctx, rd.sql, rd.vars...)
		if err != nil {
			r.trace(begin, rd, err)
			return r.translate(err)
		}
		err = r.scan(rows, rd.dest)
		if cerr := rows.Close(); err == nil {
			err = cerr
		}
		r.trace(begin, rd, err)
		if err != nil {
			return err
		}
	}
	return nil
}

// trace hands a read to the handle's logger, as GORM hands it the
// statements it runs (a slow-statement log, a test's record of the SQL).
func (r *Reads) trace(begin time.Time, rd read, err error) {
	if r.conn.Logger == nil {
		return
	}
	r.conn.Logger.Trace(r.conn.Statement.Context, begin, func() (string, int64) {
		return r.conn.Dialector.Explain(rd.sql, rd.vars...), -1
	}, err)
}

// batch sends the reads in one round trip on the connection on hands it.
func (r *Reads) batch(on func(func(*sql.Conn) error) error, reads []read) error {
	begin := time.Now()
	return sendBatch(r.conn.Statement.Context, on, "reads", reads, func(res pgx.BatchResults) error {
		return r.scanResults(res, reads, begin)
	})
}

// scanResults scans the results of reads, next in res, into their destinations.
func (r *Reads) scanResults(res pgx.BatchResults, reads []read, begin time.Time) error {
	for _, rd := range reads {
		rows, err := res.Query()
		if err == nil {
			err = r.scan(pgxRows{rows}, rd.dest)
			rows.Close()
			if err == nil {
				err = rows.Err()
			}
		}
		r.trace(begin, rd, err)
		if err != nil {
			return r.translate(err)
		}
	}
	return nil
}

// onPoolConn runs use on one of pool's connections.
func onPoolConn(ctx context.Context, pool *sql.DB, use func(*sql.Conn) error) error {
	conn, err := pool.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	return use(conn)
}

// sendBatch queues stmts in one pgx batch on the connection on hands it
// (one of the pool's, or an open transaction's, whose statements the batch
// then runs in), sends it, and hands its results to use (what for names
// them in an error). The batch is closed after use, whose error comes first.
func sendBatch(ctx context.Context, on func(func(*sql.Conn) error) error, what string, stmts []read, use func(pgx.BatchResults) error) error {
	return on(func(conn *sql.Conn) error {
		return conn.Raw(func(driverConn any) error {
			dc, ok := driverConn.(*stdlib.Conn)
			if !ok {
				return fmt.Errorf("db: %s need pgx's stdlib driver, not %T", what, driverConn)
			}
			b := &pgx.Batch{}
			for _, st := range stmts {
				b.Queue(st.sql, st.vars...)
			}
			res := dc.Conn().SendBatch(ctx, b)
			if err := use(res); err != nil {
				_ = res.Close()
				return err
			}
			return res.Close()
		})
	})
}

// scan scans rows into dest with GORM's scanner, as ScanRows sets it up.
func (r *Reads) scan(rows gorm.Rows, dest any) error {
	tx := r.conn.Session(&gorm.Session{NewDB: true, Initialized: true})
	if err := tx.Statement.Parse(dest); err != nil && !errors.Is(err, schema.ErrUnsupportedDataType) {
		return err
	}
	tx.Statement.Dest = dest
	tx.Statement.ReflectValue = reflect.ValueOf(dest)
	for tx.Statement.ReflectValue.Kind() == reflect.Ptr {
		tx.Statement.ReflectValue = tx.Statement.ReflectValue.Elem()
	}
	gorm.Scan(rows, tx, 0)
	return tx.Error
}

// translate maps a driver's error as GORM's callbacks do (TranslateError).
func (r *Reads) translate(err error) error {
	if t, ok := r.conn.Dialector.(gorm.ErrorTranslator); ok && r.conn.TranslateError {
		return t.Translate(err)
	}
	return err
}

// pgxRows are pgx's rows as GORM's scanner reads them.
type pgxRows struct{ pgx.Rows }

func (p pgxRows) Columns() ([]string, error) {
	fds := p.FieldDescriptions()
	names := make([]string, len(fds))
	for i, fd := range fds {
		names[i] = fd.Name
	}
	return names, nil
}

// ColumnTypes is asked only for scans into maps, which reads do not make.
func (p pgxRows) ColumnTypes() ([]*sql.ColumnType, error) {
	return nil, errors.New("db: reads scan into structs, slices and values, not maps")
}

func (p pgxRows) Close() error {
	p.Rows.Close()
	return p.Rows.Err()
}
