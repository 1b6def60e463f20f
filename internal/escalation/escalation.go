// Package escalation takes a case to an independent body: the register of
// bodies, referrals with their signed dossiers, what a body does with them
// in its portal, and identities disclosed after the fact.
//
// A referral is made in one transaction with the case's record: the
// dossier is built from the case as it stands, redacted as the consent
// allows, signed with Ed25519 (JSON and PDF), sealed at rest, and an
// outbox event asks the worker to deliver it. Nothing is sent from a
// handler.
//
// A referral's status (ReferralStatus) and its outcome items' kinds and
// statuses (ItemKind, ItemStatus) are named types whose lists equal the
// CHECKs of referrals and referral_outcome_items (a test checks).
//
// It owns the tables bodies, referrals, referral_messages,
// referral_outcome_items, referral_transitions, identity_disclosures,
// signing_keys, systemic_referrals and escalation_requests, and publishes
// redress.referral.*. Simple statements use GORM's builder on the models in
// queries.go; the statements that need SQL's full power are there too.
package escalation

import (
	"log/slog"
	"sync"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/platform/seal"
)

// Cases is what escalation needs of the case service.
type Cases interface {
	GetIn(q *gorm.DB, id uuid.UUID) (*grievance.Detail, error)
	IdentityIn(q *gorm.DB, id uuid.UUID) (*grievance.Identity, error)
	CheckWorker(tx *gorm.DB, caseID uuid.UUID, by cases.Actor) error
	CheckNotRecused(tx *gorm.DB, caseID uuid.UUID, by cases.Actor) error
}

// Options configure the service.
type Options struct {
	DB    *gorm.DB
	Keys  *seal.Keyring
	Cases Cases
	// Endpoints makes bodies' webhook endpoints; nil refuses webhook_url.
	Endpoints Endpoints
	// Webhooks owes bodies' webhooks their documents; nil sends none.
	Webhooks Webhooks
	// Clocks starts the clocks of a body's orders and recommendations.
	Clocks *clocks.Service
	// PublicURL is the base of the portal links sent to bodies.
	PublicURL string
	// Organisation is who runs the mechanism (its legal name, address,
	// jurisdiction and contact point), in every dossier; its jurisdiction
	// is preferred for referrals made by policy. Nil: an unnamed
	// organisation in the EU.
	Organisation Profiles
	Log          *slog.Logger
}

// Profiles gives the organisation's profile in force (internal/organisation).
type Profiles interface {
	GetIn(q *gorm.DB) (organisation.Profile, error)
}

// noProfile is the organisation when none is configured.
type noProfile struct{}

func (noProfile) GetIn(*gorm.DB) (organisation.Profile, error) {
	return organisation.Profile{LegalName: "Unnamed organisation", Jurisdiction: "EU", Source: organisation.SourceUnset}, nil
}

// Service is the escalation service.
type Service struct {
	db           *gorm.DB
	keys         *seal.Keyring
	cases        Cases
	endpoints    Endpoints
	webhooks     Webhooks
	clocks       *clocks.Service
	publicURL    string
	organisation Profiles
	log          *slog.Logger

	keyMu  sync.Mutex
	opened map[string]*signingKey // the signing keys opened, by id
}

// New returns the service.
func New(o Options) *Service {
	s := &Service{db: o.DB, keys: o.Keys, cases: o.Cases, endpoints: o.Endpoints, webhooks: o.Webhooks, clocks: o.Clocks,
		publicURL: o.PublicURL, organisation: o.Organisation, log: o.Log}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.organisation == nil {
		s.organisation = noProfile{}
	}
	if s.publicURL == "" {
		s.publicURL = "http://127.0.0.1:8080"
	}
	return s
}
