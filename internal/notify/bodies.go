package notify

import (
	"fmt"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/events"
)

// CreateBodyEndpoint gives an independent body a webhook endpoint of its
// own (escalation.Endpoints): signed like every endpoint, it receives the
// body's referrals and nothing else. An empty secret is generated and
// returned, once. It runs in the caller's transaction tx.
func (n *Notifier) CreateBodyEndpoint(tx *gorm.DB, bodyID uuid.UUID, rawURL, secret string) (uuid.UUID, string, error) {
	e, err := n.createEndpoint(tx, rawURL, secret, nil)
	if err != nil {
		return uuid.Nil, "", err
	}
	if err := tx.Model(&endpointRow{}).Where("id = ?", e.ID).Update("body_id", bodyID).Error; err != nil {
		return uuid.Nil, "", fmt.Errorf("notify: body endpoint: %w", err)
	}
	return e.ID, e.Secret, nil
}

// DetachBodyEndpoint switches a body's endpoint off and frees the body for
// a new one; its delivery log stays. It runs in the caller's transaction tx.
func (n *Notifier) DetachBodyEndpoint(tx *gorm.DB, bodyID uuid.UUID) error {
	if err := tx.Model(&endpointRow{}).Where("body_id = ?", bodyID).
		Updates(map[string]any{"body_id": nil, "active": false}).Error; err != nil {
		return fmt.Errorf("notify: detach body endpoint: %w", err)
	}
	return nil
}

// OweBodyWebhook owes the body's active endpoint, if it has one, a delivery
// of payload for a referral's event; it is sent, retried and logged like
// every webhook. It reports whether one was owed. It runs in the caller's
// transaction tx.
func (n *Notifier) OweBodyWebhook(tx *gorm.DB, bodyID, referralID, eventID uuid.UUID, subject string, payload []byte) (bool, error) {
	added, err := oweBodyDelivery(tx, bodyID, referralID, eventID, subject, payload)
	if err != nil {
		return false, fmt.Errorf("notify: owe body delivery: %w", err)
	}
	return added > 0, nil
}

// referralMail owes the emails of a referral's events: the body's own
// address gets a new dossier or an identity addendum with the signed files
// attached; the body's users are told of those and of the organisation's
// messages; who holds the case (else the supervisors) hears of what the
// body did. Emails carry the reference, the body's name and the status,
// never the dossier's content (only the body's own copy, attached). It runs
// in tx, HandleStaff's.
func (n *Notifier) referralMail(tx *gorm.DB, env *events.Envelope, c *caseInfo, data mailData) error {
	d, err := decode[events.Referral](env)
	if err != nil {
		return err
	}
	b, err := bodyOf(tx, d.BodyID)
	if err != nil {
		return fmt.Errorf("notify: body: %w", err)
	}
	data.Body, data.ReferralID, data.Status = b.Name, d.ReferralID.String(), d.Status
	var bodyUsers, holders []uuid.UUID
	switch {
	case env.Type == events.ReferralMade || env.Type == events.ReferralIdentityDisclosed:
		data.Document = "dossier"
		if env.Type == events.ReferralIdentityDisclosed {
			data.Document = "identity_addendum"
		}
		if b.Email != nil {
			if err := n.owe(tx, env, RecipientBody, d.BodyID.String(), TemplateBodyReferral, data); err != nil {
				return err
			}
		}
		bodyUsers = []uuid.UUID{}
	case env.Type == events.ReferralMessage && (d.Author == "organisation" || d.Author == "complainant"):
		data.Document = "message"
		bodyUsers = []uuid.UUID{}
	default: // the body's status or message
		data.Document = "status"
		if env.Type == events.ReferralMessage {
			data.Document = "message"
		}
		var err error
		if holders, err = n.holders(tx, c); err != nil {
			return err
		}
		if len(holders) == 0 {
			if holders, err = n.supervisors(tx); err != nil {
				return err
			}
		}
		// Only staff who may see the case hear of it (internal/access).
		if holders, err = n.access.Readers(tx, env.CaseID, holders); err != nil {
			return err
		}
	}
	if bodyUsers != nil {
		if err := tx.Model(&auth.User{}).Select("id").
			Where("body_id = ? AND role = ? AND active", d.BodyID, auth.RoleBody).Order("id").Scan(&bodyUsers).Error; err != nil {
			return fmt.Errorf("notify: body users: %w", err)
		}
	}
	for _, id := range bodyUsers {
		if err := n.owe(tx, env, RecipientStaff, id.String(), TemplateBodyReferral, data); err != nil {
			return err
		}
	}
	for _, id := range holders {
		if err := n.owe(tx, env, RecipientStaff, id.String(), TemplateStaffReferral, data); err != nil {
			return err
		}
	}
	return nil
}
