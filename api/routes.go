package api

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/httpkit"
)

// caseScoped reports whether path names one case (/api/v1/cases/:id…): its
// staff are admitted only on a ground internal/access gives them, else 404.
func caseScoped(path string) bool { return httpkit.CaseScoped("/api/v1/cases/:id", path) }

// What a case route does (httpkit.Use).
var (
	reads         = httpkit.Reads
	showsContent  = httpkit.ShowsContent
	showsIdentity = httpkit.ShowsIdentity
	showsEvidence = httpkit.ShowsEvidence
	works         = httpkit.Works
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
func (a *API) routes() []httpkit.Route {
	return []httpkit.Route{
		{Method: fiber.MethodGet, Path: "/api/v1/ai-systems", Access: httpkit.Public, Handler: a.listAISystems},
		{Method: fiber.MethodGet, Path: "/api/v1/bodies", Access: httpkit.Public, Handler: a.listBodies},
		{Method: fiber.MethodGet, Path: "/.well-known/redress-signing-key", Access: httpkit.Public, Handler: a.signingKeys},
		{Method: fiber.MethodPost, Path: "/api/v1/cases", Access: httpkit.Public, Handler: a.createCase},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/session", Access: httpkit.Public, Handler: a.openComplainantSession},
		{Method: fiber.MethodGet, Path: "/api/v1/complainant/case", Access: httpkit.Complainant, Handler: a.complainantCase},
		{Method: fiber.MethodGet, Path: "/api/v1/complainant/case/export", Access: httpkit.Complainant, Handler: a.exportComplainantCase},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/messages", Access: httpkit.Complainant, Handler: a.complainantMessage},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/remedies/:rid/response", Access: httpkit.Complainant, Handler: a.respondToRemedy},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/appeal", Access: httpkit.Complainant, Handler: a.appealCase},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/feedback", Access: httpkit.Complainant, Handler: a.giveFeedback},
		{Method: fiber.MethodGet, Path: "/api/v1/complainant/case/evidence", Access: httpkit.Complainant, Handler: a.complainantEvidenceList},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/escalations", Access: httpkit.Complainant, Handler: a.complainantEscalation},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/referrals/:rid/messages", Access: httpkit.Complainant, Handler: a.complainantReferralMessage},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/evidence", Access: httpkit.Complainant, Handler: a.complainantEvidence},
		// Protection (protection.go): measures proposed for consent, check-ins after closure.
		// Erasure at the complainant's request (retention.go).
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/erasure", Access: httpkit.Complainant, Handler: a.requestErasure},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/erasure/cancel", Access: httpkit.Complainant, Handler: a.cancelErasure},
		{Method: fiber.MethodGet, Path: "/api/v1/complainant/case/protection", Access: httpkit.Complainant, Handler: a.complainantProtection},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/measures/:mid/consent", Access: httpkit.Complainant, Handler: a.answerMeasure},
		{Method: fiber.MethodPost, Path: "/api/v1/complainant/case/checkins/:cid", Access: httpkit.Complainant, Handler: a.answerCheckin},

		{Method: fiber.MethodPost, Path: "/api/v1/auth/token", Access: httpkit.Public, Handler: a.issueToken, Throttle: a.signInThrottle},
		{Method: fiber.MethodGet, Path: "/api/v1/me", Access: httpkit.Staff, Roles: anyStaff, Handler: a.me},
		// Strong sign-in (signin.go, docs/sign-in.md): sessions and the second factor.
		{Method: fiber.MethodPost, Path: "/api/v1/auth/sign-out", Access: httpkit.Enrolling, Roles: anyStaff, Handler: a.signOut},
		{Method: fiber.MethodGet, Path: "/api/v1/me/sessions", Access: httpkit.Staff, Roles: anyStaff, Handler: a.mySessions},
		{Method: fiber.MethodPost, Path: "/api/v1/me/sessions/revoke", Access: httpkit.Enrolling, Roles: anyStaff, Handler: a.revokeMySessions},
		{Method: fiber.MethodPost, Path: "/api/v1/me/two-factor", Access: httpkit.Enrolling, Roles: anyStaff, Handler: a.startTwoFactor},
		{Method: fiber.MethodPost, Path: "/api/v1/me/two-factor/confirm", Access: httpkit.Enrolling, Roles: anyStaff, Handler: a.confirmTwoFactor},
		{Method: fiber.MethodGet, Path: "/api/v1/organisation", Access: httpkit.Public, Handler: a.organisationProfile},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/organisation", Access: httpkit.Staff, Roles: admins, Handler: a.adminOrganisation},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/organisation", Access: httpkit.Staff, Roles: admins, Handler: a.putOrganisation},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/sign-in-policy", Access: httpkit.Staff, Roles: admins, Handler: a.signInPolicy},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/sign-in-policy", Access: httpkit.Staff, Roles: admins, Handler: a.putSignInPolicy},

		{Method: fiber.MethodGet, Path: "/api/v1/cases", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.listCases},
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.getCase, Case: showsContent},
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/identity", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.caseIdentity, Case: showsIdentity},
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/audit", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.caseAudit, Case: reads},
		// Who opened the case: supervisors and admins whose ground may work it (access_log.go).
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/access", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.caseAccessLog, Case: reads},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/messages", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.staffMessage, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/acknowledge", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.acknowledgeCase, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/transitions", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.transitionCase, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/triage", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.triageCase, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/priority/approve", Access: httpkit.Staff, Roles: supervisors, Handler: a.approvePriority, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/release", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.releaseCase, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/assign", Access: httpkit.Staff, Roles: supervisors, Handler: a.assignCase, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/clocks/:clock/extension", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.noticeExtension, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/incident", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.recordIncident, Case: works},
		// The holder, or a supervisor or admin (checked by the domain: incidents.go).
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/incident/tasks/:task", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.completeIncidentTask, Case: works},
		// Interim and protective measures (protection.go): the holder, or a supervisor or admin.
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/protection", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.caseProtection, Case: showsContent},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/measures", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.proposeMeasure, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/measures/:mid/in-place", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.measureInPlace, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/decision", Access: httpkit.Staff, Roles: claimers, Handler: a.decideCase, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/decision/approve", Access: httpkit.Staff, Roles: supervisors, Handler: a.approveDecision, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/remedies", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.proposeRemedies, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/remedies/:rid/status", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.setRemedyStatus, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/remedies/:rid/reason", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.remedyReason, Case: works},
		// A second person's approvals (remedies_hold.go): not the requester (checked by the domain).
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/remedies/:rid/withdrawal/approve", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.approveRemedyWithdrawal, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/remedies/:rid/conditions/approve", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.approveRemedyConditions, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/restitution-exemption", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.requestRestitutionExemption, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/restitution-exemption/approve", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.approveRestitutionExemption, Case: works},
		// Retention (retention.go): legal holds and refusals of erasure are a
		// supervisor's or admin's of the case's queue (checked by the domain).
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/retention", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.caseRetention, Case: reads},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/legal-holds", Access: httpkit.Staff, Roles: supervisors, Handler: a.placeHold, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/legal-holds/:hid/release", Access: httpkit.Staff, Roles: supervisors, Handler: a.releaseHold, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/erasure/refuse", Access: httpkit.Staff, Roles: supervisors, Handler: a.refuseErasure, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/close", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.closeCase, Case: works},
		// Escalation to independent bodies (escalation.go): a referral by the
		// case's reviewer or a supervisor; disclosing an identity later takes
		// two supervisors (checked by the domain) and notice to the complainant.
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/escalations", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.escalateCase, Case: works},
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/referrals", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.caseReferrals, Case: reads},
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/referrals/:rid/dossier", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.caseReferralDossier, Case: showsContent},
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/referrals/:rid/dossier.pdf", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.caseReferralDossier, Case: showsContent},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/referrals/:rid/messages", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.organisationMessage, Case: works},
		// A body's orders and recommendations: compliance recorded by who works
		// the case, verified by a second person (outcomes.go).
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/referrals/:rid/items/:item/compliance", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.recordCompliance, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/referrals/:rid/items/:item/verify", Access: httpkit.Staff, Roles: supervisors, Handler: a.verifyCompliance, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/referrals/:rid/identity-disclosures", Access: httpkit.Staff, Roles: supervisors, Handler: a.requestDisclosure, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/referrals/:rid/identity-disclosures/:did/approve", Access: httpkit.Staff, Roles: supervisors, Handler: a.approveDisclosure, Case: works},
		// The bodies' portal: a body's users see only their body's referrals.
		{Method: fiber.MethodGet, Path: "/api/v1/referrals", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.listReferrals},
		{Method: fiber.MethodGet, Path: "/api/v1/referrals/:id", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.getReferral},
		{Method: fiber.MethodGet, Path: "/api/v1/referrals/:id/dossier", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.referralDossier},
		{Method: fiber.MethodGet, Path: "/api/v1/referrals/:id/dossier.pdf", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.referralDossier},
		{Method: fiber.MethodPost, Path: "/api/v1/referrals/:id/status", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.referralStatus},
		{Method: fiber.MethodPost, Path: "/api/v1/referrals/:id/messages", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.bodyMessage},
		{Method: fiber.MethodPost, Path: "/api/v1/referrals/:id/items/:item/settle", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.settleItem},
		{Method: fiber.MethodGet, Path: "/api/v1/systemic-referrals", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.listSystemicReferrals},
		{Method: fiber.MethodGet, Path: "/api/v1/systemic-referrals/:id", Access: httpkit.Staff, Roles: bodyUsers, Handler: a.getSystemicReferral},
		{Method: fiber.MethodGet, Path: "/api/v1/systemic-issues/:id/remedies", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.systemicRemedies},
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-issues/:id/remedies", Access: httpkit.Staff, Roles: supervisors, Handler: a.proposeSystemicRemedies},
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-issues/:id/remedies/:rid/status", Access: httpkit.Staff, Roles: supervisors, Handler: a.setSystemicRemedyStatus},
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-issues/:id/remedies/:rid/reason", Access: httpkit.Staff, Roles: supervisors, Handler: a.systemicRemedyReason},
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-issues/:id/remedies/:rid/withdrawal/approve", Access: httpkit.Staff, Roles: supervisors, Handler: a.approveSystemicRemedyWithdrawal},

		{Method: fiber.MethodGet, Path: "/api/v1/stats/public", Access: httpkit.Public, Handler: a.publicStats},
		{Method: fiber.MethodGet, Path: "/api/v1/stats/ai-systems/:id", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.aiSystemStats},
		// The review workspace (workspace.go): reads by any case worker; writes by the
		// case's assignee or a supervisor or admin (checked by the domain).
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/ai-decision", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.getAIDecision, Case: reads},
		{Method: fiber.MethodPut, Path: "/api/v1/cases/:id/ai-decision", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.putAIDecision, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/points-of-view", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.postPointOfView, Case: works},
		// Requests for information to the AI system's provider: staff only.
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/provider-requests", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.listProviderRequests, Case: reads},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/provider-requests", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.postProviderRequest, Case: works},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/provider-requests/:rid/answer", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.answerProviderRequest, Case: works},
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/evidence", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.listEvidence, Case: showsContent},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/evidence", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.postEvidence, Case: works},
		{Method: fiber.MethodGet, Path: "/api/v1/cases/:id/evidence/:evidence_id", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.getEvidence, Case: showsEvidence},
		{Method: fiber.MethodPost, Path: "/api/v1/cases/:id/evidence/:evidence_id/disclosure", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.discloseEvidence, Case: works},

		{Method: fiber.MethodGet, Path: "/api/v1/queues", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.listQueues},
		{Method: fiber.MethodGet, Path: "/api/v1/queues/:id/cases", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.queueCases},
		{Method: fiber.MethodPost, Path: "/api/v1/queues/:id/claim", Access: httpkit.Staff, Roles: claimers, Handler: a.claimNext},
		{Method: fiber.MethodPut, Path: "/api/v1/me/availability", Access: httpkit.Staff, Roles: claimers, Handler: a.setAvailability},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/queues/:id/auto-assignment", Access: httpkit.Staff, Roles: supervisors, Handler: a.setAutoAssignment},

		{Method: fiber.MethodGet, Path: "/api/v1/admin/routing-rules", Access: httpkit.Staff, Roles: admins, Handler: a.listRoutingRules},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/routing-rules", Access: httpkit.Staff, Roles: admins, Handler: a.createRoutingRule},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/routing-rules/:id", Access: httpkit.Staff, Roles: admins, Handler: a.updateRoutingRule},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/routing-rules/order", Access: httpkit.Staff, Roles: admins, Handler: a.reorderRoutingRules},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/sla/calendars", Access: httpkit.Staff, Roles: admins, Handler: a.listCalendars},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/sla/calendars", Access: httpkit.Staff, Roles: admins, Handler: a.saveCalendar},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/sla/calendars/:id", Access: httpkit.Staff, Roles: admins, Handler: a.saveCalendar},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/sla/policies", Access: httpkit.Staff, Roles: admins, Handler: a.listPolicies},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/sla/policies", Access: httpkit.Staff, Roles: admins, Handler: a.savePolicy},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/sla/policies/:id", Access: httpkit.Staff, Roles: admins, Handler: a.savePolicy},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/retention/schedules", Access: httpkit.Staff, Roles: admins, Handler: a.retentionSchedules},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/retention/schedules", Access: httpkit.Staff, Roles: admins, Handler: a.putRetentionSchedule},
		{Method: fiber.MethodDelete, Path: "/api/v1/admin/retention/schedules/:id", Access: httpkit.Staff, Roles: admins, Handler: a.deleteRetentionSchedule},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/retention/runs", Access: httpkit.Staff, Roles: admins, Handler: a.retentionRuns},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/retention/runs", Access: httpkit.Staff, Roles: admins, Handler: a.runRetention},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/dead-letters", Access: httpkit.Staff, Roles: admins, Handler: a.listDeadLetters},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/access-log", Access: httpkit.Staff, Roles: admins, Handler: a.adminAccessLog},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/dead-letters/:id/replay", Access: httpkit.Staff, Roles: admins, Handler: a.replayDeadLetter},
		// Break-glass (breakglass.go): an admin opens a case outside their
		// reach, with a reason, for an hour; read only.
		{Method: fiber.MethodPost, Path: "/api/v1/break-glass", Access: httpkit.Staff, Roles: admins, Handler: a.breakGlass},

		{Method: fiber.MethodGet, Path: "/api/v1/admin/bodies", Access: httpkit.Staff, Roles: admins, Handler: a.adminBodies},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/bodies", Access: httpkit.Staff, Roles: admins, Handler: a.saveBody},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/bodies/:id", Access: httpkit.Staff, Roles: admins, Handler: a.saveBody},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/bodies/:id/users", Access: httpkit.Staff, Roles: admins, Handler: a.addBodyUser},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/webhooks", Access: httpkit.Staff, Roles: admins, Handler: a.listWebhooks},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/webhooks", Access: httpkit.Staff, Roles: admins, Handler: a.createWebhook},
		{Method: fiber.MethodPost, Path: "/api/v1/admin/webhooks/:id/active", Access: httpkit.Staff, Roles: admins, Handler: a.setWebhookActive},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/webhooks/:id/deliveries", Access: httpkit.Staff, Roles: admins, Handler: a.webhookDeliveries},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/queues/:id/members", Access: httpkit.Staff, Roles: admins, Handler: a.queueMembers},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/queues/:id/members/:user_id", Access: httpkit.Staff, Roles: admins, Handler: a.putQueueMember},
		{Method: fiber.MethodDelete, Path: "/api/v1/admin/queues/:id/members/:user_id", Access: httpkit.Staff, Roles: admins, Handler: a.deleteQueueMember},

		{Method: fiber.MethodGet, Path: "/api/v1/systemic-issues", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.listSystemicIssues},
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-issues", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.createSystemicIssue},
		{Method: fiber.MethodGet, Path: "/api/v1/systemic-issues/:id", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.getSystemicIssue},
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-issues/:id/cases", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.linkSystemicCases},
		{Method: fiber.MethodDelete, Path: "/api/v1/systemic-issues/:id/cases/:case_id", Access: httpkit.Staff, Roles: caseWorkers, Handler: a.unlinkSystemicCase},
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-issues/:id/resolve", Access: httpkit.Staff, Roles: supervisors, Handler: a.resolveSystemicIssue},
		// A systemic issue referred to a body as a whole (escalation/systemic.go).
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-issues/:id/referrals", Access: httpkit.Staff, Roles: supervisors, Handler: a.referSystemicIssue},
		{Method: fiber.MethodGet, Path: "/api/v1/systemic-alerts", Access: httpkit.Staff, Roles: supervisors, Handler: a.listSystemicAlerts},
		{Method: fiber.MethodPost, Path: "/api/v1/systemic-alerts/:id/acknowledge", Access: httpkit.Staff, Roles: supervisors, Handler: a.acknowledgeSystemicAlert},
		{Method: fiber.MethodGet, Path: "/api/v1/admin/ai-systems/:id/alerting", Access: httpkit.Staff, Roles: admins, Handler: a.getAlerting},
		{Method: fiber.MethodPut, Path: "/api/v1/admin/ai-systems/:id/alerting", Access: httpkit.Staff, Roles: admins, Handler: a.putAlerting},
	}
}
