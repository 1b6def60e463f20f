package db_test

import (
	"context"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

type shade string

// readRow has a column of each kind the reads of a case scan.
type readRow struct {
	ID       uuid.UUID
	Maybe    *uuid.UUID
	Name     string
	Shade    shade
	Note     *string
	At       time.Time
	When     *time.Time
	Day      *time.Time
	Sealed   []byte
	Tags     db.TextSlice
	Amount   *string
	Rule     json.RawMessage
	Count    int
	Score    *int
	Flag     bool
	Renamed  string `gorm:"column:other_name"`
	Untagged string `gorm:"-"`
}

const readRows = `SELECT gen_random_uuid() AS id, CASE WHEN n = 2 THEN gen_random_uuid() END AS maybe,
	       'row ' || n AS name, 'blue' AS shade, CASE WHEN n = 1 THEN 'note' END AS note,
	       timestamptz '2026-12-06 10:00:00.123456+00' + n * interval '1 hour' AS at,
	       CASE WHEN n = 2 THEN now() END AS "when", date '2026-01-31' AS day,
	       decode('00ff' || lpad(n::text, 2, '0'), 'hex') AS sealed, ARRAY['a b', '', 'c"d']::text[] AS tags,
	       (n * 1.5)::numeric(12,2)::text AS amount, jsonb_build_object('n', n) AS rule,
	       n AS count, CASE WHEN n = 1 THEN 5 END AS score, n % 2 = 0 AS flag, 'x' AS other_name
	  FROM generate_series(1, ?) n ORDER BY n`

// Reads scan what GORM's Raw(…).Scan scans, on the pool (one batch) and in
// a transaction (one by one), and run their steps after every read, in order.
func TestReadsScanAsGORMDoes(t *testing.T) {
	gdb, _ := testenv.DB(t)
	var want []readRow
	if err := gdb.Raw(readRows, 3).Scan(&want).Error; err != nil || len(want) != 3 {
		t.Fatalf("GORM: %d rows, %v", len(want), err)
	}
	check := func(t *testing.T, q *gorm.DB) {
		r := db.ReadsOn(q)
		var all, none []readRow
		var first, missing readRow
		missing.Name = "untouched"
		var count int64
		var names []string
		var order []string
		r.Raw(&all, readRows, 3)
		r.Then(func() error { order = append(order, "all"); return nil })
		r.Raw(&first, readRows, 2)
		r.Raw(&none, readRows, 0)
		r.Raw(&missing, readRows, 0)
		r.Find(&names, func(q *gorm.DB) *gorm.DB {
			return q.Table("pg_namespace").Select("nspname").Where("nspname IN ?", []string{"pg_catalog", "public"}).Order("nspname")
		})
		r.Raw(&count, `SELECT count(*) FROM generate_series(1, ?)`, 7)
		r.Then(func() error {
			order = append(order, "second")
			if len(all) != 3 || count != 7 {
				t.Errorf("a step ran before every read was scanned: %d rows, count %d", len(all), count)
			}
			return nil
		})
		if err := r.Run(); err != nil {
			t.Fatal(err)
		}
		if len(all) != 3 {
			t.Fatalf("%d rows", len(all))
		}
		for i := range all {
			w, g := want[i], all[i]
			w.ID, w.Maybe, w.When, g.ID, g.Maybe, g.When = uuid.Nil, nil, nil, uuid.Nil, nil, nil
			if !reflect.DeepEqual(g, w) {
				t.Errorf("row %d:\n got  %+v\n want %+v", i+1, g, w)
			}
		}
		if all[0].ID == uuid.Nil || all[1].Maybe == nil || all[0].Maybe != nil || all[1].When == nil || all[0].When != nil {
			t.Errorf("ids and NULLs: %+v", all)
		}
		if first.Name != "row 1" || first.Count != 1 {
			t.Errorf("a struct takes the first row: %+v", first)
		}
		if none == nil && len(none) != 0 || missing.Name != "untouched" {
			t.Errorf("no rows: %#v, %+v", none, missing)
		}
		if strings.Join(names, ",") != "pg_catalog,public" {
			t.Errorf("Find built on the builder read %q", names)
		}
		if strings.Join(order, ",") != "all,second" {
			t.Errorf("steps ran as %v", order)
		}
		// The set is empty after Run, and can be used again.
		if err := r.Run(); err != nil {
			t.Errorf("an empty set: %v", err)
		}
	}
	t.Run("pool", func(t *testing.T) { check(t, gdb.WithContext(context.Background())) })
	t.Run("transaction", func(t *testing.T) {
		err := db.Transact(context.Background(), gdb, func(tx *gorm.DB) error {
			check(t, tx)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

// A read that fails fails the set, names the statement's error and runs no
// step; the pool's one connection then serves the next set, and a step's
// error stops the steps after it.
func TestReadsFail(t *testing.T) {
	gdb, _ := testenv.DB(t)
	db.SQL(gdb).SetMaxOpenConns(1) // the next set runs on the connection the failed batch used
	ctx := context.Background()
	r := db.ReadsOn(gdb.WithContext(ctx))
	var a, b []int
	ran := false
	r.Raw(&a, `SELECT 1`)
	r.Raw(&b, `SELECT 1/0`)
	r.Then(func() error { ran = true; return nil })
	if err := r.Run(); err == nil || !strings.Contains(err.Error(), "division by zero") || ran {
		t.Errorf("err = %v, step ran %v", err, ran)
	}
	var n int
	r.Raw(&n, `SELECT 41 + 1`)
	r.Raw(&a, `SELECT 2`)
	if err := r.Run(); err != nil || n != 42 {
		t.Errorf("after a failed set: %d, %v", n, err)
	}
	bad := db.ReadsOn(gdb.WithContext(ctx))
	bad.Find(&a, func(q *gorm.DB) *gorm.DB { return q.Table("no_such_table") })
	bad.Raw(&b, `SELECT 1`)
	if err := bad.Run(); err == nil || !strings.Contains(err.Error(), "no_such_table") {
		t.Errorf("a missing table: %v", err)
	}
	steps := db.ReadsOn(gdb.WithContext(ctx))
	var x int
	later := false
	steps.Raw(&x, `SELECT 1`)
	steps.Then(func() error { return context.Canceled })
	steps.Then(func() error { later = true; return nil })
	if err := steps.Run(); err != context.Canceled || later {
		t.Errorf("err = %v, later step ran %v", err, later)
	}
}
