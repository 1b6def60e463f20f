package frontend

import (
	"github.com/redresshq/redress/frontend/admin"
	"github.com/redresshq/redress/frontend/complainant"
	"github.com/redresshq/redress/frontend/kit"
	"github.com/redresshq/redress/frontend/staffcase"
)

// roots are the areas' page types by their templates' folder (kit.Config.Roots).
var roots = map[string]func(p *kit.Page) any{
	"admin":       admin.Root,
	"staff":       staffcase.Root,
	"complainant": complainant.Root,
}
