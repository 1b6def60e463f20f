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
	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/registry"
	"github.com/redresshq/redress/internal/review"
)

// staffRoutes are the reviewers' pages: the queue, then the case workspace
// (frontend/staffcase). Who may do what mirrors api/routes.go; the domain
// checks who holds a case.
func (w *Web) staffRoutes() []httpkit.Route {
	get, post := fiber.MethodGet, fiber.MethodPost
	r := func(method, path string, roles []auth.Role, h fiber.Handler) httpkit.Route {
		return httpkit.Route{Method: method, Path: path, Access: httpkit.Staff, Roles: roles, Handler: h}
	}
	return append([]httpkit.Route{
		r(get, "/queue", caseWorkers, w.queuePage),
		r(post, "/queue/availability", claimers, w.queueAvailability),
		r(post, "/queue/:id/claim", claimers, w.claimNext),
	}, w.staffcase.Routes()...)
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

var queueOpenStatuses = cases.Strings(cases.Open)

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
			f.Add(kit.ListField(fe.Field), fe.Code, fe.Message)
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
