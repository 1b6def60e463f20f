// Package httpkit is what the two front ends — the JSON API (api/) and the
// HTML pages (frontend/) — share of HTTP: who the signed-in user is and the
// ground they see the route's case on, as the domain's actor (Actor); what
// an error means as an HTTP status (Explain: each front end renders it, as
// problem+json or as a page); the body limits, which give upload routes a
// larger one (Upload, HeaderReceived); and the linger that lets a client
// read a 413 answer to a body that was never read (Listener).
//
// It owns no table and publishes no event. Only the front ends and
// internal/app import it; the domain never does.
package httpkit
