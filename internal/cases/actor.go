package cases

import (
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
)

// Actor is who acts on a case — a complainant, a staff member, an
// independent body or the system — and what they may do there. The
// transports build it from the signed-in user in one place each
// (internal/httpkit.Actor); the domain asks it, never a boolean passed
// beside it.
type Actor struct {
	Kind audit.ActorKind
	ID   *uuid.UUID // the user, for staff and bodies
	Role auth.Role  // a staff member's role ("" for anyone else)
	// Supervises: the actor is a supervisor or admin of the case's queue —
	// the ground internal/access admitted the request on
	// (access.Supervisor, access.Ground.MayWork). Set only on a case's
	// route; false everywhere else.
	Supervises bool
}

// Complainant is the complainant of the case at hand.
func Complainant() Actor { return Actor{Kind: audit.ActorComplainant} }

// System is the system itself (the worker, a sweep).
func System() Actor { return Actor{Kind: audit.ActorSystem} }

// Staff is the staff member id of role, supervising the case at hand or not.
func Staff(id uuid.UUID, role auth.Role, supervises bool) Actor {
	return Actor{Kind: audit.ActorStaff, ID: &id, Role: role, Supervises: supervises}
}

// IsStaff reports whether the actor is a staff member.
func (a Actor) IsStaff() bool { return a.Kind == audit.ActorStaff }

// Holds reports whether the actor is the staff member assignee: the case's holder.
func (a Actor) Holds(assignee *uuid.UUID) bool {
	return a.ID != nil && assignee != nil && *a.ID == *assignee
}

// MayWorkAnyCase reports whether the actor may act on the case at hand
// though they do not hold it: a supervisor or admin of its queue. (The
// assignee acts on their own case; a reviewer who may take it, or an admin
// who broke the glass, only reads.)
func (a Actor) MayWorkAnyCase() bool {
	return a.Kind == audit.ActorStaff && a.Supervises && (a.Role == auth.RoleSupervisor || a.Role == auth.RoleAdmin)
}

// MayWork reports whether the actor may act on a case assigned to assignee:
// its holder, or one who may work any case.
func (a Actor) MayWork(assignee *uuid.UUID) bool { return a.Holds(assignee) || a.MayWorkAnyCase() }
