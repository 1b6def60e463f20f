package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/auth"
)

// access says who may call a route.
type access int

const (
	public      access = iota // anyone, no token
	complainant               // a complainant token, bound to one case
	staff                     // a staff or body token whose role is in roles
	// enrolling is staff that also admits a user whose role requires a
	// second factor not yet on: the routes that turn it on, and sign-out.
	enrolling
)

type route struct {
	method, path string
	access       access
	roles        []string
	handler      fiber.Handler
	throttle     fiber.Handler // optional, runs before the handler
}

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
		{fiber.MethodGet, "/api/v1/ai-systems", public, nil, a.listAISystems, nil},
		{fiber.MethodGet, "/api/v1/bodies", public, nil, a.listBodies, nil},
		{fiber.MethodGet, "/.well-known/redress-signing-key", public, nil, a.signingKeys, nil},
		{fiber.MethodPost, "/api/v1/cases", public, nil, a.createCase, nil},
		{fiber.MethodPost, "/api/v1/complainant/session", public, nil, a.openComplainantSession, nil},
		{fiber.MethodGet, "/api/v1/complainant/case", complainant, nil, a.complainantCase, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/messages", complainant, nil, a.complainantMessage, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/remedies/:rid/response", complainant, nil, a.respondToRemedy, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/appeal", complainant, nil, a.appealCase, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/feedback", complainant, nil, a.giveFeedback, nil},
		{fiber.MethodGet, "/api/v1/complainant/case/evidence", complainant, nil, a.complainantEvidenceList, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/escalations", complainant, nil, a.complainantEscalation, nil},
		{fiber.MethodPost, "/api/v1/complainant/case/evidence", complainant, nil, a.complainantEvidence, nil},

		{fiber.MethodPost, "/api/v1/auth/token", public, nil, a.issueToken, a.signInThrottle},
		{fiber.MethodGet, "/api/v1/me", staff, anyStaff, a.me, nil},
		// Strong sign-in (signin.go, docs/sign-in.md): sessions and the second factor.
		{fiber.MethodPost, "/api/v1/auth/sign-out", enrolling, anyStaff, a.signOut, nil},
		{fiber.MethodGet, "/api/v1/me/sessions", staff, anyStaff, a.mySessions, nil},
		{fiber.MethodPost, "/api/v1/me/sessions/revoke", enrolling, anyStaff, a.revokeMySessions, nil},
		{fiber.MethodPost, "/api/v1/me/two-factor", enrolling, anyStaff, a.startTwoFactor, nil},
		{fiber.MethodPost, "/api/v1/me/two-factor/confirm", enrolling, anyStaff, a.confirmTwoFactor, nil},
		{fiber.MethodGet, "/api/v1/admin/sign-in-policy", staff, admins, a.signInPolicy, nil},
		{fiber.MethodPut, "/api/v1/admin/sign-in-policy", staff, admins, a.putSignInPolicy, nil},

		{fiber.MethodGet, "/api/v1/cases", staff, caseWorkers, a.listCases, nil},
		{fiber.MethodGet, "/api/v1/cases/:id", staff, caseWorkers, a.getCase, nil},
		{fiber.MethodGet, "/api/v1/cases/:id/audit", staff, caseWorkers, a.caseAudit, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/messages", staff, caseWorkers, a.staffMessage, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/acknowledge", staff, caseWorkers, a.acknowledgeCase, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/transitions", staff, caseWorkers, a.transitionCase, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/triage", staff, caseWorkers, a.triageCase, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/priority/approve", staff, supervisors, a.approvePriority, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/release", staff, caseWorkers, a.releaseCase, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/assign", staff, supervisors, a.assignCase, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/clocks/:clock/extension", staff, caseWorkers, a.noticeExtension, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/incident", staff, caseWorkers, a.recordIncident, nil},
		// The holder, or a supervisor or admin (checked by the domain: incidents.go).
		{fiber.MethodPost, "/api/v1/cases/:id/incident/tasks/:task", staff, caseWorkers, a.completeIncidentTask, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/decision", staff, claimers, a.decideCase, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/decision/approve", staff, supervisors, a.approveDecision, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/remedies", staff, caseWorkers, a.proposeRemedies, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/remedies/:rid/status", staff, caseWorkers, a.setRemedyStatus, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/remedies/:rid/reason", staff, caseWorkers, a.remedyReason, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/close", staff, caseWorkers, a.closeCase, nil},
		// Escalation to independent bodies (escalation.go): a referral by the
		// case's reviewer or a supervisor; disclosing an identity later takes
		// two supervisors (checked by the domain) and notice to the complainant.
		{fiber.MethodPost, "/api/v1/cases/:id/escalations", staff, caseWorkers, a.escalateCase, nil},
		{fiber.MethodGet, "/api/v1/cases/:id/referrals", staff, caseWorkers, a.caseReferrals, nil},
		{fiber.MethodGet, "/api/v1/cases/:id/referrals/:rid/dossier", staff, caseWorkers, a.caseReferralDossier, nil},
		{fiber.MethodGet, "/api/v1/cases/:id/referrals/:rid/dossier.pdf", staff, caseWorkers, a.caseReferralDossier, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/referrals/:rid/messages", staff, caseWorkers, a.organisationMessage, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/referrals/:rid/identity-disclosures", staff, supervisors, a.requestDisclosure, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/referrals/:rid/identity-disclosures/:did/approve", staff, supervisors, a.approveDisclosure, nil},
		// The bodies' portal: a body's users see only their body's referrals.
		{fiber.MethodGet, "/api/v1/referrals", staff, bodyUsers, a.listReferrals, nil},
		{fiber.MethodGet, "/api/v1/referrals/:id", staff, bodyUsers, a.getReferral, nil},
		{fiber.MethodGet, "/api/v1/referrals/:id/dossier", staff, bodyUsers, a.referralDossier, nil},
		{fiber.MethodGet, "/api/v1/referrals/:id/dossier.pdf", staff, bodyUsers, a.referralDossier, nil},
		{fiber.MethodPost, "/api/v1/referrals/:id/status", staff, bodyUsers, a.referralStatus, nil},
		{fiber.MethodPost, "/api/v1/referrals/:id/messages", staff, bodyUsers, a.bodyMessage, nil},
		{fiber.MethodGet, "/api/v1/systemic-issues/:id/remedies", staff, caseWorkers, a.systemicRemedies, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/remedies", staff, supervisors, a.proposeSystemicRemedies, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/remedies/:rid/status", staff, supervisors, a.setSystemicRemedyStatus, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/remedies/:rid/reason", staff, supervisors, a.systemicRemedyReason, nil},

		{fiber.MethodGet, "/api/v1/stats/public", public, nil, a.publicStats, nil},
		{fiber.MethodGet, "/api/v1/stats/ai-systems/:id", staff, caseWorkers, a.aiSystemStats, nil},
		// The review workspace (workspace.go): reads by any case worker; writes by the
		// case's assignee or a supervisor or admin (checked by the domain).
		{fiber.MethodGet, "/api/v1/cases/:id/ai-decision", staff, caseWorkers, a.getAIDecision, nil},
		{fiber.MethodPut, "/api/v1/cases/:id/ai-decision", staff, caseWorkers, a.putAIDecision, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/points-of-view", staff, caseWorkers, a.postPointOfView, nil},
		{fiber.MethodGet, "/api/v1/cases/:id/evidence", staff, caseWorkers, a.listEvidence, nil},
		{fiber.MethodPost, "/api/v1/cases/:id/evidence", staff, caseWorkers, a.postEvidence, nil},
		{fiber.MethodGet, "/api/v1/cases/:id/evidence/:evidence_id", staff, caseWorkers, a.getEvidence, nil},

		{fiber.MethodGet, "/api/v1/queues", staff, caseWorkers, a.listQueues, nil},
		{fiber.MethodGet, "/api/v1/queues/:id/cases", staff, caseWorkers, a.queueCases, nil},
		{fiber.MethodPost, "/api/v1/queues/:id/claim", staff, claimers, a.claimNext, nil},
		{fiber.MethodPut, "/api/v1/me/availability", staff, claimers, a.setAvailability, nil},
		{fiber.MethodPut, "/api/v1/admin/queues/:id/auto-assignment", staff, supervisors, a.setAutoAssignment, nil},

		{fiber.MethodGet, "/api/v1/admin/routing-rules", staff, admins, a.listRoutingRules, nil},
		{fiber.MethodPost, "/api/v1/admin/routing-rules", staff, admins, a.createRoutingRule, nil},
		{fiber.MethodPut, "/api/v1/admin/routing-rules/:id", staff, admins, a.updateRoutingRule, nil},
		{fiber.MethodPost, "/api/v1/admin/routing-rules/order", staff, admins, a.reorderRoutingRules, nil},
		{fiber.MethodGet, "/api/v1/admin/sla/calendars", staff, admins, a.listCalendars, nil},
		{fiber.MethodPost, "/api/v1/admin/sla/calendars", staff, admins, a.saveCalendar, nil},
		{fiber.MethodPut, "/api/v1/admin/sla/calendars/:id", staff, admins, a.saveCalendar, nil},
		{fiber.MethodGet, "/api/v1/admin/sla/policies", staff, admins, a.listPolicies, nil},
		{fiber.MethodPost, "/api/v1/admin/sla/policies", staff, admins, a.savePolicy, nil},
		{fiber.MethodPut, "/api/v1/admin/sla/policies/:id", staff, admins, a.savePolicy, nil},
		{fiber.MethodGet, "/api/v1/admin/dead-letters", staff, admins, a.listDeadLetters, nil},
		{fiber.MethodPost, "/api/v1/admin/dead-letters/:id/replay", staff, admins, a.replayDeadLetter, nil},

		{fiber.MethodGet, "/api/v1/admin/bodies", staff, admins, a.adminBodies, nil},
		{fiber.MethodPost, "/api/v1/admin/bodies", staff, admins, a.saveBody, nil},
		{fiber.MethodPut, "/api/v1/admin/bodies/:id", staff, admins, a.saveBody, nil},
		{fiber.MethodPost, "/api/v1/admin/bodies/:id/users", staff, admins, a.addBodyUser, nil},
		{fiber.MethodGet, "/api/v1/admin/webhooks", staff, admins, a.listWebhooks, nil},
		{fiber.MethodPost, "/api/v1/admin/webhooks", staff, admins, a.createWebhook, nil},
		{fiber.MethodPost, "/api/v1/admin/webhooks/:id/active", staff, admins, a.setWebhookActive, nil},
		{fiber.MethodGet, "/api/v1/admin/webhooks/:id/deliveries", staff, admins, a.webhookDeliveries, nil},
		{fiber.MethodGet, "/api/v1/admin/queues/:id/members", staff, admins, a.queueMembers, nil},
		{fiber.MethodPut, "/api/v1/admin/queues/:id/members/:user_id", staff, admins, a.putQueueMember, nil},
		{fiber.MethodDelete, "/api/v1/admin/queues/:id/members/:user_id", staff, admins, a.deleteQueueMember, nil},

		{fiber.MethodGet, "/api/v1/systemic-issues", staff, caseWorkers, a.listSystemicIssues, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues", staff, caseWorkers, a.createSystemicIssue, nil},
		{fiber.MethodGet, "/api/v1/systemic-issues/:id", staff, caseWorkers, a.getSystemicIssue, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/cases", staff, caseWorkers, a.linkSystemicCases, nil},
		{fiber.MethodDelete, "/api/v1/systemic-issues/:id/cases/:case_id", staff, caseWorkers, a.unlinkSystemicCase, nil},
		{fiber.MethodPost, "/api/v1/systemic-issues/:id/resolve", staff, supervisors, a.resolveSystemicIssue, nil},
		{fiber.MethodGet, "/api/v1/systemic-alerts", staff, supervisors, a.listSystemicAlerts, nil},
		{fiber.MethodPost, "/api/v1/systemic-alerts/:id/acknowledge", staff, supervisors, a.acknowledgeSystemicAlert, nil},
		{fiber.MethodGet, "/api/v1/admin/ai-systems/:id/alerting", staff, admins, a.getAlerting, nil},
		{fiber.MethodPut, "/api/v1/admin/ai-systems/:id/alerting", staff, admins, a.putAlerting, nil},
	}
}
