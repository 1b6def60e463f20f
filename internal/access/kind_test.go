package access_test

import (
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/access"
)

// Every case route declares what it does with the case (issue 15): a route
// table row without a kind, or one that claims to work on the case while it
// only shows it, stops the app at start (NewGate panics, naming the route),
// so a route added later without one fails every test that builds the app.
func TestNewGateWantsAKind(t *testing.T) {
	for _, c := range []struct {
		method, path string
		kind         access.Kind
		looks        []access.What
		panics       string
	}{
		{"POST", "/api/v1/cases/:id/new-thing", 0, nil, "declares no kind"},
		{"GET", "/cases/:id/new-tab", access.Works, nil, "so it reads"},
		{"POST", "/cases/:id/contact", access.Works, []access.What{access.Identity}, "so it reads"},
		{"POST", "/cases/:id/messages", access.Works, nil, ""},
		{"POST", "/cases/:id/contact", access.Reads, []access.What{access.Identity}, ""},
		{"GET", "/cases/:id", access.Reads, []access.What{access.Content}, ""},
	} {
		func() {
			defer func() {
				r := recover()
				msg, _ := r.(string)
				switch {
				case c.panics == "" && r != nil:
					t.Errorf("%s %s: %v", c.method, c.path, r)
				case c.panics != "" && (!strings.Contains(msg, c.panics) || !strings.Contains(msg, c.path)):
					t.Errorf("%s %s (kind %d): panicked with %q, want one naming the route and %q", c.method, c.path, c.kind, msg, c.panics)
				}
			}()
			g := access.NewGate(c.method, c.path, c.kind, c.looks)
			if g.Kind != c.kind || g.Route != c.method+" "+c.path {
				t.Errorf("gate %+v", g)
			}
		}()
	}
}
