// Package demo seeds the data `redress dev` starts with: a register of five AI
// systems, review queues and one user per role. It owns no table: it writes
// through each table's owner (registry, review, routing, escalation, auth,
// organisation, content).
package demo

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/review"
	"github.com/redresshq/redress/internal/routing"
)

// Login is a seeded account; a body's user names their body's slug.
type Login struct {
	Email string
	Role  auth.Role
	Body  string
}

// Logins are the demo accounts, all with the demo password.
var Logins = []Login{
	{"admin@example.org", auth.RoleAdmin, ""},
	{"supervisor@example.org", auth.RoleSupervisor, ""},
	{"reviewer@example.org", auth.RoleReviewer, ""},
	{"reviewer2@example.org", auth.RoleReviewer, ""},
	{"regulator@example.org", auth.RoleBody, "demo-dpa"},
	{"surveillance@example.org", auth.RoleBody, "demo-msa"},
}

// Bodies are the demo register of independent bodies: fictitious, one of
// each kind a case most often goes to.
var Bodies = []escalation.BodyInput{
	{Slug: "demo-dpa", Name: "Data Protection Authority (demo)", Type: escalation.DataProtection, Jurisdiction: "EU",
		LegalBases:   []string{"GDPR art. 77", "GDPR art. 22"},
		Requirements: "The decision complained of, when it was made, and what the organisation answered.",
		Description:  "Hears complaints about how personal data is used, including automated decisions.",
		Languages:    []string{"en", "fr"}, Portal: true},
	{Slug: "demo-msa", Name: "AI Market Surveillance Authority (demo)", Type: escalation.MarketSurveillance, Jurisdiction: "EU",
		LegalBases:   []string{"AI Act (Regulation 2024/1689) art. 85", "AI Act (Regulation 2024/1689) art. 73"},
		Requirements: "The AI system (provider, version, EU database id), what happened, and the harm.",
		Description:  "Supervises AI systems on the market; receives complaints and serious-incident reports.",
		Languages:    []string{"en"}, Portal: true},
	{Slug: "demo-equality", Name: "Equality Body (demo)", Type: escalation.EqualityBody, Jurisdiction: "EU",
		LegalBases:   []string{"Directive 2000/43/EC art. 13", "Directive 2006/54/EC art. 20"},
		Requirements: "Who was treated less favourably, how, and on what ground.",
		Description:  "Helps people who were discriminated against.", Languages: []string{"en", "es"},
		Email: "equality-body@example.org"},
	{Slug: "demo-ombudsman", Name: "Ombudsman (demo)", Type: escalation.Ombudsman, Jurisdiction: "EU",
		LegalBases:   []string{"Ombudsman statute"},
		Requirements: "What the organisation decided and why you think it is unfair.",
		Description:  "Looks into complaints about unfair treatment once the organisation has answered.",
		Languages:    []string{"en", "fr", "es", "ar"}, Email: "ombudsman@example.org"},
}

func date(s string) *time.Time {
	t, _ := time.Parse(time.DateOnly, s)
	return &t
}

// Systems is the demo register.
var Systems = []registry.AISystem{
	{Slug: "hiring-screener", Name: "TalentSift hiring screener", Provider: "TalentSift B.V.", Version: "4.2",
		Purpose:  "Ranks job applications and rejects those below a score threshold before a recruiter sees them.",
		RiskArea: "Employment (AI Act Annex III 4(a))", EUDatabaseID: "EU-AIDB-2026-000417",
		FRIAReference: "FRIA-2026-03", DPIAReference: "DPIA-HR-11", DeployedSince: date("2025-09-01")},
	{Slug: "credit-scorer", Name: "CrediScore consumer credit scoring", Provider: "Northwind Analytics Ltd",
		Version: "2026.1", Purpose: "Scores applicants for consumer loans and sets the credit limit offered.",
		RiskArea: "Creditworthiness (AI Act Annex III 5(b))", EUDatabaseID: "EU-AIDB-2025-002231",
		FRIAReference: "FRIA-2025-09", DPIAReference: "DPIA-CR-04", DeployedSince: date("2025-02-15")},
	{Slug: "benefits-fraud-detector", Name: "Benefits fraud risk detector", Provider: "Civic Algorithms S.A.",
		Version: "1.8", Purpose: "Flags benefit claims as fraud risks for investigation and may suspend payment.",
		RiskArea: "Essential public services and benefits (AI Act Annex III 5(a))", EUDatabaseID: "EU-AIDB-2025-000978",
		FRIAReference: "FRIA-2025-01", DPIAReference: "DPIA-BEN-02", DeployedSince: date("2024-11-04")},
	{Slug: "shift-scheduler", Name: "ShiftWise scheduling", Provider: "ShiftWise Inc.", Version: "7.0",
		Purpose:       "Assigns shifts and hours to warehouse workers from demand forecasts and performance data.",
		RiskArea:      "Employment: task allocation and monitoring (AI Act Annex III 4(b))",
		FRIAReference: "FRIA-2026-05", DPIAReference: "DPIA-HR-14", DeployedSince: date("2026-01-12")},
	{Slug: "customer-chatbot", Name: "Customer service assistant", Provider: "Example Org (built on a general-purpose model)",
		Version: "3.1", Purpose: "Answers customer questions and decides whether to pass a complaint on to a person.",
		RiskArea: "Limited risk: transparency (AI Act art. 50)", DeployedSince: date("2025-06-30")},
}

// Queues are the demo review queues.
var Queues = []struct{ Slug, Name, Description string }{
	{"general", "General review", "Cases no other rule routes."},
	{"employment", "Employment decisions", "Hiring, scheduling and workplace AI."},
	{"credit-and-benefits", "Credit and benefits", "Credit scoring and public benefits."},
	{"incidents", "Serious incidents", "Possible serious incidents under AI Act art. 73."},
	{"supervisors", "Supervisor review", "Breaches, escalations and four-eyes approvals."},
}

// Organisation is the demo's organisation (internal/organisation).
var Organisation = organisation.Input{
	LegalName: "Northwind Logistics SAS", Address: "12 rue des Docks, 69002 Lyon, France",
	Jurisdiction: "FR", Contact: "grievances@northwind.example",
}

// Seed writes the demo data; it is idempotent, resets the demo passwords and
// turns the two-step sign-in requirement off for every role.
func Seed(ctx context.Context, gdb *gorm.DB, reg *registry.Registry, users *auth.Users, bodies *escalation.Service, password string) error {
	for i := range Systems {
		s := Systems[i]
		if err := reg.Upsert(ctx, &s); err != nil {
			return err
		}
	}
	for _, q := range Queues {
		if _, err := review.SaveQueue(gdb.WithContext(ctx), q.Slug, q.Name, q.Description); err != nil {
			return fmt.Errorf("demo: queue %s: %w", q.Slug, err)
		}
	}
	if err := routing.SeedRules(gdb.WithContext(ctx), Rules); err != nil {
		return err
	}
	bodyIDs := map[string]uuid.UUID{}
	for _, in := range Bodies {
		existing, err := idsBySlug(gdb.WithContext(ctx), "bodies", in.Slug)
		if err != nil {
			return fmt.Errorf("demo: body %s: %w", in.Slug, err)
		}
		var id *uuid.UUID
		if len(existing) > 0 {
			id = &existing[0]
		}
		in.LegalBases, in.Languages = slices.Clone(in.LegalBases), slices.Clone(in.Languages)
		b, err := bodies.SaveBody(ctx, id, in)
		if err != nil {
			return fmt.Errorf("demo: body %s: %w", in.Slug, err)
		}
		bodyIDs[in.Slug] = b.ID
	}
	if err := seedTranslations(ctx, gdb); err != nil {
		return err
	}
	// The demo organisation, unless an admin already set one (kept across
	// restarts).
	if err := organisation.Seed(gdb.WithContext(ctx), Organisation); err != nil {
		return fmt.Errorf("demo: organisation: %w", err)
	}
	names := map[string]string{"admin": "Ada Admin", "supervisor": "Sam Supervisor", "reviewer": "Rita Reviewer",
		"reviewer2": "Rui Reviewer", "regulator": "Regina Regulator",
		"surveillance": "Sid Surveillance"}
	langs := map[string][]string{"reviewer": {"en", "fr"}, "reviewer2": {"en", "es", "ar"}}
	for _, l := range Logins {
		local := l.Email[:len(l.Email)-len("@example.org")]
		var body *uuid.UUID
		if l.Body != "" {
			id := bodyIDs[l.Body]
			body = &id
		}
		if _, err := users.Upsert(ctx, auth.NewUser{Email: l.Email, Name: names[local], Role: l.Role,
			Password: password, Languages: langs[local], BodyID: body}); err != nil {
			return fmt.Errorf("demo: user %s: %w", l.Email, err)
		}
	}
	// The demo signs in with a password alone: no role requires a second
	// factor here (the migration requires it of admins, supervisors and
	// bodies; /admin/sign-in turns it back on). The banner says so.
	if err := auth.NoSecondFactorRequired(gdb.WithContext(ctx)); err != nil {
		return fmt.Errorf("demo: sign-in policy: %w", err)
	}
	// Rui operates the shift scheduler: he is never assigned cases about it.
	if err := registry.SeedStaff(gdb.WithContext(ctx), "shift-scheduler", "reviewer2@example.org", "operator"); err != nil {
		return fmt.Errorf("demo: recusal: %w", err)
	}
	for _, m := range QueueMembers {
		if err := review.SeedMember(gdb.WithContext(ctx), m.Queue, m.Email); err != nil {
			return fmt.Errorf("demo: queue member %s: %w", m.Email, err)
		}
	}
	// Every demo account of the staff also works every queue, without an
	// email for each new case: in the demo one team handles everything, so
	// need to know (internal/access) hides only what recusal and holding
	// hide. Rui operates ShiftWise, so he never sees a case about it.
	if err := review.JoinEveryQueue(gdb.WithContext(ctx),
		[]string{"admin@example.org", "supervisor@example.org", "reviewer@example.org", "reviewer2@example.org"}, false); err != nil {
		return fmt.Errorf("demo: queue members: %w", err)
	}
	return nil
}

// QueueMembers are told by email of every new case routed to their queue.
var QueueMembers = []struct{ Queue, Email string }{
	{"general", "reviewer@example.org"},
	{"employment", "reviewer@example.org"},
	{"credit-and-benefits", "reviewer2@example.org"},
	{"supervisors", "supervisor@example.org"},
}

// Rules are the demo's routing rules, added once, after the rules every
// install has (migrations: retaliation and imminent loss go to the
// supervisors at P1) and before the default rule.
var Rules = []routing.SeedRule{
	{Name: "Possible serious incidents", Kinds: []string{"incident"}, Queue: "incidents", Priority: "P1"},
	{Name: "Hiring and scheduling systems", AISystems: []string{"hiring-screener", "shift-scheduler"}, Queue: "employment", Priority: "P2"},
	{Name: "Credit and benefits systems", AISystems: []string{"credit-scorer", "benefits-fraud-detector"}, Queue: "credit-and-benefits", Priority: "P2"},
	{Name: "Complaints in Arabic", Languages: []string{"ar"}, Queue: "general", Priority: "P3", RequiredLanguages: []string{"ar"}},
}
