package kit

import (
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/template/html/v2"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/organisation"
	"github.com/redresshq/redress/internal/platform/seal"
)

// Config is what the kit needs of the app.
type Config struct {
	Log *slog.Logger
	// Files hold templates/, locales/ and static/ (frontend's one embed).
	Files fs.FS
	// Catalogues, when set, are Files' catalogues already loaded (frontend
	// loads its embedded ones once per process); when nil New reads them.
	Catalogues *Catalogues
	Tokens     *auth.Tokens
	SignIn     *auth.SignIn // sessions, read by every request
	// Keys seal what a cookie carries across a redirect.
	Keys *seal.Keyring
	// CSRFKey signs the forms' CSRF tokens; CSRFPreviousKey (optional, the
	// key of the token secret before a rotation) still verifies them, so a
	// form shown before a rotation can be sent after it.
	CSRFKey, CSRFPreviousKey []byte
	// TimeZone is the organisation's, in which the pages show times; nil is UTC.
	TimeZone *time.Location
	// Organisation is who runs the mechanism, named in every page's footer.
	Organisation *organisation.Service
	// PublicURL is the site's address as people reach it (empty: the request's own).
	PublicURL string
	// Roots give an area its own page type, with the template helpers of
	// its forms: a page whose template is under a folder (e.g. "admin" for
	// admin/users) is rendered with Roots[folder](p) as the templates' dot.
	Roots map[string]func(p *Page) any
}

// Kit renders the pages and keeps each request's language, sessions, CSRF
// token and flash.
type Kit struct {
	Config
	// I18n are the message catalogues.
	I18n *Catalogues
	// Assets are the static files.
	Assets *Assets
	// origin is the public URL's origin (scheme://host[:port]), which a
	// form may be posted from; secureCookies: the public URL is https, and
	// the cookies take the __Host- and __Secure- prefixes.
	origin        string
	secureCookies bool
	views         *html.Engine
}

// New loads the templates, the catalogues and the static files.
func New(cfg Config) (*Kit, error) {
	if len(cfg.CSRFKey) < 32 {
		return nil, fmt.Errorf("frontend: the CSRF key must have at least 32 bytes")
	}
	cat := cfg.Catalogues
	if cat == nil {
		var err error
		if cat, err = LoadCatalogues(cfg.Files); err != nil {
			return nil, err
		}
	}
	static, err := fs.Sub(cfg.Files, "static")
	if err != nil {
		return nil, err
	}
	as, err := LoadAssets(static)
	if err != nil {
		return nil, err
	}
	tpl, err := fs.Sub(cfg.Files, "templates")
	if err != nil {
		return nil, err
	}
	k := &Kit{Config: cfg, I18n: cat, Assets: as}
	if cfg.PublicURL != "" {
		u, err := url.Parse(cfg.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("frontend: the public URL %q is not an http(s) URL", cfg.PublicURL)
		}
		k.origin = strings.ToLower(u.Scheme + "://" + u.Host)
		k.secureCookies = u.Scheme == "https"
	}
	k.views = html.NewFileSystem(http.FS(tpl), ".html")
	k.views.AddFuncMap(Funcs(as))
	if err := k.views.Load(); err != nil {
		return nil, fmt.Errorf("frontend: templates: %w", err)
	}
	return k, nil
}

// Engine is the template engine, for the Fiber app's configuration.
func (k *Kit) Engine() fiber.Views { return &OneRender{Engine: k.views} }
