package keystore_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/keystore"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/seal"
	"github.com/redresshq/redress/internal/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

func master(t testing.TB, current string) *seal.Keyring {
	t.Helper()
	k, err := seal.NewKeyring(map[string][]byte{"m1": bytes.Repeat([]byte{1}, 32), "m2": bytes.Repeat([]byte{2}, 32)}, current)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// twoProcesses are the key stores of two processes on one database, and
// their keyrings.
func twoProcesses(t *testing.T, gdb *gorm.DB) (storeA, storeB *keystore.Store, a, b *seal.Keyring) {
	storeA, storeB = keystore.New(gdb, master(t, "m1")), keystore.New(gdb, master(t, "m1"))
	t.Cleanup(func() { _ = storeA.Close(); _ = storeB.Close() })
	return storeA, storeB, master(t, "m1").WithCaseKeys(storeA), master(t, "m1").WithCaseKeys(storeB)
}

// erase erases the case through store, as a complainant's request does.
func erase(t *testing.T, gdb *gorm.DB, store *keystore.Store, caseID uuid.UUID) {
	t.Helper()
	if err := db.Transact(context.Background(), gdb, func(tx *gorm.DB) error {
		_, err := store.Erase(tx, caseID, "the complainant's request", time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// Two processes on one database: what one seals for a case the other
// opens; once one erases the case, the other cannot open it past the
// cache's time, nor seal anything new for it; the erasure cannot be undone.
func TestACaseKeySealsInOneProcessAndItsErasureReachesTheOther(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	ctx := context.Background()
	storeA, storeB, a, b := twoProcesses(t, gdb)
	caseID := uuid.New()
	if err := db.Transact(ctx, gdb, func(tx *gorm.DB) error { return storeA.Create(tx, caseID) }); err != nil {
		t.Fatal(err)
	}
	sealed, err := a.SealCase(caseID, "case.description:"+caseID.String(), []byte("my words"))
	if err != nil {
		t.Fatal(err)
	}
	if id, _ := seal.KeyID(sealed); id != "case:"+caseID.String() {
		t.Errorf("key id %q", id)
	}
	if got, err := b.Open("case.description:"+caseID.String(), sealed); err != nil || string(got) != "my words" {
		t.Fatalf("the other process opens: %q, %v", got, err)
	}
	// The master keys alone do not open it.
	if _, err := master(t, "m1").Open("case.description:"+caseID.String(), sealed); err == nil {
		t.Error("the master keyring opens a case-sealed value")
	}
	// A case filed before keys were per case gets one the first time.
	old := uuid.New()
	if _, err := b.SealCase(old, "p", []byte("x")); err != nil {
		t.Fatalf("a key made on first use: %v", err)
	}

	erase(t, gdb, storeA, caseID)
	if _, err := a.Open("case.description:"+caseID.String(), sealed); !errors.Is(err, seal.ErrErased) {
		t.Errorf("the erasing process opens: %v", err)
	}
	if txt, err := a.OpenString("case.description:"+caseID.String(), sealed); err != nil ||
		txt != "[erased on "+time.Now().UTC().Format("2006-01-02")+": the complainant's request]" {
		t.Errorf("an erased text reads %q, %v", txt, err)
	}
	storeB.Forget(caseID) // as the cache's 5 seconds would
	if _, err := b.Open("case.description:"+caseID.String(), sealed); !errors.Is(err, seal.ErrErased) {
		t.Errorf("the other process opens after the erasure: %v", err)
	}
	if _, err := b.SealCase(caseID, "p", []byte("more")); !errors.Is(err, seal.ErrErased) {
		t.Errorf("the other process seals for an erased case: %v", err)
	}
	// Nothing brings the key back.
	for _, q := range []string{`UPDATE keystore.case_keys SET erased_at = NULL, ground = NULL WHERE case_id = ?`,
		`DELETE FROM keystore.case_keys WHERE case_id = ?`} {
		if err := gdb.Exec(q, caseID).Error; err == nil {
			t.Errorf("%s: allowed", q)
		}
	}
}

// A new master key made current: Rewrap re-wraps every data key under it,
// in batches, and what was sealed before still opens.
func TestRewrapMovesEveryDataKeyToTheCurrentMasterKey(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	ctx := context.Background()
	before := keystore.New(gdb, master(t, "m1"))
	t.Cleanup(func() { _ = before.Close() })
	kb := master(t, "m1").WithCaseKeys(before)
	ids := make([]uuid.UUID, 25)
	sealed := make([][]byte, len(ids))
	for i := range ids {
		ids[i] = uuid.New()
		var err error
		if sealed[i], err = kb.SealCase(ids[i], "p", []byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
	}
	erased := ids[0]
	if err := db.Transact(ctx, gdb, func(tx *gorm.DB) error {
		_, err := before.Erase(tx, erased, "retention", time.Now())
		return err
	}); err != nil {
		t.Fatal(err)
	}
	after := keystore.New(gdb, master(t, "m2"))
	t.Cleanup(func() { _ = after.Close() })
	st, err := after.Status(ctx)
	if err != nil || st.ByMasterKey["m1"] != 24 || st.Erased != 1 {
		t.Fatalf("status before: %+v, %v", st, err)
	}
	total := 0
	for {
		n, err := after.Rewrap(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		total += n
	}
	if total != 24 {
		t.Errorf("re-wrapped %d keys, want 24", total)
	}
	st, _ = after.Status(ctx)
	if st.ByMasterKey["m1"] != 0 || st.ByMasterKey["m2"] != 24 {
		t.Errorf("status after: %+v", st)
	}
	// Only m2 is needed now: a keyring without m1 opens every value.
	onlyM2, err := seal.NewKeyring(map[string][]byte{"m2": bytes.Repeat([]byte{2}, 32)}, "m2")
	if err != nil {
		t.Fatal(err)
	}
	fresh := keystore.New(gdb, onlyM2)
	t.Cleanup(func() { _ = fresh.Close() })
	k := onlyM2.WithCaseKeys(fresh)
	for i, id := range ids[1:] {
		if got, err := k.Open("p", sealed[i+1]); err != nil || got[0] != byte(i+1) {
			t.Errorf("case %s after the re-wrap: %v, %v", id, got, err)
		}
	}
	if _, err := k.Open("p", sealed[0]); !errors.Is(err, seal.ErrErased) {
		t.Errorf("the erased case after the re-wrap: %v", err)
	}
}

// A case's key read in a batch of other reads (QueueKey) opens the case's
// values with no statement of its own; an erased case's reads as erased;
// a case with no key is left to Lookup.
func TestQueueKeyReadsTheKeyWithTheBatch(t *testing.T) {
	t.Parallel()
	gdb, _ := testenv.DB(t)
	ctx := context.Background()
	storeA, storeB, a, b := twoProcesses(t, gdb)
	caseID, keyless := uuid.New(), uuid.New()
	if err := db.Transact(ctx, gdb, func(tx *gorm.DB) error { return storeA.Create(tx, caseID) }); err != nil {
		t.Fatal(err)
	}
	purpose := "case.description:" + caseID.String()
	sealed, err := a.SealCase(caseID, purpose, []byte("my words"))
	if err != nil {
		t.Fatal(err)
	}
	batch := func(steps func() error) {
		t.Helper()
		r := db.ReadsOn(gdb.WithContext(ctx))
		storeB.QueueKey(r, caseID)
		storeB.QueueKey(r, keyless)
		var one int
		r.Raw(&one, `SELECT 1`)
		r.Then(steps)
		if err := r.Run(); err != nil {
			t.Fatal(err)
		}
	}
	// With the keystore's table out of reach, only a key read in the batch opens.
	hide := func(hidden bool) {
		t.Helper()
		q := `ALTER TABLE keystore.case_keys RENAME TO case_keys_hidden`
		if !hidden {
			q = `ALTER TABLE keystore.case_keys_hidden RENAME TO case_keys`
		}
		if err := gdb.Exec(q).Error; err != nil {
			t.Fatal(err)
		}
	}
	var opened string
	batch(func() error {
		hide(true)
		got, err := b.Open(purpose, sealed)
		opened = string(got)
		return err
	})
	hide(false)
	if opened != "my words" {
		t.Errorf("opened %q after the batch", opened)
	}

	erase(t, gdb, storeA, caseID)
	storeB.Forget(caseID)
	var openErr error
	batch(func() error {
		hide(true)
		_, openErr = b.Open(purpose, sealed)
		return nil
	})
	hide(false)
	if !errors.Is(openErr, seal.ErrErased) {
		t.Errorf("an erased case's key read in the batch: %v, want ErrErased", openErr)
	}
}
