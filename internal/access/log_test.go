package access_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The complainant's view of the log groups looks by role, what and day —
// the day in the organisation's time zone — newest day first, the
// identity before the content, and names no one.
func TestAccessLogForComplainantByRoleAndDay(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	f := s.File(teststack.ValidCase())
	ctx := context.Background()
	look := func(email, role, what, at string) {
		t.Helper()
		if err := s.Core.DB.Exec(`INSERT INTO access_log (at, case_id, user_id, role, what, route, ground)
			SELECT ?::timestamptz, ?, id, ?, ?, 'GET /api/v1/cases/:id', 'supervisor' FROM users WHERE email = ?`,
			at, f.ID, role, what, email).Error; err != nil {
			t.Fatal(err)
		}
	}
	// 23:30 UTC on 4 March is 00:30 on 5 March in Paris.
	look("supervisor@example.org", "supervisor", "content", "2027-03-04T10:00:00Z")
	look("supervisor@example.org", "supervisor", "content", "2027-03-04T23:30:00Z")
	look("admin@example.org", "admin", "content", "2027-03-04T23:40:00Z")
	look("supervisor@example.org", "supervisor", "identity", "2027-03-04T23:45:00Z")

	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	line := func(ls []access.ComplainantLook) string {
		var out []string
		for _, l := range ls {
			out = append(out, l.Day.Format(time.DateOnly)+" "+string(l.Role)+" "+string(l.What))
		}
		return strings.Join(out, "; ")
	}
	got, err := s.Core.Access.ForComplainant(ctx, uuid.MustParse(f.ID), paris)
	if err != nil {
		t.Fatal(err)
	}
	if want := "2027-03-05 supervisor identity; 2027-03-05 admin content; 2027-03-05 supervisor content; 2027-03-04 supervisor content"; line(got) != want {
		t.Errorf("in Paris:\n got %s\nwant %s", line(got), want)
	}
	got, err = s.Core.Access.ForComplainant(ctx, uuid.MustParse(f.ID), nil)
	if err != nil {
		t.Fatal(err)
	}
	if want := "2027-03-04 supervisor identity; 2027-03-04 admin content; 2027-03-04 supervisor content"; line(got) != want {
		t.Errorf("in UTC:\n got %s\nwant %s", line(got), want)
	}
	raw, _ := json.Marshal(got[0])
	if string(raw) != `{"role":"supervisor","what":"identity","date":"2027-03-04"}` {
		t.Errorf("a look reads %s", raw)
	}

	// A search by day in Paris: 5 March holds the three looks after
	// 23:00 UTC on the 4th.
	page, err := s.Core.Access.Search(ctx, access.LogFilter{CaseReference: f.Reference, From: "2027-03-05", To: "2027-03-05", Zone: paris})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != 3 || page.Items[0].What != access.Identity || page.Items[0].UserEmail != "supervisor@example.org" {
		t.Errorf("5 March in Paris: %+v", page.Items)
	}
	// Every bad filter is named.
	_, err = s.Core.Access.Search(ctx, access.LogFilter{CaseReference: "RD-123", Ground: "friend", What: "all",
		From: "soon", To: "2027-13-01", Limit: 500, Cursor: "x"})
	if got := strings.Join(fault.FieldNames(err), ","); got != "case_reference,cursor,from,ground,limit,to,what" {
		t.Errorf("bad filters named %q (%v)", got, err)
	}
}
