package app_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The access matrix (issue 14, part 6): every route of the app — the JSON
// API's route table, the pages' route table and the few routes mounted
// beside them (/livez, /static/:file, …) — asked by every kind of person,
// each answer reduced to one letter:
//
//	A  allowed: any answer but 401, 403 and 404 (a 400, 409 or 422 is allowed
//	   too: the guard let the request through and the handler judged the body)
//	N  404: the thing does not exist for them (a case outside their reach)
//	F  403: forbidden to their role (or a complainant's session on a staff page's form),
//	   or not_your_case: a route that works on a case (access.Works) asked by
//	   someone who may see it but not act on it (issue 15)
//	U  401, or a page that sends them to sign in first (/login?next=…, or
//	   /follow-up with "sign in first")
//	E  a 5xx: never expected
//
// The columns, in this order (spaces in a row are ignored; they group the
// columns as below):
//
//	anonymous, complainant of the case, complainant of another case |
//	reviewer assignee, reviewer of the queue, reviewer outside the queue,
//	recused reviewer (operator of the case's AI system, member of its queue) |
//	supervisor (member), admin (member), admin outside the queue, admin
//	outside with break-glass |
//	user of the body the case is referred to, user of another body
//
// The case is decided, held by the assignee, with evidence, an offered
// remedy and a referral to a body. A held case is not visible to the other
// reviewers of its queue, so the "reviewer of the queue" column asks about an
// open, unassigned case of the same queue they may take (with evidence of its
// own, but no remedy nor referral: routes naming those answer 404 whatever
// the guard says). They may read it and take it (claim), but every route
// that works on it is theirs only once they hold it: F (issue 15: only the
// holder, or a supervisor or admin of its queue, acts on a case).
//
// Requests that could change state are sent so that the handler refuses
// them after the guard (a JSON body that is not an object, a form with only
// its CSRF token; claims on an empty queue), so the order of the requests
// does not matter. A route that changes who sees the case even so (a
// release) is asked one actor at a time, each request undone after it;
// the case's own answers are asked again at the end and must not change.
// A route of the app without a row fails the test, and so does a row
// without a route.
var accessMatrix = map[string]string{
	// Columns: anonymous complainant other-complainant | assignee queue-reviewer outsider recused |
	// supervisor admin admin-outside admin-break-glass | referred-body other-body
	"GET /":                                                                   "AAA AAAA AAAA AA",
	"GET /.well-known/redress-signing-key":                                    "AAA AAAA AAAA AA",
	"GET /admin":                                                              "UUU FFFF FAAA FF",
	"GET /admin/ai-systems":                                                   "UUU FFFF FAAA FF",
	"POST /admin/ai-systems":                                                  "UUU FFFF FAAA FF",
	"GET /admin/ai-systems/:id":                                               "UUU FFFF FAAA FF",
	"POST /admin/ai-systems/:id":                                              "UUU FFFF FAAA FF",
	"POST /admin/ai-systems/:id/alerting":                                     "UUU FFFF FAAA FF",
	"POST /admin/ai-systems/:id/lift-suspension":                              "UUU FFFF FAAA FF",
	"GET /admin/ai-systems/new":                                               "UUU FFFF FAAA FF",
	"GET /admin/bodies":                                                       "UUU FFFF FAAA FF",
	"POST /admin/bodies":                                                      "UUU FFFF FAAA FF",
	"GET /admin/bodies/:id":                                                   "UUU FFFF FAAA FF",
	"POST /admin/bodies/:id":                                                  "UUU FFFF FAAA FF",
	"POST /admin/bodies/:id/users":                                            "UUU FFFF FAAA FF",
	"GET /admin/bodies/new":                                                   "UUU FFFF FAAA FF",
	"GET /admin/queues":                                                       "UUU FFFF FAAA FF",
	"GET /admin/retention":                                                    "UUU FFFF FAAA FF",
	"POST /admin/retention/runs":                                              "UUU FFFF FAAA FF",
	"POST /admin/retention/schedules":                                         "UUU FFFF FAAA FF",
	"POST /admin/retention/schedules/:id/delete":                              "UUU FFFF FNNN FF",
	"GET /admin/queues/:id":                                                   "UUU FFFF FAAA FF",
	"POST /admin/queues/:id/auto-assignment":                                  "UUU FFFF FAAA FF",
	"POST /admin/queues/:id/members":                                          "UUU FFFF FAAA FF",
	"POST /admin/queues/:id/members/:user_id/remove":                          "UUU FFFF FAAA FF",
	"GET /admin/routing-rules":                                                "UUU FFFF FAAA FF",
	"POST /admin/routing-rules":                                               "UUU FFFF FAAA FF",
	"GET /admin/routing-rules/:id":                                            "UUU FFFF FAAA FF",
	"POST /admin/routing-rules/:id":                                           "UUU FFFF FAAA FF",
	"GET /admin/routing-rules/new":                                            "UUU FFFF FAAA FF",
	"POST /admin/routing-rules/order":                                         "UUU FFFF FAAA FF",
	"GET /admin/organisation":                                                 "UUU FFFF FAAA FF",
	"POST /admin/organisation":                                                "UUU FFFF FAAA FF",
	"GET /admin/sla":                                                          "UUU FFFF FAAA FF",
	"POST /admin/sla/calendars":                                               "UUU FFFF FAAA FF",
	"GET /admin/sla/calendars/:id":                                            "UUU FFFF FAAA FF",
	"POST /admin/sla/calendars/:id":                                           "UUU FFFF FAAA FF",
	"GET /admin/sla/calendars/new":                                            "UUU FFFF FAAA FF",
	"POST /admin/sla/policies":                                                "UUU FFFF FAAA FF",
	"GET /admin/sla/policies/:id":                                             "UUU FFFF FAAA FF",
	"POST /admin/sla/policies/:id":                                            "UUU FFFF FAAA FF",
	"GET /admin/sla/policies/new":                                             "UUU FFFF FAAA FF",
	"GET /admin/users":                                                        "UUU FFFF FAAA FF",
	"POST /admin/users":                                                       "UUU FFFF FAAA FF",
	"POST /admin/users/:id/active":                                            "UUU FFFF FAAA FF",
	"POST /admin/users/:id/role":                                              "UUU FFFF FAAA FF",
	"GET /admin/users/new":                                                    "UUU FFFF FAAA FF",
	"GET /ai-systems":                                                         "AAA AAAA AAAA AA",
	"GET /api/openapi.yaml":                                                   "AAA AAAA AAAA AA",
	"GET /api/v1/admin/ai-systems/:id/alerting":                               "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/ai-systems/:id/alerting":                               "UUU FFFF FAAA FF",
	"GET /api/v1/admin/bodies":                                                "UUU FFFF FAAA FF",
	"POST /api/v1/admin/bodies":                                               "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/bodies/:id":                                            "UUU FFFF FAAA FF",
	"POST /api/v1/admin/bodies/:id/users":                                     "UUU FFFF FAAA FF",
	"GET /api/v1/admin/retention/runs":                                        "UUU FFFF FAAA FF",
	"POST /api/v1/admin/retention/runs":                                       "UUU FFFF FAAA FF",
	"GET /api/v1/admin/retention/schedules":                                   "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/retention/schedules":                                   "UUU FFFF FAAA FF",
	"DELETE /api/v1/admin/retention/schedules/:id":                            "UUU FFFF FNNN FF",
	"POST /api/v1/cases/:id/erasure/refuse":                                   "UUU FFFF AANF FF",
	"POST /api/v1/cases/:id/legal-holds":                                      "UUU FFFF AANF FF",
	"POST /api/v1/cases/:id/legal-holds/:hid/release":                         "UUU FFFF AANF FF",
	"GET /api/v1/cases/:id/retention":                                         "UUU AANN AANA FF",
	"POST /api/v1/complainant/case/erasure":                                   "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/erasure/cancel":                            "UAA UUUU UUUU UU",
	"GET /api/v1/admin/dead-letters":                                          "UUU FFFF FAAA FF",
	"POST /api/v1/admin/dead-letters/:id/replay":                              "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/queues/:id/auto-assignment":                            "UUU FFFF AAAA FF",
	"GET /api/v1/admin/queues/:id/members":                                    "UUU FFFF FAAA FF",
	"DELETE /api/v1/admin/queues/:id/members/:user_id":                        "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/queues/:id/members/:user_id":                           "UUU FFFF FAAA FF",
	"GET /api/v1/admin/routing-rules":                                         "UUU FFFF FAAA FF",
	"POST /api/v1/admin/routing-rules":                                        "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/routing-rules/:id":                                     "UUU FFFF FAAA FF",
	"POST /api/v1/admin/routing-rules/order":                                  "UUU FFFF FAAA FF",
	"GET /api/v1/admin/sla/calendars":                                         "UUU FFFF FAAA FF",
	"POST /api/v1/admin/sla/calendars":                                        "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/sla/calendars/:id":                                     "UUU FFFF FAAA FF",
	"GET /api/v1/admin/sla/policies":                                          "UUU FFFF FAAA FF",
	"POST /api/v1/admin/sla/policies":                                         "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/sla/policies/:id":                                      "UUU FFFF FAAA FF",
	"GET /api/v1/admin/webhooks":                                              "UUU FFFF FAAA FF",
	"POST /api/v1/admin/webhooks":                                             "UUU FFFF FAAA FF",
	"POST /api/v1/admin/webhooks/:id/active":                                  "UUU FFFF FAAA FF",
	"GET /api/v1/admin/webhooks/:id/deliveries":                               "UUU FFFF FAAA FF",
	"GET /api/v1/ai-systems":                                                  "AAA AAAA AAAA AA",
	"POST /api/v1/auth/token":                                                 "AAA AAAA AAAA AA",
	"GET /api/v1/bodies":                                                      "AAA AAAA AAAA AA",
	"GET /api/v1/organisation":                                                "AAA AAAA AAAA AA",
	"GET /api/v1/cases":                                                       "UUU AAAA AAAA FF",
	"POST /api/v1/cases":                                                      "AAA AAAA AAAA AA",
	"GET /api/v1/cases/:id":                                                   "UUU AANN AANA FF",
	"POST /api/v1/cases/:id/acknowledge":                                      "UUU AFNN AANF FF",
	"GET /api/v1/cases/:id/ai-decision":                                       "UUU ANNN AANA FF",
	"PUT /api/v1/cases/:id/ai-decision":                                       "UUU AFNN AANF FF",
	"GET /api/v1/cases/:id/provider-requests":                                 "UUU AANN AANA FF",
	"POST /api/v1/cases/:id/provider-requests":                                "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/provider-requests/:rid/answer":                    "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/assign":                                           "UUU FFFF AANF FF",
	"GET /api/v1/cases/:id/audit":                                             "UUU AANN AANA FF",
	"POST /api/v1/cases/:id/clocks/:clock/extension":                          "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/close":                                            "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/decision":                                         "UUU AFNN AFFF FF",
	"POST /api/v1/cases/:id/decision/approve":                                 "UUU FFFF AANF FF",
	"POST /api/v1/cases/:id/escalations":                                      "UUU AFNN AANF FF",
	"GET /api/v1/cases/:id/evidence":                                          "UUU AANN AANA FF",
	"POST /api/v1/cases/:id/evidence":                                         "UUU AFNN AANF FF",
	"GET /api/v1/cases/:id/evidence/:evidence_id":                             "UUU AANN AANA FF",
	"POST /api/v1/cases/:id/evidence/:evidence_id/disclosure":                 "UUU AFNN AANF FF",
	"GET /api/v1/cases/:id/identity":                                          "UUU AANN AANA FF",
	"POST /api/v1/cases/:id/incident":                                         "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/incident/tasks/:task":                             "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/measures":                                         "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/measures/:mid/in-place":                           "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/messages":                                         "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/points-of-view":                                   "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/priority/approve":                                 "UUU FFFF AANF FF",
	"GET /api/v1/cases/:id/referrals":                                         "UUU AANN AANA FF",
	"GET /api/v1/cases/:id/protection":                                        "UUU AANN AANA FF",
	"GET /api/v1/cases/:id/referrals/:rid/dossier":                            "UUU ANNN AANA FF", // the queue reviewer's open case has no referral
	"GET /api/v1/cases/:id/referrals/:rid/dossier.pdf":                        "UUU ANNN AANA FF",
	"POST /api/v1/cases/:id/referrals/:rid/identity-disclosures":              "UUU FFFF AANF FF",
	"POST /api/v1/cases/:id/referrals/:rid/identity-disclosures/:did/approve": "UUU FFFF NNNF FF", // no disclosure to approve: 404 for those the guard lets in (break-glass only reads: 403)
	"POST /api/v1/cases/:id/referrals/:rid/messages":                          "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/referrals/:rid/items/:item/compliance":            "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/referrals/:rid/items/:item/verify":                "UUU FFFF NNNF FF", // no such item: 404 for those the guard lets in
	"POST /api/v1/cases/:id/release":                                          "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/remedies":                                         "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/remedies/:rid/reason":                             "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/remedies/:rid/withdrawal/approve":                 "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/remedies/:rid/conditions/approve":                 "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/restitution-exemption":                            "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/restitution-exemption/approve":                    "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/remedies/:rid/status":                             "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/transitions":                                      "UUU AFNN AANF FF",
	"POST /api/v1/cases/:id/triage":                                           "UUU AFNN AANF FF",
	"GET /api/v1/complainant/case":                                            "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/appeal":                                    "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/checkins/:cid":                             "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/escalations":                               "UAA UUUU UUUU UU",
	"GET /api/v1/complainant/case/export":                                     "UAA UUUU UUUU UU", // the other complainant gets a copy of their own case
	"GET /api/v1/complainant/case/evidence":                                   "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/evidence":                                  "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/feedback":                                  "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/messages":                                  "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/measures/:mid/consent":                     "UAA UUUU UUUU UU",
	"GET /api/v1/complainant/case/protection":                                 "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/remedies/:rid/response":                    "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/case/referrals/:rid/messages":                   "UAA UUUU UUUU UU",
	"POST /api/v1/complainant/session":                                        "AAA AAAA AAAA AA",
	"GET /api/v1/me":                                                          "UUU AAAA AAAA AA",
	"PUT /api/v1/me/availability":                                             "UUU AAAA AFFF FF",
	"GET /api/v1/queues":                                                      "UUU AAAA AAAA FF",
	"GET /api/v1/queues/:id/cases":                                            "UUU AAAA AAAA FF",
	"POST /api/v1/queues/:id/claim":                                           "UUU AAAA AFFF FF",
	"GET /api/v1/referrals":                                                   "UUU FFFF FFFF AA",
	"GET /api/v1/referrals/:id":                                               "UUU FFFF FFFF AN",
	"GET /api/v1/referrals/:id/dossier":                                       "UUU FFFF FFFF AN",
	"GET /api/v1/referrals/:id/dossier.pdf":                                   "UUU FFFF FFFF AN",
	"POST /api/v1/referrals/:id/messages":                                     "UUU FFFF FFFF AA",
	"POST /api/v1/referrals/:id/items/:item/settle":                           "UUU FFFF FFFF AA",
	"POST /api/v1/referrals/:id/status":                                       "UUU FFFF FFFF AA",
	"GET /api/v1/stats/ai-systems/:id":                                        "UUU AAAA AAAA FF",
	"GET /api/v1/stats/public":                                                "AAA AAAA AAAA AA",
	"GET /api/v1/systemic-alerts":                                             "UUU FFFF AAAA FF",
	"POST /api/v1/systemic-alerts/:id/acknowledge":                            "UUU FFFF AAAA FF",
	"GET /api/v1/systemic-issues":                                             "UUU AAAA AAAA FF",
	"POST /api/v1/systemic-issues":                                            "UUU AAAA AAAA FF",
	"GET /api/v1/systemic-issues/:id":                                         "UUU AAAA AAAA FF",
	"POST /api/v1/systemic-issues/:id/cases":                                  "UUU AAAA AAAA FF",
	"DELETE /api/v1/systemic-issues/:id/cases/:case_id":                       "UUU AAAA AAAA FF",
	"GET /api/v1/systemic-issues/:id/remedies":                                "UUU AAAA AAAA FF",
	"POST /api/v1/systemic-issues/:id/remedies":                               "UUU FFFF AAAA FF",
	"POST /api/v1/systemic-issues/:id/remedies/:rid/reason":                   "UUU FFFF AAAA FF",
	"POST /api/v1/systemic-issues/:id/remedies/:rid/status":                   "UUU FFFF AAAA FF",
	"POST /api/v1/systemic-issues/:id/remedies/:rid/withdrawal/approve":       "UUU FFFF AAAA FF",
	"POST /api/v1/systemic-issues/:id/resolve":                                "UUU FFFF AAAA FF",
	"GET /api/v1/admin/organisation":                                          "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/organisation":                                          "UUU FFFF FAAA FF",
	"POST /api/v1/systemic-issues/:id/referrals":                              "UUU FFFF AAAA FF",
	"GET /api/v1/systemic-referrals":                                          "UUU FFFF FFFF AA",
	"GET /api/v1/systemic-referrals/:id":                                      "UUU FFFF FFFF NN",
	"POST /follow-up/referrals/:rid/messages":                                 "UAA UUUU UUUU UU",
	"GET /bodies":                               "AAA AAAA AAAA AA",
	"GET /cases/:id":                            "UUU AANN AANA FF",
	"GET /cases/:id/:section":                   "UUU AANN AANA FF",
	"POST /cases/:id/acknowledge":               "UUU AFNN AANF FF",
	"POST /cases/:id/ai-decision":               "UUU AFNN AANF FF",
	"POST /cases/:id/assign":                    "UUU FFFF AANF FF",
	"POST /cases/:id/clocks/extension":          "UUU AFNN AANF FF",
	"POST /cases/:id/close":                     "UUU AFNN AANF FF",
	"POST /cases/:id/contact":                   "UUU AANN AANA FF",
	"POST /cases/:id/decision":                  "UUU AFNN FFFF FF", // the domain lets only the holder decide (403 after the guard)
	"POST /cases/:id/decision/approve":          "UUU FFFF AANF FF",
	"POST /cases/:id/escalations":               "UUU AFNN AANF FF",
	"POST /cases/:id/erasure/refuse":            "UUU FFFF AANF FF",
	"POST /cases/:id/legal-holds":               "UUU FFFF AANF FF",
	"POST /cases/:id/legal-holds/:hid/release":  "UUU FFFF AANF FF",
	"POST /cases/:id/evidence":                  "UUU AFNN AANF FF",
	"POST /cases/:id/evidence/:eid/disclosure":  "UUU AFNN AANF FF",
	"GET /cases/:id/evidence/:eid":              "UUU AANN AANA FF",
	"POST /cases/:id/incident":                  "UUU AFNN AANF FF",
	"POST /cases/:id/incident/tasks/:task":      "UUU AFNN AANF FF",
	"POST /cases/:id/measures":                  "UUU AFNN AANF FF",
	"POST /cases/:id/measures/:mid/in-place":    "UUU NFNN NNNF FF", // the case has no measure: 404 for those the guard lets in
	"POST /cases/:id/messages":                  "UUU AFNN AANF FF",
	"POST /cases/:id/points-of-view":            "UUU AFNN AANF FF",
	"POST /cases/:id/priority/approve":          "UUU FFFF AANF FF",
	"GET /cases/:id/referrals/:rid/dossier":     "UUU ANNN AANA FF",
	"GET /cases/:id/referrals/:rid/dossier.pdf": "UUU ANNN AANA FF",
	"POST /cases/:id/referrals/:rid/messages":   "UUU AFNN AANF FF",
	"POST /cases/:id/release":                   "UUU AFNN AANF FF",
	"POST /cases/:id/remedies":                  "UUU AFNN AANF FF", // the holder or a supervisor of the queue; break-glass only reads
	"POST /cases/:id/remedies/:rid/status":      "UUU AFNN AANF FF",
	"POST /cases/:id/request-information":       "UUU AFNN AANF FF",
	"POST /cases/:id/transition":                "UUU AFNN AANF FF",
	"POST /cases/:id/triage":                    "UUU AFNN AANF FF",
	"GET /complaints/new":                       "AAA AAAA AAAA AA",
	"POST /complaints/new":                      "AAA AAAA AAAA AA",
	"GET /complaints/receipt":                   "AAA AAAA AAAA AA",
	"GET /complaints/receipt/code.pdf":          "NNN NNNN NNNN NN", // no receipt cookie: nothing to print
	"POST /complaints/receipt/done":             "AAA AAAA AAAA AA",
	"POST /complaints/send":                     "AAA AAAA AAAA AA",
	"GET /dashboard":                            "UUU FFFF AAAA FF",
	"GET /follow-up":                            "AAA AAAA AAAA AA",
	"POST /follow-up":                           "AAA AAAA AAAA AA",
	"POST /follow-up/appeal":                    "UAA UUUU UUUU UU",
	"POST /follow-up/escalations":               "UAA UUUU UUUU UU",
	"POST /follow-up/evidence":                  "UAA UUUU UUUU UU",
	"POST /follow-up/erasure":                   "UAA UUUU UUUU UU",
	"POST /follow-up/erasure/cancel":            "UAA UUUU UUUU UU",
	"GET /follow-up/evidence/:eid":              "UAN UUUU UUUU UU",
	"GET /follow-up/copy.pdf":                   "UAA UUUU UUUU UU", // the other complainant gets a copy of their own case
	"GET /follow-up/copy.json":                  "UAA UUUU UUUU UU",
	"POST /follow-up/feedback":                  "UAA UUUU UUUU UU",
	"POST /follow-up/messages":                  "UAA UUUU UUUU UU",
	"POST /follow-up/remedies/:rid/response":    "UAA UUUU UUUU UU",
	"POST /follow-up/measures/:mid/consent":     "UAA UUUU UUUU UU",
	"POST /follow-up/checkins/:cid":             "UAA UUUU UUUU UU",
	"GET /lang/:code":                           "AAA AAAA AAAA AA",
	"GET /livez":                                "AAA AAAA AAAA AA",
	"GET /login":                                "AAA AAAA AAAA AA",
	"POST /login":                               "AAA AAAA AAAA AA",
	"POST /logout":                              "AAA AAAA AAAA AA",
	"GET /procedure":                            "AAA AAAA AAAA AA",
	"GET /queue":                                "UUU AAAA AAAA FF",
	"POST /queue/:id/claim":                     "UUU AAAA AFFF FF",
	"POST /queue/availability":                  "UUU AAAA AFFF FF",
	"GET /readyz":                               "AAA AAAA AAAA AA",
	"GET /referrals":                            "UUU FFFF FFFF AA",
	"GET /referrals/:id":                        "UUU FFFF FFFF AN",
	"GET /referrals/:id/dossier.json":           "UUU FFFF FFFF AN",
	"GET /referrals/:id/dossier.pdf":            "UUU FFFF FFFF AN",
	"POST /referrals/:id/messages":              "UUU FFFF FFFF AN",
	"POST /referrals/:id/status":                "UUU FFFF FFFF AN",
	"GET /static/:file":                         "AAA AAAA AAAA AA",
	"GET /account/sessions":                     "UUU AAAA AAAA AA",
	"POST /account/sessions/revoke":             "UUU AAAA AAAA AA",
	"GET /account/two-factor":                   "UUU AAAA AAAA AA",
	"POST /account/two-factor/confirm":          "UUU AAAA AAAA AA",
	"POST /account/two-factor/disable":          "UUU AAAA AAAA AA",
	"POST /account/two-factor/recovery-codes":   "UUU AAAA AAAA AA",
	"GET /admin/access-log":                     "UUU FFFF FAAA FF",
	"GET /admin/break-glass":                    "UUU FFFF FAAA FF",
	"POST /admin/break-glass":                   "UUU FFFF FAAA FF",
	"GET /admin/sign-in":                        "UUU FFFF FAAA FF",
	"POST /admin/sign-in":                       "UUU FFFF FAAA FF",
	"GET /api/v1/admin/access-log":              "UUU FFFF FAAA FF",
	"GET /api/v1/admin/sign-in-policy":          "UUU FFFF FAAA FF",
	"PUT /api/v1/admin/sign-in-policy":          "UUU FFFF FAAA FF",
	"POST /api/v1/auth/sign-out":                "UUU AAAA AAAA AA",
	"POST /api/v1/break-glass":                  "UUU FFFF FAAA FF",
	"GET /api/v1/cases/:id/access":              "UUU FFNN AANF FF",
	"GET /cases/:id/access":                     "UUU FFNN AANF FF",
	"GET /api/v1/me/sessions":                   "UUU AAAA AAAA AA",
	"POST /api/v1/me/sessions/revoke":           "UUU AAAA AAAA AA",
	"POST /api/v1/me/two-factor":                "UUU AAAA AAAA AA",
	"POST /api/v1/me/two-factor/confirm":        "UUU AAAA AAAA AA",
	"GET /login/code":                           "AAA AAAA AAAA AA",
	"POST /login/code":                          "AAA AAAA AAAA AA",

	// The second person's approvals in the pages (issue 16, part G); four eyes is the domain's, after the guard.
	"POST /cases/:id/remedies/:rid/reason":                  "UUU AFNN AANF FF",
	"POST /cases/:id/remedies/:rid/withdrawal/approve":      "UUU AFNN AANF FF",
	"POST /cases/:id/remedies/:rid/conditions/approve":      "UUU AFNN AANF FF",
	"POST /cases/:id/restitution-exemption":                 "UUU AFNN AANF FF",
	"POST /cases/:id/restitution-exemption/approve":         "UUU AFNN AANF FF",
	"POST /cases/:id/referrals/:rid/items/:item/compliance": "UUU AFNN AANF FF",
	"POST /cases/:id/referrals/:rid/items/:item/verify":     "UUU FFFF NNNF FF", // no such item: 404 for those the guard lets in
	// Requests for information to the AI system's provider (issue 16).
	"POST /cases/:id/provider-requests":             "UUU AFNN AANF FF",
	"POST /cases/:id/provider-requests/:rid/answer": "UUU AFNN AANF FF",
}

// sentinels are asked again after the matrix: the answers must not have
// changed (no request of the matrix changed who sees the case).
var sentinels = []matrixRoute{{"GET", "/api/v1/cases/:id"}, {"GET", "/cases/:id"}}

// slowRoutes are asked first, all at once. None now: GET /metrics, the
// slow one, left the app for the operations port (REDRESS_METRICS_ADDR).
var slowRoutes []string

// sessionEnders are the routes that end the caller's sessions: they are
// asked last, each with a session opened for that request.
// (Sign-out everywhere ends every session of the account: asked earlier,
// it would sign the actor out of the rest of the matrix.) Routes named
// here that the app does not have are ignored.
var sessionEnders = []string{"POST /logout", "POST /api/v1/auth/sign-out", "POST /api/v1/me/sessions/revoke",
	"POST /account/sessions/revoke"}

// matrixActor is one column.
type matrixActor struct {
	name  string
	creds session
	// fresh opens a new session of the same person (for sessionEnders).
	fresh func() session
	// ids are the case's ids this person's requests name.
	ids *caseIDs
}

// session is how one person is signed in: a staff or body user's API
// token (bearer) and their pages' session (web, signed in through the
// form), or a complainant's token (sent as a bearer token and as the
// pages' case cookie). Empty: anonymous.
type session struct{ bearer, web, complainant string }

// caseIDs are a case and the things in it that routes name.
type caseIDs struct{ Case, Evidence, Remedy, Referral string }

// matrixFixture holds the ids routes name, beside the case's.
type matrixFixture struct {
	queue, claimQueue, system, body, spare, issue, rule, calendar, policy, webhook, asset string
	csrfNonce, csrfToken                                                                  string
	// sessionCSRF: the pages' CSRF token of each signed-in session (the
	// token is bound to the session; csrfToken is the anonymous one).
	sessionCSRF sync.Map
	// resets are the routes that, allowed, change who sees the case: each
	// request is followed by its reset (see matrixFixtures).
	resets map[string]func()
}

// matrixRoute is one route of the app.
type matrixRoute struct{ method, path string }

func (r matrixRoute) String() string { return r.method + " " + r.path }

func TestAccessMatrix(t *testing.T) {
	s := teststack.New(t, teststack.Options{})
	actors, fx := matrixFixtures(t, s)
	routes := appRoutes(s)

	start := time.Now()
	ask := func(r matrixRoute, a *matrixActor) byte {
		return askRoute(t, s, fx, r, a, a.creds)
	}
	var normal []matrixRoute
	for _, r := range routes {
		if _, ok := fx.resets[r.String()]; !ok && !slices.Contains(sessionEnders, r.String()) {
			normal = append(normal, r)
		}
	}
	got := askAll(normal, actors, ask)
	// The routes that change what others see when allowed, one request at a
	// time, each followed by putting back what it changed.
	for _, r := range routes {
		reset, ok := fx.resets[r.String()]
		if !ok {
			continue
		}
		row := make([]byte, len(actors))
		for i, a := range actors {
			row[i] = ask(r, a)
			reset()
		}
		got[r] = string(row)
	}
	// No request changed who sees the case: the sentinels answer as before.
	again := askAll(sentinels, actors, ask)
	for _, r := range sentinels {
		if again[r] != got[r] {
			t.Errorf("%s answered %s, then %s after the matrix: a request changed who sees the case (send it so the handler refuses it, or give its route a reset)",
				r, spaced(got[r]), spaced(again[r]))
		}
	}
	// The routes that end sessions, last, each with a session of its own.
	for _, r := range routes {
		if !slices.Contains(sessionEnders, r.String()) {
			continue
		}
		row := make([]byte, len(actors))
		for i, a := range actors {
			row[i] = askRoute(t, s, fx, r, a, a.fresh())
		}
		got[r] = string(row)
	}
	t.Logf("%d routes × %d actors asked in %s", len(routes), len(actors), time.Since(start).Round(time.Millisecond))

	var missing []string
	for _, r := range routes {
		row := got[r]
		want, ok := accessMatrix[r.String()]
		if !ok {
			missing = append(missing, fmt.Sprintf("\t%q: %q,", r.String(), spaced(row)))
			continue
		}
		want = strings.ReplaceAll(want, " ", "")
		if len(want) != len(actors) {
			t.Errorf("%s: the row %q has %d letters, not %d", r, want, len(want), len(actors))
			continue
		}
		if row != want {
			var diff []string
			for i := range actors {
				if row[i] != want[i] {
					diff = append(diff, fmt.Sprintf("%s: %c, not %c", actors[i].name, row[i], want[i]))
				}
			}
			t.Errorf("%s: %s (got %q, want %q)", r, strings.Join(diff, "; "), spaced(row), spaced(want))
		}
	}
	if len(missing) > 0 {
		t.Errorf("%d routes have no row in accessMatrix; their answers now are:\n%s", len(missing), strings.Join(missing, "\n"))
	}
	live := map[string]bool{}
	for _, r := range routes {
		live[r.String()] = true
	}
	var stale []string
	for k := range accessMatrix {
		if !live[k] {
			stale = append(stale, k)
		}
	}
	sort.Strings(stale)
	for _, k := range stale {
		t.Errorf("accessMatrix has a row for %s, which is no route of the app: remove it", k)
	}
}

// spaced groups a row's letters as accessMatrix writes them.
func spaced(row string) string {
	if len(row) != 13 {
		return row
	}
	return row[:3] + " " + row[3:7] + " " + row[7:11] + " " + row[11:]
}

// appRoutes are every route the app answers, but HEAD (Fiber adds one per
// GET) and middleware.
func appRoutes(s *teststack.Stack) []matrixRoute {
	seen := map[matrixRoute]bool{}
	var out []matrixRoute
	for _, r := range s.App.GetRoutes(true) {
		if r.Method == http.MethodHead || r.Method == "CONNECT" || r.Method == "TRACE" || r.Method == "OPTIONS" {
			continue
		}
		mr := matrixRoute{r.Method, r.Path}
		if !seen[mr] {
			seen[mr] = true
			out = append(out, mr)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].path != out[j].path {
			return out[i].path < out[j].path
		}
		return out[i].method < out[j].method
	})
	return out
}

// askAll asks every route as every actor, a few at a time.
func askAll(routes []matrixRoute, actors []*matrixActor, ask func(matrixRoute, *matrixActor) byte) map[matrixRoute]string {
	rows := map[matrixRoute][]byte{}
	for _, r := range routes {
		rows[r] = make([]byte, len(actors))
	}
	type job struct {
		r matrixRoute
		i int
	}
	jobs := make(chan job)
	var wg sync.WaitGroup
	// The slow routes start at once, beside the others.
	for _, r := range routes {
		if !slices.Contains(slowRoutes, r.String()) {
			continue
		}
		for i := range actors {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rows[r][i] = ask(r, actors[i])
			}()
		}
	}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range jobs {
				rows[j.r][j.i] = ask(j.r, actors[j.i]) // each cell written by one goroutine
			}
		}()
	}
	for _, r := range routes {
		if slices.Contains(slowRoutes, r.String()) {
			continue
		}
		for i := range actors {
			jobs <- job{r, i}
		}
	}
	close(jobs)
	wg.Wait()
	out := map[matrixRoute]string{}
	for r, row := range rows {
		out[r] = string(row)
	}
	return out
}

var matrixClient = &http.Client{
	Timeout:       60 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

// askRoute sends one request of route r as actor a (with the given
// sessions) and returns its letter.
func askRoute(t *testing.T, s *teststack.Stack, fx *matrixFixture, r matrixRoute, a *matrixActor, c session) byte {
	path := fx.fill(r.path, a.ids)
	api := strings.HasPrefix(path, "/api/") || strings.HasPrefix(path, "/.well-known/")
	var body io.Reader
	var ctype string
	if r.method != http.MethodGet {
		if api {
			// Not a JSON object: every handler that reads a body refuses it (400).
			body, ctype = strings.NewReader("[]"), "application/json"
		} else {
			body, ctype = strings.NewReader(url.Values{"_csrf": {fx.csrfFor(s, c)}}.Encode()), "application/x-www-form-urlencoded"
		}
	}
	req, err := http.NewRequest(r.method, s.URL+path, body)
	if err != nil {
		t.Error(err)
		return '?'
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.AddCookie(&http.Cookie{Name: "redress_csrf", Value: fx.csrfNonce})
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	if c.web != "" {
		req.AddCookie(&http.Cookie{Name: "redress_staff", Value: c.web})
	}
	if c.complainant != "" {
		req.Header.Set("Authorization", "Bearer "+c.complainant)
		req.AddCookie(&http.Cookie{Name: "redress_case", Value: c.complainant})
	}
	resp, err := matrixClient.Do(req)
	if err != nil {
		t.Errorf("%s as %s: %v", r, a.name, err)
		return '?'
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	letter := classify(resp)
	if letter == 'E' {
		t.Errorf("%s (%s) as %s: %d %s", r, path, a.name, resp.StatusCode, raw)
	}
	return letter
}

// classify reduces an answer to its letter.
func classify(resp *http.Response) byte {
	switch st := resp.StatusCode; {
	case st >= 500:
		return 'E'
	case st == http.StatusUnauthorized:
		return 'U'
	case st == http.StatusForbidden:
		return 'F'
	case st == http.StatusNotFound:
		return 'N'
	case st >= 300 && st < 400:
		if loc := resp.Header.Get("Location"); strings.HasPrefix(loc, "/login?next=") {
			return 'U'
		}
		for _, c := range resp.Cookies() {
			if c.Name == "redress_flash" && c.Value == "followup.signin_first" {
				return 'U'
			}
		}
	}
	return 'A'
}

// fill puts the fixture's ids in a route's parameters: the case's own ids
// (ids), the queue, AI system, body, … the route names; a random UUID for
// anything else (a thing that does not exist).
func (fx *matrixFixture) fill(path string, ids *caseIDs) string {
	segs := strings.Split(path, "/")
	for i, seg := range segs {
		if !strings.HasPrefix(seg, ":") {
			continue
		}
		name := strings.TrimSuffix(strings.TrimPrefix(seg, ":"), "?")
		prev, next := "", ""
		if i > 0 {
			prev = segs[i-1]
		}
		if i+1 < len(segs) {
			next = segs[i+1]
		}
		systemic := strings.HasPrefix(path, "/api/v1/systemic-issues/")
		v := ""
		switch {
		case name == "evidence_id" || name == "eid":
			v = ids.Evidence
		case name == "case_id" || prev == "cases":
			v = ids.Case
		case prev == "remedies" && !systemic:
			v = ids.Remedy
		case prev == "referrals":
			v = ids.Referral
		case prev == "queues" && next == "claim", prev == "queue" && next == "claim":
			v = fx.claimQueue
		case prev == "queues":
			v = fx.queue
		case prev == "ai-systems":
			v = fx.system
		case prev == "bodies":
			v = fx.body
		case prev == "users", name == "user_id":
			v = fx.spare
		case prev == "systemic-issues":
			v = fx.issue
		case prev == "routing-rules":
			v = fx.rule
		case prev == "calendars":
			v = fx.calendar
		case prev == "policies":
			v = fx.policy
		case prev == "webhooks":
			v = fx.webhook
		case name == "clock":
			v = "acknowledge"
		case name == "section":
			v = "record"
		case name == "code":
			v = "fr"
		case name == "file":
			v = fx.asset
		}
		if v == "" {
			v = uuid.NewString()
		}
		segs[i] = v
	}
	return strings.Join(segs, "/")
}

// matrixFixtures builds the people and the cases of the matrix.
func matrixFixtures(t *testing.T, s *teststack.Stack) ([]*matrixActor, *matrixFixture) {
	t.Helper()
	ctx := context.Background()
	exec := func(q string, args ...any) { t.Helper(); dbExec(t, s, q, args...) }
	one := func(q string, args ...any) string { t.Helper(); return dbOne(t, s, q, args...) }
	want := func(r *teststack.Response, status int, what string) map[string]any {
		t.Helper()
		if r.Status != status {
			t.Fatalf("%s: %d %s", what, r.Status, r.Body)
		}
		if len(r.Body) == 0 || r.Body[0] != '{' {
			return nil
		}
		return r.JSON(t)
	}
	fx := &matrixFixture{}
	// A queue nobody routes to, made before the people (members of every
	// queue): claims there find nothing to take.
	exec(`INSERT INTO queues (slug, name, description) VALUES ('matrix-empty', 'Matrix (empty)', 'Nothing is routed here.')`)
	fx.claimQueue = one(`SELECT id::text FROM queues WHERE slug = 'matrix-empty'`)
	fx.system = one(`SELECT id::text FROM ai_systems WHERE slug = 'credit-scorer'`)
	fx.body = one(`SELECT id::text FROM bodies WHERE slug = 'demo-equality'`)
	fx.rule = one(`SELECT id::text FROM routing_rules WHERE NOT is_default ORDER BY position LIMIT 1`)
	fx.calendar = one(`SELECT id::text FROM sla_calendars ORDER BY id LIMIT 1`)
	fx.policy = one(`SELECT id::text FROM sla_policies ORDER BY id LIMIT 1`)
	hook, err := s.Core.Notify.CreateEndpoint(ctx, "https://hooks.example.org/redress", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	fx.webhook = hook.ID.String()

	staffTokens := map[string]string{}
	staffUser := func(email string, role auth.Role, member bool) string {
		if member {
			staffTokens[email] = s.StaffUser(email, role)
		} else {
			staffTokens[email] = s.Outsider(email, role)
		}
		return staffTokens[email]
	}
	asg := staffUser("matrix-assignee@example.org", "reviewer", true)
	staffUser("matrix-queue@example.org", "reviewer", true)
	staffUser("matrix-outsider@example.org", "reviewer", false)
	staffUser("matrix-recused@example.org", "reviewer", true)
	sup := staffUser("matrix-supervisor@example.org", "supervisor", true)
	staffUser("matrix-admin@example.org", "admin", true)
	staffUser("matrix-admin-out@example.org", "admin", false)
	staffUser("matrix-admin-bg@example.org", "admin", false)
	staffTokens["regulator@example.org"] = s.Login("regulator@example.org")
	staffTokens["surveillance@example.org"] = s.Login("surveillance@example.org")
	s.Outsider("matrix-spare@example.org", "reviewer")
	fx.spare = one(`SELECT id::text FROM users WHERE email = 'matrix-spare@example.org'`)
	// The recused reviewer operates the case's AI system.
	exec(`INSERT INTO ai_system_staff (ai_system_id, user_id, role) SELECT ?, id, 'operator' FROM users WHERE email = ?`,
		fx.system, "matrix-recused@example.org")

	file := func(named bool) teststack.Filed {
		body := teststack.ValidCase()
		if named {
			body = teststack.NamedCase()
		}
		delete(body, "ai_system_other")
		body["ai_system_id"] = fx.system
		f := s.File(body)
		if _, err := s.Core.Routing.Route(ctx, uuid.MustParse(f.ID)); err != nil {
			t.Fatal(err)
		}
		return f
	}
	evidence := func(path, tok string, staff bool) string { return uploadEvidence(t, s, path, tok, staff) }

	// The case: held by the assignee, its AI decision recorded, evidence
	// from the complainant, decided, a remedy offered, referred by the
	// complainant to the demo data-protection authority, in a systemic issue.
	c := file(true)
	main := &caseIDs{Case: c.ID}
	fx.queue = one(`SELECT queue_id::text FROM cases WHERE id = ?`, c.ID)
	if m := want(s.Do(teststack.Request{Method: "POST", Path: "/api/v1/queues/" + fx.queue + "/claim", Token: asg}), 200, "claim"); m["id"] != c.ID {
		t.Fatalf("the assignee claimed %v, not the case", m["id"])
	}
	cp := "/api/v1/cases/" + c.ID
	want(s.Do(teststack.Request{Method: "POST", Path: cp + "/transitions", Token: asg,
		Body: map[string]string{"to": "in_review", "reason": "Looking at the rota data."}}), 200, "in review")
	comp := s.ComplainantToken(c)
	main.Evidence = evidence("/api/v1/complainant/case/evidence", comp, false)
	want(s.Do(teststack.Request{Method: "PUT", Path: cp + "/ai-decision", Token: asg, Body: map[string]any{
		"system_version": "7.0", "inputs": []string{"sick-leave records", "past rotas"}, "output": "Hours cut to zero.",
		"solely_automated": true, "human_oversight": "none", "person_informed": "no"}}), 200, "AI decision")
	want(s.Do(teststack.Request{Method: "POST", Path: cp + "/decision", Token: asg, Body: teststack.Decision("decision_overturned")}), 200, "decide")
	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	r := s.Do(teststack.Request{Method: "POST", Path: cp + "/remedies", Token: asg, Body: map[string]any{"offer": true,
		"components": []map[string]any{{"form": "restitution", "subtype": "decision_reversed", "responsible": "deployer",
			"due_at": due, "description": "Restore the shifts the scheduler removed, from the next rota."}}}})
	main.Remedy = want(r, 201, "remedies")["items"].([]any)[0].(map[string]any)["id"].(string)
	r = s.Do(teststack.Request{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: comp, Body: map[string]any{
		"body_id": one(`SELECT id::text FROM bodies WHERE slug = 'demo-dpa'`), "consent_scope": "identity_withheld",
		"reason": "I want the authority to look at how the scheduler treats sick leave."}})
	main.Referral = want(r, 201, "referral")["id"].(string)
	r = s.Do(teststack.Request{Method: "POST", Path: "/api/v1/systemic-issues", Token: sup, Body: map[string]any{
		"ai_system_id": fx.system, "mechanism": "erroneous_output", "title": "Sick leave cuts shifts",
		"description": "Several cases say the scheduler cuts the hours of people back from sick leave.", "case_ids": []string{c.ID}}})
	fx.issue = want(r, 201, "systemic issue")["id"].(string)
	// The admin outside the queue broke the glass (POST /api/v1/break-glass
	// is being built elsewhere: the row is what it writes).
	exec(`INSERT INTO break_glass (case_id, user_id, reason, expires_at)
		SELECT ?, id, 'The complainant wrote to the chief executive about this case.', now() + interval '1 hour'
		  FROM users WHERE email = 'matrix-admin-bg@example.org'`, c.ID)

	// An open case of the same queue, nobody's yet: the queue's reviewers may take it.
	o := file(false)
	if q := one(`SELECT queue_id::text FROM cases WHERE id = ?`, o.ID); q != fx.queue {
		t.Fatalf("the open case went to queue %s, not %s", q, fx.queue)
	}
	// The case held by the assignee does not exist for the other reviewers of its queue.
	if r := s.Do(teststack.Request{Method: "GET", Path: cp, Token: staffTokens["matrix-queue@example.org"]}); r.Status != 404 {
		t.Fatalf("a reviewer of the queue reads a case another holds: %d %s", r.Status, r.Body)
	}
	open := &caseIDs{Case: o.ID, Evidence: evidence("/api/v1/cases/"+o.ID+"/evidence", sup, true), Remedy: uuid.NewString(), Referral: uuid.NewString()}

	// Another complainant's case.
	other := s.File(teststack.ValidCase())
	otherTok := s.ComplainantToken(other)

	// The pages' CSRF nonce and token, and a static file's name.
	var p *teststack.Response
	fx.csrfNonce, fx.csrfToken, p = pagesCSRF(s)
	if m := regexp.MustCompile(`/static/([^"?#]+)`).FindSubmatch(p.Body); m != nil {
		fx.asset = string(m[1])
	}
	if fx.csrfNonce == "" || fx.csrfToken == "" || fx.asset == "" {
		t.Fatalf("no CSRF nonce, token or static file on /login: %v %s", p.Header, p.Body)
	}

	// Releasing the case would leave the assignee without it: each release
	// is undone.
	giveBack := func() {
		exec(`UPDATE cases SET assignee_id = (SELECT id FROM users WHERE email = 'matrix-assignee@example.org'),
			assigned_at = now() WHERE id = ?`, c.ID)
	}
	fx.resets = map[string]func(){"POST /api/v1/cases/:id/release": giveBack, "POST /cases/:id/release": giveBack}

	staffActor := func(name, email string, ids *caseIDs) *matrixActor {
		return &matrixActor{name: name, creds: session{bearer: staffTokens[email], web: webSignIn(t, s, email)}, ids: ids,
			fresh: func() session { return session{bearer: s.Login(email), web: webSignIn(t, s, email)} }}
	}
	compActor := func(name string, f teststack.Filed, tok string) *matrixActor {
		return &matrixActor{name: name, creds: session{complainant: tok}, ids: main,
			fresh: func() session { return session{complainant: s.ComplainantToken(f)} }}
	}
	actors := []*matrixActor{
		{name: "anonymous", ids: main, fresh: func() session { return session{} }},
		compActor("complainant", c, comp),
		compActor("other complainant", other, otherTok),
		staffActor("assignee", "matrix-assignee@example.org", main),
		staffActor("queue reviewer", "matrix-queue@example.org", open),
		staffActor("outsider reviewer", "matrix-outsider@example.org", main),
		staffActor("recused reviewer", "matrix-recused@example.org", main),
		staffActor("supervisor", "matrix-supervisor@example.org", main),
		staffActor("admin", "matrix-admin@example.org", main),
		staffActor("admin outside", "matrix-admin-out@example.org", main),
		staffActor("admin break-glass", "matrix-admin-bg@example.org", main),
		staffActor("referred body", "regulator@example.org", main),
		staffActor("other body", "surveillance@example.org", main),
	}
	return actors, fx
}

var csrfField = regexp.MustCompile(`name="_csrf" value="([^"]+)"`)

// uploadEvidence uploads a small PDF to path (a case's evidence as staff,
// with its source, or the complainant's own) and returns its id.
func uploadEvidence(t *testing.T, s *teststack.Stack, path, tok string, staff bool) string {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if staff {
		_ = mw.WriteField("source", "organisation")
	}
	_ = mw.WriteField("description", "The rota export for May, showing the cut after the sick-leave flag.")
	fw, _ := mw.CreateFormFile("file", "rota.pdf")
	_, _ = fw.Write([]byte("%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"))
	_ = mw.Close()
	r := s.Do(teststack.Request{Method: "POST", Path: path, Token: tok, Body: buf.Bytes(),
		Header: map[string]string{"Content-Type": mw.FormDataContentType()}})
	if r.Status != 201 {
		t.Fatalf("evidence: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)["id"].(string)
}

// webSignIn signs email in through the pages' form, as a browser does, and
// returns the pages' session cookie.
func webSignIn(t *testing.T, s *teststack.Stack, email string) string {
	t.Helper()
	p := s.Do(teststack.Request{Method: "GET", Path: "/login"})
	var nonce string
	for _, ck := range (&http.Response{Header: p.Header}).Cookies() {
		if ck.Name == "redress_csrf" {
			nonce = ck.Value
		}
	}
	m := csrfField.FindSubmatch(p.Body)
	if nonce == "" || m == nil {
		t.Fatalf("no CSRF nonce or token on /login: %s", p.Body)
	}
	form := url.Values{"email": {email}, "password": {teststack.DemoPassword}, "_csrf": {string(m[1])}}
	req, err := http.NewRequest("POST", s.URL+"/login", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.AddCookie(&http.Cookie{Name: "redress_csrf", Value: nonce})
	resp, err := matrixClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	for _, ck := range resp.Cookies() {
		if ck.Name == "redress_staff" && ck.Value != "" {
			return ck.Value
		}
	}
	t.Fatalf("sign in %s through the form: %d, no session cookie", email, resp.StatusCode)
	return ""
}

// csrfFor is the pages' CSRF token of session c with the fixture's nonce,
// as its pages carry it (the sign-out form of every page).
func (fx *matrixFixture) csrfFor(s *teststack.Stack, c session) string {
	if c.web == "" && c.complainant == "" {
		return fx.csrfToken
	}
	key := c.web + "|" + c.complainant
	if tok, ok := fx.sessionCSRF.Load(key); ok {
		return tok.(string)
	}
	req, err := http.NewRequest("GET", s.URL+"/procedure", nil)
	if err != nil {
		s.T.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: "redress_csrf", Value: fx.csrfNonce})
	if c.web != "" {
		req.AddCookie(&http.Cookie{Name: "redress_staff", Value: c.web})
	}
	if c.complainant != "" {
		req.AddCookie(&http.Cookie{Name: "redress_case", Value: c.complainant})
	}
	resp, err := matrixClient.Do(req)
	if err != nil {
		s.T.Error(err)
		return ""
	}
	raw, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := csrfField.FindSubmatch(raw)
	if m == nil {
		// Not signed in after all (a session ended): the anonymous token.
		return fx.csrfToken
	}
	fx.sessionCSRF.Store(key, string(m[1]))
	return string(m[1])
}

// pagesCSRF reads the pages' CSRF nonce (cookie) and token (form field) off
// the sign-in page.
func pagesCSRF(s *teststack.Stack) (nonce, token string, page *teststack.Response) {
	p := s.Do(teststack.Request{Method: "GET", Path: "/login"})
	for _, ck := range (&http.Response{Header: p.Header}).Cookies() {
		if ck.Name == "redress_csrf" {
			nonce = ck.Value
		}
	}
	if m := csrfField.FindSubmatch(p.Body); m != nil {
		token = string(m[1])
	}
	return nonce, token, p
}
