package notify_test

import (
	"slices"
	"testing"

	"github.com/redresshq/redress/internal/notify"
	"github.com/redresshq/redress/internal/testenv"
)

// The statuses Go names are the ones an email and a webhook delivery may
// have in the database.
func TestStatusVocabulariesMatchDatabase(t *testing.T) {
	gdb, _ := testenv.DB(t)
	for _, tc := range []struct {
		table string
		want  []string
	}{
		{"notifications_sent", testenv.Sorted(notify.NotificationStatuses)},
		{"webhook_deliveries", testenv.Sorted(notify.DeliveryStatuses)},
	} {
		if got := testenv.CheckValues(t, gdb, tc.table, "status"); !slices.Equal(got, tc.want) {
			t.Errorf("%s.status allows %q, Go names %q", tc.table, got, tc.want)
		}
	}
}
