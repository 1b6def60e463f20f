package grievance

import (
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/incident"
	"github.com/redresshq/redress/internal/keystore"
	"github.com/redresshq/redress/internal/platform/seal"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/remedy"
)

// Service is the case aggregate's entry point.
type Service struct {
	db            *gorm.DB
	keys          *seal.Keyring
	keystore      *keystore.Store // a new case's data key
	receiptSecret []byte
	registry      *registry.Registry
	dummyHash     []byte
	clocks        *clocks.Service
	incidents     *incident.Service
	ev            *evidence.Service
	remedies      *remedy.Service
	// newReference draws a new case's reference (auth.NewReference; a
	// test's draws, to make one collide).
	newReference func() (string, error)
}

// NewService returns the grievance service. receiptSecret keys the receipt
// HMACs; keys seal descriptions, contact details and messages; clk keeps the
// cases' SLA clocks; inc gives a case's staff view its incident part; ev
// keeps the cases' evidence; rem gives a case's resolution its remedies and
// checks them before the case closes.
func NewService(gdb *gorm.DB, keys *seal.Keyring, ks *keystore.Store, receiptSecret []byte, reg *registry.Registry, clk *clocks.Service,
	inc *incident.Service, ev *evidence.Service, rem *remedy.Service) *Service {
	return &Service{db: gdb, keys: keys, keystore: ks, receiptSecret: receiptSecret, registry: reg,
		dummyHash: make([]byte, 32), clocks: clk, incidents: inc, ev: ev, remedies: rem,
		newReference: auth.NewReference}
}

// Purposes bind each sealed value to its column and row.
func purposeDescription(id string) string    { return "case.description:" + id }
func purposeDesiredOutcome(id string) string { return "case.desired_outcome:" + id }
func purposeContact(id string) string        { return "case.contact:" + id }
func purposeRepresentative(id string) string { return "case.representative:" + id }
func purposeMessage(id string) string        { return "message.body:" + id }
