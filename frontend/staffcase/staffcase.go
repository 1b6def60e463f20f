// Package staffcase is the staff's case workspace: the case page and its
// tabs (summary, messages, triage, the AI decision, points of view,
// evidence, decision, remedies, escalation, incident, protection, actions,
// timeline, the case record and its access log), each action's form
// (acknowledge, move, ask for information, message, triage, extend a
// clock, decide, propose remedies, release, assign, close, refer, record an
// incident, propose a protective measure, place or release a legal hold,
// refuse a request for erasure…), evidence upload and download
// with its disclosures and redactions, a referral's dossier, and the second
// person's approvals of a case (priority, decision, withdrawal, conditions,
// exemption from restitution, compliance). It owns no table and no event:
// it calls the services that do (internal/grievance, decision, remedy,
// evidence, escalation, incident, review, audit, access); frontend.Mount
// registers its route table behind the same access guard as every staff
// page (internal/access: reads and works).
package staffcase

import (
	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/decision"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/incident"
	"github.com/redresshq/redress/internal/remedy"
	"github.com/redresshq/redress/internal/retention"
	"github.com/redresshq/redress/internal/review"
)

// Pages are the case workspace's pages, on the page kit.
type Pages struct {
	Deps
	*kit.Kit
}

// Deps are the services the case workspace uses (the log is the kit's).
type Deps struct {
	Grievance  *grievance.Service
	Remedy     *remedy.Service     // remedies and their approvals
	Incident   *incident.Service   // serious incidents and their tasks
	Decision   *decision.Service   // triage, deciding and approving
	Evidence   *evidence.Service   // the case's files and their disclosures
	Audit      *audit.Log          // the case record
	Users      *auth.Users         // whom a case may be assigned to
	Review     *review.Service     // release and assign
	Escalation *escalation.Service // referrals, their dossiers and compliance
	// Access decides who may see a case and records each look (need to
	// know): the case's access log.
	Access *access.Service
	// Retention: the case's erasure, legal holds and the complainant's
	// request for erasure (the Retention panel).
	Retention *retention.Service
}

// New gives the case workspace its services and the kit.
func New(d Deps, k *kit.Kit) *Pages { return &Pages{Deps: d, Kit: k} }

// Root is the staff's page type (kit.Config.Roots, the templates under
// staff/), with the template helpers of the workspace's section-scoped forms.
func Root(p *kit.Page) any { return &page{p} }

// page is a staff page: a kit.Page with the workspace's forms' helpers.
type page struct{ *kit.Page }

// Uploads are the workspace's upload routes, for the app's body limits
// (frontend's Web.Uploads).
func (w *Pages) Uploads() []httpkit.Upload {
	return []httpkit.Upload{
		{Method: fiber.MethodPost, Path: "/cases/:id/evidence", Cookie: w.CookieName(kit.CookieStaff)},
	}
}

// Routes are the case workspace's pages and actions. Who may do what
// mirrors api/routes.go; the domain checks who holds a case.
func (w *Pages) Routes() []httpkit.Route {
	get, post := fiber.MethodGet, fiber.MethodPost
	r := func(method, path string, roles []auth.Role, h fiber.Handler, looks ...access.What) httpkit.Route {
		return httpkit.Route{Method: method, Path: path, Access: httpkit.Staff, Roles: roles, Handler: h, Case: httpkit.Use{Looks: looks}}
	}
	// A case page reads the case (showing looks), or works on it: only
	// its holder or a supervisor of its queue may (access.Works).
	reads := func(method, path string, roles []auth.Role, h fiber.Handler, looks ...access.What) httpkit.Route {
		x := r(method, path, roles, h, looks...)
		x.Case.Kind = access.Reads
		return x
	}
	works := func(path string, roles []auth.Role, h fiber.Handler) httpkit.Route {
		x := r(post, path, roles, h)
		x.Case.Kind = access.Works
		return x
	}
	return []httpkit.Route{
		reads(get, "/cases/:id", auth.CaseWorkers, w.casePage, access.Content),
		// Before /cases/:id/:section: the access log is not a look at the case.
		reads(get, "/cases/:id/access", auth.CaseWorkers, w.accessPage),
		reads(get, "/cases/:id/:section", auth.CaseWorkers, w.casePage, access.Content),
		reads(post, "/cases/:id/contact", auth.CaseWorkers, w.showContact, access.Identity),
		reads(get, "/cases/:id/evidence/:eid", auth.CaseWorkers, w.evidenceFile, access.Evidence),
		reads(get, "/cases/:id/referrals/:rid/dossier", auth.CaseWorkers, w.dossierFile, access.Content),
		reads(get, "/cases/:id/referrals/:rid/dossier.pdf", auth.CaseWorkers, w.dossierFile, access.Content),
		works("/cases/:id/acknowledge", auth.CaseWorkers, w.do(secStatus, w.acknowledge)),
		works("/cases/:id/transition", auth.CaseWorkers, w.do(secMove, w.transition)),
		works("/cases/:id/request-information", auth.CaseWorkers, w.do(secInfo, w.requestInformation)),
		works("/cases/:id/messages", auth.CaseWorkers, w.do(secMessages, w.message)),
		works("/cases/:id/triage", auth.CaseWorkers, w.do(secTriage, w.triage)),
		works("/cases/:id/priority/approve", auth.Supervisors, w.do(secPriority, w.approvePriority)),
		works("/cases/:id/clocks/extension", auth.CaseWorkers, w.do(secClocks, w.extension)),
		works("/cases/:id/ai-decision", auth.CaseWorkers, w.do(secAIDecision, w.aiDecision)),
		works("/cases/:id/points-of-view", auth.CaseWorkers, w.do(secPointsOfView, w.pointOfView)),
		works("/cases/:id/provider-requests", auth.CaseWorkers, w.do(secProviderReq, w.providerRequest)),
		works("/cases/:id/provider-requests/:rid/answer", auth.CaseWorkers, w.do(secProviderAns, w.providerAnswer)),
		works("/cases/:id/evidence", auth.CaseWorkers, w.do(secEvidence, w.addEvidence)),
		works("/cases/:id/evidence/:eid/disclosure", auth.CaseWorkers, w.do(secDisclose, w.disclose)),
		works("/cases/:id/decision", auth.Claimers, w.do(secDecision, w.decide)),
		works("/cases/:id/decision/approve", auth.Supervisors, w.do(secApproval, w.approveDecision)),
		works("/cases/:id/remedies", auth.CaseWorkers, w.do(secRemedies, w.proposeRemedies)),
		works("/cases/:id/remedies/:rid/status", auth.CaseWorkers, w.do(secRemedyStatus, w.remedyStatus)),
		works("/cases/:id/remedies/:rid/reason", auth.CaseWorkers, w.do(secWithdraw, w.remedyReason)),
		works("/cases/:id/remedies/:rid/withdrawal/approve", auth.CaseWorkers, w.do(secWithdrawal, w.approveWithdrawal)),
		works("/cases/:id/remedies/:rid/conditions/approve", auth.CaseWorkers, w.do(secConditions, w.approveConditions)),
		works("/cases/:id/restitution-exemption", auth.CaseWorkers, w.do(secExemption, w.requestExemption)),
		works("/cases/:id/restitution-exemption/approve", auth.CaseWorkers, w.do(secExemptionOK, w.approveExemption)),
		works("/cases/:id/release", auth.CaseWorkers, w.do(secHolder, w.release)),
		works("/cases/:id/assign", auth.Supervisors, w.do(secAssign, w.assign)),
		works("/cases/:id/close", auth.CaseWorkers, w.do(secClose, w.closeCase)),
		works("/cases/:id/escalations", auth.CaseWorkers, w.do(secEscalate, w.escalate)),
		works("/cases/:id/referrals/:rid/messages", auth.CaseWorkers, w.do(secReferralMsg, w.referralMessage)),
		works("/cases/:id/referrals/:rid/items/:item/compliance", auth.CaseWorkers, w.do(secCompliance, w.recordCompliance)),
		works("/cases/:id/referrals/:rid/items/:item/verify", auth.Supervisors, w.do(secVerify, w.verifyCompliance)),
		works("/cases/:id/incident", auth.CaseWorkers, w.do(secIncident, w.recordIncident)),
		works("/cases/:id/incident/tasks/:task", auth.CaseWorkers, w.do(secIncidentTask, w.incidentTask)),
		works("/cases/:id/measures", auth.CaseWorkers, w.do(secMeasure, w.proposeMeasure)),
		works("/cases/:id/measures/:mid/in-place", auth.CaseWorkers, w.do(secMeasureDone, w.measureInPlace)),
		works("/cases/:id/legal-holds", auth.Supervisors, w.do(secHold, w.placeHold)),
		works("/cases/:id/legal-holds/:hid/release", auth.Supervisors, w.do(secUnhold, w.releaseHold)),
		works("/cases/:id/erasure/refuse", auth.Supervisors, w.do(secRefusal, w.refuseErasure)),
	}
}
