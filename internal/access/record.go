package access

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/redresshq/redress/internal/auth"
	"gorm.io/gorm"
)

// entry is one row of access_log as it is written.
// It has no primary key field: nothing reads the id back, and GORM would
// ask for it (RETURNING) at every insert.
type entry struct {
	At         time.Time
	CaseID     uuid.UUID
	UserID     uuid.UUID
	Role       auth.Role
	What       string
	EvidenceID *uuid.UUID
	Route      string
	Ground     string
}

func (entry) TableName() string { return "access_log" }

// entries are the rows of looks by v on a case, at the same instant.
func entries(v Viewer, caseID uuid.UUID, g Ground, route string, looks []Look) []entry {
	now := time.Now().UTC()
	out := make([]entry, len(looks))
	for i, l := range looks {
		out[i] = entry{At: now, CaseID: caseID, UserID: v.ID, Role: v.Role, What: string(l.What),
			EvidenceID: l.EvidenceID, Route: route, Ground: string(g)}
	}
	return out
}

// recorder writes the looks of reads in batches: the first look queued
// starts a writer that waits gatherDelay for others, then writes all that
// are queued in one transaction, and again until the queue is empty. A
// batch that fails is kept and tried again after a pause; nothing is
// dropped. Looks reach the database within milliseconds; only a crash of
// the process in that time could lose them (PostgreSQL commits each batch
// durably).
type recorder struct {
	db *gorm.DB

	mu      sync.Mutex
	pending []entry
	running bool

	write sync.Mutex // one batch at a time, in order
}

const (
	gatherDelay = 20 * time.Millisecond
	retryDelay  = time.Second
	batchSize   = 1000
)

func newRecorder(gdb *gorm.DB) *recorder { return &recorder{db: gdb} }

func (r *recorder) add(rows []entry) {
	r.mu.Lock()
	r.pending = append(r.pending, rows...)
	start := !r.running
	r.running = true
	r.mu.Unlock()
	if start {
		go r.drain()
	}
}

// drain writes batches until the queue is empty.
func (r *recorder) drain() {
	time.Sleep(gatherDelay)
	for {
		if err := r.flush(context.Background()); err != nil {
			if strings.Contains(err.Error(), "sql: database is closed") {
				// The process is stopping: Core.Close flushed what it could
				// before closing the pool; a look queued after that is lost.
				r.mu.Lock()
				slog.Error("access: the database is closed; looks not recorded", "looks", len(r.pending))
				r.pending, r.running = nil, false
				r.mu.Unlock()
				return
			}
			slog.Error("access: the access log could not be written; trying again", "err", err)
			time.Sleep(retryDelay)
			continue
		}
		r.mu.Lock()
		if len(r.pending) == 0 {
			r.running = false
			r.mu.Unlock()
			return
		}
		r.mu.Unlock()
	}
}

// flush writes what is queued now, after any batch being written.
func (r *recorder) flush(ctx context.Context) error {
	r.write.Lock()
	defer r.write.Unlock()
	r.mu.Lock()
	batch := r.pending
	r.pending = nil
	r.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	err := r.db.WithContext(ctx).CreateInBatches(&batch, batchSize).Error
	if err != nil && refused(err) {
		// A row the table refuses (no look should be): write the others
		// one by one, and name what was refused.
		err = nil
		for i := range batch {
			if e := r.db.WithContext(ctx).Create(&batch[i]).Error; e != nil {
				if !refused(e) {
					batch, err = batch[i:], e
					break
				}
				slog.Error("access: a look the access log refuses", "err", e, "case_id", batch[i].CaseID,
					"user_id", batch[i].UserID, "what", batch[i].What, "route", batch[i].Route)
			}
		}
	}
	if err != nil {
		r.mu.Lock()
		r.pending = append(batch, r.pending...) // kept, first in line
		r.mu.Unlock()
		return fmt.Errorf("access: write %d looks: %w", len(batch), err)
	}
	return nil
}

// Flush writes every look queued so far: the log's readers call it, so
// they see the looks of reads this process answered; shutdown calls it.
func (s *Service) Flush(ctx context.Context) error { return s.log.flush(ctx) }

// refused reports whether PostgreSQL refused the rows themselves (a data
// or integrity error), which trying again cannot mend.
func refused(err error) bool {
	var pg *pgconn.PgError
	return errors.As(err, &pg) && (strings.HasPrefix(pg.Code, "22") || strings.HasPrefix(pg.Code, "23"))
}
