package review_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

func TestMain(m *testing.M) { os.Exit(testenv.Main(m)) }

// Many reviewers claim from one queue at once, some of whom may not take
// some cases: claims that arrive together share transactions (the claim
// combiner), every claimer gets at most one case, no case goes to two, no
// one gets a case they may not take, each claimed case has one case.claimed
// entry and one case.assigned event, and the records still verify.
func TestClaimsArrivingTogetherShareATransactionAndKeepEligibility(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	const plain, skilled, reviewers = 40, 5, 100
	var ids []uuid.UUID
	for i := range plain + skilled {
		body := teststack.ValidCase()
		body["description"] = fmt.Sprintf("Case %d for the combined claims.", i)
		id := uuid.MustParse(s.File(body).ID)
		if _, err := s.Core.Routing.Route(ctx, id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	// The last cases need a skill only the last reviewers have; they are the
	// most urgent, so each of those reviewers takes one of them, whoever
	// shares their batch.
	skilledCases := ids[plain:]
	if err := s.Core.DB.Exec(`UPDATE cases SET required_skills = '{dsa-law}', required_languages = '{en}', priority = 'P1' WHERE id IN ?`, skilledCases).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Core.DB.Exec(`UPDATE cases SET priority = 'P2', required_languages = '{en}' WHERE id IN ?`, ids[:plain]).Error; err != nil {
		t.Fatal(err)
	}
	// One plain case excludes the first reviewer.
	var queue uuid.UUID
	s.Core.DB.Raw(`SELECT id FROM queues WHERE slug = 'general'`).Row().Scan(&queue)
	rs := make([]review.Reviewer, reviewers)
	for i := range rs {
		rs[i] = review.Reviewer{ID: uuid.New(), Languages: []string{"en"}}
		switch {
		case i >= reviewers-skilled: // the skilled ones
			rs[i].Skills = []string{"dsa-law"}
		case i%10 == 1: // reads no English
			rs[i].Languages = []string{"fr"}
		}
		if err := s.Core.DB.Exec(`INSERT INTO users (id, email, name, role, password_hash, languages, skills)
			VALUES (?, ?, ?, 'reviewer', 'x', ?, ?)`, rs[i].ID, fmt.Sprintf("c%d@example.org", i), "R",
			pgArray(rs[i].Languages), pgArray(rs[i].Skills)).Error; err != nil {
			t.Fatal(err)
		}
		if i%10 == 2 { // not a member of the queue
			continue
		}
		if err := s.Core.DB.Exec(`INSERT INTO queue_members (queue_id, user_id) VALUES (?, ?)`, queue, rs[i].ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Core.DB.Exec(`UPDATE cases SET excluded_reviewers = ARRAY[?]::uuid[] WHERE id IN ?`, rs[0].ID, ids[:plain]).Error; err != nil {
		t.Fatal(err)
	}
	// The plain cases are about an AI system some reviewers operate.
	var system uuid.UUID
	s.Core.DB.Raw(`SELECT id FROM ai_systems ORDER BY id LIMIT 1`).Row().Scan(&system)
	if err := s.Core.DB.Exec(`UPDATE cases SET ai_system_id = ?, ai_system_other = NULL WHERE id IN ?`, system, ids[:plain]).Error; err != nil {
		t.Fatal(err)
	}
	for i := 3; i < reviewers-skilled; i += 10 {
		if err := s.Core.DB.Exec(`INSERT INTO ai_system_staff (ai_system_id, user_id, role) VALUES (?, ?, 'operator')`, system, rs[i].ID).Error; err != nil {
			t.Fatal(err)
		}
	}

	got := make([]uuid.UUID, reviewers)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range rs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			id, err := s.Core.Review.Claim(ctx, queue, rs[i])
			if err != nil {
				t.Error(err)
			}
			got[i] = id
		}()
	}
	close(start)
	wg.Wait()

	isSkilled := map[uuid.UUID]bool{}
	for _, id := range skilledCases {
		isSkilled[id] = true
	}
	seen := map[uuid.UUID]int{}
	for i, id := range got {
		if id == uuid.Nil {
			continue
		}
		if j, dup := seen[id]; dup {
			t.Fatalf("case %s claimed by reviewers %d and %d", id, j, i)
		}
		seen[id] = i
		switch {
		case i == 0:
			t.Errorf("reviewer 0, excluded from every case, got %s", id)
		case i%10 == 1 && i < reviewers-skilled:
			t.Errorf("reviewer %d, who reads no English, got %s", i, id)
		case i%10 == 2:
			t.Errorf("reviewer %d, not a member of the queue, got %s", i, id)
		case i%10 == 3 && i < reviewers-skilled:
			t.Errorf("reviewer %d, who operates the AI system, got %s", i, id)
		case isSkilled[id] && i < reviewers-skilled:
			t.Errorf("reviewer %d, without the skill, got the skilled case %s", i, id)
		}
	}
	if len(seen) != plain+skilled {
		t.Errorf("%d cases claimed, want all %d", len(seen), plain+skilled)
	}
	// The skilled reviewers got the skilled cases, the most urgent they may take.
	for i := reviewers - skilled; i < reviewers; i++ {
		if !isSkilled[got[i]] {
			t.Errorf("skilled reviewer %d got %s, not one of the skilled cases", i, got[i])
		}
	}
	// Shared transactions: the claimed rows were written by fewer transactions than claims.
	var writers int
	s.Core.DB.Raw(`SELECT count(DISTINCT xmin::text) FROM cases WHERE assignee_id IS NOT NULL`).Scan(&writers)
	if writers >= len(seen) {
		t.Errorf("%d claims written by %d transactions: none shared", len(seen), writers)
	}
	t.Logf("%d claims in %d transactions", len(seen), writers)
	for id, i := range seen {
		var entries, evs int
		s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE case_id = ? AND action = 'case.claimed' AND actor_id = ?`, id, rs[i].ID).Scan(&entries)
		s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = ? AND payload->>'case_id' = ?`, events.CaseAssigned, id.String()).Scan(&evs)
		if entries != 1 || evs != 1 {
			t.Errorf("case %s: %d case.claimed entries naming its claimer, %d case.assigned events", id, entries, evs)
		}
		var assignee uuid.UUID
		s.Core.DB.Raw(`SELECT assignee_id FROM cases WHERE id = ?`, id).Row().Scan(&assignee)
		if assignee != rs[i].ID {
			t.Errorf("case %s answered to reviewer %d, assigned to %s", id, i, assignee)
		}
		es, err := audit.Entries(s.Core.DB, id)
		if err != nil {
			t.Fatal(err)
		}
		if v := audit.Verify(id, es); !v.Verified {
			t.Errorf("case %s: record does not verify at %d: %s", id, v.BrokenAt, v.Problem)
		}
	}
	// A claim on a queue that does not exist is NotFound, alone or in a batch.
	if _, err := s.Core.Review.Claim(ctx, uuid.New(), rs[3]); err == nil {
		t.Error("claim on an unknown queue: no error")
	}
}

func pgArray(s []string) string {
	out := "{"
	for i, v := range s {
		if i > 0 {
			out += ","
		}
		out += v
	}
	return out + "}"
}

// A claim does not skip a case whose row another transaction only
// key-share locks, as an insert of a row that refers to the case does (a
// record entry, an email owed) until it commits: the claimer would be told
// there is nothing to take. Both claim statements are tried: a claimer alone,
// and the combiner's batch.
func TestAClaimTakesACaseThatAnInsertReferringToItHolds(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	ctx := context.Background()
	id := uuid.MustParse(s.File(teststack.ValidCase()).ID)
	if _, err := s.Core.Routing.Route(ctx, id); err != nil {
		t.Fatal(err)
	}
	var queue uuid.UUID
	s.Core.DB.Raw(`SELECT queue_id FROM cases WHERE id = ?`, id).Row().Scan(&queue)
	r := review.Reviewer{ID: uuid.New(), Languages: []string{"en"}}
	if err := s.Core.DB.Exec(`INSERT INTO users (id, email, name, role, password_hash, languages) VALUES (?, 'k@example.org', 'K', 'reviewer', 'x', '{en}')`,
		r.ID).Error; err != nil {
		t.Fatal(err)
	}
	if err := s.Core.DB.Exec(`INSERT INTO queue_members (queue_id, user_id) VALUES (?, ?)`, queue, r.ID).Error; err != nil {
		t.Fatal(err)
	}
	_, batch, err := review.ClaimStatements(queue, []review.Reviewer{r})
	if err != nil {
		t.Fatal(err)
	}
	locked, release, held := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		held <- db.Transact(ctx, s.Core.DB, func(holder *gorm.DB) error {
			// What a foreign key's check takes, until its transaction ends.
			if err := holder.Exec(`SELECT 1 FROM cases WHERE id = ? FOR KEY SHARE`, id).Error; err != nil {
				close(locked)
				return err
			}
			close(locked)
			<-release
			return nil
		})
	}()
	<-locked
	// The combiner's statement, rolled back: it finds the case at once.
	err = db.Transact(ctx, s.Core.DB, func(tx *gorm.DB) error {
		var got []struct{ ID uuid.UUID }
		if err := tx.Raw(batch.SQL, batch.Args...).Scan(&got).Error; err != nil {
			return err
		}
		if len(got) != 1 || got[0].ID != id {
			t.Errorf("the batch's claim statement found %v while the case's row was key-share locked, want %s", got, id)
		}
		return errRollback
	})
	if err != errRollback {
		t.Fatal(err)
	}
	// A claimer alone takes it: the claim itself does not skip the case,
	// and the case record's entry waits for the insert to commit.
	type answer struct {
		id  uuid.UUID
		err error
	}
	claimed := make(chan answer, 1)
	go func() {
		got, err := s.Core.Review.Claim(ctx, queue, r)
		claimed <- answer{got, err}
	}()
	var early *answer
	testenv.Eventually(t, 30*time.Second, "the claim to answer or to wait for the insert", func() bool {
		select {
		case a := <-claimed:
			early = &a
			return true
		default:
		}
		return testenv.LockWaiters(t, s.Core.DB) > 0
	})
	close(release)
	if err := <-held; err != nil {
		t.Fatal(err)
	}
	a := early
	if a == nil {
		got := <-claimed
		a = &got
	}
	if a.err != nil || a.id != id {
		t.Errorf("a claim while the case's row was key-share locked got %s (%v), want %s", a.id, a.err, id)
	}
}

var errRollback = errors.New("rolled back")
