// Package paging is the keyset pagination shared by the lists newest first
// on (a time, an id): the case list (internal/grievance), systemic issues and
// alerts (internal/systemic), a body's referrals (internal/escalation). It
// owns no table.
package paging

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/fault"
)

// Page is a page of a keyset-paginated list.
type Page[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// Page sizes: the default, and the bounds of ?limit=.
const (
	DefaultLimit = 50
	MaxLimit     = 200
)

// Cursor is a position in such a list: the time and id of the last item of
// the page before; the next page holds the items below it.
type Cursor struct {
	At time.Time `json:"t"`
	ID uuid.UUID `json:"i"`
}

// EncodeCursor makes an opaque cursor.
func EncodeCursor(at time.Time, id uuid.UUID) string {
	b, _ := json.Marshal(Cursor{at, id})
	return base64.RawURLEncoding.EncodeToString(b)
}

// DecodeCursor reads a cursor EncodeCursor made.
func DecodeCursor(s string) (Cursor, error) {
	var c Cursor
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || json.Unmarshal(b, &c) != nil || c.ID == uuid.Nil {
		return c, errors.New("bad cursor")
	}
	return c, nil
}

// PageArgs checks a list's limit (0 becomes DefaultLimit; 1 to MaxLimit)
// and cursor, naming each in f, and returns the cursor: nil when raw is
// empty or bad.
func PageArgs(f *fault.Fields, limit *int, raw string) *Cursor {
	if *limit == 0 {
		*limit = DefaultLimit
	}
	if *limit < 1 || *limit > MaxLimit {
		f.Addf("limit", "out_of_range", "must be from 1 to %d", MaxLimit)
	}
	if raw == "" {
		return nil
	}
	c, err := DecodeCursor(raw)
	if err != nil {
		f.Add("cursor", "invalid", "is not a cursor this API returned")
		return nil
	}
	return &c
}

// NewPage cuts items, fetched limit+1 at most, to a page of limit with the
// cursor of its last item when there are more; key gives an item's time and
// id. Items is never nil.
func NewPage[T any](items []T, limit int, key func(T) (time.Time, uuid.UUID)) *Page[T] {
	p := &Page[T]{Items: items}
	if len(items) > limit {
		p.Items = items[:limit]
		p.NextCursor = EncodeCursor(key(items[limit-1]))
	}
	if p.Items == nil {
		p.Items = []T{}
	}
	return p
}
