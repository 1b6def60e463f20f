package db_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// RoundTrips counts what is sent: a statement alone is one, a batch of
// reads is one, a transaction's BEGIN and COMMIT one each, and its writes
// and the reads after them (WriteRead) one.
func TestRoundTripsCountWhatIsSent(t *testing.T) {
	gdb, _ := testenv.DB(t)
	ctx := context.Background()
	q := gdb.WithContext(ctx)
	if err := q.Exec(`CREATE TABLE round_t (n int PRIMARY KEY)`).Error; err != nil {
		t.Fatal(err)
	}
	trips := func(what string, want int64, fn func() error) {
		t.Helper()
		// Once to prepare the statements on the connections, then counted.
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		before := db.RoundTrips()
		if err := fn(); err != nil {
			t.Fatal(err)
		}
		if got := db.RoundTrips() - before; got != want {
			t.Errorf("%s: %d round trips, want %d", what, got, want)
		}
	}
	var a, b, c int
	trips("three statements alone", 3, func() error {
		for _, dest := range []*int{&a, &b, &c} {
			if err := q.Raw(`SELECT 1`).Scan(dest).Error; err != nil {
				return err
			}
		}
		return nil
	})
	trips("three reads in a batch", 1, func() error {
		r := db.ReadsOn(q)
		r.Raw(&a, `SELECT 1`)
		r.Raw(&b, `SELECT 2`)
		r.Raw(&c, `SELECT 3`)
		return r.Run()
	})
	n := 0
	trips("a transaction: BEGIN, writes and reads in one batch, COMMIT", 3, func() error {
		return db.Transact(ctx, gdb, func(tx *gorm.DB) error {
			n++
			r := db.ReadsOn(tx)
			r.Raw(&a, `SELECT count(*) FROM round_t`)
			return db.WriteRead(ctx, tx, func(w *gorm.DB) error {
				if err := w.Exec(`INSERT INTO round_t (n) VALUES (?)`, 2*n).Error; err != nil {
					return err
				}
				return w.Exec(`INSERT INTO round_t (n) VALUES (?)`, 2*n+1).Error
			}, r)
		})
	})
	if a != 4 {
		t.Errorf("the reads after the writes saw %d rows, want 4", a)
	}
}
