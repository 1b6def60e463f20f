package clocks

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/sla"
)

// TaskPrefixes name the clocks that are not the policy's but a task's, set
// by someone outside the policy (an independent body's order): one clock per
// task, "<prefix><task id>". Recompute leaves them alone; they warn, breach
// and take the policy's breach actions like any other clock, and end when
// their task is done (End with their name) or the case closes.
var TaskPrefixes = []string{BodyItemPrefix, ProviderRequestPrefix}

// BodyItemPrefix names the clock of a body's order or recommendation.
const BodyItemPrefix = "body_item:"

// ProviderRequestPrefix names the clock of a request for information to an
// AI system's provider (grievance.SendProviderRequest).
const ProviderRequestPrefix = "provider_request:"

// BodyItemClock is the clock of a body's order or recommendation.
func BodyItemClock(item uuid.UUID) sla.ClockName {
	return sla.ClockName(BodyItemPrefix + item.String())
}

// ProviderRequestClock is the clock of a request for information to an AI
// system's provider.
func ProviderRequestClock(request uuid.UUID) sla.ClockName {
	return sla.ClockName(ProviderRequestPrefix + request.String())
}

// IsProviderRequest says whether a clock is a provider request's.
func IsProviderRequest(clock sla.ClockName) bool {
	return strings.HasPrefix(string(clock), ProviderRequestPrefix)
}

// IsTask says whether a clock is a task's.
func IsTask(clock sla.ClockName) bool {
	for _, p := range TaskPrefixes {
		if strings.HasPrefix(string(clock), p) {
			return true
		}
	}
	return false
}

// SetTask starts a task's clock on a case, inside the caller's transaction
// tx (after it locked the case): due at due, with the warnings of the case's
// policy at its fractions of the span from now to due. A clock of that name
// already running is left as it is.
func (s *Service) SetTask(tx *gorm.DB, caseID uuid.UUID, clock sla.ClockName, due time.Time, rule sla.Rule) error {
	if !IsTask(clock) {
		return fmt.Errorf("clocks: %q is not a task's clock", clock)
	}
	var c cases.Case
	if err := tx.Model(&cases.Case{}).Select("sla_policy_id").Where("id = ?", caseID).Scan(&c).Error; err != nil {
		return fmt.Errorf("clocks: task's case: %w", err)
	}
	p, err := s.policy(tx, c.SLAPolicyID)
	if err != nil {
		return err
	}
	now := s.now().UTC().Truncate(time.Microsecond)
	due = due.UTC().Truncate(time.Microsecond)
	warn := []string{}
	if due.After(now) {
		for _, w := range sla.WarnAt(now, due, nil, nil, p.WarnFractions...) {
			warn = append(warn, w.UTC().Format(time.RFC3339Nano))
		}
	}
	r, _ := json.Marshal(rule)
	warnAt := "{" + strings.Join(warn, ",") + "}"
	if err := cases.NextDueNoLaterThan(tx, caseID, startTask(caseID, clock, now, due, string(r), p.ID, warnAt)); err != nil {
		return fmt.Errorf("clocks: set task %s: %w", clock, err)
	}
	return nil
}
