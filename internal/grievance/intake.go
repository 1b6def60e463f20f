package grievance

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/clocks"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/keystore"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/sla"
)

// IntakeRequest is the body of POST /api/v1/cases.
type IntakeRequest struct {
	Kind              string   `json:"kind"`
	AISystemID        string   `json:"ai_system_id,omitempty"`
	AISystemOther     string   `json:"ai_system_other,omitempty"`
	DecisionReference string   `json:"decision_reference,omitempty"`
	DecisionDate      string   `json:"decision_date,omitempty"`
	InformedOfAI      string   `json:"informed_of_ai"`
	Description       string   `json:"description"`
	Rights            []string `json:"rights"`
	HarmTypes         []string `json:"harm_types,omitempty"`
	DesiredOutcome    string   `json:"desired_outcome,omitempty"`
	Language          string   `json:"language,omitempty"`
	// Country is where the complainant lives or the decision hit them
	// (optional; ISO 3166-1 alpha-2): the independent bodies of that
	// country are suggested to them first (escalation.RankBodies).
	Country             string          `json:"country,omitempty"`
	Anonymous           *bool           `json:"anonymous"`
	Contact             *Contact        `json:"contact,omitempty"`
	Representative      *Representative `json:"representative,omitempty"`
	RelatedReference    string          `json:"related_reference,omitempty"`
	PreliminarySeverity string          `json:"preliminary_severity,omitempty"`
}

// Contact is how an identified complainant can be reached.
type Contact struct {
	Name    string `json:"name"`
	Email   string `json:"email,omitempty"`
	Phone   string `json:"phone,omitempty"`
	Address string `json:"address,omitempty"`
	// CustomerNumber is the complainant's employee or customer number with
	// the organisation: sealed like the rest, and masked in free text shown
	// to a reader without identity consent.
	CustomerNumber   string `json:"customer_number,omitempty"`
	PreferredChannel string `json:"preferred_channel"`
}

// Representative files for the complainant under a mandate.
type Representative struct {
	Name         string `json:"name"`
	Organisation string `json:"organisation,omitempty"`
	Email        string `json:"email,omitempty"`
	Mandate      string `json:"mandate"`
}

// Receipt is the answer to a filed case. The code and the receipt are shown
// once: only their hashes are kept. The code alone opens the case; the
// reference and receipt pair does too, as it did before codes existed.
type Receipt struct {
	CaseID        uuid.UUID `json:"-"`
	Reference     string    `json:"reference"`
	Receipt       string    `json:"receipt"`
	Code          string    `json:"code"`
	Status        string    `json:"status"`
	AcknowledgeBy time.Time `json:"acknowledge_by"`
	Notice        string    `json:"notice"`
	Replayed      bool      `json:"-"`
}

const receiptNotice = "Keep your code somewhere safe and secret: it is all you need to follow your complaint, and it cannot be recovered if lost."

// Limits on free text, in characters.
const (
	maxDescription = 20000
	minDescription = 10
	maxShortText   = 500
	maxLongText    = casework.MaxLongText
	maxMessage     = 10000
)

// normalized is a validated intake.
type normalized struct {
	IntakeRequest
	aiSystemID    *uuid.UUID
	decisionDate  *time.Time
	relatedCaseID *uuid.UUID
}

// validate checks every field and reports all problems at once.
func (s *Service) validate(ctx context.Context, in *IntakeRequest, now time.Time) (*normalized, error) {
	var f fault.Fields
	n := &normalized{IntakeRequest: *in}
	r := &n.IntakeRequest
	trimAll(r)

	fault.OneOf(&f, "kind", cases.Kind(r.Kind), cases.Kinds, true)
	oneOf(&f, "informed_of_ai", r.InformedOfAI, InformedOfAI, true)
	oneOf(&f, "preliminary_severity", r.PreliminarySeverity, PreliminarySeverity, false)

	switch {
	case r.AISystemID != "" && r.AISystemOther != "":
		f.Add("ai_system_id", "conflict", "give either ai_system_id or ai_system_other, not both")
	case r.AISystemID == "" && r.AISystemOther == "":
		f.Add("ai_system_id", "required", "name the AI system: its id from GET /api/v1/ai-systems, or ai_system_other in your own words")
	case r.AISystemID != "":
		id, err := uuid.Parse(r.AISystemID)
		if err != nil {
			f.Add("ai_system_id", "invalid", "must be the id of a system in the register (a UUID)")
		} else if _, err := s.registry.Get(ctx, id); err != nil {
			if !fault.Is(err, fault.NotFound) {
				return nil, err
			}
			f.Add("ai_system_id", "not_found", "no AI system with that id is in the register; use ai_system_other if it is not listed")
		} else {
			n.aiSystemID = &id
		}
	default:
		text(&f, "ai_system_other", r.AISystemOther, 1, maxShortText)
	}
	text(&f, "decision_reference", r.DecisionReference, 0, 200)
	if r.DecisionDate != "" {
		d, err := time.Parse(time.DateOnly, r.DecisionDate)
		switch {
		case err != nil:
			f.Add("decision_date", "invalid", "must be a date written YYYY-MM-DD")
		case d.After(now.Add(24 * time.Hour)):
			f.Add("decision_date", "in_future", "cannot be in the future")
		case d.Year() < 1970:
			f.Add("decision_date", "too_early", "must be 1970 or later")
		default:
			n.decisionDate = &d
		}
	}
	text(&f, "description", r.Description, minDescription, maxDescription)
	casework.Codes(&f, "rights", r.Rights, decision.Rights, 1)
	casework.Codes(&f, "harm_types", r.HarmTypes, decision.HarmTypes, 0)
	text(&f, "desired_outcome", r.DesiredOutcome, 0, maxLongText)
	if r.Language == "" {
		r.Language = "en"
	} else if !validLanguage(r.Language) {
		f.Add("language", "invalid", "must be a language tag such as en, fr or pt-BR")
	}
	if r.Country = strings.ToUpper(r.Country); r.Country != "" && !organisation.ValidCountry(r.Country) {
		f.Add("country", "invalid", "must be a country code (ISO 3166-1 alpha-2, such as FR), or left out")
	}

	switch {
	case r.Anonymous == nil:
		f.Add("anonymous", "required", "say whether you want to stay anonymous (true or false)")
	case *r.Anonymous && r.Contact != nil:
		f.Add("contact", "not_allowed", "leave contact details out of an anonymous complaint")
	case !*r.Anonymous && r.Contact == nil:
		f.Add("contact", "required", "an identified complaint needs contact details")
	case !*r.Anonymous:
		validateContact(&f, r.Contact)
	}
	if rep := r.Representative; rep != nil {
		text(&f, "representative.name", rep.Name, 1, 200)
		text(&f, "representative.organisation", rep.Organisation, 0, 200)
		text(&f, "representative.mandate", rep.Mandate, 1, maxLongText)
		if rep.Email != "" {
			email(&f, "representative.email", rep.Email)
		}
	}
	if r.RelatedReference != "" {
		ref, err := auth.NormalizeReference(r.RelatedReference)
		if err != nil {
			f.Add("related_reference", "invalid", "must be a case reference such as RD-123-456-789")
		} else {
			var related cases.Case
			if err := s.db.WithContext(ctx).Select("id").Where("reference = ?", ref).Find(&related).Error; err != nil {
				return nil, fmt.Errorf("grievance: related case: %w", err)
			}
			if id := related.ID; id == uuid.Nil {
				f.Add("related_reference", "not_found", "no case has that reference")
			} else {
				n.relatedCaseID = &id
				r.RelatedReference = ref
			}
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return n, nil
}

func validateContact(f *fault.Fields, c *Contact) {
	text(f, "contact.name", c.Name, 1, 200)
	text(f, "contact.address", c.Address, 0, 1000)
	text(f, "contact.customer_number", c.CustomerNumber, 0, 64)
	if c.CustomerNumber != "" && utf8.RuneCountInString(c.CustomerNumber) <= 64 {
		alnum := 0
		for _, r := range c.CustomerNumber {
			switch {
			case unicode.IsLetter(r) || unicode.IsDigit(r):
				alnum++
			case strings.ContainsRune(" -./", r):
			default:
				alnum = -100
			}
		}
		if alnum < 1 {
			f.Add("contact.customer_number", "invalid", "must be letters and digits, with spaces, -, . or / between them")
		}
	}
	if oneOf(f, "contact.preferred_channel", c.PreferredChannel, Channels, true) {
		switch c.PreferredChannel {
		case "email":
			if c.Email == "" {
				f.Add("contact.email", "required", "needed when the preferred channel is email")
			}
		case "phone":
			if c.Phone == "" {
				f.Add("contact.phone", "required", "needed when the preferred channel is phone")
			}
		case "post":
			if c.Address == "" {
				f.Add("contact.address", "required", "needed when the preferred channel is post")
			}
		}
	}
	if c.Email != "" {
		email(f, "contact.email", c.Email)
	}
	if c.Phone != "" {
		digits := 0
		for _, r := range c.Phone {
			switch {
			case r >= '0' && r <= '9':
				digits++
			case strings.ContainsRune("+ ()-.", r):
			default:
				digits = -100
			}
		}
		if digits < 6 || digits > 20 {
			f.Add("contact.phone", "invalid", "must be a phone number: digits, spaces, +, -, ( and )")
		}
	}
}

func email(f *fault.Fields, field, v string) {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v || len(v) > 254 {
		f.Add(field, "invalid", "must be an email address such as name@example.org")
	}
}

func oneOf(f *fault.Fields, field, v string, allowed []string, required bool) bool {
	return f.OneOf(field, v, allowed, required)
}

// text checks length in characters and refuses invalid UTF-8 and control characters.
func text(f *fault.Fields, field, v string, min, max int) { f.Text(field, v, min, max) }

func validLanguage(tag string) bool {
	parts := strings.Split(tag, "-")
	if len(parts[0]) < 2 || len(parts[0]) > 3 || len(tag) > 35 {
		return false
	}
	for i, p := range parts {
		if p == "" || len(p) > 8 || (i > 0 && len(p) < 2) {
			return false
		}
		for _, r := range p {
			lower := r >= 'a' && r <= 'z'
			if i == 0 && !lower {
				return false
			}
			if i > 0 && !lower && !(r >= 'A' && r <= 'Z') && !(r >= '0' && r <= '9') {
				return false
			}
		}
	}
	return true
}

func trimAll(r *IntakeRequest) {
	for _, p := range []*string{&r.Kind, &r.AISystemID, &r.AISystemOther, &r.DecisionReference, &r.DecisionDate,
		&r.InformedOfAI, &r.Description, &r.DesiredOutcome, &r.Language, &r.RelatedReference, &r.PreliminarySeverity, &r.Country} {
		*p = strings.TrimSpace(*p)
	}
	if c := r.Contact; c != nil {
		for _, p := range []*string{&c.Name, &c.Email, &c.Phone, &c.Address, &c.CustomerNumber, &c.PreferredChannel} {
			*p = strings.TrimSpace(*p)
		}
	}
	if rep := r.Representative; rep != nil {
		for _, p := range []*string{&rep.Name, &rep.Organisation, &rep.Email, &rep.Mandate} {
			*p = strings.TrimSpace(*p)
		}
	}
}

// Submit files a case. With an idempotency key, a retried identical request
// gets the first answer again (receipt included: it is re-derived from the
// key, never stored) and a different request under the same key is refused.
func (s *Service) Submit(ctx context.Context, in *IntakeRequest, idempotencyKey string) (*Receipt, error) {
	now := time.Now().UTC().Truncate(time.Microsecond)
	n, err := s.validate(ctx, in, now)
	if err != nil {
		return nil, err
	}
	key, err := s.keystore.Prepare(uuid.New())
	if err != nil {
		return nil, err
	}
	return s.file(ctx, key, n, now, idempotencyKey, &n.IntakeRequest, nil)
}

// maxReferenceDraws is how many references a filing draws before it gives
// up: each is random, and one already taken is drawn again.
const maxReferenceDraws = 8

// file stores a validated case: the case, its data key, first
// classification, clocks, first case record entry and event, and under an
// idempotency key, the key bound to the case (keyed is what the key stands
// for). With nothing more to add (with nil), these are written in one round
// trip that is one transaction (db.Write). with adds to the case in the same
// transaction (the files attached while filing); the statements then run in
// a transaction of their own, with's after the rest.
//
// A unique violation means that the reference drawn is taken, or that the
// idempotency key was used already: a replay then answers the first
// receipt, and a different request under the key is refused; otherwise the
// case is filed again under a new reference. A request racing another with
// the same key waits at the key's insert until the other commits, then
// replays its receipt.
func (s *Service) file(ctx context.Context, key *keystore.Pending, n *normalized, now time.Time, idempotencyKey string, keyed any,
	with func(tx *gorm.DB, rec *Receipt) error) (*Receipt, error) {
	var reqHash []byte
	if idempotencyKey != "" {
		canonical, err := json.Marshal(keyed)
		if err != nil {
			return nil, err
		}
		h := sha256.Sum256(canonical)
		reqHash = h[:]
	}
	// Read before the writes, which read nothing (the policy is cached).
	planned, err := s.clocks.Plan(s.db.WithContext(ctx), n.Kind, now)
	if err != nil {
		return nil, err
	}
	for range maxReferenceDraws {
		var rec *Receipt
		write := func(w *gorm.DB) error {
			var err error
			if rec, err = s.insertCase(w, key, n, planned, now, idempotencyKey); err != nil {
				return err
			}
			if idempotencyKey == "" {
				return nil
			}
			if err := insertIdempotencyKey(w, s.keyHash(idempotencyKey), reqHash, rec.CaseID); err != nil {
				return fmt.Errorf("grievance: idempotency key: %w", err)
			}
			return nil
		}
		if with == nil {
			err = db.Write(ctx, s.db, write)
		} else {
			err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
				if err := db.Write(tx.Statement.Context, tx, write); err != nil { // one round trip in the transaction
					return err
				}
				return with(tx, rec)
			})
		}
		if err == nil {
			return rec, nil
		}
		if !db.IsUniqueViolation(err) {
			return nil, err
		}
		if idempotencyKey != "" {
			if replay, err := s.replay(ctx, idempotencyKey, reqHash); err != nil || replay != nil {
				return replay, err
			}
		}
	}
	return nil, fmt.Errorf("grievance: no free reference after %d draws", maxReferenceDraws)
}

// insertCaseIn files n in the caller's transaction tx (insertCase), drawing
// another reference while the one drawn is taken: each draw is written under
// a savepoint, rolled back to when its reference is taken.
func (s *Service) insertCaseIn(tx *gorm.DB, key *keystore.Pending, n *normalized, now time.Time) (*Receipt, error) {
	planned, err := s.clocks.Plan(tx, n.Kind, now)
	if err != nil {
		return nil, err
	}
	for range maxReferenceDraws {
		if err := tx.SavePoint("filing").Error; err != nil {
			return nil, fmt.Errorf("grievance: savepoint: %w", err)
		}
		rec, err := s.insertCase(tx, key, n, planned, now, "")
		if err == nil {
			return rec, nil
		}
		if !db.IsUniqueViolation(err) {
			return nil, err
		}
		if err := tx.RollbackTo("filing").Error; err != nil {
			return nil, fmt.Errorf("grievance: rollback to savepoint: %w", err)
		}
	}
	return nil, fmt.Errorf("grievance: no free reference after %d draws", maxReferenceDraws)
}

func (s *Service) keyHash(key string) []byte {
	h := sha256.Sum256([]byte("cases.create\x00" + key))
	return h[:]
}

// replay answers a filing whose idempotency key is taken: the first receipt
// again when the key stands for the same request (reqHash), a conflict when
// it stands for another, and nil when the key is not taken (the filing's
// unique violation was its reference).
func (s *Service) replay(ctx context.Context, key string, reqHash []byte) (*Receipt, error) {
	q := s.db.WithContext(ctx)
	prior, err := idempotencyKeyOf(q, s.keyHash(key))
	if err != nil {
		return nil, fmt.Errorf("grievance: idempotency key: %w", err)
	}
	if prior.RequestHash == nil {
		return nil, nil
	}
	if !bytes.Equal(prior.RequestHash, reqHash) || prior.CaseID == nil {
		return nil, fault.New(fault.Conflict, "idempotency_key_reused",
			"This Idempotency-Key was already used for a different request; use a new key for a new complaint.")
	}
	c, err := replayedReceipt(q, *prior.CaseID)
	if err != nil {
		return nil, fmt.Errorf("grievance: replay: %w", err)
	}
	return &Receipt{CaseID: *prior.CaseID, Reference: c.Reference, Receipt: auth.DeriveReceipt(s.receiptSecret, key, *prior.CaseID),
		Code: auth.DeriveCode(s.receiptSecret, key, *prior.CaseID), Status: c.Status, AcknowledgeBy: c.DueAt.UTC(), Notice: receiptNotice, Replayed: true}, nil
}

// insertCase writes the case n through w (db.Write's handle or a
// transaction), under a newly drawn reference: the case row with its next
// due date, its data key, its first classification, its clocks (planned),
// its first case record entry and its event. It reads nothing.
func (s *Service) insertCase(w *gorm.DB, key *keystore.Pending, n *normalized, planned clocks.Planned, now time.Time,
	idempotencyKey string) (*Receipt, error) {
	id := key.CaseID()
	sid := id.String()
	receipt, code := "", ""
	if idempotencyKey != "" {
		receipt = auth.DeriveReceipt(s.receiptSecret, idempotencyKey, id)
		code = auth.DeriveCode(s.receiptSecret, idempotencyKey, id)
	} else {
		var err error
		if receipt, err = auth.NewReceipt(); err != nil {
			return nil, err
		}
		if code, err = auth.NewCode(); err != nil {
			return nil, err
		}
	}
	reference, err := s.newReference()
	if err != nil {
		return nil, err
	}
	r := &n.IntakeRequest
	description, err := s.keys.SealCaseString(id, purposeDescription(sid), r.Description)
	if err != nil {
		return nil, err
	}
	desired, err := s.keys.SealCaseString(id, purposeDesiredOutcome(sid), r.DesiredOutcome)
	if err != nil {
		return nil, err
	}
	var contact, representative []byte
	var channel *string
	if r.Contact != nil {
		raw, _ := json.Marshal(r.Contact)
		if contact, err = s.keys.SealCase(id, purposeContact(sid), raw); err != nil {
			return nil, err
		}
		channel = &r.Contact.PreferredChannel
	}
	if r.Representative != nil {
		raw, _ := json.Marshal(r.Representative)
		if representative, err = s.keys.SealCase(id, purposeRepresentative(sid), raw); err != nil {
			return nil, err
		}
	}
	// The case is written with its next due date (the clocks were planned
	// first): no statement updates the row just inserted.
	if err := cases.Insert(w, &cases.Case{ID: id, Reference: reference,
		ReceiptHash: auth.HashReceipt(s.receiptSecret, receipt), CodeHash: auth.HashCode(s.receiptSecret, code),
		Kind: cases.Kind(r.Kind), AISystemID: n.aiSystemID, AISystemOther: casework.Nullable(r.AISystemOther),
		DecisionReference: casework.Nullable(r.DecisionReference), DecisionDate: n.decisionDate,
		InformedOfAI: r.InformedOfAI, DescriptionEnc: description, DesiredOutcomeEnc: desired, Language: r.Language,
		Anonymous: *r.Anonymous, ContactEnc: contact, PreferredChannel: channel, RepresentativeEnc: representative,
		RelatedCaseID: n.relatedCaseID, PreliminarySeverity: casework.Nullable(r.PreliminarySeverity),
		SubmittedAt: now, ComplainantCountry: casework.Nullable(r.Country), NextDueAt: planned.NextDue()}); err != nil {
		return nil, fmt.Errorf("grievance: %w", err)
	}
	if err := key.Insert(w); err != nil {
		return nil, err
	}
	if err := decision.FirstClassification(w, id, r.Rights, casework.NonNil(r.HarmTypes)); err != nil {
		return nil, err
	}
	if err := s.clocks.Start(w, id, planned); err != nil {
		return nil, err
	}
	var ackBy time.Time
	for _, c := range planned.Clocks {
		if c.Clock == sla.Acknowledge {
			ackBy = c.DueAt.UTC()
		}
	}
	channelCode := ""
	if channel != nil {
		channelCode = *channel
	}
	if _, err := audit.Start(w, audit.Event{CaseID: id, ActorKind: audit.ActorComplainant, Action: "case.submitted",
		Public: true, Data: map[string]any{
			"kind": r.Kind, "ai_system_id": n.aiSystemID, "ai_system_listed": n.aiSystemID != nil,
			"rights": r.Rights, "harm_types": casework.NonNil(r.HarmTypes), "anonymous": *r.Anonymous,
			"represented": r.Representative != nil, "channel": channelCode, "language": r.Language,
			"acknowledge_by": ackBy,
		}}); err != nil {
		return nil, err
	}
	if _, err := outbox.Add(w, events.CaseSubmitted, id, events.Submitted{
		Reference: reference, Kind: r.Kind, AISystemID: n.aiSystemID, Rights: r.Rights, HarmTypes: casework.NonNil(r.HarmTypes),
		Language: r.Language, Anonymous: *r.Anonymous, Channel: channelCode, Severity: r.PreliminarySeverity,
		AcknowledgeBy: ackBy,
	}); err != nil {
		return nil, err
	}
	return &Receipt{CaseID: id, Reference: reference, Receipt: receipt, Code: code, Status: string(cases.StatusSubmitted),
		AcknowledgeBy: ackBy, Notice: receiptNotice}, nil
}

// PruneIdempotencyKeys deletes the idempotency keys older than a day (the
// worker's housekeeping): a retry of a filing comes within minutes.
func PruneIdempotencyKeys(tx *gorm.DB) error {
	return tx.Table("idempotency_keys").Where("created_at < now() - interval '24 hours'").Delete(map[string]any{}).Error
}
