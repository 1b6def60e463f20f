package api

import (
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
)

// The access log (docs/privacy.md "The access log"): a case's looks for
// the supervisors who may work it, and the whole log for admins.

var errNotTheirLog = fault.New(fault.Forbidden, "forbidden",
	"Only a supervisor or admin of the case's queue may read who opened it.")

// caseAccessLog: GET /api/v1/cases/{id}/access?cursor=&limit= — who opened
// the case, newest first, for a supervisor or admin of its queue.
func (a *API) caseAccessLog(c *fiber.Ctx) error {
	id, err := pathID(c)
	if err != nil {
		return err
	}
	if !httpkit.Actor(c).MayWorkAnyCase() {
		return errNotTheirLog
	}
	var f fault.Fields
	limit := queryLimit(c, &f, access.DefaultLogLimit)
	if err := f.Err(); err != nil {
		return err
	}
	page, err := a.Access.CaseLog(c.UserContext(), id, strings.Clone(c.Query("cursor")), limit)
	return answer(c, fiber.StatusOK, page, err)
}

// adminAccessLog: GET /api/v1/admin/access-log?user_email=&user_id=&
// case_reference=&ground=&what=&from=&to=&cursor=&limit= — the whole log,
// newest first.
func (a *API) adminAccessLog(c *fiber.Ctx) error {
	var f fault.Fields
	filter := access.LogFilter{
		UserEmail:     strings.Clone(c.Query("user_email")),
		CaseReference: strings.Clone(c.Query("case_reference")),
		Ground:        strings.Clone(c.Query("ground")),
		What:          strings.Clone(c.Query("what")),
		From:          strings.Clone(c.Query("from")),
		To:            strings.Clone(c.Query("to")),
		Cursor:        strings.Clone(c.Query("cursor")),
		Zone:          a.TimeZone,
	}
	filter.Limit = queryLimit(c, &f, access.DefaultLogLimit)
	if v := c.Query("user_id"); v != "" {
		id, err := uuid.Parse(v)
		if err != nil {
			f.Add("user_id", "invalid", "must be a UUID")
		} else {
			filter.UserID = &id
		}
	}
	if f.Err() != nil {
		filter.Limit = 0 // named already
		filter.Check(&f)
		return f.Err()
	}
	page, err := a.Access.Search(c.UserContext(), filter)
	return answer(c, fiber.StatusOK, page, err)
}
