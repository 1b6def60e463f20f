// Package audit keeps the case record: append-only, hash-chained entries. It
// owns the table audit_entries (model Entry); the statements that need SQL
// (the chain's head, or the heads of many cases' chains, read under the
// cases' locks) are in queries.go.
//
// Each entry's hash is SHA-256 over its own fields and the previous entry's
// hash, starting from a genesis hash derived from the case id. The table
// refuses UPDATE, DELETE and TRUNCATE (a trigger), and Verify recomputes the
// chain, so an edit made behind the application's back — by someone able to
// switch the trigger off — still shows.
package audit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/platform/db"
)

// ActorKind is who made an entry of the case record: the audit_log's CHECK
// lists the same values (TestActorKindsMatchDatabase).
type ActorKind string

// Actor kinds.
const (
	ActorComplainant ActorKind = "complainant"
	ActorStaff       ActorKind = "staff"
	ActorBody        ActorKind = "body"
	ActorSystem      ActorKind = "system"
)

// ActorKinds lists every actor kind.
var ActorKinds = []ActorKind{ActorComplainant, ActorStaff, ActorBody, ActorSystem}

const timeLayout = "2006-01-02T15:04:05.000000Z"

// Entry is one entry of the case record.
type Entry struct {
	ID        int64           `json:"-"`
	CaseID    uuid.UUID       `json:"case_id"`
	Seq       int             `json:"seq"`
	At        time.Time       `json:"at"`
	ActorKind ActorKind       `json:"actor_kind"`
	ActorID   *uuid.UUID      `json:"actor_id,omitempty"`
	Action    string          `json:"action"`
	Public    bool            `json:"public"`
	Data      json.RawMessage `json:"data"`
	PrevHash  []byte          `json:"prev_hash"`
	Hash      []byte          `json:"hash"`
}

// TableName is the case record's table.
func (Entry) TableName() string { return "audit_entries" }

// Event is what a caller appends.
type Event struct {
	CaseID    uuid.UUID
	ActorKind ActorKind
	ActorID   *uuid.UUID
	Action    string
	// Public entries appear on the complainant's timeline; their data must be
	// fit for the complainant to read.
	Public bool
	Data   any
}

// Genesis is the prev_hash of a case's first entry.
func Genesis(caseID uuid.UUID) []byte {
	h := sha256.Sum256([]byte("redress-audit-genesis-v1:" + caseID.String()))
	return h[:]
}

// Hash computes an entry's hash from its fields and PrevHash.
func Hash(e *Entry) []byte {
	h := sha256.New()
	actor := ""
	if e.ActorID != nil {
		actor = e.ActorID.String()
	}
	for _, f := range []string{
		"redress-audit-v1", e.CaseID.String(), strconv.Itoa(e.Seq), e.At.UTC().Format(timeLayout),
		string(e.ActorKind), actor, e.Action, strconv.FormatBool(e.Public), hex.EncodeToString(e.PrevHash),
	} {
		h.Write([]byte(strconv.Itoa(len(f))))
		h.Write([]byte{':'})
		h.Write([]byte(f))
	}
	h.Write([]byte(strconv.Itoa(len(e.Data))))
	h.Write([]byte{':'})
	h.Write(e.Data)
	return h.Sum(nil)
}

// Start writes the first entry of a new case's record, in the transaction
// that created the case: nobody else can see the case yet, so there is
// nothing to lock or look up. A second Start for a case fails on (case_id, seq).
func Start(tx *gorm.DB, ev Event) (*Entry, error) {
	data, err := marshal(ev)
	if err != nil {
		return nil, err
	}
	entry := newEntry(ev, 1, Genesis(ev.CaseID), data)
	return entry, insert(tx, entry)
}

// Append adds an entry to the case record in tx, which must be a
// transaction: it locks the case row until tx ends, so entries of one case
// are chained one at a time.
func Append(tx *gorm.DB, ev Event) (*Entry, error) {
	if !db.InTransaction(tx) {
		return nil, fmt.Errorf("audit: append %s outside a transaction", ev.Action)
	}
	data, err := marshal(ev)
	if err != nil {
		return nil, err
	}
	last, err := chainHead(tx, ev.CaseID)
	if err != nil {
		return nil, fmt.Errorf("audit: chain head: %w", err)
	}
	if last.ID == nil {
		return nil, fmt.Errorf("audit: case %s does not exist", ev.CaseID)
	}
	prev := last.Hash
	if last.Seq == 0 {
		prev = Genesis(ev.CaseID)
	}
	entry := newEntry(ev, last.Seq+1, prev, data)
	return entry, insert(tx, entry)
}

// AppendMany adds entries to the records of many cases in tx, which must be
// a transaction: it locks the cases' rows and reads the heads of their
// chains in one statement, chains the entries in Go and inserts them in one
// multi-row INSERT. Each case's entries follow one another in the order of
// evs, as many Appends in that order would chain them.
func AppendMany(tx *gorm.DB, evs []Event) ([]*Entry, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	if !db.InTransaction(tx) {
		return nil, fmt.Errorf("audit: append %d entries outside a transaction", len(evs))
	}
	ids := make([]uuid.UUID, 0, len(evs))
	seen := map[uuid.UUID]bool{}
	for _, ev := range evs {
		if !seen[ev.CaseID] {
			seen[ev.CaseID] = true
			ids = append(ids, ev.CaseID)
		}
	}
	heads, err := chainHeads(tx, ids)
	if err != nil {
		return nil, fmt.Errorf("audit: chain heads: %w", err)
	}
	last := make(map[uuid.UUID]head, len(heads))
	for _, h := range heads {
		if h.ID != nil {
			last[*h.ID] = h
		}
	}
	return appendChained(tx, last, evs)
}

// ChainHead is the head of a case's chain as HeadSelect reads it: its latest
// entry's seq (0 when it has none) and hash.
type ChainHead struct {
	Seq  int
	Hash []byte
}

// HeadSelect is the select list that reads the head of the chain of the
// case read as c, its columns named prefix+"seq" and prefix+"hash" (a ChainHead
// embedded with that prefix): for a caller that reads the case in a
// statement of its own, after the statement that locked its row, and
// appends after it (AppendAfter) instead of reading the head again. Not in
// the locking statement itself: one that waited for the lock reads the
// record as it was when it began, without the entry the lock's holder
// appended.
func HeadSelect(prefix string) string {
	last := `FROM audit_entries WHERE case_id = c.id ORDER BY seq DESC LIMIT 1`
	return `coalesce((SELECT seq ` + last + `), 0) AS ` + prefix + `seq, (SELECT hash ` + last + `) AS ` + prefix + `hash`
}

// AppendAfter adds entries to the record of case caseID in tx, which must
// be a transaction, after h, the head of its chain the caller read in tx
// with HeadSelect once the case's row was locked in tx, with nothing
// appended to the record since: AppendMany without its read. A head gone
// stale (an entry appended since) fails on the record's (case_id, seq)
// uniqueness; it never forks the chain.
func AppendAfter(tx *gorm.DB, caseID uuid.UUID, h ChainHead, evs []Event) ([]*Entry, error) {
	if len(evs) == 0 {
		return nil, nil
	}
	if !db.InTransaction(tx) {
		return nil, fmt.Errorf("audit: append %d entries outside a transaction", len(evs))
	}
	for _, ev := range evs {
		if ev.CaseID != caseID {
			return nil, fmt.Errorf("audit: append after the head of case %s: an entry of case %s", caseID, ev.CaseID)
		}
	}
	return appendChained(tx, map[uuid.UUID]head{caseID: {ID: &caseID, Seq: h.Seq, Hash: h.Hash}}, evs)
}

// appendChained chains evs after the heads in last, by case, in Go, and
// inserts them in one multi-row INSERT.
func appendChained(tx *gorm.DB, last map[uuid.UUID]head, evs []Event) ([]*Entry, error) {
	out := make([]*Entry, 0, len(evs))
	for _, ev := range evs {
		data, err := marshal(ev)
		if err != nil {
			return nil, err
		}
		h, ok := last[ev.CaseID]
		if !ok {
			return nil, fmt.Errorf("audit: case %s does not exist", ev.CaseID)
		}
		prev := h.Hash
		if h.Seq == 0 {
			prev = Genesis(ev.CaseID)
		}
		e := newEntry(ev, h.Seq+1, prev, data)
		last[ev.CaseID] = head{ID: h.ID, Seq: e.Seq, Hash: e.Hash}
		out = append(out, e)
	}
	// 11 columns a row: well inside PostgreSQL's 65,535 parameters a statement.
	if err := tx.CreateInBatches(out, 4000).Error; err != nil {
		return nil, fmt.Errorf("audit: append %d entries: %w", len(out), err)
	}
	return out, nil
}

func marshal(ev Event) ([]byte, error) {
	if ev.Data == nil {
		return []byte("{}"), nil
	}
	data, err := json.Marshal(ev.Data)
	if err != nil {
		return nil, fmt.Errorf("audit: marshal %s: %w", ev.Action, err)
	}
	return data, nil
}

func newEntry(ev Event, seq int, prev, data []byte) *Entry {
	e := &Entry{
		CaseID: ev.CaseID, Seq: seq, At: time.Now().UTC().Truncate(time.Microsecond),
		ActorKind: ev.ActorKind, ActorID: ev.ActorID, Action: ev.Action, Public: ev.Public,
		Data: data, PrevHash: prev,
	}
	e.Hash = Hash(e)
	return e
}

func insert(tx *gorm.DB, e *Entry) error {
	if err := tx.Create(e).Error; err != nil {
		return fmt.Errorf("audit: append %s: %w", e.Action, err)
	}
	return nil
}

// Verification is the result of checking a case's chain.
type Verification struct {
	Verified bool   `json:"verified"`
	Entries  int    `json:"entries"`
	BrokenAt int    `json:"broken_at_seq,omitempty"`
	Problem  string `json:"problem,omitempty"`
}

// Entries loads a case's record in order, through q (the pool or a
// transaction).
func Entries(q *gorm.DB, caseID uuid.UUID) ([]Entry, error) {
	rows, err := q.Model(&Entry{}).
		Select("id, case_id, seq, at, actor_kind, actor_id, action, public, data::text, prev_hash, hash").
		Where("case_id = ?", caseID).Order("seq").Rows()
	if err != nil {
		return nil, fmt.Errorf("audit: entries: %w", err)
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		var data string
		if err := rows.Scan(&e.ID, &e.CaseID, &e.Seq, &e.At, &e.ActorKind, &e.ActorID, &e.Action, &e.Public,
			&data, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("audit: scan: %w", err)
		}
		e.At = e.At.UTC()
		e.Data = json.RawMessage(data)
		out = append(out, e)
	}
	return out, rows.Err()
}

// Verify recomputes the chain of entries (as loaded by Entries).
func Verify(caseID uuid.UUID, entries []Entry) Verification {
	v := Verification{Entries: len(entries)}
	prev := Genesis(caseID)
	for i := range entries {
		e := &entries[i]
		switch {
		case e.CaseID != caseID:
			return v.broken(e.Seq, "entry belongs to another case")
		case e.Seq != i+1:
			return v.broken(i+1, fmt.Sprintf("entry %d is missing", i+1))
		case !bytes.Equal(e.PrevHash, prev):
			return v.broken(e.Seq, "previous-hash link does not match the entry before it")
		case !bytes.Equal(Hash(e), e.Hash):
			return v.broken(e.Seq, "entry's contents do not match its hash")
		}
		prev = e.Hash
	}
	v.Verified = true
	return v
}

func (v Verification) broken(seq int, problem string) Verification {
	v.BrokenAt, v.Problem = seq, problem
	return v
}

// Head returns the hash of a case's latest entry (to anchor it elsewhere).
func Head(entries []Entry) []byte {
	if len(entries) == 0 {
		return nil
	}
	return entries[len(entries)-1].Hash
}
