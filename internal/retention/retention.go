// Package retention decides how long a case's personal data is kept and
// erases it when that time is up or when the complainant asks (issue 19;
// docs/retention.md). It owns the tables retention_schedules, legal_holds,
// erasure_requests and retention_runs.
//
// Erasure is crypto-shredding: the case's data key is destroyed
// (internal/keystore), so everything sealed for the case — what the
// complainant wrote, who they are, their files, messages, decisions'
// reasons, remedies, referrals and their dossiers — reads as "[erased on …]"
// everywhere at once, while the case record keeps its entries and its chain
// verifies. What is not personal stays: the case's kind, dates, statuses,
// codes, and so every aggregate figure.
//
// Every erasure goes through one function, erase, which the retention run
// (schedules, due requests) calls; a legal hold on the case stops it.
package retention

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/keystore"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/seal"
)

// Endings: how a case ended, as a schedule names it.
const (
	EndingAny       = "any"
	EndingClosed    = "closed"
	EndingWithdrawn = "withdrawn"
	EndingRejected  = "rejected"
	// EndingReferred is a case that reached an independent body, whatever
	// its status.
	EndingReferred = "referred"
)

// Endings lists every ending (retention_schedules.ending's CHECK): how the
// case ended, and the outcomes of its final decision (decision.Outcomes).
var Endings = []string{EndingAny, EndingClosed, EndingWithdrawn, EndingRejected, EndingReferred,
	string(decision.OutcomeConfirmed), string(decision.OutcomeOverturned), string(decision.OutcomeModified),
	string(decision.OutcomeNotWithinScope)}

// Kinds a schedule may name (cases.kind's CHECK); none: any kind.
var Kinds = []string{"contest_decision", "explanation_request", "concern", "incident", "retaliation"}

// Ended are the statuses of a case that has ended.
var Ended = []cases.Status{cases.StatusClosed, cases.StatusWithdrawn, cases.StatusRejected}

// Grounds of erasure, in the event and the case record.
const (
	GroundRetention = "retention"
	GroundRequest   = "request"
	// GroundRestore: the data was restored from a backup older than the
	// erasure of its key; the run marks the case erased again.
	GroundRestore = "restore"
)

// Refusal grounds: the legal grounds on which staff may refuse a
// complainant's request for erasure (GDPR art. 17(3)); the complainant
// reads which (erasure_requests.ground's CHECK).
const (
	RefuseOpenReferral    = "open_referral"
	RefuseLegalHold       = "legal_hold"
	RefuseLegalClaims     = "legal_claims"
	RefuseLegalObligation = "legal_obligation"
	RefusePublicInterest  = "public_interest"
)

// RefusalGrounds lists every refusal ground.
var RefusalGrounds = []string{RefuseOpenReferral, RefuseLegalHold, RefuseLegalClaims, RefuseLegalObligation, RefusePublicInterest}

// Request statuses (erasure_requests.status's CHECK).
const (
	RequestPending    = "pending"
	RequestCancelled  = "cancelled"
	RequestRefused    = "refused"
	RequestCarriedOut = "carried_out"
)

// RequestStatuses lists every request status.
var RequestStatuses = []string{RequestPending, RequestCancelled, RequestRefused, RequestCarriedOut}

// DefaultDelay is how long after a complainant asks their case is erased:
// the time in which they may change their mind, and staff may refuse.
const DefaultDelay = 14 * 24 * time.Hour

// Mover moves a case to another status with its entry and event (the
// grievance service's MoveCase): an open case is withdrawn when erased.
type Mover func(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, to cases.Status, extra map[string]any) error

// Service runs retention.
type Service struct {
	db       *gorm.DB
	keys     *seal.Keyring
	keystore *keystore.Store
	move     Mover
	// Delay: DefaultDelay unless set.
	Delay time.Duration
}

// New is the retention service.
func New(gdb *gorm.DB, keys *seal.Keyring, ks *keystore.Store, move Mover) *Service {
	return &Service{db: gdb, keys: keys, keystore: ks, move: move, Delay: DefaultDelay}
}

// RequestWords are the words of an erasure at the complainant's request:
// what its texts read as ("[erased on …: the complainant's request]").
const RequestWords = "the complainant's request"

// GroundOf is the ground (GroundRequest or GroundRetention) of an erasure
// from its words, as a case and its key keep them.
func GroundOf(words string) string {
	if words == RequestWords {
		return GroundRequest
	}
	return GroundRetention
}

// erasureText is what an erasure reads as on the record and in place of
// every sealed text, for a ground and its detail.
func erasureText(ground, detail string) string {
	switch ground {
	case GroundRequest:
		return RequestWords
	default:
		return "retention schedule, " + detail
	}
}

// erase erases case caseID in tx, on ground (with the words the erased
// texts will read as): its data key is destroyed, the case marked, an open
// case withdrawn, the record told and the event written. A case under a
// legal hold is not erased (ErrHeld); an erased case is left as it is
// (false).
func (s *Service) erase(tx *gorm.DB, caseID uuid.UUID, ground, words string, now time.Time, extra map[string]any) (bool, error) {
	return s.eraseCase(tx, caseID, ground, words, now, extra, true)
}

// eraseCase is erase; a hold stops it only when holdStops (a case whose
// key is already destroyed has nothing left to hold).
func (s *Service) eraseCase(tx *gorm.DB, caseID uuid.UUID, ground, words string, now time.Time, extra map[string]any,
	holdStops bool) (bool, error) {
	var c struct {
		Status   cases.Status
		ErasedAt *time.Time
	}
	if err := cases.Locked(tx, caseID, "status", "erased_at").Scan(&c).Error; err != nil {
		return false, fmt.Errorf("retention: lock case: %w", err)
	}
	if c.ErasedAt != nil {
		return false, nil
	}
	if holdStops {
		held, err := heldNow(tx, caseID)
		if err != nil {
			return false, err
		}
		if held {
			return false, ErrHeld
		}
	}
	sys := cases.System()
	if !isEnded(c.Status) && cases.CanTransition(c.Status, cases.StatusWithdrawn) {
		if err := s.move(tx, caseID, sys, cases.StatusWithdrawn, map[string]any{"reason": "erased: " + words}); err != nil {
			return false, err
		}
	}
	now = now.UTC().Truncate(time.Microsecond)
	if _, err := s.keystore.Erase(tx, caseID, words, now); err != nil {
		return false, err
	}
	if _, err := cases.MarkErased(tx, caseID, now, words); err != nil {
		return false, err
	}
	data := map[string]any{"ground": ground, "words": words, "at": now}
	for k, v := range extra {
		data[k] = v
	}
	if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: sys.Kind, Action: "case.erased",
		Public: true, Data: data}); err != nil {
		return false, err
	}
	if _, err := outbox.Add(tx, events.CaseErased, caseID, events.Erased{At: now, Ground: ground}); err != nil {
		return false, err
	}
	return true, nil
}

// ErrHeld: the case is under a legal hold.
var ErrHeld = errors.New("retention: the case is under a legal hold")

func isEnded(st cases.Status) bool {
	for _, e := range Ended {
		if st == e {
			return true
		}
	}
	return false
}

// Erasure is what a page says about an erased case.
type Erasure struct {
	At     time.Time `json:"at"`
	Ground string    `json:"ground"`
}

// ErasureOf says whether case caseID is erased, and when and why.
func ErasureOf(q *gorm.DB, caseID uuid.UUID) (*Erasure, error) {
	var c cases.Case
	if err := q.Model(&cases.Case{}).Select("erased_at", "erasure_ground").Where("id = ?", caseID).Take(&c).Error; err != nil {
		return nil, fmt.Errorf("retention: erasure of case: %w", err)
	}
	if c.ErasedAt == nil {
		return nil, nil
	}
	return &Erasure{At: c.ErasedAt.UTC(), Ground: derefString(c.ErasureGround)}, nil
}

func derefString(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// staffWho is the staff member acting, or a 403.
func staffWho(by cases.Actor) (uuid.UUID, error) {
	if err := casework.StaffOnly(by); err != nil {
		return uuid.Nil, err
	}
	return *by.ID, nil
}

// supervisorOnly: holds and refusals are a supervisor's or admin's of the
// case's queue.
func supervisorOnly(by cases.Actor) error {
	if !by.MayWorkAnyCase() {
		return fault.New(fault.Forbidden, "supervisor_only",
			"Only a supervisor or admin of the case's queue may do this.")
	}
	return nil
}

func trimmed(s string) string { return strings.TrimSpace(s) }

// transact runs fn in a transaction of the service's database.
func (s *Service) transact(ctx context.Context, fn func(tx *gorm.DB) error) error {
	return db.Transact(ctx, s.db, fn)
}

// CaseState is what staff and the complainant read of a case's retention:
// its erasure, its legal holds (staff only), its latest request.
type CaseState struct {
	Erased  *Erasure `json:"erased"`
	Holds   []Hold   `json:"holds,omitempty"`
	Held    bool     `json:"held"`
	Request *Request `json:"erasure_request"`
}

// StateOf reads a case's retention; withHolds for staff (a complainant is
// not told of a hold unless a refusal names it).
func (s *Service) StateOf(ctx context.Context, caseID uuid.UUID, withHolds bool) (*CaseState, error) {
	q := s.db.WithContext(ctx)
	var st CaseState
	var err error
	if st.Erased, err = ErasureOf(q, caseID); err != nil {
		return nil, err
	}
	if st.Request, err = s.LatestRequest(q, caseID); err != nil {
		return nil, err
	}
	if withHolds {
		if st.Holds, err = Holds(q, caseID); err != nil {
			return nil, err
		}
		now := time.Now()
		for i := range st.Holds {
			st.Held = st.Held || st.Holds[i].Active(now)
		}
		if st.Holds == nil {
			st.Holds = []Hold{}
		}
	}
	return &st, nil
}
