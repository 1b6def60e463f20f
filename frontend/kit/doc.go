// Package kit is the pages' shared kit, under every part of frontend/: the
// page (Page: the request, a form's values and errors, the page's data) and
// the request (Request: language, signed-in user or case, CSRF token,
// flash), made once per request (request.go); rendering a page, a form
// again with its errors, and an error page (render.go); reading a posted
// form, and a refused upload as a page shows it (forms.go); CSRF, cookies,
// sealed cookies and flashes (request.go); the message catalogues and the
// translator (i18n.go); dates in the reader's language and the
// organisation's zone (dates.go); the static files under hashed names
// (assets.go); the one template FuncMap (funcs.go); the one-at-a-time
// render of the engine (views.go); and what the staff's queue and case
// workspace both use: a case's address and a user as a reviewer (staff.go).
// A part of the site with template helpers of its own renders its
// templates with its own page type, a Page with those methods
// (Config.Roots). It owns no table and no event; package frontend hands it
// the embedded files (templates, locales, static).
package kit
