package db_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

type writeRow struct {
	N    int `gorm:"primaryKey"`
	Note string
}

func (writeRow) TableName() string { return "write_t" }

// Write's statements are sent together and are one transaction: all of
// them, or none, and what waits for the commit runs once it is done.
func TestWriteIsOneTransaction(t *testing.T) {
	gdb, _ := testenv.DB(t)
	ctx := context.Background()
	if err := gdb.WithContext(ctx).Exec(`CREATE TABLE write_t (n int PRIMARY KEY, note text NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
	rows := func() (n, xacts int) {
		t.Helper()
		if err := gdb.WithContext(ctx).Raw(`SELECT count(*), count(DISTINCT xmin::text) FROM write_t`).Row().Scan(&n, &xacts); err != nil {
			t.Fatal(err)
		}
		return n, xacts
	}
	committed := 0
	err := db.Write(ctx, gdb, func(w *gorm.DB) error {
		if db.InTransaction(w) {
			t.Error("on the pool, Write's handle is a transaction")
		}
		if err := w.Create(&writeRow{N: 1, Note: "created"}).Error; err != nil {
			return err
		}
		if err := w.Exec(`INSERT INTO write_t (n, note) VALUES (?, ?), (?, ?)`, 2, "exec", 3, "exec").Error; err != nil {
			return err
		}
		if err := w.Model(&writeRow{}).Where("n = ?", 3).Update("note", "updated").Error; err != nil {
			return err
		}
		db.AfterCommit(w, "k", func() { committed++ })
		db.AfterCommit(w, "k", func() { committed += 100 }) // the same key: once
		if n, _ := rows(); n != 0 {
			t.Errorf("%d rows written before Write sent them", n)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n, xacts := rows(); n != 3 || xacts != 1 {
		t.Errorf("%d rows in %d transactions, want 3 in 1", n, xacts)
	}
	var note string
	gdb.WithContext(ctx).Raw(`SELECT note FROM write_t WHERE n = 3`).Row().Scan(&note)
	if note != "updated" {
		t.Errorf("row 3 is %q: the statements did not run in order", note)
	}
	if committed != 1 {
		t.Errorf("after commit ran %d times' worth, want once", committed)
	}

	// A failing statement undoes those before it; nothing runs after commit.
	err = db.Write(ctx, gdb, func(w *gorm.DB) error {
		w.Create(&writeRow{N: 4, Note: "before"})
		w.Create(&writeRow{N: 1, Note: "taken"})
		db.AfterCommit(w, nil, func() { committed++ })
		return nil
	})
	if !db.IsUniqueViolation(err) {
		t.Fatalf("a taken key: %v, want a unique violation", err)
	}
	if n, _ := rows(); n != 3 || committed != 1 {
		t.Errorf("after a failed write: %d rows (want 3), after-commit %d (want 1)", n, committed)
	}

	// fn's error sends nothing; so does a read, which has nothing to read yet.
	boom := errors.New("boom")
	if err := db.Write(ctx, gdb, func(w *gorm.DB) error {
		w.Create(&writeRow{N: 5, Note: "never"})
		return boom
	}); !errors.Is(err, boom) {
		t.Errorf("fn's error: %v", err)
	}
	err = db.Write(ctx, gdb, func(w *gorm.DB) error {
		w.Create(&writeRow{N: 6, Note: "never"})
		var got []writeRow
		return w.Find(&got).Error
	})
	if !errors.Is(err, db.ErrReadInWrite) {
		t.Errorf("a read inside Write: %v, want ErrReadInWrite", err)
	}
	if n, _ := rows(); n != 3 {
		t.Errorf("%d rows after writes that sent nothing, want 3", n)
	}

	// In a transaction, the statements are gathered too and sent together
	// on its connection, where they run in it; Reads read them there.
	var pid, txid, sentPID, sentTxid int64
	err = db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT pg_backend_pid(), txid_current()`).Row().Scan(&pid, &txid); err != nil {
			return err
		}
		if err := db.Write(ctx, tx, func(w *gorm.DB) error {
			db.AfterCommit(w, nil, func() { committed++ })
			if err := w.Create(&writeRow{N: 7, Note: "in a transaction"}).Error; err != nil {
				return err
			}
			if err := w.Exec(`INSERT INTO write_t (n, note) SELECT 8, pg_backend_pid() || ' ' || txid_current()`).Error; err != nil {
				return err
			}
			var n int64
			if err := tx.Model(&writeRow{}).Where("n IN (7, 8)").Count(&n).Error; err != nil || n != 0 {
				t.Errorf("the transaction sees %d rows Write has not sent yet (%v)", n, err)
			}
			return nil
		}); err != nil {
			return err
		}
		r := db.ReadsOn(tx)
		var n int64
		var note string
		r.Raw(&n, `SELECT count(*) FROM write_t WHERE n IN (7, 8)`)
		r.Raw(&note, `SELECT note FROM write_t WHERE n = 8`)
		if err := r.Run(); err != nil {
			return err
		}
		if n != 2 {
			t.Errorf("the transaction's reads see %d of its two rows", n)
		}
		if _, err := fmt.Sscan(note, &sentPID, &sentTxid); err != nil {
			t.Errorf("row 8's note %q: %v", note, err)
		}
		if committed != 1 {
			t.Error("after commit ran before the transaction committed")
		}
		return nil
	})
	if err != nil || committed != 2 {
		t.Errorf("in a transaction: %v, after-commit %d (want 2)", err, committed)
	}
	if sentPID != pid || sentTxid != txid {
		t.Errorf("Write's statements ran in backend %d, transaction %d; the transaction is %d, %d", sentPID, sentTxid, pid, txid)
	}
	if n, xacts := rows(); n != 5 || xacts != 2 {
		t.Errorf("%d rows in %d transactions after the transaction, want 5 in 2", n, xacts)
	}

	// A statement of Write's batch that fails fails the transaction whole.
	err = db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		if err := tx.Create(&writeRow{N: 9, Note: "before the batch"}).Error; err != nil {
			return err
		}
		return db.Write(ctx, tx, func(w *gorm.DB) error {
			db.AfterCommit(w, nil, func() { committed++ })
			w.Create(&writeRow{N: 10, Note: "in the batch"})
			return w.Create(&writeRow{N: 1, Note: "taken"}).Error
		})
	})
	if !db.IsUniqueViolation(err) {
		t.Errorf("a taken key in a transaction's batch: %v, want a unique violation", err)
	}
	if n, _ := rows(); n != 5 || committed != 2 {
		t.Errorf("after a failed batch in a transaction: %d rows (want 5), after-commit %d (want 2)", n, committed)
	}

	// A handle not opened by db.Open would not gather: refused, not run.
	other, err := gorm.Open(postgres.New(postgres.Config{Conn: db.SQL(gdb)}), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Write(ctx, other, func(w *gorm.DB) error {
		return w.Create(&writeRow{N: 11, Note: "never"}).Error
	}); err == nil {
		t.Error("Write on a handle without its callbacks: no error")
	}
	if n, _ := rows(); n != 5 {
		t.Errorf("%d rows at the end, want 5", n)
	}
}

// WriteRead sends the reads after the writes, in the transaction, where
// they see them; its steps run after, and may write more. A failing write
// scans nothing and runs no step.
func TestWriteReadReadsWhatItWrote(t *testing.T) {
	gdb, _ := testenv.DB(t)
	ctx := context.Background()
	if err := gdb.WithContext(ctx).Exec(`CREATE TABLE write_t (n int PRIMARY KEY, note text NOT NULL)`).Error; err != nil {
		t.Fatal(err)
	}
	var pid, readPID int64
	var notes []string
	var count int64
	steps := 0
	err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		if err := tx.Raw(`SELECT pg_backend_pid()`).Row().Scan(&pid); err != nil {
			return err
		}
		r := db.ReadsOn(tx)
		r.Raw(&readPID, `SELECT pg_backend_pid()`)
		r.Then(func() error {
			steps++
			if len(notes) != 2 {
				t.Errorf("a step ran before the reads were scanned: %v", notes)
			}
			return tx.Create(&writeRow{N: 3, Note: "by the step"}).Error
		})
		return db.WriteRead(ctx, tx, func(w *gorm.DB) error {
			if err := w.Create(&[]writeRow{{N: 1, Note: "one"}, {N: 2, Note: "two"}}).Error; err != nil {
				return err
			}
			r.Raw(&notes, `SELECT note FROM write_t ORDER BY n`) // queued by fn, read after the writes
			return nil
		}, r)
	})
	if err != nil {
		t.Fatal(err)
	}
	if fmt.Sprint(notes) != "[one two]" || readPID != pid || steps != 1 {
		t.Errorf("read %v in backend %d (the transaction's: %d), %d steps; want [one two], 1 step", notes, readPID, pid, steps)
	}
	gdb.WithContext(ctx).Raw(`SELECT count(*) FROM write_t`).Row().Scan(&count)
	if count != 3 {
		t.Errorf("%d rows, want 3 (two written, one by the step)", count)
	}

	notes, steps = nil, 0
	err = db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		r := db.ReadsOn(tx)
		r.Raw(&notes, `SELECT note FROM write_t`)
		r.Then(func() error { steps++; return nil })
		return db.WriteRead(ctx, tx, func(w *gorm.DB) error {
			w.Create(&writeRow{N: 4, Note: "before"})
			return w.Create(&writeRow{N: 1, Note: "taken"}).Error
		}, r)
	})
	if !db.IsUniqueViolation(err) || notes != nil || steps != 0 {
		t.Errorf("a taken key: %v, read %v, %d steps; want a unique violation, nothing read, no step", err, notes, steps)
	}
	gdb.WithContext(ctx).Raw(`SELECT count(*) FROM write_t`).Row().Scan(&count)
	if count != 3 {
		t.Errorf("%d rows after the failed write, want 3", count)
	}
}
