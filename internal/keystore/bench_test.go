package keystore_test

import (
	"context"
	"testing"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/keystore"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/testenv"
)

// What envelope encryption costs a filing, in CPU (BENCHMARKS.md): sealing
// a description with the master key (before issue 19) and with the case's
// data key, and making a new case's data key (a random key wrapped by the
// master key). Storing the key is one more INSERT in the filing's
// transaction: the intake bench measures that.
func BenchmarkSeal(b *testing.B) {
	gdb, _ := testenv.DB(b)
	m := master(b, "m1")
	store := keystore.New(gdb, m)
	b.Cleanup(func() { _ = store.Close() })
	k := m.WithCaseKeys(store)
	caseID := uuid.New()
	if err := db.Transact(context.Background(), gdb, func(tx *gorm.DB) error { return store.Create(tx, caseID) }); err != nil {
		b.Fatal(err)
	}
	text := []byte("My hours were cut to zero by the scheduling system after I took sick leave; I want them back and the pay I lost.")
	b.Run("master", func(b *testing.B) {
		for range b.N {
			if _, err := m.Seal("case.description:x", text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("case_key", func(b *testing.B) {
		for range b.N {
			if _, err := k.SealCase(caseID, "case.description:x", text); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("new_case_key", func(b *testing.B) {
		for range b.N {
			if _, err := store.Prepare(uuid.New()); err != nil {
				b.Fatal(err)
			}
		}
	})
}
