package escalation

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// What the bodies' web portal needs beyond the JSON API's list: the AI
// system and the outcome in the list, and a referral's own history.

// PortalSummary is a referral in a body's list in the web portal.
type PortalSummary struct {
	ReferralSummary
	// AISystem is the register's name of the system, when the case names one.
	AISystem string `json:"ai_system"`
	// AISystemOther is the system as the complainant named it, when it is not
	// in the register (the dossier carries the same).
	AISystemOther string  `json:"ai_system_other"`
	Outcome       *string `json:"outcome"`
}

// PortalReferrals lists the referrals to a body's user's body, newest first,
// optionally of one status, keyset-paginated like Referrals, with each
// one's AI system and outcome.
func (s *Service) PortalReferrals(ctx context.Context, bodyUser uuid.UUID, status string, cursor *grievance.Cursor, limit int) (*grievance.Page[PortalSummary], error) {
	if status != "" {
		var f fault.Fields
		if !f.OneOf("status", status, append([]string{StatusSent}, BodyStatuses...), false) {
			return nil, f.Err()
		}
	}
	var rows []struct {
		ID            uuid.UUID
		Reference     string
		Kind          string
		Source        string
		LegalBasis    string
		ConsentScope  string
		Status        string
		StatusAt      time.Time
		CreatedAt     time.Time
		Opened        bool
		AISystem      *string
		AISystemOther *string
		OutcomeEnc    []byte
	}
	q := `SELECT r.id, c.reference, c.kind, r.source, r.legal_basis, r.consent_scope, r.status, r.status_at, r.created_at,
	             r.first_opened_at IS NOT NULL AS opened, a.name AS ai_system, c.ai_system_other, r.outcome_enc
	        FROM referrals r JOIN cases c ON c.id = r.case_id LEFT JOIN ai_systems a ON a.id = c.ai_system_id
	       WHERE r.body_id = (SELECT body_id FROM users WHERE id = ? AND role = 'body' AND active)
	         AND (? = '' OR r.status = ?)`
	args := []any{bodyUser, status, status}
	if cursor != nil {
		q += ` AND (r.created_at, r.id) < (?, ?)`
		args = append(args, cursor.At, cursor.ID)
	}
	q += ` ORDER BY r.created_at DESC, r.id DESC LIMIT ?`
	args = append(args, limit+1)
	if err := db.Conn(ctx, s.db).Raw(q, args...).Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("escalation: portal referrals: %w", err)
	}
	items := make([]PortalSummary, len(rows))
	for i, r := range rows {
		it := PortalSummary{ReferralSummary: ReferralSummary{ID: r.ID, Reference: r.Reference, Kind: r.Kind, Source: r.Source,
			LegalBasis: r.LegalBasis, ConsentScope: r.ConsentScope, Status: r.Status, StatusAt: r.StatusAt.UTC(),
			CreatedAt: r.CreatedAt.UTC(), Opened: r.Opened}}
		if r.AISystem != nil {
			it.AISystem = *r.AISystem
		}
		if r.AISystemOther != nil {
			it.AISystemOther = *r.AISystemOther
		}
		if r.OutcomeEnc != nil {
			o, err := s.keys.OpenString(purposeOutcome(r.ID), r.OutcomeEnc)
			if err != nil {
				return nil, fmt.Errorf("escalation: open outcome: %w", err)
			}
			it.Outcome = &o
		}
		items[i] = it
	}
	return grievance.NewPage(items, limit, func(r PortalSummary) (time.Time, uuid.UUID) { return r.CreatedAt, r.ID }), nil
}

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
	rows, err := s.referralRows(ctx, `r.id = ? AND `+visible, append([]any{id}, viewerArgs(v)...)...)
	if err != nil {
		return nil, err
	}
	if len(rows) == 0 {
		return nil, errReferralNotFound
	}
	var entries []struct {
		At        time.Time
		ActorKind string
		Action    string
		Data      string
	}
	actions := []string{"referral.made", "referral.opened", "identity.disclosed"}
	for _, st := range BodyStatuses {
		actions = append(actions, "referral."+st)
	}
	if err := db.Conn(ctx, s.db).Raw(`SELECT at, actor_kind, action, data::text AS data FROM audit_entries
		WHERE case_id = ? AND action IN ? AND data::jsonb->>'referral_id' = ? ORDER BY seq`,
		rows[0].CaseID, actions, id.String()).Scan(&entries).Error; err != nil {
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
