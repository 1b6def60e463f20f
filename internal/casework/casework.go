// Package casework is what the packages that work on a case share (intake
// and follow-up in internal/grievance, internal/decision, internal/evidence,
// internal/incident, internal/remedy): the lock a case is worked under, with
// the rules of who may act on it (the holder, recusal), refusing additions
// to a closed case, the small checks their inputs share (the waiver check:
// CheckWaiver), and the record of a status move (RecordMove: the case
// record's entry and the event, for the package that moved the case). It
// owns no table and publishes no event of its own; the row lock is
// internal/cases'.
package casework

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/seal"
)

// MaxLongText bounds a long free text (a note, a reason).
const MaxLongText = 5000

// ClockSkew is how far in the future a time someone says a thing happened
// may be.
const ClockSkew = 5 * time.Minute

// LockForWork locks a case for work on it by by. Staff act only on a case
// they hold, unless they may work any case (cases.Actor.MayWorkAnyCase), and
// never on one they are recused from (they took, own or operate the
// contested decision or AI system, or decided the case before its appeal). A
// complainant, bound to the case by their token, passes both checks.
func LockForWork(tx *gorm.DB, caseID uuid.UUID, by cases.Actor) (*cases.WorkRow, error) {
	c, err := LockUnlessRecused(tx, caseID, by)
	if err != nil {
		return nil, err
	}
	if by.Kind == audit.ActorStaff && !by.MayWork(c.AssigneeID) {
		// The route's gate decides who may act (access.Works); under the
		// row's lock this holds if the case changed hands since.
		return nil, access.ErrNotYours
	}
	return c, nil
}

// LockUnlessRecused locks a case for work on it by by, held or not: staff
// never act on one they are recused from. A complainant, bound to the case
// by their token, passes.
func LockUnlessRecused(tx *gorm.DB, caseID uuid.UUID, by cases.Actor) (*cases.WorkRow, error) {
	var user uuid.UUID // nil for a complainant: never recused
	if by.ID != nil {
		user = *by.ID
	}
	c, err := cases.LockForWork(tx, caseID, user)
	if err != nil {
		return nil, err
	}
	if c.Kind == "" {
		return nil, fault.New(fault.NotFound, "case_not_found", "No case has that id.")
	}
	if by.Kind == audit.ActorStaff && c.Recused {
		return nil, fault.New(fault.Forbidden, "recused",
			"You took, own or operate the decision or AI system this case contests, or decided it before its appeal.")
	}
	return c, nil
}

// LockOpen is LockForWork that refuses the work once the case is closed or
// withdrawn (StillOpen).
func LockOpen(tx *gorm.DB, caseID uuid.UUID, by cases.Actor) (*cases.WorkRow, error) {
	c, err := LockForWork(tx, caseID, by)
	if err != nil {
		return nil, err
	}
	return c, StillOpen(c.Status)
}

// StillOpen refuses additions to the record of a closed or withdrawn case.
func StillOpen(status cases.Status) error {
	switch status {
	case cases.StatusClosed:
		return fault.New(fault.Conflict, "case_closed", "The case is closed; its record can no longer be added to.")
	case cases.StatusWithdrawn:
		return fault.New(fault.Conflict, "case_withdrawn", "The case was withdrawn; its record can no longer be added to.")
	}
	return nil
}

// StaffOnly refuses anyone but a signed-in staff member.
func StaffOnly(by cases.Actor) error {
	if by.Kind != audit.ActorStaff || by.ID == nil {
		return fault.New(fault.Forbidden, "forbidden", "Only staff may do this.")
	}
	return nil
}

// Nullable is nil for an empty string.
func Nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// UTC is t in UTC, nil for nil.
func UTC(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// Status is case id's status; a case that does not exist is NotFound.
func Status(tx *gorm.DB, id uuid.UUID) (string, error) {
	var status string
	if err := tx.Model(&cases.Case{}).Select("status").Where("id = ?", id).Scan(&status).Error; err != nil {
		return "", fmt.Errorf("grievance: status: %w", err)
	}
	if status == "" {
		return "", fault.New(fault.NotFound, "case_not_found", "No case has that id.")
	}
	return status, nil
}

// OpenJSON opens a value keys sealed for purpose into v. A value of an
// erased case leaves v as it is (its zero value): the views of an erased
// case show what is left, and its texts read as erased (seal.OpenString).
// What must not be shown half — an identity, a file — asks for the
// erasure itself (seal.ErasedError).
func OpenJSON(keys *seal.Keyring, purpose string, sealed []byte, v any) error {
	b, err := keys.Open(purpose, sealed)
	if errors.Is(err, seal.ErrErased) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("grievance: open %s: %w", strings.SplitN(purpose, ":", 2)[0], err)
	}
	return json.Unmarshal(b, v)
}

// MustOpenJSON is OpenJSON for what must not be shown half (an identity):
// a value of an erased case is its *seal.ErasedError.
func MustOpenJSON(keys *seal.Keyring, purpose string, sealed []byte, v any) error {
	b, err := keys.Open(purpose, sealed)
	if err != nil {
		return fmt.Errorf("grievance: open %s: %w", strings.SplitN(purpose, ":", 2)[0], err)
	}
	return json.Unmarshal(b, v)
}

// Clip cuts s to n characters, marking the cut with an ellipsis.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// Codes checks a list of codes: at least min of them, each one of allowed,
// none twice.
func Codes(f *fault.Fields, field string, vs, allowed []string, min int) {
	if len(vs) < min {
		f.Addf(field, "required", "choose at least %d of %s", min, strings.Join(allowed, ", "))
		return
	}
	seen := map[string]bool{}
	for i, v := range vs {
		name := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !slices.Contains(allowed, v):
			f.Addf(name, "invalid", "%q is not one of %s", Clip(v, 40), strings.Join(allowed, ", "))
		case seen[v]:
			f.Addf(name, "duplicate", "%q is listed twice", v)
		}
		seen[v] = true
	}
}

// NonNil is s, or an empty list for nil (a text[] column that is NOT NULL).
func NonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// RecordMove writes a case's move from from to to in tx: the case record's
// entry (case.<to>, public, with extra) and the event subject. It is the
// second half of every status move (the first is cases.Move and what the
// move entails, internal/grievance's).
func RecordMove(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, from, to cases.Status, extra map[string]any, subject string) error {
	data := map[string]any{"from": from, "to": to}
	for k, v := range extra {
		data[k] = v
	}
	action := "case." + string(to)
	if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
		Action: action, Public: true, Data: data}); err != nil {
		return err
	}
	_, err := outbox.Add(tx, subject, caseID, events.StatusChanged{From: string(from), To: string(to), Actor: by.Kind, UserID: by.ID})
	return err
}
