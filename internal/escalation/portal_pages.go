package escalation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
)

// What the bodies' web portal needs beyond the JSON API: a referral's own
// history.

// HistoryEntry is one step of a referral's life as its body may see it:
// made, opened, each status the body set, an identity disclosed. Actors
// are kinds (complainant, staff, body, system), never people.
type HistoryEntry struct {
	At     time.Time `json:"at"`
	Actor  string    `json:"actor"`
	Action string    `json:"action"` // referral.made, referral.opened, referral.<status>, identity.disclosed
	From   string    `json:"from,omitempty"`
	Status string    `json:"status,omitempty"`
}

// ReferralHistory is a referral's history, oldest first, from the case's
// record; a body's user sees only their body's referrals'.
func (s *Service) ReferralHistory(ctx context.Context, id uuid.UUID, v *Viewer) ([]HistoryEntry, error) {
	q := s.db.WithContext(ctx)
	rows, err := s.referralRows(q, `r.id = ? AND `+visible, append([]any{id}, viewerArgs(v)...)...)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errReferralNotFound
	}
	var entries []historyRow
	actions := []string{"referral.made", "referral.opened", "identity.disclosed"}
	for _, st := range BodyStatuses {
		actions = append(actions, "referral."+string(st))
	}
	if err := q.Model(&audit.Entry{}).Select("at, actor_kind, action, data::text AS data").
		Where("case_id = ? AND action IN ? AND data::jsonb->>'referral_id' = ?", rows[0].CaseID, actions, id.String()).
		Order("seq").Scan(&entries).Error; err != nil {
		return nil, fmt.Errorf("escalation: referral history: %w", err)
	}
	out := make([]HistoryEntry, 0, len(entries))
	for _, e := range entries {
		var d struct {
			From   string `json:"from"`
			Status string `json:"status"`
		}
		_ = json.Unmarshal([]byte(e.Data), &d)
		out = append(out, HistoryEntry{At: e.At.UTC(), Actor: e.ActorKind, Action: e.Action, From: d.From, Status: d.Status})
	}
	return out, nil
}
