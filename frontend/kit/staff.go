package kit

import (
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/review"
)

// CaseHref is the address of a case's page in the staff's workspace: its
// summary (tab "") or one of its tabs (/cases/{id}/{tab}). The queue links
// and redirects to it; the workspace's tabs and actions land on it.
func CaseHref(id uuid.UUID, tab string) string {
	if tab == "" {
		return "/cases/" + id.String()
	}
	return "/cases/" + id.String() + "/" + tab
}

// Reviewer is a staff user as review.Claim and review.Assign see them.
func Reviewer(u *auth.User) review.Reviewer {
	return review.Reviewer{ID: u.ID, Skills: u.Skills, Languages: u.Languages}
}
