package cases

import (
	"testing"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
)

func TestActorMayWork(t *testing.T) {
	me, other := uuid.New(), uuid.New()
	for _, tc := range []struct {
		name     string
		actor    Actor
		assignee *uuid.UUID
		anyCase  bool
		mayWork  bool
	}{
		{"holder", Staff(me, auth.RoleReviewer, false), &me, false, true},
		{"reviewer, not the holder", Staff(me, auth.RoleReviewer, false), &other, false, false},
		{"reviewer, nobody holds it", Staff(me, auth.RoleReviewer, false), nil, false, false},
		{"supervisor of the queue", Staff(me, auth.RoleSupervisor, true), &other, true, true},
		{"admin of the queue", Staff(me, auth.RoleAdmin, true), nil, true, true},
		{"supervisor on another ground", Staff(me, auth.RoleSupervisor, false), &other, false, false},
		{"admin on another ground", Staff(me, auth.RoleAdmin, false), &other, false, false},
		{"a reviewer is never a queue's supervisor", Staff(me, auth.RoleReviewer, true), &other, false, false},
		{"complainant", Complainant(), &other, false, false},
		{"system", System(), nil, false, false},
		{"a body", Actor{Kind: audit.ActorBody, ID: &me, Supervises: true}, &other, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.actor.MayWorkAnyCase(); got != tc.anyCase {
				t.Errorf("MayWorkAnyCase() = %v, want %v", got, tc.anyCase)
			}
			if got := tc.actor.MayWork(tc.assignee); got != tc.mayWork {
				t.Errorf("MayWork() = %v, want %v", got, tc.mayWork)
			}
		})
	}
}
