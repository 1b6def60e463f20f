package admin

import (
	"net/url"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/internal/access"
)

// AdmAccessPage is the admins' search of the access log.
type AdmAccessPage struct {
	Log     *access.LogPage // nil when the search was refused
	Grounds []AdmOpt
	Whats   []AdmOpt
	// Older is the address of the next, older page with the same filters.
	Older string
	// Filtered says a filter was given.
	Filtered bool
}

// accessLogFields are the search's filters, as GET /api/v1/admin/access-log names them.
var accessLogFields = []string{"user_email", "case_reference", "ground", "what", "from", "to"}

// admAccessLog: GET /admin/access-log?user_email=&case_reference=&ground=&
// what=&from=&to=&cursor= — every look at a complainant's identity, a
// case's content or a file, newest first, a page at a time; bad filters are
// named beside their fields (422).
func (w *Pages) admAccessLog(c *fiber.Ctx) error {
	r := w.Req(c)
	q, err := url.ParseQuery(string(c.Request().URI().QueryString()))
	if err != nil {
		q = url.Values{}
	}
	form := url.Values{}
	for _, k := range accessLogFields {
		if v := strings.TrimSpace(q.Get(k)); v != "" {
			form.Set(k, v)
		}
	}
	withAny := func(prefix string, codes []string) []AdmOpt {
		return append([]AdmOpt{{Value: "", Label: r.T("adm.al.any")}}, options(r, prefix, codes)...)
	}
	var grounds, whats []string
	for _, g := range access.Grounds {
		grounds = append(grounds, string(g))
	}
	for _, x := range access.Whats {
		whats = append(whats, string(x))
	}
	d := &AdmAccessPage{Grounds: withAny("access.ground", grounds), Whats: withAny("access.what", whats), Filtered: len(form) > 0}
	p := &kit.Page{Labeler: Label, Data: d, Form: form}
	log, err := w.Access.Search(c.UserContext(), access.LogFilter{UserEmail: form.Get("user_email"),
		CaseReference: form.Get("case_reference"), Ground: form.Get("ground"), What: form.Get("what"),
		From: form.Get("from"), To: form.Get("to"), Zone: w.TimeZone, Cursor: q.Get("cursor"), Limit: access.DefaultLogLimit})
	if err != nil {
		return w.FormError(c, err, "admin/access_log", "adm.al.title", p)
	}
	d.Log = log
	if log.NextCursor != "" {
		d.Older = kit.WithCursor("/admin/access-log", form, log.NextCursor, "access-log")
	}
	return w.Render(c, fiber.StatusOK, "admin/access_log", "adm.al.title", p)
}
