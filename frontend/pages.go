package frontend

import (
	"github.com/redresshq/redress/frontend/admin"
	"github.com/redresshq/redress/frontend/complainant"
	"github.com/redresshq/redress/frontend/kit"
)

// The areas' page types: each is a kit.Page with the template helpers of
// its area's forms, rendered as the templates' dot for the templates under
// its folder (roots).
type (
	// cwPage is a staff page: the case workspace's section-scoped forms (staff_case.go).
	cwPage struct{ *kit.Page }
)

// roots are the areas' page types by their templates' folder (kit.Config.Roots).
var roots = map[string]func(p *kit.Page) any{
	"admin":       admin.Root,
	"staff":       func(p *kit.Page) any { return &cwPage{p} },
	"complainant": complainant.Root,
}
