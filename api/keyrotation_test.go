package api_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// A new master key made current while filings and reads go on, as a rolling
// update does it: every process already holds the new key (step 1), one
// process makes it current (step 2) while another still seals with the old,
// and the data keys are re-wrapped in the background (step 3). No request
// fails; afterwards a process holding only the new key reads every case
// (step 4: the old key can be retired).
func TestMasterKeyRotationWhileFilingsAndReadsGoOn(t *testing.T) {
	t.Parallel()
	newKey := bytes.Repeat([]byte{0x5a}, 32)
	var base *config.Config
	withBoth := func(current string) func(*config.Config) {
		return func(c *config.Config) {
			if base != nil {
				c.JWTSecret, c.ReceiptSecret = base.JWTSecret, base.ReceiptSecret
				c.EncryptionKeys = maps.Clone(base.EncryptionKeys)
			} else {
				c.EncryptionKeys = maps.Clone(c.EncryptionKeys)
			}
			c.EncryptionKeys["rotated-2027"] = newKey
			if current != "" {
				c.EncryptionKeyID = current
			}
		}
	}
	old := teststack.New(t, teststack.Options{Config: withBoth("")})
	base = old.Core.Config
	oldID := base.EncryptionKeyID
	for i := 0; i < 20; i++ { // cases whose keys the old master key wraps
		old.File(teststack.NamedCase())
	}
	rotated := teststack.New(t, teststack.Options{DatabaseURL: old.DBURL, Config: withBoth("rotated-2027")})
	sup := old.Login("supervisor@example.org")

	var mu sync.Mutex
	var filed []teststack.Filed
	var failures []string
	fail := func(format string, args ...any) {
		mu.Lock()
		failures = append(failures, fmt.Sprintf(format, args...))
		mu.Unlock()
	}
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for w, s := range []*teststack.Stack{old, rotated, old, rotated} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(10 * time.Millisecond): // paced: the re-wrap waits for enough filings, not for a time
				}
				r := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: teststack.NamedCase()})
				if r.Status != 201 {
					fail("worker %d: filing: %d %s", w, r.Status, r.Body)
					continue
				}
				m := r.JSON(t)
				f := teststack.Filed{Reference: m["reference"].(string), Receipt: m["receipt"].(string)}
				// Read back on the other process: the complainant's view, and
				// staff's, which opens what was sealed.
				other := rotated
				if s == rotated {
					other = old
				}
				ses := other.Do(req{Method: "POST", Path: "/api/v1/complainant/session",
					Body: map[string]string{"reference": f.Reference, "receipt": f.Receipt}})
				if ses.Status != 201 {
					fail("worker %d: session: %d %s", w, ses.Status, ses.Body)
					continue
				}
				if v := other.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: ses.JSON(t)["token"].(string)}); v.Status != 200 {
					fail("worker %d: complainant read: %d %.200s", w, v.Status, v.Body)
				}
				var id string
				other.Core.DB.Raw(`SELECT id::text FROM cases WHERE reference = ?`, f.Reference).Scan(&id)
				if v := other.Do(req{Method: "GET", Path: "/api/v1/cases/" + id, Token: sup}); v.Status != 200 ||
					!strings.Contains(string(v.Body), "sick leave") {
					fail("worker %d: staff read: %d %.200s", w, v.Status, v.Body)
				}
				mu.Lock()
				filed = append(filed, f)
				mu.Unlock()
			}
		}()
	}
	// Step 3, while they file and read: the re-wrapping, in small batches,
	// until it has re-wrapped the 20 cases of before and the workers have
	// filed and read back 16 cases meanwhile (on a busy machine that takes
	// longer, not fewer calls).
	ctx := context.Background()
	deadline := time.Now().Add(2 * time.Minute)
	rewrapped := 0
	for {
		n, err := rotated.Core.Keystore.Rewrap(ctx, 5)
		if err != nil {
			t.Fatal(err)
		}
		rewrapped += n
		mu.Lock()
		during := len(filed)
		mu.Unlock()
		if rewrapped >= 20 && during >= 16 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after two minutes: %d keys re-wrapped, %d cases filed and read back meanwhile", rewrapped, during)
		}
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	for {
		n, err := rotated.Core.Keystore.Rewrap(ctx, 100)
		if err != nil {
			t.Fatal(err)
		}
		if rewrapped += n; n == 0 {
			break
		}
	}
	if len(failures) > 0 {
		t.Fatalf("%d requests failed during the rotation, first: %s", len(failures), failures[0])
	}
	st, err := rotated.Core.Keystore.Status(ctx)
	if err != nil || st.ByMasterKey[oldID] != 0 || st.ByMasterKey["rotated-2027"] < 20+len(filed) {
		t.Fatalf("after the re-wrap (%d keys, %d cases filed meanwhile): %+v, %v", rewrapped, len(filed), st, err)
	}

	// Step 4: the old key retired, every case still reads.
	only := teststack.New(t, teststack.Options{DatabaseURL: old.DBURL, Config: func(c *config.Config) {
		c.JWTSecret, c.ReceiptSecret = base.JWTSecret, base.ReceiptSecret
		c.EncryptionKeys, c.EncryptionKeyID = map[string][]byte{"rotated-2027": newKey}, "rotated-2027"
	}})
	var ids []string
	if err := only.Core.DB.Raw(`SELECT id::text FROM cases`).Scan(&ids).Error; err != nil {
		t.Fatal(err)
	}
	if len(ids) < 20+len(filed) {
		t.Fatalf("%d cases, want at least %d", len(ids), 20+len(filed))
	}
	for _, id := range ids {
		r := only.Do(req{Method: "GET", Path: "/api/v1/cases/" + id + "/identity", Token: sup})
		if r.Status != 200 || !strings.Contains(string(r.Body), "Maria Lopez-Garcia") {
			t.Fatalf("case %s with only the new key: %d %.200s", id, r.Status, r.Body)
		}
	}
	t.Logf("%d cases filed and read during the rotation, %d data keys re-wrapped", len(filed), rewrapped)
}
