package db_test

import (
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// What Go writes to a text[] column is what it reads back, through PostgreSQL.
func TestTextSliceRoundTrip(t *testing.T) {
	gdb, _ := testenv.DB(t)
	inputs := [][]string{
		{},
		{""},
		{"", ""},
		{"plain"},
		{"with space", " leading", "trailing ", "  "},
		{`"`, `""`, `a"b`, `"quoted"`},
		{`\`, `\\`, `a\b`, `\"`, `"\`, `ends with \`},
		{",", "a,b", ",,"},
		{"{", "}", "{}", "{a,b}", "{{x}}"},
		{"NULL", "null", "Null", " NULL"},
		{"ünïcödé", "日本語", "emoji 🙂", "\u200b", "\uFFFD"},
		{"tab\there", "new\nline", "cr\r", "\x01\x7f"},
		{`mix "of" \all\ {the,} things NULL`},
	}
	// database/sql hands Scan the text format; pgx's own scan, which Reads'
	// batches use, the binary one.
	batch := db.ReadsOn(gdb)
	batched := make([]struct{ V db.TextSlice }, len(inputs))
	for i, in := range inputs {
		batch.Raw(&batched[i], `SELECT ?::text[] AS v`, db.TextSlice(in))
	}
	if err := batch.Run(); err != nil {
		t.Fatal(err)
	}
	for i, in := range inputs {
		if got := batched[i].V; got == nil || !slices.Equal([]string(got), in) {
			t.Errorf("%q came back from a batch as %q", in, got)
		}
	}
	for _, in := range inputs {
		var got db.TextSlice
		if err := gdb.Raw(`SELECT ?::text[]`, db.TextSlice(in)).Row().Scan(&got); err != nil {
			t.Errorf("%q: %v", in, err)
			continue
		}
		if got == nil || !slices.Equal([]string(got), in) {
			t.Errorf("%q came back as %q", in, got)
		}
	}
	// nil is written as the empty array, not NULL.
	var empty db.TextSlice
	if err := gdb.Raw(`SELECT ?::text[]`, db.TextSlice(nil)).Row().Scan(&empty); err != nil || empty == nil || len(empty) != 0 {
		t.Errorf("nil came back as %#v, %v; want the empty array", empty, err)
	}
	// NULL reads as nil; a NULL element as "".
	got := db.TextSlice{"stale"}
	if err := gdb.Raw(`SELECT NULL::text[]`).Row().Scan(&got); err != nil || got != nil {
		t.Errorf("NULL = %#v, %v; want nil", got, err)
	}
	if err := gdb.Raw(`SELECT ARRAY['a', NULL, 'b']::text[]`).Row().Scan(&got); err != nil || !slices.Equal(got, db.TextSlice{"a", "", "b"}) {
		t.Errorf("{a,NULL,b} = %q, %v", got, err)
	}
	// A GORM struct scan reads the columns too.
	var rows []struct {
		ID int
		A  db.TextSlice
	}
	if err := gdb.Raw(`SELECT 1 AS id, ARRAY['x','y z']::text[] AS a`).Scan(&rows).Error; err != nil || len(rows) != 1 || !slices.Equal(rows[0].A, db.TextSlice{"x", "y z"}) {
		t.Errorf("struct scan = %+v, %v", rows, err)
	}
}

func TestTextSliceScan(t *testing.T) {
	a := db.TextSlice{"stale"}
	if err := a.Scan(nil); err != nil || a != nil {
		t.Errorf("Scan(nil) = %q, %v; want nil, nil", a, err)
	}
	for _, src := range []any{42, 3.14, true, []string{"a"}, struct{}{}} {
		b := db.TextSlice{"keep"}
		if err := b.Scan(src); err == nil {
			t.Errorf("Scan(%T) succeeded", src)
		}
		if !slices.Equal(b, db.TextSlice{"keep"}) {
			t.Errorf("failed Scan(%T) changed the value to %q", src, b)
		}
	}
	c := db.TextSlice{"keep"}
	if err := c.Scan("{a"); err == nil || !slices.Equal(c, db.TextSlice{"keep"}) {
		t.Errorf(`Scan("{a") = %q, %v; want an error and the value unchanged`, c, err)
	}
}

// Literals as PostgreSQL's array_out writes them for text[].
func TestTextSliceScanPostgresOutput(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{`{}`, []string{}},
		{`{a}`, []string{"a"}},
		{`{a,b}`, []string{"a", "b"}},
		{`{"a b","c\"d"}`, []string{"a b", `c"d`}},
		{`{"a\\b"}`, []string{`a\b`}},
		{`{NULL}`, []string{""}},
		{`{a,NULL,b}`, []string{"a", "", "b"}},
		{`{"NULL"}`, []string{"NULL"}},
		{`{""}`, []string{""}},
		{`{"",""}`, []string{"", ""}},
		{`{"{}","a,b"}`, []string{"{}", "a,b"}},
		{`{é,日本語,🙂}`, []string{"é", "日本語", "🙂"}},
		{`{"\\\""}`, []string{`\"`}},
		{`{x,"y",z}`, []string{"x", "y", "z"}},
		{`{NULLS,xNULL}`, []string{"NULLS", "xNULL"}},
		{`{"a\bc"}`, []string{"abc"}}, // a backslash quotes any character
	} {
		for _, src := range []any{tc.in, []byte(tc.in)} {
			var got db.TextSlice
			if err := got.Scan(src); err != nil {
				t.Errorf("Scan(%T %q): %v", src, tc.in, err)
				continue
			}
			if got == nil || !slices.Equal([]string(got), tc.want) {
				t.Errorf("Scan(%T %q) = %q, want %q", src, tc.in, got, tc.want)
			}
		}
	}
}
