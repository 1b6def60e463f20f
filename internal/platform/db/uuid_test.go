package db_test

import (
	"bytes"
	"context"
	"fmt"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// A uuid.UUID argument encodes to the bytes it encoded to before
// RegisterUUID, for a uuid parameter and a text one, by value and by
// pointer; only the way there changes.
func TestRegisterUUIDEncodesWhatPgxEncodedBefore(t *testing.T) {
	u := uuid.MustParse("0190c8a4-7b2e-7c3d-9e1f-0a1b2c3d4e5f")
	plain, fast := pgtype.NewMap(), pgtype.NewMap()
	db.RegisterUUID(fast)
	for _, tc := range []struct {
		name   string
		oid    uint32
		format int16
		value  any
	}{
		{"uuid, binary", pgtype.UUIDOID, pgtype.BinaryFormatCode, u},
		{"uuid, text", pgtype.UUIDOID, pgtype.TextFormatCode, u},
		{"pointer, binary", pgtype.UUIDOID, pgtype.BinaryFormatCode, &u},
		{"nil pointer", pgtype.UUIDOID, pgtype.BinaryFormatCode, (*uuid.UUID)(nil)},
		{"nil uuid", pgtype.UUIDOID, pgtype.BinaryFormatCode, uuid.Nil},
		{"as text", pgtype.TextOID, pgtype.TextFormatCode, u},
	} {
		want, err := plain.Encode(tc.oid, tc.format, tc.value, nil)
		if err != nil {
			t.Fatalf("%s: pgx alone: %v", tc.name, err)
		}
		got, err := fast.Encode(tc.oid, tc.format, tc.value, nil)
		if err != nil || !bytes.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("%s: %x (%v), want %x", tc.name, got, err, want)
		}
	}
	if plan := fmt.Sprintf("%T", fast.PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, u)); plan != "*db.uuidEncodePlan" {
		t.Errorf("a uuid.UUID is encoded by %s", plan)
	}
}

// Every connection db.Open makes encodes a uuid.UUID directly, and the
// values it sends are those it read.
func TestOpenConnectionsEncodeUUIDsDirectly(t *testing.T) {
	ctx := context.Background()
	gdb, err := db.Open(ctx, testenv.EmptyDatabaseURL(t), 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(gdb) })
	u := uuid.New()
	var got struct {
		Same bool
		Text string
		Back uuid.UUID
		None *uuid.UUID
	}
	if err := gdb.Raw(`SELECT ?::uuid = ?::uuid AS same, ?::text AS text, ?::uuid AS back, ?::uuid AS none`,
		u, &u, u, u, (*uuid.UUID)(nil)).Scan(&got).Error; err != nil {
		t.Fatal(err)
	}
	if !got.Same || got.Text != u.String() || got.Back != u || got.None != nil {
		t.Errorf("read back %+v, sent %s", got, u)
	}
	conn, err := db.SQL(gdb).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var plan string
	if err := conn.Raw(func(dc any) error {
		plan = fmt.Sprintf("%T", dc.(*stdlib.Conn).Conn().TypeMap().PlanEncode(pgtype.UUIDOID, pgtype.BinaryFormatCode, u))
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if plan != "*db.uuidEncodePlan" {
		t.Errorf("a connection of db.Open encodes a uuid.UUID by %s", plan)
	}
}
