package admin

import (
	"net/url"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/review"
)

// AdmQueuePage is the queues, or one queue with its members.
type AdmQueuePage struct {
	Queues     []review.Queue
	Queue      *review.Queue
	Members    []review.Member
	Candidates []AdmOpt // active staff who are not members
}

// admQueues: GET /admin/queues.
func (w *Pages) admQueues(c *fiber.Ctx) error {
	qs, err := w.Review.Queues(c.UserContext(), time.Now(), nil)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "admin/queues", "adm.q.title", &kit.Page{Labeler: Label, Data: &AdmQueuePage{Queues: qs}})
}

func (w *Pages) admQueuePage(c *fiber.Ctx, posted url.Values) (*kit.Page, uuid.UUID, error) {
	id, err := idParam(c, "id")
	if err != nil {
		return nil, id, err
	}
	qs, err := w.Review.Queues(c.UserContext(), time.Now(), nil)
	if err != nil {
		return nil, id, err
	}
	data := &AdmQueuePage{}
	for i := range qs {
		if qs[i].ID == id {
			data.Queue = &qs[i]
		}
	}
	if data.Queue == nil {
		return nil, id, fault.New(fault.NotFound, "queue_not_found", "No queue has that id.")
	}
	if data.Members, err = w.Review.Members(c.UserContext(), id); err != nil {
		return nil, id, err
	}
	staff, err := w.Users.Staff(c.UserContext())
	if err != nil {
		return nil, id, err
	}
	member := map[uuid.UUID]bool{}
	for _, m := range data.Members {
		member[m.UserID] = true
	}
	r := w.Req(c)
	data.Candidates = []AdmOpt{{Value: "", Label: r.T("adm.q.choose_member")}}
	for _, u := range staff {
		if u.Active && !member[u.ID] {
			data.Candidates = append(data.Candidates, AdmOpt{Value: u.ID.String(),
				Label: u.Name + " (" + u.Email + ", " + r.OptionLabel("role", string(u.Role)) + ")"})
		}
	}
	form := values(map[string]string{"auto_assign": checked(data.Queue.AutoAssign), "cap": strconv.Itoa(data.Queue.AssignCap)})
	for k, v := range posted {
		form[k] = v
	}
	if posted != nil && posted.Has("cap") && posted.Get("auto_assign") == "" {
		form.Del("auto_assign")
	}
	return &kit.Page{Labeler: Label, Data: data, Form: form}, id, nil
}

// admQueue: GET /admin/queues/{id}.
func (w *Pages) admQueue(c *fiber.Ctx) error {
	p, _, err := w.admQueuePage(c, nil)
	if err != nil {
		return err
	}
	return w.Render(c, fiber.StatusOK, "admin/queue", "adm.q.queue_title", p)
}

// admQueueAddMember: POST /admin/queues/{id}/members {user_id}.
func (w *Pages) admQueueAddMember(c *fiber.Ctx) error {
	form, p, id, err := posted(c, w.admQueuePage)
	if err != nil {
		return err
	}
	return saveOrRerender(w, c, queueForm(p), func() (struct{}, error) {
		user, perr := uuid.Parse(form.Get("user_id"))
		if perr != nil {
			var f fault.Fields
			f.Add("user_id", "required", "choose a member of staff")
			return struct{}{}, f.Err()
		}
		err := w.Review.AddMember(c.UserContext(), id, user, w.Req(c).User.ID, form.Get("quiet") == "")
		if fault.Is(err, fault.NotFound) { // the user, since the queue exists
			var f fault.Fields
			f.Add("user_id", "not_found", "no active member of staff has that id")
			err = f.Err()
		}
		return nothing(err)
	}, redirect[struct{}](w, c, "/admin/queues/"+id.String(), "adm.q.member_added"))
}

// queueForm is a queue's page, shown again on a fault.
func queueForm(p *kit.Page) adminForm { return adminForm{"admin/queue", "adm.q.queue_title", shown(p)} }

// admQueueRemoveMember: POST /admin/queues/{id}/members/{user_id}/remove.
func (w *Pages) admQueueRemoveMember(c *fiber.Ctx) error {
	id, err := idParam(c, "id")
	if err != nil {
		return err
	}
	user, err := idParam(c, "user_id")
	if err != nil {
		return err
	}
	if err := w.Review.RemoveMember(c.UserContext(), id, user); err != nil {
		return err
	}
	return w.SeeOther(c, "/admin/queues/"+id.String(), "adm.q.member_removed")
}

// admQueueAutoAssign: POST /admin/queues/{id}/auto-assignment {auto_assign, cap}.
func (w *Pages) admQueueAutoAssign(c *fiber.Ctx) error {
	form, p, id, err := posted(c, w.admQueuePage)
	if err != nil {
		return err
	}
	enabled := form.Get("auto_assign") != ""
	in := review.AutoAssignment{Enabled: &enabled}
	if n, err := strconv.Atoi(form.Get("cap")); err == nil {
		in.Cap = n
	}
	return saveOrRerender(w, c, queueForm(p), func() (struct{}, error) {
		return nothing(w.Review.SetAutoAssignment(c.UserContext(), id, in))
	}, redirect[struct{}](w, c, "/admin/queues/"+id.String(), "adm.q.auto_saved"))
}
