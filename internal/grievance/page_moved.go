package grievance

import (
	"time"

	"github.com/google/uuid"
	"github.com/redresshq/redress/internal/platform/paging"
)

// Paging moved to internal/platform/paging; these names keep the callers
// building until the rename script (GRV-rename-paging.sh) runs in the next
// commit, which deletes this file.
type (
	Page[T any] = paging.Page[T]
	Cursor      = paging.Cursor
)

const (
	DefaultLimit = paging.DefaultLimit
	MaxLimit     = paging.MaxLimit
)

var (
	EncodeCursor = paging.EncodeCursor
	DecodeCursor = paging.DecodeCursor
	PageArgs     = paging.PageArgs
)

func NewPage[T any](items []T, limit int, key func(T) (time.Time, uuid.UUID)) *Page[T] {
	return paging.NewPage(items, limit, key)
}
