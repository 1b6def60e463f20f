package api

import (
	"fmt"
	"io"
	"net/http/httptest"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/platform/fault"
)

// One reading of ?limit= and of UUID path parameters for every list and
// route that has them: what they accept, and the field each problem names.
func TestQueryLimitAndPathUUID(t *testing.T) {
	app := fiber.New()
	app.Get("/t/:id/:user_id", func(c *fiber.Ctx) error {
		var f fault.Fields
		limit := queryLimit(c, &f, 100)
		id, user := pathUUID(c, &f, "id", "queue"), pathUUID(c, &f, "user_id", "user")
		var bad []string
		if e, ok := fault.As(f.Err()); ok {
			for _, fe := range e.Fields {
				bad = append(bad, fe.Field+":"+fe.Code)
			}
		}
		return c.SendString(fmt.Sprint(limit, " ", id != uuid.Nil, " ", user != uuid.Nil, " ", bad))
	})
	id := uuid.NewString()
	for _, tc := range []struct{ path, want string }{
		{"/t/" + id + "/" + id, "100 true true []"},
		{"/t/" + id + "/" + id + "?limit=1", "1 true true []"},
		{"/t/" + id + "/" + id + "?limit=200", "200 true true []"},
		{"/t/" + id + "/" + id + "?limit=201", "100 true true [limit:out_of_range]"},
		{"/t/" + id + "/" + id + "?limit=0", "100 true true [limit:out_of_range]"},
		{"/t/" + id + "/" + id + "?limit=ten", "100 true true [limit:out_of_range]"},
		{"/t/q/" + id + "?limit=-1", "100 false true [id:invalid limit:out_of_range]"},
		{"/t/q/u", "100 false false [id:invalid user_id:invalid]"},
	} {
		resp, err := app.Test(httptest.NewRequest("GET", tc.path, nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if got := string(b); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.path, got, tc.want)
		}
	}
	// namedParam is the same check on its own.
	app.Get("/n/:evidence_id", func(c *fiber.Ctx) error {
		_, err := namedParam(c, "evidence_id", "evidence")
		e, _ := fault.As(err)
		if e == nil {
			return c.SendString("ok")
		}
		var got []string
		for _, fe := range e.Fields {
			got = append(got, fe.Field+":"+fe.Code+":"+fe.Message)
		}
		return c.SendString(fmt.Sprint(got))
	})
	for path, want := range map[string]string{"/n/" + id: "ok", "/n/x": "[evidence_id:invalid:the evidence id in the path must be a UUID]"} {
		resp, err := app.Test(httptest.NewRequest("GET", path, nil))
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		if got := string(b); got != want {
			t.Errorf("%s: %q, want %q", path, got, want)
		}
	}
}
