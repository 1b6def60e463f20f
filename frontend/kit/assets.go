package kit

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"mime"
	"path"
	"strings"

	"github.com/gofiber/fiber/v2"
)

// Assets are the static files, each served under a name that carries a hash
// of its content (app.3f2a9c1b7d.css), so browsers may keep them for a year
// and a new release is never hidden by a cache.
type Assets struct {
	byName   map[string]string // app.css → /static/app.3f2a9c1b7d.css
	byHashed map[string]asset  // app.3f2a9c1b7d.css → the file
}

type asset struct {
	body        []byte
	contentType string
}

func LoadAssets(fsys fs.FS) (*Assets, error) {
	a := &Assets{byName: map[string]string{}, byHashed: map[string]asset{}}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		if strings.Contains(p, "/") {
			return fmt.Errorf("frontend: static files are flat; move %s up", p)
		}
		body, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		ext := path.Ext(p)
		hashed := strings.TrimSuffix(p, ext) + "." + hex.EncodeToString(sum[:5]) + ext
		ct := mime.TypeByExtension(ext)
		if ct == "" {
			ct = "application/octet-stream"
		}
		a.byName[p] = "/static/" + hashed
		a.byHashed[hashed] = asset{body: body, contentType: ct}
		return nil
	})
	return a, err
}

// URL is the hashed address of a static file; an unknown name is a
// template's mistake and panics at render time, caught by the tests.
func (a *Assets) URL(name string) (string, error) {
	u, ok := a.byName[name]
	if !ok {
		return "", fmt.Errorf("no static file %q", name)
	}
	return u, nil
}

// Serve answers GET /static/:file.
func (a *Assets) Serve(c *fiber.Ctx) error {
	f, ok := a.byHashed[c.Params("file")]
	if !ok {
		return c.Status(fiber.StatusNotFound).SendString("Not found")
	}
	c.Set(fiber.HeaderContentType, f.contentType)
	c.Set(fiber.HeaderCacheControl, "public, max-age=31536000, immutable")
	return c.Send(f.body)
}
