package worker

import (
	"sync"

	"github.com/google/uuid"
)

// maxKnownCases bounds knownCases: at that many ids it starts again (about
// 5 MB).
const maxKnownCases = 100_000

// knownCases are the ids of cases the worker has found to exist, so that a
// consumer with nothing to do for an event about one of them acknowledges it
// without asking the database whether the case exists (Runner.irrelevant;
// issue 18: three of a routed case's events each asked). A case once found
// exists for good: no code deletes a case, and the database refuses it, as
// every case's record holds its case.submitted entry, which references the
// case and which no one may delete (migration 00001's trigger). A database
// recovered to a moment before a case was filed is the exception, when a
// worker runs on across the recovery (docs/backup.md stops the processes for
// a logical restore, not for a physical one): an event about that case
// which owes a consumer nothing is then acknowledged, where it would have
// been dead-lettered. An event that owes something, or the routing of the
// case, still reads the case in its transaction and is dead-lettered.
type knownCases struct {
	mu  sync.Mutex
	ids map[uuid.UUID]struct{}
}

func (k *knownCases) has(id uuid.UUID) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	_, ok := k.ids[id]
	return ok
}

func (k *knownCases) add(id uuid.UUID) {
	if id == uuid.Nil {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.ids == nil || len(k.ids) >= maxKnownCases {
		k.ids = make(map[uuid.UUID]struct{})
	}
	k.ids[id] = struct{}{}
}
