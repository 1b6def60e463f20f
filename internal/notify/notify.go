// Package notify tells people and systems what happened to a case: emails to
// complainants who chose email and to staff, and signed webhooks to the
// organisation's own systems.
//
// The worker runs the notifier's consumers. They only decide what is owed —
// an email to a recipient (notifications_sent), a delivery to an endpoint
// (webhook_deliveries) — and write it in the transaction that records the
// event as processed, so a redelivered event owes nothing twice. Run sends
// what is owed outside any transaction, claiming due rows with SKIP LOCKED
// and retrying failures with back-off, so a slow mail server or receiver
// never holds a database transaction open and N workers never send one row
// twice.
//
// It owns notifications_sent and the webhook tables (webhook_endpoints,
// webhook_deliveries, webhook_attempts) and publishes no event. The
// statements that need SQL's full power (the claims, the outcomes, the reads
// that join a case with its people) are in queries.go; simple ones use
// GORM's builder.
//
// Emails never carry case content: a complainant is told only that there is
// news on their reference, and staff get the reference, codes, the queue and
// due dates. Addresses are looked up, and a complainant's decrypted, only at
// the moment of sending; they are never stored by this package or logged.
package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/seal"
)

// Consumer names: each is a durable JetStream consumer of its own.
const (
	ConsumerComplainant = "notify-complainant"
	ConsumerStaff       = "notify-staff"
	ConsumerWebhooks    = "webhooks"
)

// Recipient kinds in notifications_sent.
const (
	RecipientComplainant = "complainant"
	RecipientStaff       = "staff"
	RecipientBody        = "body" // a body's own address (recipient_ref: its id)
	// RecipientProvider is an AI system's provider, written to about a
	// request for information (recipient_ref: the request's id).
	RecipientProvider = "provider"
)

// NotificationStatus is where an email stands (notifications_sent.status).
type NotificationStatus string

// The statuses of an email.
const (
	NotificationPending NotificationStatus = "pending" // not yet tried (the column's default)
	NotificationFailed  NotificationStatus = "failed"  // tried, to be tried again
	NotificationSent    NotificationStatus = "sent"
	NotificationSkipped NotificationStatus = "skipped" // not sent on purpose (no SMTP, no address)
	NotificationGaveUp  NotificationStatus = "gave_up"
)

// NotificationStatuses are every NotificationStatus.
var NotificationStatuses = []NotificationStatus{NotificationPending, NotificationFailed, NotificationSent,
	NotificationSkipped, NotificationGaveUp}

// DeliveryStatus is where a webhook delivery stands (webhook_deliveries.status).
type DeliveryStatus string

// The statuses of a webhook delivery.
const (
	DeliveryPending   DeliveryStatus = "pending" // not yet tried (the column's default)
	DeliveryDelivered DeliveryStatus = "delivered"
	DeliveryFailed    DeliveryStatus = "failed" // tried, to be tried again
	DeliveryGaveUp    DeliveryStatus = "gave_up"
)

// DeliveryStatuses are every DeliveryStatus.
var DeliveryStatuses = []DeliveryStatus{DeliveryPending, DeliveryDelivered, DeliveryFailed, DeliveryGaveUp}

// Email templates (templates/<language>/<name>.txt).
const (
	TemplateComplainantNews = "complainant_news"
	TemplateStaffNewCase    = "staff_new_case"
	TemplateStaffAssigned   = "staff_assigned"
	TemplateStaffReply      = "staff_reply"
	// TemplateStaffEvidence: the complainant added a file to their case.
	TemplateStaffEvidence   = "staff_evidence_added"
	TemplateStaffSLAWarning = "staff_sla_warning"
	TemplateStaffSLABreach  = "staff_sla_breached"
	// TemplateStaffRemedyAnswered: the complainant accepted or declined an offer.
	TemplateStaffRemedyAnswered = "staff_remedy_answered"
	TemplateSystemicAlert       = "staff_systemic_alert"
	// TemplateStaffReferral: a body updated or wrote about a referral.
	TemplateStaffReferral = "staff_referral_update"
	// TemplateBodyReferral: to a body (its address and its users): a
	// referral, an identity addendum, or a message from the organisation.
	TemplateBodyReferral = "body_referral"
	// TemplateStaffBreakGlass: an admin opened a case of the recipient's
	// queue by break-glass (to the queue's supervisors, at once).
	TemplateStaffBreakGlass = "staff_break_glass"
	// TemplateProviderRequest: staff's request for information to an AI
	// system's provider (to the provider's contact from the register).
	TemplateProviderRequest = "provider_request"
)

// ErrPoison marks an event no retry can fix (its data cannot be read, or its
// case does not exist); the worker dead-letters it.
var ErrPoison = errors.New("notify: event cannot be handled")

// DefaultBackoff is the wait after each failed attempt of an email or a
// webhook delivery: 8 attempts over about 19 hours, then it is given up.
var DefaultBackoff = []time.Duration{10 * time.Second, 30 * time.Second, 2 * time.Minute, 10 * time.Minute,
	time.Hour, 6 * time.Hour, 12 * time.Hour}

// Cases reads a case with its contact details opened (grievance.Service).
type Cases interface {
	// ContactOf opens a case's contact details only (not its content).
	ContactOf(ctx context.Context, id uuid.UUID) (*grievance.Reachable, error)
	// ProviderLetterOf opens a request for information to an AI system's
	// provider: the address and the questions.
	ProviderLetterOf(ctx context.Context, requestID uuid.UUID) (*grievance.ProviderLetter, error)
}

// Options configure a Notifier.
type Options struct {
	DB   *gorm.DB
	Keys *seal.Keyring // opens webhook secrets
	// Cases opens a complainant's contact details when an email is sent.
	Cases Cases
	// Mailer sends emails; nil means SMTP is not configured and emails are
	// logged as skipped (with the recipient kind, never the address).
	Mailer Mailer
	// PublicURL is the base of links in emails (REDRESS_PUBLIC_URL).
	PublicURL string
	Log       *slog.Logger
	// Backoff is the wait after failed attempts 1, 2, …; an email or delivery
	// is tried len(Backoff)+1 times in all (default DefaultBackoff).
	Backoff []time.Duration
	// Poll is how often Run looks for due emails and deliveries (default 1s).
	Poll time.Duration
	// HTTPClient posts webhooks (default: 10 s timeout, redirects not followed).
	HTTPClient *http.Client
	// MaxEventAge: no email is owed for an event older than this (default
	// 72 h), so a consumer created on a stream with months of history, or a
	// dead letter replayed long after, does not mail people about the past.
	// Webhooks get every event.
	MaxEventAge time.Duration
	// Attachments returns the signed files a body's email carries for a
	// referral's document (escalation.Service.Attachments); nil sends none.
	Attachments func(ctx context.Context, referralID, document string) ([]Attachment, error)
}

// Notifier turns events into emails and webhook deliveries and sends them.
type Notifier struct {
	db          *gorm.DB
	keys        *seal.Keyring
	cases       Cases
	mailer      Mailer
	publicURL   string
	log         *slog.Logger
	backoff     []time.Duration
	poll        time.Duration
	http        *http.Client
	maxEventAge time.Duration
	templates   *Templates
	attachments func(ctx context.Context, referralID, document string) ([]Attachment, error)
	access      *access.Service // who may hear of a case
}

// New returns a notifier.
func New(o Options) *Notifier {
	n := &Notifier{db: o.DB, keys: o.Keys, cases: o.Cases, mailer: o.Mailer, publicURL: o.PublicURL, log: o.Log,
		backoff: o.Backoff, poll: o.Poll, http: o.HTTPClient, maxEventAge: o.MaxEventAge, templates: MustTemplates(),
		attachments: o.Attachments, access: access.New(o.DB)}
	if n.log == nil {
		n.log = slog.New(slog.DiscardHandler)
	}
	n.log = n.log.With("part", "notify")
	if len(n.backoff) == 0 {
		n.backoff = DefaultBackoff
	}
	if n.poll <= 0 {
		n.poll = time.Second
	}
	if n.http == nil {
		n.http = &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	if n.maxEventAge <= 0 {
		n.maxEventAge = 72 * time.Hour
	}
	if n.publicURL == "" {
		n.publicURL = "http://127.0.0.1:8080"
	}
	return n
}

// MaxAttempts is how often an email or a webhook delivery is tried before it is given up.
func (n *Notifier) MaxAttempts() int { return len(n.backoff) + 1 }

// Consumer is one durable consumer the worker runs for the notifier.
type Consumer struct {
	Name     string
	Subjects []string
	// Handle runs inside tx, the transaction that records the event as processed.
	Handle func(tx *gorm.DB, env *events.Envelope) error
	// Relevant, when set, says before any transaction whether Handle has
	// anything to do for the event (worker.Consumer.Relevant): it queues on
	// r what it reads, and what it returns answers once r has run.
	Relevant func(r *db.Reads, env *events.Envelope) (owed func() bool)
}

// Consumers are the notifier's consumers, each with its own subjects.
func (n *Notifier) Consumers() []Consumer {
	return []Consumer{
		{Name: ConsumerComplainant, Handle: n.HandleComplainant,
			Subjects: []string{events.CaseAcknowledged, events.CaseStatusChanged, events.CaseMessageAdded,
				events.RemedyStatusChanged, events.RemedyOverdue, events.ReferralUpdated, events.ReferralIdentityRequested,
				events.MeasureProposed, events.CheckinAsked, events.ReferralMessage}},
		{Name: ConsumerStaff, Handle: n.HandleStaff, Relevant: n.StaffOwed,
			Subjects: []string{events.CaseRouted, events.CaseAssigned, events.CaseMessageAdded, events.CaseEvidenceAdded,
				events.SLAWarning, events.SLABreached, events.SystemicAlert, events.RemedyStatusChanged, events.RemedyOverdue,
				events.ReferralMade, events.ReferralUpdated, events.ReferralMessage, events.ReferralIdentityDisclosed,
				events.CaseBreakGlass, events.ProviderRequested}},
		{Name: ConsumerWebhooks, Handle: n.HandleWebhooks, Relevant: n.WebhookOwed, Subjects: []string{"redress.>"}},
	}
}

// Run sends due emails and webhook deliveries until ctx ends, finishing the
// batch in hand (each send is bounded by its own timeout).
func (n *Notifier) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	for name, once := range map[string]func(context.Context) (int, error){
		"mail": n.SendDueEmails, "webhooks": n.DeliverDueWebhooks,
	} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			n.loop(ctx, name, once)
		}()
	}
	wg.Wait()
	return nil
}

const batchSize = 8

func (n *Notifier) loop(ctx context.Context, name string, once func(context.Context) (int, error)) {
	t := time.NewTicker(n.poll)
	defer t.Stop()
	for {
		k, err := once(context.WithoutCancel(ctx))
		if err != nil {
			n.log.Warn("delivery loop", "loop", name, "err", err)
		} else if k == batchSize && ctx.Err() == nil {
			continue // more may be due
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// mailData are the values an email template may show: the reference, codes,
// a queue name and a due date. Never a description, a message or a name.
type mailData struct {
	Reference string     `json:"reference"`
	Kind      string     `json:"kind,omitempty"`
	Priority  string     `json:"priority,omitempty"`
	Queue     string     `json:"queue,omitempty"`
	Clock     string     `json:"clock,omitempty"`
	DueAt     *time.Time `json:"due_at,omitempty"`
	Rule      string     `json:"rule,omitempty"`
	Percent   int        `json:"percent,omitempty"`
	// A systemic alert: the AI system's name from the register, how many
	// cases opened within how many hours, and the threshold.
	AISystem    string `json:"ai_system,omitempty"`
	CaseCount   int    `json:"case_count,omitempty"`
	Threshold   int    `json:"threshold,omitempty"`
	WindowHours int    `json:"window_hours,omitempty"`
	// A referral: the body's name, the referral, what it is about
	// (dossier, identity_addendum, message, status) and the body's status.
	Body       string `json:"body,omitempty"`
	ReferralID string `json:"referral_id,omitempty"`
	Document   string `json:"document,omitempty"`
	Status     string `json:"status,omitempty"`
	// A break-glass: the admin's name, the reason they gave and when the
	// grant ends (the supervisors of the case's queue must be able to judge
	// the reason).
	Admin  string     `json:"admin,omitempty"`
	Reason string     `json:"reason,omitempty"`
	Until  *time.Time `json:"until,omitempty"`
	// A request for information to an AI system's provider: its id (the
	// questions are opened when the email is sent, never stored here).
	ProviderRequestID string `json:"provider_request_id,omitempty"`
}

// HandleComplainant owes the complainant an email when there is news they can
// read on the follow-up page: acknowledgement, a move to another stage of the
// case as they see it (not one they made themselves), a message meant for
// them that they did not write. Only identified complainants whose preferred
// channel is email are written to; anonymous complainants never are. It
// runs in tx, the transaction that records the event as processed.
func (n *Notifier) HandleComplainant(tx *gorm.DB, env *events.Envelope) error {
	switch env.Type {
	case events.CaseAcknowledged, events.CaseStatusChanged:
		d, err := decode[events.StatusChanged](env)
		if err != nil {
			return err
		}
		if d.Actor == audit.ActorComplainant {
			return nil // they know: they did it
		}
		if env.Type == events.CaseStatusChanged && grievance.StageOf(cases.Status(d.From)) == grievance.StageOf(cases.Status(d.To)) {
			return nil // nothing new on their page (in_review ⇄ pending_approval)
		}
		if cases.Status(d.To) == cases.StatusRemedyInProgress {
			return nil // the offer that moved it is the news (below)
		}
	case events.RemedyStatusChanged, events.RemedyOverdue:
		// An offer, a remedy done or verified, a remedy date missed: news on
		// their page. Their own answers are not; a systemic issue's moves
		// (no case) reach each case's record, not an email each.
		d, err := decode[events.Remedy](env)
		if err != nil {
			return err
		}
		if d.Actor == audit.ActorComplainant || env.CaseID == uuid.Nil {
			return nil
		}
	case events.CaseMessageAdded:
		d, err := decode[events.MessageAdded](env)
		if err != nil {
			return err
		}
		if d.AuthorKind == audit.ActorComplainant || d.Visibility != string(grievance.VisibilityComplainant) {
			return nil
		}
	case events.ReferralUpdated, events.ReferralIdentityRequested:
		// A body's status for their referral, or notice that their identity
		// may be disclosed to a body: news on their page.
	case events.MeasureProposed, events.CheckinAsked:
		// A protective measure waiting for their consent, or the question
		// whether anything has happened to them since the case closed: news
		// on their page, where they answer (docs/protection.md).
	case events.ReferralMessage:
		// A body wrote to them: they read it in full on their page.
		d, err := decode[events.Referral](env)
		if err != nil {
			return err
		}
		if !d.ToComplainant {
			return nil
		}
	default:
		return nil
	}
	if n.tooOld(env) {
		return nil
	}
	var c cases.Case
	if err := tx.Model(&cases.Case{}).Select("reference", "anonymous", "preferred_channel").
		Where("id = ?", env.CaseID).Scan(&c).Error; err != nil {
		return fmt.Errorf("notify: load case: %w", err)
	}
	if c.Reference == "" {
		return fmt.Errorf("%w: case %s does not exist", ErrPoison, env.CaseID)
	}
	if c.Anonymous || c.PreferredChannel == nil || *c.PreferredChannel != "email" {
		return nil
	}
	return n.owe(tx, env, RecipientComplainant, RecipientComplainant, TemplateComplainantNews,
		mailData{Reference: c.Reference})
}

// StaffOwed says, from the event alone, whether HandleStaff may owe staff
// an email for env: the notify-staff consumer acknowledges an event it owes
// nothing for without a transaction (worker.Consumer.Relevant), as a claim's
// case.assigned (issue 18: a consumer with nothing to do for an event costs
// nothing for it).
func (n *Notifier) StaffOwed(_ *db.Reads, env *events.Envelope) (owed func() bool) {
	may := staffMayBeOwed(env)
	return func() bool { return may }
}

// staffMayBeOwed is false for the events that owe staff nothing by their
// data alone: a case routed by a routing that owed its emails itself, a
// case assigned by the one who takes it (a claim) or given back, a message
// or a file from staff, a remedy move that is not the complainant's answer
// or is a systemic issue's (no case), and a warning or breach whose policy
// does not notify. An event whose data does not read is owed: HandleStaff
// finds it poison.
func staffMayBeOwed(env *events.Envelope) bool {
	switch env.Type {
	case events.CaseRouted:
		d, err := decode[events.Routed](env)
		return err != nil || !d.StaffMailOwed
	case events.CaseAssigned:
		d, err := decode[events.Assigned](env)
		return err != nil || d.AssigneeID != nil && (d.Action == "case.reassigned" || d.Action == "case.auto_assigned")
	case events.CaseMessageAdded:
		d, err := decode[events.MessageAdded](env)
		return err != nil || d.AuthorKind == audit.ActorComplainant
	case events.CaseEvidenceAdded:
		d, err := decode[events.EvidenceAdded](env)
		return err != nil || d.AuthorKind == audit.ActorComplainant
	case events.RemedyStatusChanged:
		d, err := decode[events.Remedy](env)
		return env.CaseID != uuid.Nil && (err != nil || d.Actor == audit.ActorComplainant)
	case events.RemedyOverdue:
		return env.CaseID != uuid.Nil // a systemic issue's remedy: its supervisors act on it
	case events.SLAWarning, events.SLABreached:
		d, err := decode[events.SLA](env)
		return err != nil || d.Notify // else the policy's breach actions do not include notifying
	}
	return true
}

// HandleStaff owes staff an email: a new case in a queue they belong to, a
// warning or a breach on a case they hold (else on their queue's; breaches
// also go to every supervisor), a complainant's reply or file on a case they
// hold (else on their queue's), an admin's break-glass on a case of a queue
// they supervise. It runs in tx, the transaction that records the event as
// processed.
func (n *Notifier) HandleStaff(tx *gorm.DB, env *events.Envelope) error {
	if !staffMayBeOwed(env) || n.tooOld(env) {
		return nil
	}
	var template string
	var recipients []uuid.UUID
	c, err := n.caseInfo(tx, env.CaseID)
	if err != nil {
		return err
	}
	data := mailData{Reference: c.Reference, Kind: c.Kind, Priority: deref(c.Priority), Queue: deref(c.QueueName)}
	switch env.Type {
	case events.CaseRouted:
		// Routed by a routing that did not owe its emails itself.
		d, err := decode[events.Routed](env)
		if err != nil {
			return err
		}
		return n.OweNewCase(tx, env.ID, c.Reference, c.Kind, d)
	case events.CaseAssigned:
		// A case someone else gave them: a supervisor's reassignment or
		// auto-assignment. Claiming it oneself, or a release, mails nobody.
		d, err := decode[events.Assigned](env)
		if err != nil {
			return err
		}
		template, recipients = TemplateStaffAssigned, []uuid.UUID{*d.AssigneeID}
	case events.CaseMessageAdded:
		if _, err := decode[events.MessageAdded](env); err != nil {
			return err
		}
		template = TemplateStaffReply
		if recipients, err = n.holders(tx, c); err != nil {
			return err
		}
	case events.CaseEvidenceAdded:
		// A file from the complainant, perhaps the answer the case waited
		// for; what staff add themselves mails nobody.
		if _, err := decode[events.EvidenceAdded](env); err != nil {
			return err
		}
		template = TemplateStaffEvidence
		if recipients, err = n.holders(tx, c); err != nil {
			return err
		}
	case events.RemedyStatusChanged:
		if _, err := decode[events.Remedy](env); err != nil {
			return err
		}
		template = TemplateStaffRemedyAnswered
		if recipients, err = n.holders(tx, c); err != nil {
			return err
		}
	case events.RemedyOverdue:
		// A component's own date passed: told like a missed deadline, to
		// who holds the case and to every supervisor.
		d, err := decode[events.Remedy](env)
		if err != nil {
			return err
		}
		data.Clock, data.DueAt, data.Rule = "remedy", d.DueAt, "the due date of a remedy component (status "+d.Status+")"
		template = TemplateStaffSLABreach
		if recipients, err = n.holders(tx, c); err != nil {
			return err
		}
		sup, err := n.supervisors(tx)
		if err != nil {
			return err
		}
		recipients = append(recipients, sup...)
	case events.SLAWarning, events.SLABreached:
		d, err := decode[events.SLA](env)
		if err != nil {
			return err
		}
		due := d.DueAt
		data.Clock, data.DueAt, data.Rule = string(d.Clock), &due, d.Rule.String()
		if d.Priority != "" {
			data.Priority = d.Priority
		}
		template = TemplateStaffSLAWarning
		if env.Type == events.SLABreached {
			template = TemplateStaffSLABreach
		} else {
			data.Percent = percent(d.Fraction)
		}
		if recipients, err = n.holders(tx, c); err != nil {
			return err
		}
		if env.Type == events.SLABreached {
			sup, err := n.supervisors(tx)
			if err != nil {
				return err
			}
			recipients = append(recipients, sup...)
		}
	case events.SystemicAlert:
		// Enough cases about one AI system opened within its window: every
		// active supervisor hears of it, with counts and the system's name only.
		d, err := decode[events.SystemicAlertData](env)
		if err != nil {
			return err
		}
		if data.AISystem, err = aiSystemName(tx, d.AISystemID); err != nil {
			return fmt.Errorf("notify: ai system: %w", err)
		}
		template = TemplateSystemicAlert
		data.CaseCount, data.Threshold, data.WindowHours = d.CaseCount, d.Threshold, d.WindowHours
		if recipients, err = n.supervisors(tx); err != nil {
			return err
		}
	case events.ReferralMade, events.ReferralUpdated, events.ReferralMessage, events.ReferralIdentityDisclosed:
		return n.referralMail(tx, env, c, data)
	case events.ProviderRequested:
		// Staff asked the AI system's provider for information: the
		// provider's contact gets the questions (opened when it is sent).
		d, err := decode[events.ProviderRequest](env)
		if err != nil {
			return err
		}
		return n.owe(tx, env, RecipientProvider, d.RequestID.String(), TemplateProviderRequest,
			mailData{Reference: c.Reference, ProviderRequestID: d.RequestID.String()})
	case events.CaseBreakGlass:
		// An admin opened the case outside their reach: its queue's
		// supervisors hear of it at once, with who, why and until when.
		d, err := decode[events.BreakGlass](env)
		if err != nil {
			return err
		}
		g, err := n.access.GrantByID(tx, d.GrantID)
		if err != nil {
			return err
		}
		if g == nil || g.CaseID != env.CaseID {
			return fmt.Errorf("%w: break-glass grant %s of case %s does not exist", ErrPoison, d.GrantID, env.CaseID)
		}
		if err := tx.Model(&auth.User{}).Select("name").Where("id = ?", g.UserID).
			Scan(&data.Admin).Error; err != nil {
			return fmt.Errorf("notify: admin: %w", err)
		}
		until := g.ExpiresAt
		template, data.Reason, data.Until = TemplateStaffBreakGlass, g.Reason, &until
		if recipients, err = n.queueSupervisors(tx, env.CaseID); err != nil {
			return err
		}
	default:
		return nil
	}
	return n.oweStaff(tx, env.ID, env.CaseID, recipients, template, data)
}

// OweNewCase owes the members of the queue a case was routed to who take
// emails of new cases their "new case in my queue" email for the
// case.routed event eventID, in tx: HandleStaff's, for an event whose
// routing did not (routed.StaffMailOwed false). The routing owes them in
// its own transaction (QueueNewCase).
func (n *Notifier) OweNewCase(tx *gorm.DB, eventID uuid.UUID, reference, kind string, routed events.Routed) error {
	r := db.ReadsOn(tx)
	n.QueueNewCase(r, tx, eventID, reference, kind, routed)
	return r.Run()
}

// QueueNewCase queues on r the reads OweNewCase makes, in one round trip:
// the queue's name, and those of its members who take emails of its new
// cases and may see the case (access.QueueReaders). Once r has run, it
// owes them their emails in tx. The routing (routing.NewCaseMail) sends
// these reads with its writes, after them: the rule reads the case routed.
func (n *Notifier) QueueNewCase(r *db.Reads, tx *gorm.DB, eventID uuid.UUID, reference, kind string, routed events.Routed) {
	var queue []string
	var recipients []uuid.UUID
	r.Raw(&queue, `SELECT name FROM queues WHERE id = ?`, routed.QueueID)
	n.access.QueueReaders(r, routed.CaseID, &recipients, listening("?"), routed.QueueID)
	r.Then(func() error {
		if len(queue) == 0 || len(recipients) == 0 {
			return nil
		}
		return oweEmails(tx, eventID, routed.CaseID, RecipientStaff, refsOf(recipients), TemplateStaffNewCase,
			mailData{Reference: reference, Kind: kind, Priority: routed.Priority, Queue: queue[0]})
	})
}

// oweStaff owes each of recipients who may see the case an email about
// the event eventID, once, in tx. Only staff who may see the case hear of
// it (internal/access): the recused, and members of other queues, get no
// email naming it.
func (n *Notifier) oweStaff(tx *gorm.DB, eventID, caseID uuid.UUID, recipients []uuid.UUID, template string,
	data mailData) error {
	recipients, err := n.access.Readers(tx, caseID, recipients)
	if err != nil || len(recipients) == 0 {
		return err
	}
	return oweEmails(tx, eventID, caseID, RecipientStaff, refsOf(recipients), template, data)
}

// refsOf are the recipient references of staff users ids, once each.
func refsOf(ids []uuid.UUID) []string {
	refs := make([]string, 0, len(ids))
	for _, id := range ids {
		if ref := id.String(); !slices.Contains(refs, ref) {
			refs = append(refs, ref)
		}
	}
	return refs
}

// supervisors are the active supervisors, read through q.
func (n *Notifier) supervisors(q *gorm.DB) ([]uuid.UUID, error) {
	var ids []uuid.UUID
	if err := q.Model(&auth.User{}).Select("id").Where("role = ? AND active", auth.RoleSupervisor).
		Order("id").Scan(&ids).Error; err != nil {
		return nil, fmt.Errorf("notify: supervisors: %w", err)
	}
	return ids, nil
}

// queueSupervisors are the active supervisors who are members of the
// case's queue (its default rule's queue while it is not routed yet),
// whether or not they asked to hear of new cases, read through q.
func (n *Notifier) queueSupervisors(q *gorm.DB, caseID uuid.UUID) ([]uuid.UUID, error) {
	ids, err := queueSupervisorIDs(q, caseID)
	if err != nil {
		return nil, fmt.Errorf("notify: queue supervisors: %w", err)
	}
	return ids, nil
}

func (n *Notifier) caseInfo(q *gorm.DB, id uuid.UUID) (*caseInfo, error) {
	c, err := loadCaseInfo(q, id)
	if err != nil {
		return nil, fmt.Errorf("notify: load case: %w", err)
	}
	if c.Reference == "" {
		return nil, fmt.Errorf("%w: case %s does not exist", ErrPoison, id)
	}
	return &c, nil
}

// holders are who answers for a case: its active assignee, else its queue's
// members, read through q.
func (n *Notifier) holders(q *gorm.DB, c *caseInfo) ([]uuid.UUID, error) {
	if c.AssigneeID != nil {
		var ids []uuid.UUID
		if err := q.Model(&auth.User{}).Select("id").Where("id = ? AND active", *c.AssigneeID).
			Scan(&ids).Error; err != nil {
			return nil, fmt.Errorf("notify: assignee: %w", err)
		}
		if len(ids) > 0 {
			return ids, nil
		}
	}
	return n.queueMembers(q, c.QueueID)
}

func (n *Notifier) queueMembers(q *gorm.DB, queueID *uuid.UUID) ([]uuid.UUID, error) {
	if queueID == nil {
		return nil, nil
	}
	_, ids, err := newCaseListeners(q, *queueID)
	if err != nil {
		return nil, fmt.Errorf("notify: queue members: %w", err)
	}
	return ids, nil
}

// owe records an email owed for env to one recipient, once, in tx.
func (n *Notifier) owe(tx *gorm.DB, env *events.Envelope, kind, ref, template string, data mailData) error {
	return oweEmails(tx, env.ID, env.CaseID, kind, []string{ref}, template, data)
}

// oweEmails records an email owed for the event eventID to each of refs
// (recipients of one kind), once, in tx, in one statement.
func oweEmails(tx *gorm.DB, eventID, caseID uuid.UUID, kind string, refs []string, template string, data mailData) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return err
	}
	rows := make([]map[string]any, len(refs))
	for i, ref := range refs {
		rows[i] = map[string]any{"event_id": eventID, "recipient_kind": kind, "recipient_ref": ref, "case_id": caseID,
			"template": template, "data": string(raw)}
	}
	if err := tx.Table("notifications_sent").Clauses(clause.OnConflict{DoNothing: true}).
		Create(rows).Error; err != nil {
		return fmt.Errorf("notify: owe email: %w", err)
	}
	return nil
}

func (n *Notifier) tooOld(env *events.Envelope) bool {
	if !env.OccurredAt.IsZero() && time.Since(env.OccurredAt) > n.maxEventAge {
		n.log.Info("no email for an old event", "event_id", env.ID, "type", env.Type, "occurred_at", env.OccurredAt)
		return true
	}
	return false
}

// decode reads env's data as its payload type; data that does not read is poison.
func decode[T events.Data](env *events.Envelope) (T, error) {
	d, err := events.Decode[T](env)
	if err != nil {
		err = fmt.Errorf("%w: %v", ErrPoison, err)
	}
	return d, err
}

// percent turns a warning's share of the budget used (0.75) into a whole
// percentage; 0 (not shown) when it is not a share.
func percent(f float64) int {
	if f > 0 && f <= 1 {
		return int(f*100 + 0.5)
	}
	return 0
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
