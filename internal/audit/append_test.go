package audit_test

import (
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// lockedHead locks case id's row and then reads the head of its chain, as
// a caller of AppendAfter does.
func lockedHead(t *testing.T, tx *gorm.DB, id uuid.UUID) audit.ChainHead {
	t.Helper()
	var h audit.ChainHead
	if err := tx.Exec(`SELECT 1 FROM cases WHERE id = ? FOR UPDATE`, id).Error; err != nil {
		t.Fatal(err)
	}
	if err := tx.Raw(`SELECT `+audit.HeadSelect("")+` FROM cases c WHERE c.id = ?`, id).Scan(&h).Error; err != nil {
		t.Fatal(err)
	}
	return h
}

// AppendAfter chains entries after a head read under the case's row lock as
// AppendMany would; a head gone stale fails on (case_id, seq) and leaves
// the chain as it was, never forked; it takes entries of its own case only,
// in a transaction only.
func TestAppendAfterChainsAsAppendManyAndRefusesAStaleHead(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	id := uuid.New()
	if err := gdb.Exec(`INSERT INTO cases (id, reference, receipt_hash, kind, informed_of_ai, description_enc, language,
		anonymous, ai_system_other) VALUES (?, 'RD-000-000-001', decode(md5('a') || md5('a'), 'hex'), 'concern', 'no',
		'\x00', 'en', true, 'a system')`, id).Error; err != nil {
		t.Fatal(err)
	}
	ev := func(action string) audit.Event {
		return audit.Event{CaseID: id, ActorKind: audit.ActorSystem, Action: action, Data: map[string]any{"n": action}}
	}
	verify := func(want int) {
		t.Helper()
		es, err := audit.Entries(gdb, id)
		if err != nil {
			t.Fatal(err)
		}
		if v := audit.Verify(id, es); !v.Verified || len(es) != want {
			t.Fatalf("%d entries (want %d), verified %v at %d: %s", len(es), want, v.Verified, v.BrokenAt, v.Problem)
		}
	}
	ctx := t.Context()
	// The first entries, after the empty head, then more after a head of three.
	for _, batch := range [][]audit.Event{{ev("case.submitted"), ev("case.received"), ev("case.routed")}, {ev("case.claimed")}} {
		if err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
			_, err := audit.AppendAfter(tx, id, lockedHead(t, tx, id), batch)
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	verify(4)

	// A head read, then an entry appended in the same transaction: the
	// append after the stale head fails and nothing of the transaction stays.
	err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		h := lockedHead(t, tx, id)
		if _, err := audit.Append(tx, ev("case.note")); err != nil {
			t.Fatal(err)
		}
		_, err := audit.AppendAfter(tx, id, h, []audit.Event{ev("case.released")})
		return err
	})
	if err == nil {
		t.Fatal("an append after a stale head succeeded")
	}
	verify(4)

	other := ev("case.routed")
	other.CaseID = uuid.New()
	if err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		_, err := audit.AppendAfter(tx, id, lockedHead(t, tx, id), []audit.Event{other})
		return err
	}); err == nil {
		t.Error("an entry of another case appended after this case's head")
	}
	if _, err := audit.AppendAfter(gdb, id, audit.ChainHead{Seq: 4}, []audit.Event{ev("case.released")}); err == nil {
		t.Error("AppendAfter outside a transaction succeeded")
	}
	verify(4)
}
