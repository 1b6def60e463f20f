package db

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Write runs fn's writes as one change. fn writes through w with the
// functions of the packages that own the tables, as it would through a
// transaction (Create, Exec, Update, Delete), and reads nothing: on the
// pool, w only gathers the statements, and Write then sends them to
// PostgreSQL together, in one round trip (one more the first time a
// connection sees them, when pgx prepares them) that is also one transaction (pgx's
// batch: its statements run in one implicit transaction, committed at its end
// and rolled back whole by the first error). What AfterCommit was given runs
// once it has committed. Given a transaction (Transact's tx), w gathers
// them too and Write sends them in one batch on the transaction's
// connection, where they run in it (ctx is then unused: tx has its own);
// what AfterCommit was given waits for the transaction's commit, and a
// failing statement fails the transaction, as it would one by one. A
// transaction not begun by Transact on the pool runs them one by one.
//
// A filing is half a dozen short INSERTs whose cost is the round trips and
// the commit around them, not the work (issue 18); Reads is the same for
// reads.
//
// fn's results must not depend on its statements' (no RowsAffected, no
// RETURNING read back): on the pool they have not run yet when fn returns.
// A read through w fails with ErrReadInWrite.
func Write(ctx context.Context, q *gorm.DB, fn func(w *gorm.DB) error) error {
	gathered := q.Callback().Create().Get(writesCallback) != nil
	if InTransaction(q) {
		st, _ := q.Statement.Context.Value(txKey{}).(*txState)
		if st == nil || st.conn == nil || !gathered {
			return fn(q) // on its own context, which carries what waits for its commit
		}
		// In the transaction, on its connection: what AfterCommit is given
		// waits for the transaction's commit.
		tctx := q.Statement.Context
		ws := &writes{st: st}
		if err := ws.gather(q, tctx, fn); err != nil || len(ws.stmts) == 0 {
			return err
		}
		return ws.send(tctx, func(use func(*sql.Conn) error) error { return use(st.conn) })
	}
	pool, ok := q.Statement.ConnPool.(*sql.DB)
	if !ok {
		return fmt.Errorf("db: write on %T, neither the pool nor a transaction", q.Statement.ConnPool)
	}
	if ctx.Value(txKey{}) != nil {
		return ErrOutsideTransaction
	}
	if !gathered {
		return errors.New("db: write on a handle not opened by db.Open (its statements would not be gathered)")
	}
	ws := &writes{st: &txState{}}
	if err := ws.gather(q, ctx, fn); err != nil || len(ws.stmts) == 0 {
		return err
	}
	if err := ws.send(ctx, func(use func(*sql.Conn) error) error { return onPoolConn(ctx, pool, use) }); err != nil {
		return err
	}
	for _, f := range ws.st.afterCommit {
		f()
	}
	return nil
}

// WriteRead is Write followed by the reads queued on r, sent in the same
// batch after the writes, so that they see them; then r's steps run
// (Reads.Then), which may write more. fn may queue reads on r too. In a
// transaction Transact began, writes and reads are one round trip; elsewhere
// Write, then r.Run. A routed case's transaction writes the case and reads
// who is owed an email about it in one (issue 18).
func WriteRead(ctx context.Context, q *gorm.DB, fn func(w *gorm.DB) error, r *Reads) error {
	st, _ := q.Statement.Context.Value(txKey{}).(*txState)
	if !InTransaction(q) || st == nil || st.conn == nil || q.Callback().Create().Get(writesCallback) == nil {
		if err := Write(ctx, q, fn); err != nil {
			return err
		}
		return r.Run()
	}
	tctx := q.Statement.Context
	ws := &writes{st: st}
	if err := ws.gather(q, tctx, fn); err != nil {
		return err
	}
	reads, then := r.reads, r.then
	r.reads, r.then = nil, nil
	for _, rd := range reads {
		if rd.err != nil {
			return fmt.Errorf("db: build read: %w", rd.err)
		}
	}
	if len(ws.stmts)+len(reads) > 0 {
		begin := time.Now()
		stmts := append(slices.Clip(ws.stmts), reads...)
		err := sendBatch(tctx, func(use func(*sql.Conn) error) error { return use(st.conn) }, "writes", stmts,
			func(res pgx.BatchResults) error {
				for range ws.stmts {
					if _, err := res.Exec(); err != nil {
						return err
					}
				}
				return r.scanResults(res, reads, begin)
			})
		if err != nil {
			return err
		}
	}
	return runSteps(then)
}

// gather runs fn on a handle of q that gathers its statements into ws.
func (ws *writes) gather(q *gorm.DB, ctx context.Context, fn func(w *gorm.DB) error) error {
	w := q.Session(&gorm.Session{NewDB: true, DryRun: true, Context: context.WithValue(ctx, writesKey{}, ws)})
	if err := fn(w); err != nil {
		return err
	}
	return ws.err
}

// ErrReadInWrite is the error of a read inside Write on the pool, where
// nothing has been written yet.
var ErrReadInWrite = errors.New("db: a read inside db.Write, whose statements have not run yet; read before it")

// writesKey marks the context of Write's handle; its value is the writes
// gathered.
type writesKey struct{}

type writes struct {
	st    *txState // what to run once they commit (AfterCommit)
	stmts []read
	err   error
}

// send sends the statements in one pgx batch on the connection on hands it.
// Errors are PostgreSQL's as pgx reports them (IsUniqueViolation reads
// both those and GORM's).
func (ws *writes) send(ctx context.Context, on func(func(*sql.Conn) error) error) error {
	return sendBatch(ctx, on, "writes", ws.stmts, func(res pgx.BatchResults) error {
		for range ws.stmts {
			if _, err := res.Exec(); err != nil {
				return err
			}
		}
		return nil
	})
}

const writesCallback = "redress:writes"

// gatherWrites registers the callbacks that gather Write's statements and
// refuse its reads.
func gatherWrites(gdb *gorm.DB) error {
	gather := func(d *gorm.DB) {
		ws, ok := d.Statement.Context.Value(writesKey{}).(*writes)
		if !ok || !d.DryRun {
			return
		}
		if d.Error != nil {
			if ws.err == nil {
				ws.err = d.Error
			}
			return
		}
		ws.stmts = append(ws.stmts, read{sql: d.Statement.SQL.String(), vars: slices.Clone(d.Statement.Vars)})
	}
	refuse := func(d *gorm.DB) {
		if _, ok := d.Statement.Context.Value(writesKey{}).(*writes); ok {
			_ = d.AddError(ErrReadInWrite)
		}
	}
	cb := gdb.Callback()
	for _, err := range []error{
		cb.Create().After("gorm:create").Register(writesCallback, gather),
		cb.Update().After("gorm:update").Register(writesCallback, gather),
		cb.Delete().After("gorm:delete").Register(writesCallback, gather),
		cb.Raw().After("gorm:raw").Register(writesCallback, gather),
		cb.Query().Before("gorm:query").Register(writesCallback, refuse),
		cb.Row().Before("gorm:row").Register(writesCallback, refuse),
	} {
		if err != nil {
			return fmt.Errorf("db: writes: %w", err)
		}
	}
	return nil
}
