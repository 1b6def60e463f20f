package notify_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/testenv/smtpsink"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Remedies by email: an offer is one piece of news for the complainant (not
// two, though it also moves the case), their answer reaches who holds the
// case, and a component's missed date reaches them and the supervisors —
// none of it with case content.
func TestRemedyOffersAnswersAndMissedDatesAreMailed(t *testing.T) {
	t.Parallel()
	sink := smtpsink.Start(t)
	s := mailStack(t, sink)
	const (
		email   = "ada1815@example.net"
		offer   = "Pay the wages lost for the removed shifts (offer 3c9d)."
		comment = "Thank you, that is fair (answer 8b1e)."
	)
	f := s.File(identified(email, "email", "en", "My hours were cut after sick leave."))
	settle(t, s, f.ID) // routed to general: reviewer@ claims it
	var general string
	s.Core.DB.Raw(`SELECT id::text FROM queues WHERE slug = 'general'`).Scan(&general)
	rita := s.Reviewer()
	staffPost(t, s, rita, "/api/v1/queues/"+general+"/claim", nil)
	staffPost(t, s, rita, "/api/v1/cases/"+f.ID+"/transitions", map[string]string{"to": "in_review", "reason": "Reading the rota."})
	s.RecordAIDecision(rita, f.ID)
	staffPost(t, s, rita, "/api/v1/cases/"+f.ID+"/decision", teststack.Decision("decision_overturned"))
	settle(t, s, f.ID)
	before := len(sink.To(email))

	due := time.Now().AddDate(0, 1, 0).UTC().Format(time.DateOnly)
	r := s.Do(req{Method: "POST", Path: "/api/v1/cases/" + f.ID + "/remedies", Token: rita, Body: map[string]any{"offer": true,
		"components": []map[string]any{{"form": "compensation", "subtype": "financial_loss", "responsible": "deployer",
			"amount": "480.00", "currency": "EUR", "due_at": due, "description": offer}}}})
	if r.Status != 201 {
		t.Fatalf("offer: %d %s", r.Status, r.Body)
	}
	id := r.JSON(t)["items"].([]any)[0].(map[string]any)["id"].(string)
	settle(t, s, f.ID)
	if got := len(sink.To(email)) - before; got != 1 {
		t.Fatalf("%d emails to the complainant for one offer, want 1", got)
	}

	staffPost(t, s, s.ComplainantToken(f), "/api/v1/complainant/case/remedies/"+id+"/response",
		map[string]any{"accept": true, "comment": comment})
	settle(t, s, f.ID)
	answered := 0
	for _, m := range sink.To("reviewer@example.org") {
		if m.Subject() == "[Redress] Remedy offer answered on case "+f.Reference {
			answered++
			absent(t, m, comment, "8b1e", offer, "3c9d", email)
		}
	}
	if answered != 1 {
		t.Errorf("%d emails to the assignee for the answer, want 1", answered)
	}
	if got := len(sink.To(email)) - before; got != 1 {
		t.Errorf("the complainant was mailed about their own answer (%d emails)", got)
	}

	// Its own date passes: the sweeper marks it, and the holders and supervisors hear.
	s.Core.DB.Exec(`UPDATE remedy_components SET due_at = now() - interval '1 minute' WHERE id = ?`, id)
	if n, err := s.Core.Remedy.SweepOverdueRemedies(t.Context(), 10); err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	settle(t, s, f.ID)
	for _, to := range []string{"reviewer@example.org", "supervisor@example.org"} {
		n := 0
		for _, m := range sink.To(to) {
			if strings.HasPrefix(m.Subject(), "[Redress] Deadline missed: remedy on case "+f.Reference) {
				n++
				absent(t, m, offer, "3c9d", comment, email)
			}
		}
		if n != 1 {
			t.Errorf("%d missed-date emails to %s, want 1", n, to)
		}
	}
	if got := len(sink.To(email)) - before; got != 2 {
		t.Errorf("%d emails to the complainant after the missed date, want 2", got)
	}
}
