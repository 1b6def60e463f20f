package escalation

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/seal"
	"github.com/redresshq/redress/internal/testenv"
)

// BenchmarkSigner is the cost of reading the current signing key at each
// signing (signer, in a transaction of its own), next to a transaction that
// runs SELECT 1, measured in the same run (BENCHMARKS.md, seventh session):
//
//	go test -run '^$' -bench Signer -benchtime 2000x ./internal/escalation/
func BenchmarkSigner(b *testing.B) {
	gdb, _ := testenv.DB(b)
	cfg := testenv.Config(b)
	keys, err := seal.NewKeyring(cfg.EncryptionKeys, cfg.EncryptionKeyID)
	if err != nil {
		b.Fatal(err)
	}
	s := New(Options{DB: gdb, Keys: keys})
	ctx := context.Background()
	for _, bc := range []struct {
		name string
		fn   func(tx *gorm.DB) error
	}{
		{"select-1", func(tx *gorm.DB) error { return tx.Exec("SELECT 1").Error }},
		{"signer", func(tx *gorm.DB) error { _, err := s.signer(tx); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for range b.N {
				if err := db.Transact(ctx, gdb, bc.fn); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
