package paging

import (
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/fault"
)

// The keyset paging every newest-first list shares (cases, systemic issues
// and alerts): a cursor round-trips, anything else is named, limits are
// bounded, and a page is cut with the cursor of its last item.
func TestPaging(t *testing.T) {
	at, id := time.Date(2026, 3, 1, 9, 0, 0, 123456000, time.UTC), uuid.New()
	c, err := DecodeCursor(EncodeCursor(at, id))
	if err != nil || !c.At.Equal(at) || c.ID != id {
		t.Fatalf("round trip: %+v %v", c, err)
	}
	for _, bad := range []string{"xyz", "e30", EncodeCursor(at, uuid.Nil), "!!"} {
		if _, err := DecodeCursor(bad); err == nil {
			t.Errorf("cursor %q decoded", bad)
		}
	}
	for _, tc := range []struct {
		limit, want int
		cursor      string
		bad         []string
	}{
		{0, DefaultLimit, "", nil},
		{1, 1, EncodeCursor(at, id), nil},
		{MaxLimit, MaxLimit, "", nil},
		{MaxLimit + 1, MaxLimit + 1, "", []string{"limit:out_of_range"}},
		{-1, -1, "zz", []string{"cursor:invalid", "limit:out_of_range"}}, // errors come sorted by field
	} {
		var f fault.Fields
		limit := tc.limit
		cur := PageArgs(&f, &limit, tc.cursor)
		var bad []string
		if e, ok := fault.As(f.Err()); ok {
			for _, fe := range e.Fields {
				bad = append(bad, fe.Field+":"+fe.Code)
			}
		}
		if limit != tc.want || !slices.Equal(bad, tc.bad) || (cur != nil) != (tc.cursor != "" && tc.bad == nil) {
			t.Errorf("limit %d cursor %q: %d %v %v", tc.limit, tc.cursor, limit, bad, cur)
		}
	}
	key := func(n int) (time.Time, uuid.UUID) {
		return at.Add(-time.Duration(n) * time.Hour), uuid.UUID{byte(n + 1)}
	}
	p := NewPage([]int{0, 1, 2}, 2, key)
	next, err := DecodeCursor(p.NextCursor)
	if !slices.Equal(p.Items, []int{0, 1}) || err != nil || !next.At.Equal(at.Add(-time.Hour)) || next.ID != (uuid.UUID{2}) {
		t.Errorf("a full page: %+v %+v %v", p, next, err)
	}
	if p := NewPage([]int{0, 1}, 2, key); !slices.Equal(p.Items, []int{0, 1}) || p.NextCursor != "" {
		t.Errorf("the last page: %+v", p)
	}
	if p := NewPage[int](nil, 2, key); p.Items == nil || len(p.Items) != 0 || p.NextCursor != "" {
		t.Errorf("an empty page: %+v", p)
	}
}
