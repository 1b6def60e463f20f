package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/smtpsink"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// A systemic alert mails every active supervisor, in their language, with the
// AI system's name and the counts but no case content; and reaches the
// webhooks subscribed to it.
func TestSystemicAlertMailsEverySupervisorAndReachesWebhooks(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	admin := s.Login("admin@example.org")
	rc := newReceiver(t, 0)
	rc.register(t, s, admin, "redress.systemic.>")
	s.StaffUser("sup2@example.org", "supervisor")
	s.StaffUser("gone@example.org", "supervisor")
	s.Core.DB.Exec(`UPDATE users SET languages = '{fr}' WHERE email = 'sup2@example.org'`)
	s.Core.DB.Exec(`UPDATE users SET active = false WHERE email = 'gone@example.org'`)

	var sys string
	s.Core.DB.Raw(`SELECT id::text FROM ai_systems WHERE slug = 'hiring-screener'`).Scan(&sys)
	if r := s.Do(req{Method: "PUT", Path: "/api/v1/admin/ai-systems/" + sys + "/alerting", Token: admin,
		Body: map[string]int{"threshold": 2, "window_hours": 48}}); r.Status != 200 {
		t.Fatalf("alerting: %d %s", r.Status, r.Body)
	}
	const secret = "Rejected because my CV mentions a wheelchair-basketball club (marker 5e1c)."
	var last teststack.Filed
	for range 2 {
		b := identified("applicant@example.net", "email", "en", secret)
		delete(b, "ai_system_other")
		b["ai_system_id"] = sys
		last = s.File(b)
	}
	testenv.Eventually(t, time.Minute, "the alert emails to be sent", func() bool {
		var open, sent int
		s.Core.DB.Raw(`SELECT count(*) FILTER (WHERE status IN ('pending', 'failed')),
			count(*) FILTER (WHERE status = 'sent') FROM notifications_sent WHERE template = ?`,
			notify.TemplateSystemicAlert).Row().Scan(&open, &sent)
		return sent > 0 && open == 0
	})
	alerts := func(addr string) []smtpsink.Message {
		var out []smtpsink.Message
		for _, m := range sink.To(addr) {
			if strings.Contains(m.Subject(), "TalentSift hiring screener") {
				out = append(out, m)
			}
		}
		return out
	}
	en, fr := alerts("supervisor@example.org"), alerts("sup2@example.org")
	if len(en) != 1 || len(fr) != 1 {
		t.Fatalf("alert emails: %d to supervisor@, %d to sup2@, want 1 each", len(en), len(fr))
	}
	if want := "[Redress] Systemic alert: 2 cases about TalentSift hiring screener (case " + last.Reference + " reached the threshold)"; en[0].Subject() != want {
		t.Errorf("subject %q, want %q", en[0].Subject(), want)
	}
	if !strings.HasPrefix(fr[0].Subject(), "[Redress] Alerte systémique") || fr[0].Header("Content-Language") != "fr" {
		t.Errorf("French subject %q (%s)", fr[0].Subject(), fr[0].Header("Content-Language"))
	}
	body := en[0].Text()
	for _, want := range []string{"within the last 48 hours", "threshold is 2", publicURL + "/cases/" + last.ID} {
		if !strings.Contains(body, want) {
			t.Errorf("body lacks %q:\n%s", want, body)
		}
	}
	for _, m := range append(en, fr...) {
		absent(t, m, secret, "wheelchair", "applicant@example.net", "Marie Curie")
	}
	for _, other := range []string{"gone@example.org", "admin@example.org", "reviewer@example.org", "reviewer2@example.org"} {
		if got := alerts(other); len(got) != 0 {
			t.Errorf("%s got the alert", other)
		}
	}

	testenv.Eventually(t, 30*time.Second, "the alert to reach the webhook", func() bool {
		for _, r := range rc.requests() {
			if r.typ == events.SystemicAlert {
				return true
			}
		}
		return false
	})
	for _, r := range rc.requests() {
		if r.verified != nil {
			t.Errorf("unverified delivery: %v", r.verified)
		}
		if r.typ != events.SystemicAlert {
			t.Errorf("delivered %s to an endpoint for redress.systemic.>", r.typ)
		}
		if strings.Contains(string(r.body), "wheelchair") || !strings.Contains(string(r.body), `"alert_id"`) {
			t.Errorf("delivery body %s", r.body)
		}
	}
}
