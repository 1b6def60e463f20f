package worker_test

import (
	"testing"
	"time"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/testenv"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// Check-ins after closure are durable: the closing update schedules them,
// they fall due while no worker runs, and the workers that start later ask
// each one once (two workers sweeping the same database), its event
// reaching JetStream; the 90-day check-in stays unasked until its day.
func TestCheckinsAreAskedOnceAfterARestart(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	s.Core.Config.SweepEvery = 50 * time.Millisecond
	const n = 6
	cases := fileMany(t, s, n)
	for _, f := range cases {
		for _, q := range []string{`UPDATE cases SET status = 'escalated', acknowledged_at = now() WHERE id = ?`,
			`UPDATE cases SET status = 'closed', closed_at = now() WHERE id = ?`,
			`UPDATE case_checkins SET due_at = now() - interval '1 second' WHERE case_id = ? AND after_days = 30`} {
			if err := s.Core.DB.Exec(q, f.ID).Error; err != nil {
				t.Fatal(err)
			}
		}
	}
	var scheduled int
	s.Core.DB.Raw(`SELECT count(*) FROM case_checkins WHERE asked_at IS NULL`).Scan(&scheduled)
	if scheduled != 2*n {
		t.Fatalf("%d check-ins scheduled for %d closed cases, want %d", scheduled, n, 2*n)
	}
	// No worker ran while they fell due; two start now.
	s.StartWorker()
	s.StartWorker()
	testenv.Eventually(t, 20*time.Second, "every due check-in asked and published", func() bool {
		var asked, published int
		s.Core.DB.Raw(`SELECT count(*) FROM case_checkins WHERE asked_at IS NOT NULL`).Scan(&asked)
		s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = ? AND published_at IS NOT NULL`, events.CheckinAsked).Scan(&published)
		return asked == n && published == n
	})
	// A few more sweeps ask nothing more.
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		var events, entries, late int
		s.Core.DB.Raw(`SELECT count(*) FROM outbox WHERE subject = 'redress.checkin.asked'`).Scan(&events)
		s.Core.DB.Raw(`SELECT count(*) FROM audit_entries WHERE action = 'checkin.asked'`).Scan(&entries)
		s.Core.DB.Raw(`SELECT count(*) FROM case_checkins WHERE after_days = 90 AND asked_at IS NOT NULL`).Scan(&late)
		if events != n || entries != n || late != 0 {
			t.Fatalf("%d events, %d record entries for %d check-ins due; %d 90-day check-ins asked early", events, entries, n, late)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if ids := streamIDs(t, s.JS); len(ids) == 0 {
		t.Error("nothing reached JetStream")
	} else {
		for id, k := range ids {
			if k > 1 {
				t.Errorf("event %s published %d times", id, k)
			}
		}
	}
}
