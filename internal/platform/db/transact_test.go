package db_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// A transaction is handed to the code that runs in it; a statement sent on
// the pool with the transaction's context is refused, not run outside it.
func TestTransactHandsTheTransactionOver(t *testing.T) {
	gdb, _ := testenv.DB(t)
	ctx := context.Background()
	if err := gdb.WithContext(ctx).Exec(`CREATE TABLE transact_t (n int)`).Error; err != nil {
		t.Fatal(err)
	}
	count := func(q *gorm.DB) int64 {
		var n int64
		if err := q.Table("transact_t").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		if !db.InTransaction(tx) {
			t.Error("Transact's tx is not a transaction")
		}
		if err := tx.Exec(`INSERT INTO transact_t VALUES (1)`).Error; err != nil {
			return err
		}
		if n := count(tx); n != 1 {
			t.Errorf("the transaction sees %d rows of its own, want 1", n)
		}
		if n := count(gdb.WithContext(ctx)); n != 0 {
			t.Errorf("another connection sees %d uncommitted rows", n)
		}
		// The pool with the transaction's context: refused, whatever the statement.
		onPool := gdb.WithContext(tx.Statement.Context)
		var n int64
		for what, err := range map[string]error{
			"query":  onPool.Table("transact_t").Count(&n).Error,
			"exec":   onPool.Exec(`INSERT INTO transact_t VALUES (2)`).Error,
			"create": onPool.Table("transact_t").Create(map[string]any{"n": 3}).Error,
			"update": onPool.Table("transact_t").Where("n = 1").Update("n", 4).Error,
			"delete": onPool.Exec(`DELETE FROM transact_t`).Error,
		} {
			if !errors.Is(err, db.ErrOutsideTransaction) {
				t.Errorf("%s on the pool inside the transaction: %v, want ErrOutsideTransaction", what, err)
			}
		}
		r := db.ReadsOn(gdb.WithContext(tx.Statement.Context))
		var a, b []int
		r.Raw(&a, `SELECT 1`)
		r.Raw(&b, `SELECT 2`)
		if err := r.Run(); !errors.Is(err, db.ErrOutsideTransaction) {
			t.Errorf("batched reads on the pool inside the transaction: %v", err)
		}
		if err := db.Transact(tx.Statement.Context, gdb, func(*gorm.DB) error { return nil }); !errors.Is(err, db.ErrNestedTransaction) {
			t.Errorf("a transaction opened inside the transaction: %v, want ErrNestedTransaction", err)
		}
		return errors.New("roll back")
	})
	if err == nil || err.Error() != "roll back" {
		t.Fatalf("Transact = %v, want the function's error", err)
	}
	if n := count(gdb.WithContext(ctx)); n != 0 {
		t.Errorf("%d rows after the rollback, want 0", n)
	}
	if db.InTransaction(gdb.WithContext(ctx)) {
		t.Error("the pool reports itself as a transaction")
	}
	if err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		return tx.Exec(`INSERT INTO transact_t VALUES (5)`).Error
	}); err != nil {
		t.Fatal(err)
	}
	if n := count(gdb.WithContext(ctx)); n != 1 {
		t.Errorf("%d rows after the commit, want 1", n)
	}
}

// AfterCommit's functions run once the transaction commits, in order, once
// per key; never when it rolls back; at once on the pool.
func TestAfterCommit(t *testing.T) {
	gdb, _ := testenv.DB(t)
	ctx := context.Background()
	var ran []string
	type key struct{}
	err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		db.AfterCommit(tx, nil, func() { ran = append(ran, "a") })
		db.AfterCommit(tx, key{}, func() { ran = append(ran, "b") })
		db.AfterCommit(tx, key{}, func() { ran = append(ran, "b again") })
		db.AfterCommit(tx, nil, func() { ran = append(ran, "c") })
		if len(ran) != 0 {
			t.Errorf("ran before the commit: %q", ran)
		}
		return nil
	})
	if err != nil || strings.Join(ran, ",") != "a,b,c" {
		t.Errorf("after the commit: %q, %v; want a,b,c", ran, err)
	}
	ran = nil
	_ = db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		db.AfterCommit(tx, nil, func() { ran = append(ran, "rolled back") })
		return errors.New("roll back")
	})
	db.AfterCommit(gdb.WithContext(ctx), nil, func() { ran = append(ran, "pool") })
	if strings.Join(ran, ",") != "pool" {
		t.Errorf("after a rollback and on the pool: %q; want pool", ran)
	}
}
