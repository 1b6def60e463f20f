package escalation

import (
	"context"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Body types: the independent bodies a case can go to.
const (
	MarketSurveillance    = "market_surveillance_authority"     // AI Act art. 74, 85
	DataProtection        = "data_protection_authority"         // GDPR art. 77
	EqualityBody          = "equality_body"                     // Directives 2000/43, 2006/54
	LabourInspectorate    = "labour_inspectorate"               // ILO C81
	Ombudsman             = "ombudsman"                         // public administration, sectoral ombudsmen
	HumanRightsInstitute  = "national_human_rights_institution" // Paris Principles
	OECDContactPoint      = "oecd_national_contact_point"       // OECD Guidelines, ch. I and IV
	ConsumerADR           = "consumer_adr_body"                 // Directive 2013/11
	SectoralRegulator     = "sectoral_regulator"                // e.g. financial supervision
	WhistleblowingChannel = "external_whistleblowing_channel"   // Directive 2019/1937 art. 10–11
	// Places to signpost, never to deliver to (signpost only).
	Court      = "court"
	LegalAid   = "legal_aid"
	TradeUnion = "trade_union"
)

// SignpostTypes are always signpost only: the register names them as places
// a person can go, and a referral to one is refused.
var SignpostTypes = []string{Court, LegalAid, TradeUnion}

// BodyTypes lists the types in the order the register shows them.
var BodyTypes = []string{MarketSurveillance, DataProtection, EqualityBody, LabourInspectorate, Ombudsman,
	HumanRightsInstitute, OECDContactPoint, ConsumerADR, SectoralRegulator, WhistleblowingChannel, Court, LegalAid, TradeUnion}

// Channels a body receives referrals on.
const (
	ChannelPortal  = "portal"
	ChannelWebhook = "webhook"
	ChannelEmail   = "email"
)

// Body is an independent body of the register.
type Body struct {
	ID           uuid.UUID `json:"id"`
	Slug         string    `json:"slug"`
	Name         string    `json:"name"`
	Type         string    `json:"type"`
	Jurisdiction string    `json:"jurisdiction"`
	LegalBases   []string  `json:"legal_bases"`
	Requirements string    `json:"requirements"`
	Description  string    `json:"description"`
	Website      *string   `json:"website"`
	Languages    []string  `json:"languages"`
	// Receives: how it takes referrals (portal, webhook, email).
	Receives []string `json:"receives"`
	// SignpostOnly: a place to signpost (a court, legal aid, a trade union),
	// never a referral's target.
	SignpostOnly bool      `json:"signpost_only"`
	Active       bool      `json:"active"`
	UpdatedAt    time.Time `json:"updated_at"`
	// Admin only: the address and the webhook endpoint.
	Email             *string    `json:"email,omitempty"`
	WebhookEndpointID *uuid.UUID `json:"webhook_endpoint_id,omitempty"`
	WebhookURL        *string    `json:"webhook_url,omitempty"`
	// WebhookSecret is shown once, when an admin sets the webhook without one.
	WebhookSecret string `json:"webhook_secret,omitempty"`
}

// Public strips what only admins see.
func (b Body) Public() Body {
	b.Email, b.WebhookEndpointID, b.WebhookURL, b.WebhookSecret = nil, nil, nil, ""
	return b
}

// BodyInput is what an admin writes.
type BodyInput struct {
	Slug         string   `json:"slug"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Jurisdiction string   `json:"jurisdiction"`
	LegalBases   []string `json:"legal_bases"`
	Requirements string   `json:"requirements"`
	Description  string   `json:"description"`
	Website      string   `json:"website"`
	Languages    []string `json:"languages"`
	Portal       bool     `json:"portal"`
	Email        string   `json:"email"`
	// WebhookURL sets the body's webhook ("" keeps it as it is); an empty
	// WebhookSecret has one generated and shown once.
	WebhookURL    string `json:"webhook_url"`
	WebhookSecret string `json:"webhook_secret"`
	Active        *bool  `json:"active"`
	// SignpostOnly lists the body as a place to signpost, not to refer to;
	// always so for a court, legal aid and a trade union.
	SignpostOnly bool `json:"signpost_only"`
}

var (
	slugPattern         = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,62}$`)
	jurisdictionPattern = regexp.MustCompile(`^([A-Z]{2}(-[A-Z0-9]{1,3})?|EU|INT)$`)
	languagePattern     = regexp.MustCompile(`^[a-z]{2,3}$`)
)

func (in *BodyInput) validate(hasWebhook bool) error {
	var f fault.Fields
	in.Slug, in.Name = strings.TrimSpace(in.Slug), strings.TrimSpace(in.Name)
	if !slugPattern.MatchString(in.Slug) {
		f.Add("slug", "invalid", "must be 2–63 lower-case letters, digits and hyphens, starting with a letter or digit")
	}
	f.Text("name", in.Name, 1, 200)
	f.OneOf("type", in.Type, BodyTypes, true)
	if !jurisdictionPattern.MatchString(in.Jurisdiction) {
		f.Add("jurisdiction", "invalid", "must be an ISO 3166 country code (FR), a subdivision (DE-BY), EU or INT")
	}
	switch {
	case len(in.LegalBases) == 0:
		f.Add("legal_bases", "required", "must name at least one law the body acts under, e.g. GDPR art. 77")
	case len(in.LegalBases) > 20:
		f.Add("legal_bases", "too_many", "may hold at most 20 entries")
	}
	for i := range in.LegalBases {
		in.LegalBases[i] = strings.TrimSpace(in.LegalBases[i])
		f.Text(fmt.Sprintf("legal_bases[%d]", i), in.LegalBases[i], 1, 500)
	}
	f.Text("requirements", in.Requirements, 0, 4000)
	f.Text("description", in.Description, 0, 4000)
	if in.Website != "" {
		if u, err := url.Parse(in.Website); err != nil || u.Scheme != "https" || u.Host == "" || len(in.Website) > 500 {
			f.Add("website", "invalid", "must be an https:// address of at most 500 characters")
		}
	}
	if len(in.Languages) > 30 {
		f.Add("languages", "too_many", "may hold at most 30 language codes")
	}
	for i, l := range in.Languages {
		if !languagePattern.MatchString(l) {
			f.Addf(fmt.Sprintf("languages[%d]", i), "invalid", "must be an ISO 639 code such as fr")
		}
	}
	in.Email = strings.ToLower(strings.TrimSpace(in.Email))
	if in.Email != "" && (!strings.Contains(in.Email, "@") || strings.HasPrefix(in.Email, "@") ||
		strings.HasSuffix(in.Email, "@") || len(in.Email) > 320 || strings.ContainsAny(in.Email, " \t\r\n<>,;")) {
		f.Add("email", "invalid", "must be an email address")
	}
	if slices.Contains(SignpostTypes, in.Type) {
		in.SignpostOnly = true
	}
	if !in.SignpostOnly && !in.Portal && in.Email == "" && in.WebhookURL == "" && !hasWebhook {
		f.Add("portal", "no_channel", "a body must receive referrals somehow: its portal, a webhook_url or an email")
	}
	return f.Err()
}

// Endpoints creates and switches off a body's webhook endpoint (notify.Notifier).
type Endpoints interface {
	CreateBodyEndpoint(tx *gorm.DB, bodyID uuid.UUID, rawURL, secret string) (id uuid.UUID, generated string, err error)
	DetachBodyEndpoint(tx *gorm.DB, bodyID uuid.UUID) error
}

// Bodies lists the register: active bodies only unless all, filtered by
// type and jurisdiction ("" for any), ordered by type, jurisdiction and name.
func (s *Service) Bodies(ctx context.Context, all bool, typ, jurisdiction string) ([]Body, error) {
	return s.listBodies(s.db.WithContext(ctx), all, typ, jurisdiction)
}

// listBodies is Bodies read in q (the caller's transaction or the pool).
func (s *Service) listBodies(q *gorm.DB, all bool, typ, jurisdiction string) ([]Body, error) {
	var f fault.Fields
	if typ != "" {
		f.OneOf("type", typ, BodyTypes, false)
	}
	if jurisdiction != "" && !jurisdictionPattern.MatchString(jurisdiction) {
		f.Add("jurisdiction", "invalid", "must be an ISO 3166 country code (FR), a subdivision (DE-BY), EU or INT")
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	return s.bodies(q, `(? OR b.active) AND (? = '' OR b.type = ?) AND (? = '' OR b.jurisdiction = ?)`,
		all, typ, typ, jurisdiction, jurisdiction)
}

// Body returns one body (inactive ones too).
func (s *Service) Body(ctx context.Context, id uuid.UUID) (*Body, error) {
	return s.body(s.db.WithContext(ctx), id)
}

// body is Body read in q (the caller's transaction or the pool).
func (s *Service) body(q *gorm.DB, id uuid.UUID) (*Body, error) {
	out, err := s.bodies(q, `b.id = ?`, id)
	if err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fault.New(fault.NotFound, "body_not_found", "No independent body has that id.")
	}
	return &out[0], nil
}

func (s *Service) bodies(q *gorm.DB, where string, args ...any) ([]Body, error) {
	rows, err := bodyRows(q, where, args...)
	if err != nil {
		return nil, fmt.Errorf("escalation: bodies: %w", err)
	}
	out := make([]Body, len(rows))
	for i, r := range rows {
		b := Body{ID: r.ID, Slug: r.Slug, Name: r.Name, Type: r.Type, Jurisdiction: r.Jurisdiction,
			LegalBases: r.LegalBases, Requirements: r.Requirements, Description: r.Description, Website: r.Website,
			Languages: append([]string{}, r.Languages...), Active: r.Active, SignpostOnly: r.SignpostOnly, UpdatedAt: r.UpdatedAt.UTC(),
			Email: r.Email, WebhookEndpointID: r.EndpointID, WebhookURL: r.EndpointURL, Receives: []string{}}
		if r.Portal {
			b.Receives = append(b.Receives, ChannelPortal)
		}
		if r.EndpointID != nil {
			b.Receives = append(b.Receives, ChannelWebhook)
		}
		if r.Email != nil {
			b.Receives = append(b.Receives, ChannelEmail)
		}
		out[i] = b
	}
	return out, nil
}

// SaveBody creates a body (id nil) or replaces one; a webhook_url given
// replaces the body's webhook endpoint.
func (s *Service) SaveBody(ctx context.Context, id *uuid.UUID, in BodyInput) (*Body, error) {
	hasWebhook := false
	if id != nil {
		old, err := s.Body(ctx, *id)
		if err != nil {
			return nil, err
		}
		hasWebhook = old.WebhookEndpointID != nil
	}
	if err := in.validate(hasWebhook); err != nil {
		return nil, err
	}
	active := in.Active == nil || *in.Active
	var email, website *string
	if in.Email != "" {
		email = &in.Email
	}
	if in.Website != "" {
		website = &in.Website
	}
	langs := in.Languages
	if langs == nil {
		langs = []string{}
	}
	var secret string
	var bodyID uuid.UUID
	err := db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		var err error
		if id == nil {
			row := bodyRow{Slug: in.Slug, Name: in.Name, Type: in.Type, Jurisdiction: in.Jurisdiction,
				LegalBases: db.TextSlice(in.LegalBases), Requirements: in.Requirements, Description: in.Description,
				Website: website, Languages: db.TextSlice(langs), Portal: in.Portal, Email: email, Active: active,
				SignpostOnly: in.SignpostOnly}
			err = tx.Create(&row).Error
			bodyID = row.ID
		} else {
			bodyID = *id
			err = tx.Model(&bodyRow{}).Where("id = ?", bodyID).Updates(map[string]any{
				"slug": in.Slug, "name": in.Name, "type": in.Type, "jurisdiction": in.Jurisdiction,
				"legal_bases": db.TextSlice(in.LegalBases), "requirements": in.Requirements, "description": in.Description,
				"website": website, "languages": db.TextSlice(langs), "portal": in.Portal, "email": email, "active": active,
				"signpost_only": in.SignpostOnly, "updated_at": gorm.Expr("now()"),
			}).Error
		}
		if db.IsUniqueViolation(err) {
			var f fault.Fields
			f.Addf("slug", "taken", "another body has the slug %q", in.Slug)
			return f.Err()
		}
		if err != nil {
			return fmt.Errorf("escalation: save body: %w", err)
		}
		if in.WebhookURL == "" {
			return nil
		}
		if s.endpoints == nil {
			return fault.New(fault.Conflict, "webhooks_unavailable", "Webhooks are not configured on this server.")
		}
		if err := s.endpoints.DetachBodyEndpoint(tx, bodyID); err != nil {
			return err
		}
		_, secret, err = s.endpoints.CreateBodyEndpoint(tx, bodyID, in.WebhookURL, in.WebhookSecret)
		if fe, ok := fault.As(err); ok && fe.Kind == fault.Invalid {
			for i := range fe.Fields { // the endpoint's fields are the body's webhook_ fields
				fe.Fields[i].Field = "webhook_" + fe.Fields[i].Field
			}
		}
		return err
	})
	if err != nil {
		return nil, err
	}
	b, err := s.Body(ctx, bodyID)
	if err != nil {
		return nil, err
	}
	b.WebhookSecret = secret
	return b, nil
}

// bodyFor is the active body of typ that serves jurisdiction best: the same
// jurisdiction, else the EU, else any; nil when none is registered. It reads
// in q (the caller's transaction or the pool).
func (s *Service) bodyFor(q *gorm.DB, typ, jurisdiction string) (*Body, error) {
	all, err := s.listBodies(q, false, typ, "")
	if err != nil {
		return nil, err
	}
	all = slices.DeleteFunc(all, func(b Body) bool { return b.SignpostOnly })
	if len(all) == 0 {
		return nil, nil
	}
	for _, want := range []string{jurisdiction, "EU"} {
		if i := slices.IndexFunc(all, func(b Body) bool { return b.Jurisdiction == want }); i >= 0 {
			return &all[i], nil
		}
	}
	return &all[0], nil
}

// RankBodies orders bodies as they are suggested to a complainant: those of
// the complainant's country first (a subdivision of it too: DE-BY for DE),
// then those of the organisation's jurisdiction, then the EU's, then
// international ones, then the rest; within each rank, as given (by type,
// jurisdiction and name). country may be "" (not given).
func RankBodies(bodies []Body, country, jurisdiction string) []Body {
	rank := func(b Body) int {
		in := func(code string) bool {
			return code != "" && (b.Jurisdiction == code || strings.HasPrefix(b.Jurisdiction, code+"-"))
		}
		switch {
		case in(country):
			return 0
		case in(jurisdiction):
			return 1
		case b.Jurisdiction == "EU":
			return 2
		case b.Jurisdiction == "INT":
			return 3
		}
		return 4
	}
	out := slices.Clone(bodies)
	slices.SortStableFunc(out, func(a, b Body) int { return rank(a) - rank(b) })
	return out
}

// CaseBodies are the active bodies in the order they are suggested to a
// case's complainant: by the country they gave on the form and the
// organisation's jurisdiction (RankBodies).
func (s *Service) CaseBodies(ctx context.Context, caseID uuid.UUID) ([]Body, error) {
	q := s.db.WithContext(ctx)
	var row cases.Case
	if err := q.Select("complainant_country").Where("id = ?", caseID).Find(&row).Error; err != nil {
		return nil, fmt.Errorf("escalation: case country: %w", err)
	}
	country := row.ComplainantCountry
	org, err := s.organisation.GetIn(q)
	if err != nil {
		return nil, err
	}
	all, err := s.listBodies(q, false, "", "")
	if err != nil {
		return nil, err
	}
	c := ""
	if country != nil {
		c = *country
	}
	return RankBodies(all, c, org.Jurisdiction), nil
}
