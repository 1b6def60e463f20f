package kit

import (
	"github.com/redresshq/redress/internal/retention"
	"io"
	"sync"

	"github.com/gofiber/template/html/v2"
)

// OneRender renders one page at a time. The engine (gofiber/template html
// v2.1.3) already holds its lock for the whole render of a page with a
// layout — every page here — but copies the page's template before taking
// it, while the render holding it writes that template's escaping state: a
// data race whenever two pages render at once. Taking a lock before the
// engine does costs nothing the engine did not already serialise.
type OneRender struct {
	mu sync.Mutex
	*html.Engine
}

// Render renders name as the engine does, one render at a time.
func (v *OneRender) Render(out io.Writer, name string, binding any, layout ...string) error {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.Engine.Render(out, name, binding, layout...)
}

// ErasureGround is the code of the ground an erased case's words
// (cases.erasure_ground, as internal/retention writes them) say it was
// erased on: "request" (the complainant asked) or "retention" (a retention
// schedule's time was up), for the pages to say it in the reader's language.
func ErasureGround(words string) string { return retention.GroundOf(words) }
