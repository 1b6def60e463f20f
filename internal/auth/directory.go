package auth

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// Person is a user as another staff member sees them: a name and a role.
type Person struct {
	ID   uuid.UUID `json:"id"`
	Name string    `json:"name"`
	Role Role      `json:"role"`
}

// Names returns the names of the users with ids (inactive ones too, so a
// record still says who acted), by id.
func (u *Users) Names(ctx context.Context, ids []uuid.UUID) (map[uuid.UUID]string, error) {
	out := map[uuid.UUID]string{}
	if len(ids) == 0 {
		return out, nil
	}
	var rows []Person
	if err := u.db.WithContext(ctx).Model(&User{}).Select("id", "name", "role").Where("id IN ?", ids).
		Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("auth: names: %w", err)
	}
	for _, r := range rows {
		out[r.ID] = r.Name
	}
	return out, nil
}

// Claimers lists the active reviewers and supervisors, who may hold a case,
// by name.
func (u *Users) Claimers(ctx context.Context) ([]Person, error) {
	out := []Person{}
	if err := u.db.WithContext(ctx).Model(&User{}).Select("id", "name", "role").
		Where("active AND role IN ?", []Role{RoleReviewer, RoleSupervisor}).Order("name, id").Scan(&out).Error; err != nil {
		return nil, fmt.Errorf("auth: claimers: %w", err)
	}
	return out, nil
}
