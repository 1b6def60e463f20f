// Package keystore keeps one data key per case (table keystore.case_keys),
// wrapped by the master keys of the configuration: envelope encryption.
// What is sealed for a case is sealed with its data key (seal.SealCase), so
// erasing the case — destroying the key — makes all of it unreadable at
// once, wherever a copy lies: the rows, a dump of the data taken earlier
// (dumped without this schema, docs/backup.md), the sealed parts of the case
// record. A new master key is made current by re-wrapping every data key
// (Rewrap), never by re-sealing the data.
//
// Keys are cached unwrapped in memory for a short time (TTL): an erasure
// takes effect at once in the process that made it and within the TTL in
// every other one.
package keystore

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/seal"
)

// TTL is how long an unwrapped key (or the news of its erasure) is kept in
// a process's memory before it is read again.
const TTL = 5 * time.Second

// maxCached bounds the cache; past it the cache starts again empty.
const maxCached = 50_000

// sideConns is the size of the store's own pool: lookups made while the
// caller holds a transaction must not wait for the caller's pool, which
// such transactions may have exhausted.
const sideConns = 4

// caseKey is a case's data key.
type caseKey struct {
	CaseID      uuid.UUID `gorm:"primaryKey"`
	Wrapped     []byte
	MasterKeyID *string
	CreatedAt   time.Time
	WrappedAt   time.Time
	ErasedAt    *time.Time
	Ground      *string
}

func (caseKey) TableName() string { return "keystore.case_keys" }

func purposeKey(caseID uuid.UUID) string { return "case.key:" + caseID.String() }

type entry struct {
	aead   cipher.AEAD
	erased *seal.ErasedError
	at     time.Time
}

// Store keeps the cases' data keys. It implements seal.CaseKeys.
type Store struct {
	db     *gorm.DB
	master *seal.Keyring
	now    func() time.Time

	sideOnce sync.Once
	side     *gorm.DB
	sideErr  error

	mu    sync.Mutex
	cache map[uuid.UUID]entry
}

// New is the store of the database gdb, its keys wrapped by master.
func New(gdb *gorm.DB, master *seal.Keyring) *Store {
	return &Store{db: gdb, master: master.Master(), now: time.Now, cache: map[uuid.UUID]entry{}}
}

// Close closes the store's own pool, if it opened one.
func (s *Store) Close() error {
	if s.side != nil && s.side != s.db {
		return db.Close(s.side)
	}
	return nil
}

// pool is the store's own small pool, on the same database as the caller's.
func (s *Store) pool() (*gorm.DB, error) {
	s.sideOnce.Do(func() {
		d, ok := s.db.Dialector.(*postgres.Dialector)
		if !ok || d.Config == nil || d.Config.DSN == "" {
			s.side = s.db
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		s.side, s.sideErr = db.Open(ctx, d.Config.DSN, sideConns)
	})
	return s.side, s.sideErr
}

func newDataKey() ([]byte, cipher.AEAD, error) {
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return nil, nil, fmt.Errorf("keystore: new data key: %w", err)
	}
	a, err := aeadOf(k)
	return k, a, err
}

func aeadOf(k []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("keystore: data key: %w", err)
	}
	return cipher.NewGCM(block)
}

func (s *Store) wrap(caseID uuid.UUID, k []byte) (*caseKey, error) {
	w, err := s.master.Seal(purposeKey(caseID), k)
	if err != nil {
		return nil, err
	}
	id := s.master.CurrentKeyID()
	now := s.now().UTC()
	return &caseKey{CaseID: caseID, Wrapped: w, MasterKeyID: &id, CreatedAt: now, WrappedAt: now}, nil
}

func (s *Store) remember(caseID uuid.UUID, e entry) {
	e.at = s.now()
	s.mu.Lock()
	if len(s.cache) >= maxCached {
		s.cache = map[uuid.UUID]entry{}
	}
	s.cache[caseID] = e
	s.mu.Unlock()
}

func (s *Store) cached(caseID uuid.UUID) (entry, bool) {
	s.mu.Lock()
	e, ok := s.cache[caseID]
	s.mu.Unlock()
	if !ok || s.now().Sub(e.at) > TTL {
		return entry{}, false
	}
	return e, true
}

// Forget drops a case's key from this process's memory.
func (s *Store) Forget(caseID uuid.UUID) {
	s.mu.Lock()
	delete(s.cache, caseID)
	s.mu.Unlock()
}

// Pending is the data key of a case about to be filed: made and usable
// before the transaction that files the case (files attached to a filing
// are sealed before it begins), stored by that transaction.
type Pending struct {
	row *caseKey
}

// Prepare makes the data key of a new case. Values of the case seal with it
// at once, in this process; Insert stores it with the case.
func (s *Store) Prepare(caseID uuid.UUID) (*Pending, error) {
	row, a, err := s.newKey(caseID)
	if err != nil {
		return nil, err
	}
	s.remember(caseID, entry{aead: a})
	return &Pending{row: row}, nil
}

// newKey makes a data key for a case, and its row wrapped by the current
// master key.
func (s *Store) newKey(caseID uuid.UUID) (*caseKey, cipher.AEAD, error) {
	k, a, err := newDataKey()
	if err != nil {
		return nil, nil, err
	}
	row, err := s.wrap(caseID, k)
	return row, a, err
}

// CaseID is the case the key is for.
func (p *Pending) CaseID() uuid.UUID { return p.row.CaseID }

// Insert stores the prepared key in the transaction that files its case.
func (p *Pending) Insert(tx *gorm.DB) error {
	if err := tx.Create(p.row).Error; err != nil {
		return fmt.Errorf("keystore: store the key of case %s: %w", p.row.CaseID, err)
	}
	return nil
}

// Create makes and stores the data key of a new case in tx.
func (s *Store) Create(tx *gorm.DB, caseID uuid.UUID) error {
	p, err := s.Prepare(caseID)
	if err != nil {
		return err
	}
	return p.Insert(tx)
}

// ForCase returns the data key that seals a case's new values; a case filed
// before keys were per case gets one now.
func (s *Store) ForCase(caseID uuid.UUID) (cipher.AEAD, error) {
	a, err := s.Lookup(caseID)
	if !errors.Is(err, errNoKey) {
		return a, err
	}
	row, a, err := s.newKey(caseID)
	if err != nil {
		return nil, err
	}
	p, err := s.pool()
	if err != nil {
		return nil, err
	}
	res := p.Clauses(clause.OnConflict{DoNothing: true}).Create(row)
	if res.Error != nil {
		return nil, fmt.Errorf("keystore: create the key of case %s: %w", caseID, res.Error)
	}
	if res.RowsAffected == 1 {
		s.remember(caseID, entry{aead: a})
		return a, nil
	}
	return s.Lookup(caseID) // another process made it first
}

// errNoKey: the case has no key yet (filed before keys were per case).
var errNoKey = errors.New("keystore: no key")

// Lookup returns a case's data key to open its values, or an
// *seal.ErasedError once it is erased.
func (s *Store) Lookup(caseID uuid.UUID) (cipher.AEAD, error) {
	if e, ok := s.cached(caseID); ok {
		if e.erased != nil {
			return nil, e.erased
		}
		return e.aead, nil
	}
	p, err := s.pool()
	if err != nil {
		return nil, err
	}
	row, err := keyOf(p, caseID)
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, errNoKey
	}
	if err != nil {
		return nil, fmt.Errorf("keystore: read the key of case %s: %w", caseID, err)
	}
	e, err := s.unwrap(row)
	if err != nil {
		return nil, err
	}
	s.remember(caseID, e)
	if e.erased != nil {
		return nil, e.erased
	}
	return e.aead, nil
}

// QueueKey queues on r the read of a case's data key, unless this process
// holds it (or the news of its erasure) already, and remembers it once r
// has run, as Lookup would: the values of the case opened after that (by
// r's later steps) cost no round trip of their own. A case read in one
// batch (a staff or complainant view) reads its key in it too. A case with
// no key is left to Lookup.
func (s *Store) QueueKey(r *db.Reads, caseID uuid.UUID) {
	if _, ok := s.cached(caseID); ok {
		return
	}
	var rows []keyRow
	r.Raw(&rows, keySQL, caseID)
	r.Then(func() error {
		if len(rows) == 0 {
			return nil
		}
		e, err := s.unwrap(rows[0].key())
		if err != nil {
			return err
		}
		s.remember(caseID, e)
		return nil
	})
}

func (s *Store) unwrap(row *caseKey) (entry, error) {
	if row.ErasedAt != nil {
		return entry{erased: &seal.ErasedError{CaseID: row.CaseID, At: *row.ErasedAt, Ground: deref(row.Ground)}}, nil
	}
	k, err := s.master.Open(purposeKey(row.CaseID), row.Wrapped)
	if err != nil {
		return entry{}, fmt.Errorf("keystore: unwrap the key of case %s: %w", row.CaseID, err)
	}
	a, err := aeadOf(k)
	return entry{aead: a}, err
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// Erase destroys a case's data key in tx: once tx commits, nothing sealed
// with it opens again. A case that has no key yet gets an erased one, so its
// values sealed from now on cannot be made either. Erasing an erased case
// changes nothing and reports false.
func (s *Store) Erase(tx *gorm.DB, caseID uuid.UUID, ground string, at time.Time) (bool, error) {
	at = at.UTC().Truncate(time.Microsecond)
	row := caseKey{CaseID: caseID, CreatedAt: at, WrappedAt: at, ErasedAt: &at, Ground: &ground}
	res := tx.Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "case_id"}},
		DoUpdates: clause.Assignments(map[string]any{"wrapped": nil, "master_key_id": nil,
			"erased_at": at, "ground": ground}),
		Where: clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "keystore.case_keys.erased_at IS NULL"}}},
	}).Create(&row)
	if res.Error != nil {
		return false, fmt.Errorf("keystore: erase the key of case %s: %w", caseID, res.Error)
	}
	db.AfterCommit(tx, nil, func() {
		s.remember(caseID, entry{erased: &seal.ErasedError{CaseID: caseID, At: at, Ground: ground}})
	})
	return res.RowsAffected == 1, nil
}

// Status is how the data keys stand: how many each master key wraps, and
// how many are erased.
type Status struct {
	Current     string         `json:"current"`
	ByMasterKey map[string]int `json:"by_master_key"`
	Erased      int            `json:"erased"`
}

// Status counts the data keys by the master key that wraps them.
func (s *Store) Status(ctx context.Context) (*Status, error) {
	var rows []struct {
		MasterKeyID *string
		N           int
	}
	if err := s.db.WithContext(ctx).Model(&caseKey{}).Select("master_key_id, count(*) AS n").
		Group("master_key_id").Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("keystore: status: %w", err)
	}
	st := &Status{Current: s.master.CurrentKeyID(), ByMasterKey: map[string]int{}}
	for _, r := range rows {
		if r.MasterKeyID == nil {
			st.Erased += r.N
			continue
		}
		st.ByMasterKey[*r.MasterKeyID] = r.N
	}
	return st, nil
}

// Rewrap re-wraps up to limit data keys that another master key wraps with
// the current one, in one transaction, and says how many it did (0: none
// is left). Keys another process is re-wrapping are skipped, so several may
// run at once; it is resumable by nature: what is left is what it reads.
func (s *Store) Rewrap(ctx context.Context, limit int) (int, error) {
	current := s.master.CurrentKeyID()
	n := 0
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var rows []caseKey
		if err := tx.Where("wrapped IS NOT NULL AND master_key_id <> ?", current).Order("case_id").Limit(limit).
			Clauses(clause.Locking{Strength: "UPDATE", Options: "SKIP LOCKED"}).Find(&rows).Error; err != nil {
			return fmt.Errorf("keystore: rewrap: %w", err)
		}
		for i := range rows {
			k, err := s.master.Open(purposeKey(rows[i].CaseID), rows[i].Wrapped)
			if err != nil {
				return fmt.Errorf("keystore: rewrap: unwrap the key of case %s: %w", rows[i].CaseID, err)
			}
			w, err := s.master.Seal(purposeKey(rows[i].CaseID), k)
			if err != nil {
				return err
			}
			if err := tx.Model(&caseKey{}).Where("case_id = ? AND erased_at IS NULL", rows[i].CaseID).
				Updates(map[string]any{"wrapped": w, "master_key_id": current, "wrapped_at": s.now().UTC()}).Error; err != nil {
				return fmt.Errorf("keystore: rewrap: %w", err)
			}
		}
		n = len(rows)
		return nil
	})
	return n, err
}
