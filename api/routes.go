package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
)

// who says who may call a route.
type who int

const (
	public      who = iota // anyone, no token
	complainant            // a complainant token, bound to one case
	staff                  // a staff or body token whose role is in roles
	// enrolling is staff that also admits a user whose role requires a
	// second factor not yet on: the routes that turn it on, and sign-out.
	enrolling
)

type route struct {
	method, path string
	access       who
	roles        []auth.Role
	handler      fiber.Handler
	throttle     fiber.Handler // optional, runs before the handler
	// use is what a case route does with the case — reads it or works on
	// it (access.Kind: only the case's holder or a supervisor of its queue
	// works on it) — and what it shows (recorded in the access log when it
	// is opened; see caseScoped). Every case route declares it: New panics
	// on one without (access.NewGate).
	use *use
}

// use is a case route's kind and looks.
type use struct {
	kind  access.Kind
	looks []access.What
}

// caseScoped reports whether path names one case (/api/v1/cases/:id…): its
// staff are admitted only on a ground internal/access gives them, else 404.
func caseScoped(path string) bool {
	return path == "/api/v1/cases/:id" || strings.HasPrefix(path, "/api/v1/cases/:id/")
}

// What a case route does: reads (showing, for the access log, the
// content, the identity or an evidence file, or nothing it records), or
// works on the case.
var (
	reads         = &use{kind: access.Reads}
	showsContent  = &use{kind: access.Reads, looks: []access.What{access.Content}}
	showsIdentity = &use{kind: access.Reads, looks: []access.What{access.Identity}}
	showsEvidence = &use{kind: access.Reads, looks: []access.What{access.Evidence}}
	works         = &use{kind: access.Works}
)

var (
	caseWorkers = auth.CaseWorkers
	anyStaff    = auth.AnyUser
	claimers    = auth.Claimers
	supervisors = auth.Supervisors
	admins      = auth.Admins
	bodyUsers   = auth.BodyUsers
)

// routes is the one route table: every route with who may call it.
func (a *API) routes() []route {
	return []route{
		{fiber.MethodGet, "/api/v1/ai-systems", public, nil, a.listAISystems, nil, nil},
		{fiber.MethodGet, "/api/v1/bodies", public, nil, a.listBodies, nil, nil},
		{fiber.MethodGet, "/.well-known/redress-signing-key", public, nil, a.signingKeys, nil, nil},
		{fiber.MethodPost, "/api/v1/cases", public, nil, a.createCase, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/session", public, nil, a.openComplainantSession, nil, nil},
		{fiber.MethodGet, "/api/v1/complainant/case", complainant, nil, a.complainantCase, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/messages", complainant, nil, a.complainantMessage, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/remedies/:rid/response", complainant, nil, a.respondToRemedy, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/appeal", complainant, nil, a.appealCase, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/feedback", complainant, nil, a.giveFeedback, nil, nil},
		{fiber.MethodGet, "/api/v1/complainant/case/evidence", complainant, nil, a.complainantEvidenceList, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/escalations", complainant, nil, a.complainantEscalation, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/referrals/:rid/messages", complainant, nil, a.complainantReferralMessage, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/evidence", complainant, nil, a.complainantEvidence, nil, nil},
		// Protection (protection.go): measures proposed for consent, check-ins after closure.
		{fiber.MethodGet, "/api/v1/complainant/case/protection", complainant, nil, a.complainantProtection, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/measures/:mid/consent", complainant, nil, a.answerMeasure, nil, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/checkins/:cid", complainant, nil, a.answerCheckin, nil, nil},

		{fiber.MethodPost, "/api/v1/auth/token", public, nil, a.issueToken, a.signInThrottle, nil},
		{fiber.MethodGet, "/api/v1/me", staff, anyStaff, a.me, nil, nil},
		// Strong sign-in (signin.go, docs/sign-in.md): sessions and the second factor.
		{fiber.MethodPost, "/api/v1/auth/sign-out", enrolling, anyStaff, a.signOut, nil, nil},
		{fiber.MethodGet, "/api/v1/me/sessions", staff, anyStaff, a.mySessions, nil, nil},
		{fiber.MethodPost, "/api/v1/me/sessions/revoke", enrolling, anyStaff, a.revokeMySessions, nil, nil},
		{fiber.MethodPost, "/api/v1/me/two-factor", enrolling, anyStaff, a.startTwoFactor, nil, nil},
		{fiber.MethodPost, "/api/v1/me/two-factor/confirm", enrolling, anyStaff, a.confirmTwoFactor, nil, nil},
		{fiber.MethodGet, "/api/v1/organisation", public, nil, a.organisationProfile, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/organisation", staff, admins, a.adminOrganisation, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/organisation", staff, admins, a.putOrganisation, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/sign-in-policy", staff, admins, a.signInPolicy, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/sign-in-policy", staff, admins, a.putSignInPolicy, nil, nil},

		{fiber.MethodGet, "/api/v1/cases", staff, caseWorkers, a.listCases, nil, nil},
		{fiber.MethodGet, "/api/v1/cases/:id", staff, caseWorkers, a.getCase, nil, showsContent},
		{fiber.MethodGet, "/api/v1/cases/:id/identity", staff, caseWorkers, a.caseIdentity, nil, showsIdentity},
		{fiber.MethodGet, "/api/v1/cases/:id/audit", staff, caseWorkers, a.caseAudit, nil, reads},
		// Who opened the case: supervisors and admins whose ground may work it (access_log.go).
		{fiber.MethodGet, "/api/v1/cases/:id/access", staff, caseWorkers, a.caseAccessLog, nil, reads},
		{fiber.MethodPost, "/api/v1/cases/:id/messages", staff, caseWorkers, a.staffMessage, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/acknowledge", staff, caseWorkers, a.acknowledgeCase, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/transitions", staff, caseWorkers, a.transitionCase, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/triage", staff, caseWorkers, a.triageCase, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/priority/approve", staff, supervisors, a.approvePriority, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/release", staff, caseWorkers, a.releaseCase, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/assign", staff, supervisors, a.assignCase, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/clocks/:clock/extension", staff, caseWorkers, a.noticeExtension, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/incident", staff, caseWorkers, a.recordIncident, nil, works},
		// The holder, or a supervisor or admin (checked by the domain: incidents.go).
		{fiber.MethodPost, "/api/v1/cases/:id/incident/tasks/:task", staff, caseWorkers, a.completeIncidentTask, nil, works},
		// Interim and protective measures (protection.go): the holder, or a supervisor or admin.
		{fiber.MethodGet, "/api/v1/cases/:id/protection", staff, caseWorkers, a.caseProtection, nil, showsContent},
		{fiber.MethodPost, "/api/v1/cases/:id/measures", staff, caseWorkers, a.proposeMeasure, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/measures/:mid/in-place", staff, caseWorkers, a.measureInPlace, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/decision", staff, claimers, a.decideCase, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/decision/approve", staff, supervisors, a.approveDecision, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/remedies", staff, caseWorkers, a.proposeRemedies, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/remedies/:rid/status", staff, caseWorkers, a.setRemedyStatus, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/remedies/:rid/reason", staff, caseWorkers, a.remedyReason, nil, works},
		// A second person's approvals (remedies_hold.go): not the requester (checked by the domain).
		{fiber.MethodPost, "/api/v1/cases/:id/remedies/:rid/withdrawal/approve", staff, caseWorkers, a.approveRemedyWithdrawal, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/remedies/:rid/conditions/approve", staff, caseWorkers, a.approveRemedyConditions, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/restitution-exemption", staff, caseWorkers, a.requestRestitutionExemption, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/restitution-exemption/approve", staff, caseWorkers, a.approveRestitutionExemption, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/close", staff, caseWorkers, a.closeCase, nil, works},
		// Escalation to independent bodies (escalation.go): a referral by the
		// case's reviewer or a supervisor; disclosing an identity later takes
		// two supervisors (checked by the domain) and notice to the complainant.
		{fiber.MethodPost, "/api/v1/cases/:id/escalations", staff, caseWorkers, a.escalateCase, nil, works},
		{fiber.MethodGet, "/api/v1/cases/:id/referrals", staff, caseWorkers, a.caseReferrals, nil, reads},
		{fiber.MethodGet, "/api/v1/cases/:id/referrals/:rid/dossier", staff, caseWorkers, a.caseReferralDossier, nil, showsContent},
		{fiber.MethodGet, "/api/v1/cases/:id/referrals/:rid/dossier.pdf", staff, caseWorkers, a.caseReferralDossier, nil, showsContent},
		{fiber.MethodPost, "/api/v1/cases/:id/referrals/:rid/messages", staff, caseWorkers, a.organisationMessage, nil, works},
		// A body's orders and recommendations: compliance recorded by who works
		// the case, verified by a second person (outcomes.go).
		{fiber.MethodPost, "/api/v1/cases/:id/referrals/:rid/items/:item/compliance", staff, caseWorkers, a.recordCompliance, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/referrals/:rid/items/:item/verify", staff, supervisors, a.verifyCompliance, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/referrals/:rid/identity-disclosures", staff, supervisors, a.requestDisclosure, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/referrals/:rid/identity-disclosures/:did/approve", staff, supervisors, a.approveDisclosure, nil, works},
		// The bodies' portal: a body's users see only their body's referrals.
		{fiber.MethodGet, "/api/v1/referrals", staff, bodyUsers, a.listReferrals, nil, nil},
		{fiber.MethodGet, "/api/v1/referrals/:id", staff, bodyUsers, a.getReferral, nil, nil},
		{fiber.MethodGet, "/api/v1/referrals/:id/dossier", staff, bodyUsers, a.referralDossier, nil, nil},
		{fiber.MethodGet, "/api/v1/referrals/:id/dossier.pdf", staff, bodyUsers, a.referralDossier, nil, nil},
		{fiber.MethodPost, "/api/v1/referrals/:id/status", staff, bodyUsers, a.referralStatus, nil, nil},
		{fiber.MethodPost, "/api/v1/referrals/:id/messages", staff, bodyUsers, a.bodyMessage, nil, nil},
		{fiber.MethodPost, "/api/v1/referrals/:id/items/:item/settle", staff, bodyUsers, a.settleItem, nil, nil},
		{fiber.MethodGet, "/api/v1/systemic-referrals", staff, bodyUsers, a.listSystemicReferrals, nil, nil},
		{fiber.MethodGet, "/api/v1/systemic-referrals/:id", staff, bodyUsers, a.getSystemicReferral, nil, nil},
		{fiber.MethodGet, "/api/v1/systemic-issues/:id/remedies", staff, caseWorkers, a.systemicRemedies, nil, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/remedies", staff, supervisors, a.proposeSystemicRemedies, nil, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/remedies/:rid/status", staff, supervisors, a.setSystemicRemedyStatus, nil, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/remedies/:rid/reason", staff, supervisors, a.systemicRemedyReason, nil, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/remedies/:rid/withdrawal/approve", staff, supervisors, a.approveSystemicRemedyWithdrawal, nil, nil},

		{fiber.MethodGet, "/api/v1/stats/public", public, nil, a.publicStats, nil, nil},
		{fiber.MethodGet, "/api/v1/stats/ai-systems/:id", staff, caseWorkers, a.aiSystemStats, nil, nil},
		// The review workspace (workspace.go): reads by any case worker; writes by the
		// case's assignee or a supervisor or admin (checked by the domain).
		{fiber.MethodGet, "/api/v1/cases/:id/ai-decision", staff, caseWorkers, a.getAIDecision, nil, reads},
		{fiber.MethodPut, "/api/v1/cases/:id/ai-decision", staff, caseWorkers, a.putAIDecision, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/points-of-view", staff, caseWorkers, a.postPointOfView, nil, works},
		// Requests for information to the AI system's provider: staff only.
		{fiber.MethodGet, "/api/v1/cases/:id/provider-requests", staff, caseWorkers, a.listProviderRequests, nil, reads},
		{fiber.MethodPost, "/api/v1/cases/:id/provider-requests", staff, caseWorkers, a.postProviderRequest, nil, works},
		{fiber.MethodPost, "/api/v1/cases/:id/provider-requests/:rid/answer", staff, caseWorkers, a.answerProviderRequest, nil, works},
		{fiber.MethodGet, "/api/v1/cases/:id/evidence", staff, caseWorkers, a.listEvidence, nil, showsContent},
		{fiber.MethodPost, "/api/v1/cases/:id/evidence", staff, caseWorkers, a.postEvidence, nil, works},
		{fiber.MethodGet, "/api/v1/cases/:id/evidence/:evidence_id", staff, caseWorkers, a.getEvidence, nil, showsEvidence},
		{fiber.MethodPost, "/api/v1/cases/:id/evidence/:evidence_id/disclosure", staff, caseWorkers, a.discloseEvidence, nil, works},

		{fiber.MethodGet, "/api/v1/queues", staff, caseWorkers, a.listQueues, nil, nil},
		{fiber.MethodGet, "/api/v1/queues/:id/cases", staff, caseWorkers, a.queueCases, nil, nil},
		{fiber.MethodPost, "/api/v1/queues/:id/claim", staff, claimers, a.claimNext, nil, nil},
		{fiber.MethodPut, "/api/v1/me/availability", staff, claimers, a.setAvailability, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/queues/:id/auto-assignment", staff, supervisors, a.setAutoAssignment, nil, nil},

		{fiber.MethodGet, "/api/v1/admin/routing-rules", staff, admins, a.listRoutingRules, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/routing-rules", staff, admins, a.createRoutingRule, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/routing-rules/:id", staff, admins, a.updateRoutingRule, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/routing-rules/order", staff, admins, a.reorderRoutingRules, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/sla/calendars", staff, admins, a.listCalendars, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/sla/calendars", staff, admins, a.saveCalendar, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/sla/calendars/:id", staff, admins, a.saveCalendar, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/sla/policies", staff, admins, a.listPolicies, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/sla/policies", staff, admins, a.savePolicy, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/sla/policies/:id", staff, admins, a.savePolicy, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/dead-letters", staff, admins, a.listDeadLetters, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/access-log", staff, admins, a.adminAccessLog, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/dead-letters/:id/replay", staff, admins, a.replayDeadLetter, nil, nil},
		// Break-glass (breakglass.go): an admin opens a case outside their
		// reach, with a reason, for an hour; read only.
		{fiber.MethodPost, "/api/v1/break-glass", staff, admins, a.breakGlass, nil, nil},

		{fiber.MethodGet, "/api/v1/admin/bodies", staff, admins, a.adminBodies, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/bodies", staff, admins, a.saveBody, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/bodies/:id", staff, admins, a.saveBody, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/bodies/:id/users", staff, admins, a.addBodyUser, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/webhooks", staff, admins, a.listWebhooks, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/webhooks", staff, admins, a.createWebhook, nil, nil},
		{fiber.MethodPost, "/api/v1/admin/webhooks/:id/active", staff, admins, a.setWebhookActive, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/webhooks/:id/deliveries", staff, admins, a.webhookDeliveries, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/queues/:id/members", staff, admins, a.queueMembers, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/queues/:id/members/:user_id", staff, admins, a.putQueueMember, nil, nil},
		{fiber.MethodDelete, "/api/v1/admin/queues/:id/members/:user_id", staff, admins, a.deleteQueueMember, nil, nil},

		{fiber.MethodGet, "/api/v1/systemic-issues", staff, caseWorkers, a.listSystemicIssues, nil, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues", staff, caseWorkers, a.createSystemicIssue, nil, nil},
		{fiber.MethodGet, "/api/v1/systemic-issues/:id", staff, caseWorkers, a.getSystemicIssue, nil, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/cases", staff, caseWorkers, a.linkSystemicCases, nil, nil},
		{fiber.MethodDelete, "/api/v1/systemic-issues/:id/cases/:case_id", staff, caseWorkers, a.unlinkSystemicCase, nil, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/resolve", staff, supervisors, a.resolveSystemicIssue, nil, nil},
		// A systemic issue referred to a body as a whole (escalation/systemic.go).
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/referrals", staff, supervisors, a.referSystemicIssue, nil, nil},
		{fiber.MethodGet, "/api/v1/systemic-alerts", staff, supervisors, a.listSystemicAlerts, nil, nil},
		{fiber.MethodPost, "/api/v1/systemic-alerts/:id/acknowledge", staff, supervisors, a.acknowledgeSystemicAlert, nil, nil},
		{fiber.MethodGet, "/api/v1/admin/ai-systems/:id/alerting", staff, admins, a.getAlerting, nil, nil},
		{fiber.MethodPut, "/api/v1/admin/ai-systems/:id/alerting", staff, admins, a.putAlerting, nil, nil},
	}
}
