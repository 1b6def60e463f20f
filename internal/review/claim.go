package review

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
)

// Claims on one queue that arrive together share one transaction: the
// claim combiner. While a batch's transaction runs, the claims that arrive
// wait; the next batch takes them all (up to maxClaimBatch), so a lone claim
// waits for nothing, and under load one commit, one claim statement, one
// insert of record entries and one of outbox rows serve many claimers. Each
// claimer is answered after the commit.

// maxClaimBatch is the most claims one transaction serves.
const maxClaimBatch = 64

// claimTimeout bounds a batch's transaction, which serves many requests
// and so runs on none of their contexts' cancellation.
const claimTimeout = 30 * time.Second

type claimRequest struct {
	r    Reviewer
	ctx  context.Context
	done chan claimAnswer
}

type claimAnswer struct {
	id  uuid.UUID
	err error
}

// claimQueue is the claims waiting on one queue, and whether a batch runs.
type claimQueue struct {
	waiting []*claimRequest
	running bool
}

type combiner struct {
	mu     sync.Mutex
	queues map[uuid.UUID]*claimQueue
}

// Claim assigns to r the most urgent case in the queue r may take — by
// priority, then earliest due date, then age — in a statement that skips
// rows other claimers hold, so concurrent claimers never get the same case.
// It returns uuid.Nil when there is nothing r can take, and NotFound for a
// queue that does not exist. Claims on one queue that arrive together are
// served by one transaction (see maxClaimBatch); each returns once it has
// committed.
func (s *Service) Claim(ctx context.Context, queueID uuid.UUID, r Reviewer) (uuid.UUID, error) {
	req := &claimRequest{r: r, ctx: ctx, done: make(chan claimAnswer, 1)}
	s.claims.mu.Lock()
	if s.claims.queues == nil {
		s.claims.queues = map[uuid.UUID]*claimQueue{}
	}
	q := s.claims.queues[queueID]
	if q == nil {
		q = &claimQueue{}
		s.claims.queues[queueID] = q
	}
	q.waiting = append(q.waiting, req)
	if !q.running {
		q.running = true
		go s.serveClaims(queueID, q, context.WithoutCancel(ctx))
	}
	s.claims.mu.Unlock()
	select {
	case a := <-req.done:
		return a.id, a.err
	case <-ctx.Done():
		// A claim already taken into a batch may still commit: the case is
		// then assigned to r, who can find it among their cases.
		return uuid.Nil, ctx.Err()
	}
}

// serveClaims runs batches of the claims waiting on queue q until none is left.
func (s *Service) serveClaims(queueID uuid.UUID, q *claimQueue, base context.Context) {
	for {
		s.claims.mu.Lock()
		n := min(len(q.waiting), maxClaimBatch)
		batch := make([]*claimRequest, 0, n)
		for _, req := range q.waiting[:n] {
			if req.ctx.Err() == nil { // its caller has gone: no claim for it
				batch = append(batch, req)
			}
		}
		q.waiting = q.waiting[n:]
		if n == 0 {
			q.running = false
			delete(s.claims.queues, queueID)
			s.claims.mu.Unlock()
			return
		}
		s.claims.mu.Unlock()
		if len(batch) > 0 {
			s.claimSafely(base, queueID, batch)
		}
	}
}

// claimSafely runs claimBatch; a panic in it fails the batch's claims that
// have no answer yet instead of the process, which runs it off any request.
func (s *Service) claimSafely(base context.Context, queueID uuid.UUID, batch []*claimRequest) {
	ctx, cancel := context.WithTimeout(base, claimTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			for _, req := range batch {
				select {
				case req.done <- claimAnswer{err: fmt.Errorf("review: claim: %v", p)}:
				default: // answered already
				}
			}
		}
	}()
	s.claimBatch(ctx, queueID, batch)
}

// claimBatch serves a batch of claims in one transaction, and answers each
// after it commits. If the batch fails, each claim is tried on its own, so
// one claimer's failure is not everyone's.
func (s *Service) claimBatch(ctx context.Context, queueID uuid.UUID, batch []*claimRequest) {
	rs := make([]Reviewer, len(batch))
	for i, req := range batch {
		rs[i] = req.r
	}
	ids, err := s.claimMany(ctx, queueID, rs)
	if err != nil && len(batch) > 1 {
		for _, req := range batch {
			s.claimBatch(ctx, queueID, []*claimRequest{req})
		}
		return
	}
	if err == nil && slicesContainsNil(ids) {
		// Someone got nothing: it means 204 only for a queue that exists.
		err = s.Exists(ctx, queueID)
		if err != nil {
			for i, req := range batch {
				if ids[i] == uuid.Nil {
					req.done <- claimAnswer{err: err}
				} else {
					req.done <- claimAnswer{id: ids[i]}
				}
			}
			return
		}
	}
	for i, req := range batch {
		if err != nil {
			req.done <- claimAnswer{err: err}
			continue
		}
		req.done <- claimAnswer{id: ids[i]}
	}
}

func slicesContainsNil(ids []uuid.UUID) bool {
	for _, id := range ids {
		if id == uuid.Nil {
			return true
		}
	}
	return false
}

// claimMany claims, in one transaction, a case for each of rs (uuid.Nil for
// those with nothing they may take): the most urgent of the queue's
// claimable cases each may take, two never the same. The statements per
// transaction: one claim statement (one per round when claimers went without
// while more cases may wait), one update of the claimed cases, one read of
// their records' heads, one insert of the record entries and one of the
// outbox rows.
func (s *Service) claimMany(ctx context.Context, queueID uuid.UUID, rs []Reviewer) ([]uuid.UUID, error) {
	var got []uuid.UUID
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		got = make([]uuid.UUID, len(rs))
		if len(rs) == 1 {
			// One claimer: the claim and its assignment are one statement.
			id, err := cases.ClaimNext(tx, queueID, rs[0].ID, cases.Condition{SQL: eligible, Args: eligibleArgs(rs[0])})
			if err != nil || id == uuid.Nil {
				return err
			}
			got[0] = id
			return recordClaims(tx, got, rs)
		}
		if err := claimRounds(tx, queueID, rs, got); err != nil {
			return err
		}
		var ids, assignees []uuid.UUID
		for i, id := range got {
			if id != uuid.Nil {
				ids, assignees = append(ids, id), append(assignees, rs[i].ID)
			}
		}
		if len(ids) == 0 {
			return nil
		}
		if err := cases.AssignClaimed(tx, ids, assignees); err != nil {
			return err
		}
		return recordClaims(tx, got, rs)
	})
	if err != nil {
		return nil, err
	}
	return got, nil
}

// claimRounds fills got[i] with the case rs[i] takes: it locks the most
// urgent cases that at least one of the claimers still without a case may
// take, as many as there are such claimers, and gives each case in order of
// urgency to the first of them (in order of arrival) who may take it. So each
// claimer gets the most urgent case left that they may take. Claimers who got
// none while the statement returned as many cases as it asked for (more may
// wait that only they may take) go another round.
func claimRounds(tx *gorm.DB, queueID uuid.UUID, rs []Reviewer, got []uuid.UUID) error {
	var held []uuid.UUID
	for {
		var open []int
		for i := range rs {
			if got[i] == uuid.Nil {
				open = append(open, i)
			}
		}
		if len(open) == 0 {
			return nil
		}
		claimers := make([]cases.Claimer, len(open))
		for j, i := range open {
			claimers[j] = cases.Claimer{ID: rs[i].ID, Skills: rs[i].Skills, Languages: rs[i].Languages}
		}
		cands, err := cases.ClaimCandidates(tx, queueID, claimers, claimerFacts, eligibleFor, held, len(open))
		if err != nil {
			return err
		}
		served := 0
		for _, c := range cands {
			held = append(held, c.ID)
			for _, j := range c.Eligible {
				if i := open[j]; got[i] == uuid.Nil {
					got[i] = c.ID
					served++
					break
				}
			}
		}
		if len(cands) < len(open) || served == len(open) {
			return nil
		}
	}
}

// recordClaims appends a case.claimed entry to the record of each claimed
// case and adds its case.assigned event, for all of them at once.
func recordClaims(tx *gorm.DB, got []uuid.UUID, rs []Reviewer) error {
	var evs []audit.Event
	var items []outbox.Message
	for i, id := range got {
		if id == uuid.Nil {
			continue
		}
		who := &rs[i].ID
		evs = append(evs, audit.Event{CaseID: id, ActorKind: audit.ActorStaff, ActorID: who,
			Action: "case.claimed", Data: map[string]any{"assignee_id": who}})
		items = append(items, outbox.Message{Subject: events.CaseAssigned, CaseID: id,
			Data: events.Assigned{AssigneeID: who, Action: "case.claimed"}})
	}
	if _, err := audit.AppendMany(tx, evs); err != nil {
		return err
	}
	_, err := outbox.AddMany(tx, items)
	return err
}

// Statement is a SQL statement with GORM's placeholders, and its arguments.
type Statement struct {
	SQL  string
	Args []any
}

// ClaimStatements are the claim statements as Claim runs them on queue, for
// the first of rs claiming alone (one statement: the claim and the
// assignment) and for all of rs arriving together (the batch's claim
// statement): for EXPLAIN (redress-bench).
func ClaimStatements(queueID uuid.UUID, rs []Reviewer) (single, batch Statement, err error) {
	single = Statement{SQL: cases.ClaimStatement(eligible), Args: append(append([]any{queueID}, eligibleArgs(rs[0])...), rs[0].ID)}
	claimers := make([]cases.Claimer, len(rs))
	for i, r := range rs {
		claimers[i] = cases.Claimer{ID: r.ID, Skills: r.Skills, Languages: r.Languages}
	}
	args, err := cases.ClaimCandidatesArgs(queueID, claimers, nil, len(rs))
	return single, Statement{SQL: cases.ClaimCandidatesStatement(claimerFacts, eligibleFor), Args: args}, err
}
