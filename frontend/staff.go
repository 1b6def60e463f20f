package frontend

import (
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/review"
)

// staffRoutes are the reviewers' pages: the queue and the case workspace.
// Who may do what mirrors api/routes.go; the domain checks who holds a case.
func (w *Web) staffRoutes() []httpkit.Route {
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
		r(get, "/queue", caseWorkers, w.queuePage),
		r(post, "/queue/availability", claimers, w.queueAvailability),
		r(post, "/queue/:id/claim", claimers, w.claimNext),

		reads(get, "/cases/:id", caseWorkers, w.cwPage, access.Content),
		// Before /cases/:id/:section: the access log is not a look at the case.
		reads(get, "/cases/:id/access", caseWorkers, w.cwAccessPage),
		reads(get, "/cases/:id/:section", caseWorkers, w.cwPage, access.Content),
		reads(post, "/cases/:id/contact", caseWorkers, w.cwShowContact, access.Identity),
		reads(get, "/cases/:id/evidence/:eid", caseWorkers, w.cwEvidenceFile, access.Evidence),
		reads(get, "/cases/:id/referrals/:rid/dossier", caseWorkers, w.cwDossierFile, access.Content),
		reads(get, "/cases/:id/referrals/:rid/dossier.pdf", caseWorkers, w.cwDossierFile, access.Content),
		works("/cases/:id/acknowledge", caseWorkers, w.cwDo(cwSecStatus, w.cwAcknowledge)),
		works("/cases/:id/transition", caseWorkers, w.cwDo(cwSecMove, w.cwTransition)),
		works("/cases/:id/request-information", caseWorkers, w.cwDo(cwSecInfo, w.cwRequestInformation)),
		works("/cases/:id/messages", caseWorkers, w.cwDo(cwSecMessages, w.cwMessage)),
		works("/cases/:id/triage", caseWorkers, w.cwDo(cwSecTriage, w.cwTriage)),
		works("/cases/:id/priority/approve", supervisors, w.cwDo(cwSecPriority, w.cwApprovePriority)),
		works("/cases/:id/clocks/extension", caseWorkers, w.cwDo(cwSecClocks, w.cwExtension)),
		works("/cases/:id/ai-decision", caseWorkers, w.cwDo(cwSecAIDecision, w.cwAIDecision)),
		works("/cases/:id/points-of-view", caseWorkers, w.cwDo(cwSecPointsOfView, w.cwPointOfView)),
		works("/cases/:id/provider-requests", caseWorkers, w.cwDo(cwSecProviderReq, w.cwProviderRequest)),
		works("/cases/:id/provider-requests/:rid/answer", caseWorkers, w.cwDo(cwSecProviderAns, w.cwProviderAnswer)),
		works("/cases/:id/evidence", caseWorkers, w.cwDo(cwSecEvidence, w.cwEvidence)),
		works("/cases/:id/evidence/:eid/disclosure", caseWorkers, w.cwDo(cwSecDisclose, w.cwDisclose)),
		works("/cases/:id/decision", claimers, w.cwDo(cwSecDecision, w.cwDecide)),
		works("/cases/:id/decision/approve", supervisors, w.cwDo(cwSecApproval, w.cwApproveDecision)),
		works("/cases/:id/remedies", caseWorkers, w.cwDo(cwSecRemedies, w.cwProposeRemedies)),
		works("/cases/:id/remedies/:rid/status", caseWorkers, w.cwDo(cwSecRemedyStatus, w.cwRemedyStatus)),
		works("/cases/:id/remedies/:rid/reason", caseWorkers, w.cwDo(cwSecWithdraw, w.cwRemedyReason)),
		works("/cases/:id/remedies/:rid/withdrawal/approve", caseWorkers, w.cwDo(cwSecWithdrawal, w.cwApproveWithdrawal)),
		works("/cases/:id/remedies/:rid/conditions/approve", caseWorkers, w.cwDo(cwSecConditions, w.cwApproveConditions)),
		works("/cases/:id/restitution-exemption", caseWorkers, w.cwDo(cwSecExemption, w.cwRequestExemption)),
		works("/cases/:id/restitution-exemption/approve", caseWorkers, w.cwDo(cwSecExemptionOK, w.cwApproveExemption)),
		works("/cases/:id/release", caseWorkers, w.cwDo(cwSecHolder, w.cwRelease)),
		works("/cases/:id/assign", supervisors, w.cwDo(cwSecAssign, w.cwAssign)),
		works("/cases/:id/close", caseWorkers, w.cwDo(cwSecClose, w.cwClose)),
		works("/cases/:id/escalations", caseWorkers, w.cwDo(cwSecEscalate, w.cwEscalate)),
		works("/cases/:id/referrals/:rid/messages", caseWorkers, w.cwDo(cwSecReferralMsg, w.cwReferralMessage)),
		works("/cases/:id/referrals/:rid/items/:item/compliance", caseWorkers, w.cwDo(cwSecCompliance, w.cwRecordCompliance)),
		works("/cases/:id/referrals/:rid/items/:item/verify", supervisors, w.cwDo(cwSecVerify, w.cwVerifyCompliance)),
		works("/cases/:id/incident", caseWorkers, w.cwDo(cwSecIncident, w.cwRecordIncident)),
		works("/cases/:id/incident/tasks/:task", caseWorkers, w.cwDo(cwSecIncidentTask, w.cwIncidentTask)),
		works("/cases/:id/measures", caseWorkers, w.cwDo(cwSecMeasure, w.cwProposeMeasure)),
		works("/cases/:id/measures/:mid/in-place", caseWorkers, w.cwDo(cwSecMeasureDone, w.cwMeasureInPlace)),
	}
}

// queuePageData is the queue page.
type queuePageData struct {
	Queues       []review.Queue
	Mine         []grievance.Summary
	Cases        []grievance.Summary
	NextHref     string
	Filtered     bool
	AISystems    []registry.AISystem
	QueueNames   map[uuid.UUID]string
	Statuses     []string
	Priorities   []string
	CanClaim     bool
	Availability string
	// NoSuchReference is a searched reference that matches no case the
	// user may see ("" when none was searched).
	NoSuchReference string
}

// QueueName is a queue's name, or "".
func (d *queuePageData) QueueName(id *uuid.UUID) string {
	if id == nil {
		return ""
	}
	return d.QueueNames[*id]
}

var queueOpenStatuses = cases.Strings([]cases.Status{cases.StatusSubmitted, cases.StatusAcknowledged, cases.StatusInReview,
	cases.StatusAwaitingComplainant, cases.StatusPendingApproval, cases.StatusAppealed})

// queueFilter reads the case list's filters, as GET /api/v1/cases does.
func queueFilter(q url.Values) (grievance.Filter, error) {
	var f fault.Fields
	filter := grievance.Filter{Priority: q.Get("priority"), Cursor: q.Get("cursor"), Limit: 25}
	for _, s := range q["status"] {
		switch s = strings.TrimSpace(s); s {
		case "":
		case kit.QueueOpen:
			filter.Statuses = append(filter.Statuses, queueOpenStatuses...)
		default:
			filter.Statuses = append(filter.Statuses, s)
		}
	}
	parseID := func(name string) *uuid.UUID {
		v := q.Get(name)
		if v == "" {
			return nil
		}
		id, err := uuid.Parse(v)
		if err != nil {
			f.Add(name, "invalid", "must be one of the choices")
			return nil
		}
		return &id
	}
	filter.QueueID = parseID("queue_id")
	filter.AISystemID = parseID("ai_system_id")
	if v := q.Get("breached"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			f.Add("breached", "invalid", "must be yes or no")
		} else {
			filter.Breached = &b
		}
	}
	if err := grievance.ValidateFilter(&filter); err != nil {
		de, ok := fault.As(err)
		if !ok {
			return filter, err
		}
		for _, fe := range de.Fields {
			f.Add(cwListIndex.ReplaceAllString(fe.Field, ""), fe.Code, fe.Message)
		}
	}
	return filter, f.Err()
}

// queuePage: GET /queue — the queues with their counts, claim next, the
// user's own cases, and the filterable case list.
func (w *Web) queuePage(c *fiber.Ctx) error {
	ctx := c.UserContext()
	u := w.Req(c).User
	query := url.Values{}
	c.Request().URI().QueryArgs().VisitAll(func(k, v []byte) { query.Add(string(k), string(v)) })
	d := &queuePageData{Statuses: cases.Strings(cases.Statuses), Priorities: []string{"P0", "P1", "P2", "P3"},
		CanClaim: slices.Contains(claimers, u.Role), QueueNames: map[uuid.UUID]string{}}
	v := httpkit.Viewer(c)
	qs, err := w.Review.Queues(ctx, time.Now().UTC(), &v)
	if err != nil {
		return err
	}
	d.Queues = qs
	for _, q := range qs {
		d.QueueNames[q.ID] = q.Name
	}
	if d.AISystems, err = w.Registry.List(ctx, "", uuid.Nil, 200); err != nil {
		return err
	}
	if d.CanClaim {
		if d.Availability, err = w.Review.Availability(ctx, u.ID); err != nil {
			return err
		}
	}
	me := u.ID
	mine, err := w.Grievance.List(ctx, grievance.Filter{Viewer: httpkit.Viewer(c), AssigneeID: &me, Limit: 100,
		Statuses: cases.Strings([]cases.Status{cases.StatusSubmitted, cases.StatusAcknowledged, cases.StatusInReview,
			cases.StatusAwaitingComplainant, cases.StatusPendingApproval, cases.StatusDecided,
			cases.StatusRemedyInProgress, cases.StatusAppealed, cases.StatusEscalated})})
	if err != nil {
		return err
	}
	d.Mine = mine.Items
	p := &kit.Page{Data: d, Form: query}
	if ref := strings.TrimSpace(query.Get("reference")); ref != "" {
		if id, ok, err := w.queueFind(c, ref); err != nil {
			return err
		} else if ok {
			return w.SeeOther(c, kit.CaseHref(id, ""), "")
		}
		d.NoSuchReference = ref
	}
	filter, ferr := queueFilter(query)
	if ferr != nil {
		return w.FormError(c, ferr, "staff/queue", "queue.title", p)
	}
	for _, k := range []string{"status", "queue_id", "ai_system_id", "priority", "breached"} {
		if query.Get(k) != "" {
			d.Filtered = true
		}
	}
	filter.Viewer = httpkit.Viewer(c)
	list, err := w.Grievance.List(ctx, filter)
	if err != nil {
		return w.FormError(c, err, "staff/queue", "queue.title", p)
	}
	d.Cases = list.Items
	if list.NextCursor != "" {
		d.NextHref = kit.WithCursor("/queue", query, list.NextCursor, "cases")
	}
	return w.Render(c, fiber.StatusOK, "staff/queue", "queue.title", p)
}

// queueFind finds the case with reference among the cases the case list
// shows this user: a case the list would not show is "no such case", never
// told apart from one that does not exist.
func (w *Web) queueFind(c *fiber.Ctx, reference string) (uuid.UUID, bool, error) {
	ref, err := auth.NormalizeReference(reference)
	if err != nil {
		return uuid.Nil, false, nil
	}
	list, err := w.Grievance.List(c.UserContext(), grievance.Filter{Viewer: httpkit.Viewer(c), Reference: ref, Limit: 1})
	if err != nil || len(list.Items) == 0 {
		return uuid.Nil, false, err
	}
	return list.Items[0].ID, true, nil
}

// claimNext: POST /queue/:id/claim — the same atomic claim as the API; the
// claimed case opens, an empty queue says so.
func (w *Web) claimNext(c *fiber.Ctx) error {
	id, err := uuid.Parse(c.Params("id"))
	if err != nil {
		return fault.New(fault.NotFound, "not_found", "There is nothing here.")
	}
	caseID, err := w.Review.Claim(c.UserContext(), id, kit.Reviewer(w.Req(c).User))
	if err != nil {
		return err
	}
	if caseID == uuid.Nil {
		return w.SeeOther(c, "/queue", "queue.flash.empty")
	}
	return w.SeeOther(c, "/cases/"+caseID.String(), "queue.flash.claimed")
}

// queueAvailability: POST /queue/availability {availability: available|away}.
func (w *Web) queueAvailability(c *fiber.Ctx) error {
	form, err := kit.FormValues(c)
	if err != nil {
		return err
	}
	if err := w.Review.SetAvailability(c.UserContext(), w.Req(c).User.ID, form.Get("availability")); err != nil {
		return err
	}
	if form.Get("availability") == review.Away {
		return w.SeeOther(c, "/queue", "queue.flash.availability.away")
	}
	return w.SeeOther(c, "/queue", "queue.flash.availability.available")
}
