package api_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/big"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/platform/config"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// escalate asks, as the complainant of token, for their case to go to
// body: the referral's dossier and PDF are signed at once.
func escalate(t *testing.T, s *teststack.Stack, token, body string) string {
	t.Helper()
	r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/escalations", Token: token,
		Body: map[string]any{"body_id": body, "consent_scope": "identity_withheld"}})
	if r.Status != 201 {
		t.Fatalf("escalate: %d %s", r.Status, r.Body)
	}
	return r.JSON(t)["id"].(string)
}

// headerKeyID is the key a download's Redress-Signature names.
func headerKeyID(r *teststack.Response) string {
	for _, part := range strings.Split(r.Header.Get("Redress-Signature"), ",") {
		if k, v, _ := strings.Cut(strings.TrimSpace(part), "="); k == "keyid" {
			return strings.Trim(v, `"`)
		}
	}
	return ""
}

// signedDossier downloads a referral's dossier and PDF as the body's user
// and returns the key both name (the dossier's signing_key_id too).
func signedDossier(t *testing.T, s *teststack.Stack, tok, id string) (kid string, doc, pdf *teststack.Response) {
	t.Helper()
	doc = s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + id + "/dossier", Token: tok})
	pdf = s.Do(req{Method: "GET", Path: "/api/v1/referrals/" + id + "/dossier.pdf", Token: tok})
	if doc.Status != 200 || pdf.Status != 200 {
		t.Fatalf("downloads: %d %d", doc.Status, pdf.Status)
	}
	var d escalation.Dossier
	doc.Decode(t, &d)
	kid = headerKeyID(doc)
	if kid == "" || headerKeyID(pdf) != kid || d.SigningKeyID != kid || d.SigningKeySet != s.Core.Config.PublicURL+escalation.KeySetPath {
		t.Fatalf("the dossier names key %q (%s), its header %q, the PDF's %q", d.SigningKeyID, d.SigningKeySet, kid, headerKeyID(pdf))
	}
	return kid, doc, pdf
}

func keyOf(keys []escalation.PublicKey, kid string) *escalation.PublicKey {
	for i := range keys {
		if keys[i].KID == kid {
			return &keys[i]
		}
	}
	return nil
}

// TestSigningKeysRotate is issue 19's signing keys: a dossier signed before
// a rotation names its key and verifies with the key set published after
// it; a rotation made by another process is what the next dossier of this
// one is signed with; a retired key stays published and never signs; the
// current key cannot be retired.
func TestSigningKeysRotate(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := teststack.New(t, teststack.Options{})
	other := s.Replica(nil) // a second process, with its own signer
	dpa := bodyID(t, s, "demo-dpa")
	regina := s.Login("regulator@example.org")

	first := escalate(t, s, s.ComplainantToken(s.File(teststack.NamedCase())), dpa)
	kid1, doc1, pdf1 := signedDossier(t, s, regina, first)
	before := publishedKeys(t, s)
	if len(before) != 1 || before[0].KID != kid1 || before[0].Status != escalation.KeyCurrent || before[0].NotAfter != nil {
		t.Fatalf("the key set before a rotation: %+v", before)
	}

	kid2, err := other.Core.Escalation.RotateSigningKey(ctx)
	if err != nil || kid2 == kid1 {
		t.Fatalf("rotate: %q, %v", kid2, err)
	}
	// This process opened kid1 and signed with it; its next dossier is
	// signed with kid2, at once.
	second := escalate(t, s, s.ComplainantToken(s.File(teststack.NamedCase())), dpa)
	if kid, _, _ := signedDossier(t, s, regina, second); kid != kid2 {
		t.Errorf("the dossier after the rotation is signed with %s, want the new key %s", kid, kid2)
	}
	after := publishedKeys(t, s)
	cur, prev := keyOf(after, kid2), keyOf(after, kid1)
	if len(after) != 2 || after[0].KID != kid2 || cur.Status != escalation.KeyCurrent || cur.NotAfter != nil ||
		prev == nil || prev.Status != escalation.KeyPrevious || prev.NotAfter == nil || !prev.NotAfter.Equal(cur.NotBefore) ||
		prev.NotBefore.After(*prev.NotAfter) {
		t.Fatalf("the key set after a rotation: %+v", after)
	}
	// The old dossier and its PDF verify with the key set of after.
	verifyHeader(t, after, doc1)
	verifyHeader(t, after, pdf1)

	// Retire: the current key cannot be; an unknown one is not there.
	if err := s.Core.Escalation.RetireSigningKey(ctx, kid2); !errors.Is(err, escalation.ErrKeyIsCurrent) {
		t.Errorf("retire the current key: %v", err)
	}
	if err := s.Core.Escalation.RetireSigningKey(ctx, "no-such-key"); !errors.Is(err, escalation.ErrNoSuchKey) {
		t.Errorf("retire an unknown key: %v", err)
	}
	kid3, err := s.Core.Escalation.RotateSigningKey(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Core.Escalation.RetireSigningKey(ctx, kid2); err != nil {
		t.Fatalf("retire %s: %v", kid2, err)
	}
	if err := other.Core.Escalation.RetireSigningKey(ctx, kid2); !errors.Is(err, escalation.ErrAlreadyRetired) {
		t.Errorf("retire it again: %v", err)
	}
	// Both processes sign with kid3 (the current), never the retired kid2.
	for _, p := range []*teststack.Stack{s, other} {
		id := escalate(t, p, p.ComplainantToken(p.File(teststack.NamedCase())), dpa)
		if kid, _, _ := signedDossier(t, p, regina, id); kid != kid3 {
			t.Errorf("signed with %s after %s was retired, want %s", kid, kid2, kid3)
		}
	}
	last := publishedKeys(t, other)
	if len(last) != 3 || last[0].KID != kid3 || keyOf(last, kid2).Status != escalation.KeyRetired ||
		keyOf(last, kid2).RetiredAt == nil || keyOf(last, kid1).Status != escalation.KeyPrevious {
		t.Fatalf("the key set after retiring %s: %+v", kid2, last)
	}
	verifyHeader(t, last, doc1)
	noneSignedOutsidePeriod(t, s)
}

// noneSignedOutsidePeriod checks that no referral was signed by a key after
// that key stopped signing (a referral is dated when its transaction began,
// before it signed).
func noneSignedOutsidePeriod(t *testing.T, s *teststack.Stack) {
	t.Helper()
	var late []string
	if err := s.Core.DB.Raw(`SELECT r.id::text FROM referrals r JOIN signing_keys k ON k.id = r.key_id
		WHERE k.not_after IS NOT NULL AND r.created_at >= k.not_after LIMIT 10`).Scan(&late).Error; err != nil {
		t.Fatal(err)
	}
	if len(late) > 0 {
		t.Errorf("referrals signed by a key after it stopped signing: %v", late)
	}
}

func randomSecret(t *testing.T) []byte {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return []byte(base64.StdEncoding.EncodeToString(b))
}

// TestTokenSecretRotation: staff and complainant tokens, and recovery
// codes, made with the old secret work on a process that has it as
// REDRESS_JWT_SECRET_PREVIOUS, and not on one that has only the new secret;
// tokens of the new secret work on both.
func TestTokenSecretRotation(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := teststack.New(t, teststack.Options{})
	me := s.ComplainantToken(s.File(teststack.NamedCase()))
	staff := s.Reviewer()
	u, _, _, _, codes := enrolledReviewer(t, s, "rotation@example.org")
	fresh := randomSecret(t)
	rotated := s.Replica(func(c *config.Config) { c.JWTSecret, c.JWTSecretPrevious = fresh, c.JWTSecret })
	after := s.Replica(func(c *config.Config) { c.JWTSecret, c.JWTSecretPrevious = fresh, nil })

	for _, tc := range []struct {
		p    *teststack.Stack
		want int
	}{{rotated, 200}, {after, 401}} {
		if r := tc.p.Do(req{Method: "GET", Path: "/api/v1/me", Token: staff}); r.Status != tc.want {
			t.Errorf("an old staff token (previous secret set: %v): %d, want %d", tc.want == 200, r.Status, tc.want)
		}
		if r := tc.p.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: me}); r.Status != tc.want {
			t.Errorf("an old complainant token (previous secret set: %v): %d, want %d", tc.want == 200, r.Status, tc.want)
		}
	}
	// The codes name the secret they were made under, so an operator knows
	// how many accounts still need the previous one.
	for kid, want := range map[string]int64{auth.TokenKeyID(s.Core.Config.JWTSecret): 0, auth.TokenKeyID(fresh): 1} {
		if n, err := auth.AccountsWithOldRecoveryCodes(s.Core.DB, kid); err != nil || n != want {
			t.Errorf("accounts with recovery codes of another secret than %s: %d, %v; want %d", kid, n, err, want)
		}
	}
	if err := rotated.Core.SignIn.Verify(ctx, u.ID, codes[0]); err != nil {
		t.Errorf("a recovery code of before the rotation, the old secret previous: %v", err)
	}
	if err := after.Core.SignIn.Verify(ctx, u.ID, codes[1]); err == nil {
		t.Error("a recovery code of the old secret works once the previous secret is unset")
	}
	newStaff := rotated.Reviewer()
	newMe := rotated.ComplainantToken(rotated.File(teststack.NamedCase()))
	for _, p := range []*teststack.Stack{rotated, after} {
		if r := p.Do(req{Method: "GET", Path: "/api/v1/me", Token: newStaff}); r.Status != 200 {
			t.Errorf("a new staff token: %d", r.Status)
		}
		if r := p.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: newMe}); r.Status != 200 {
			t.Errorf("a new complainant token: %d", r.Status)
		}
	}
}

// loadClient calls the apps from goroutines (teststack's Do fails the test
// from its own goroutine) and counts what it must not see.
type loadClient struct {
	http         *http.Client
	calls, fails atomic.Int64
	mu           sync.Mutex
	errs         []string
}

func (c *loadClient) do(base, method, path, token string, body any) (int, []byte) {
	c.calls.Add(1)
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	r, _ := http.NewRequest(method, base+path, rd)
	if body != nil {
		r.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		r.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(r)
	if err != nil {
		c.fail("%s %s: %v", method, path, err)
		return 0, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

func (c *loadClient) fail(format string, args ...any) {
	c.fails.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.errs) < 20 {
		c.errs = append(c.errs, fmt.Sprintf(format, args...))
	}
}

// loadCount counts a load's calls that answered as wanted, by kind.
type loadCount struct {
	mu sync.Mutex
	n  map[string]int
}

func (l *loadCount) add(kind string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.n == nil {
		l.n = map[string]int{}
	}
	l.n[kind]++
}

// waitFor waits until each kind of call in more has answered as wanted that
// many times more than when waitFor was called. It fails t if the load
// stalls (every call failing, or none answering, for two minutes).
func (l *loadCount) waitFor(t *testing.T, more map[string]int, c *loadClient) {
	t.Helper()
	l.mu.Lock()
	from := maps.Clone(l.n)
	l.mu.Unlock()
	reached := func() bool {
		l.mu.Lock()
		defer l.mu.Unlock()
		for kind, k := range more {
			if l.n[kind]-from[kind] < k {
				return false
			}
		}
		return true
	}
	deadline := time.Now().Add(2 * time.Minute)
	for !reached() {
		if time.Now().After(deadline) {
			c.mu.Lock()
			errs := strings.Join(c.errs, "\n")
			c.mu.Unlock()
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("the load stalled: want %v more answers, had %v, now %v; %d failed calls:\n%s",
				more, from, l.n, c.fails.Load(), errs)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pick[T any](xs []T) T {
	n, _ := rand.Int(rand.Reader, big.NewInt(int64(len(xs))))
	return xs[n.Int64()]
}

// TestRotationsWhileFilingAndReading is the issue's "a rotation of each key
// kind runs while filings and reads go on": complainants file and read
// their cases, staff read them, bodies' referrals are signed, through the
// real HTTP app, while the dossier signing key is rotated (from two
// processes) and the token secret is rolled out as deploy/README.md says
// (the new secret first as previous, then current with the old one
// previous, then the old processes gone). No answer is a 5xx or refuses a
// token; every case is readable after, and every dossier verifies with the
// key set of after.
func TestRotationsWhileFilingAndReading(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	s := teststack.New(t, teststack.Options{})
	old := s.Core.Config.JWTSecret
	fresh := randomSecret(t)
	// The processes of the roll-out: s has the old secret alone; ready has
	// the new one to verify; rolled signs with the new one.
	ready := s.Replica(func(c *config.Config) { c.JWTSecretPrevious = fresh })
	rolled := s.Replica(func(c *config.Config) { c.JWTSecret, c.JWTSecretPrevious = fresh, old })
	phases := [][]*teststack.Stack{{s}, {s, ready}, {ready, rolled}, {rolled}}
	var phase atomic.Int32
	live := func() *teststack.Stack { return pick(phases[phase.Load()]) }
	dpa := bodyID(t, s, "demo-dpa")

	c := &loadClient{http: &http.Client{Timeout: 60 * time.Second}}
	type filed struct{ ref, token, id string }
	var mu sync.Mutex
	var cases []filed
	var referrals []string
	stop := make(chan struct{})
	var wg sync.WaitGroup
	done := &loadCount{} // answers as wanted, by kind of call
	check := func(what string, status int, body []byte, want ...int) bool {
		for _, w := range want {
			if status == w {
				done.add(what)
				return true
			}
		}
		c.fail("%s: %d %.300s", what, status, body)
		return false
	}
	// Complainants: file, open a session, read the case; read an earlier
	// case with its token of then; now and then take a case to a body.
	for g := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				select {
				case <-stop:
					return
				case <-time.After(40 * time.Millisecond): // paced: the steps wait for enough calls, not for a time
				}
				p := live()
				st, b := c.do(p.URL, "POST", "/api/v1/cases", "", teststack.NamedCase())
				if !check("file", st, b, 201) {
					continue
				}
				var f struct{ Reference, Receipt string }
				_ = json.Unmarshal(b, &f)
				st, b = c.do(live().URL, "POST", "/api/v1/complainant/session", "",
					map[string]string{"reference": f.Reference, "receipt": f.Receipt})
				if !check("session", st, b, 201) {
					continue
				}
				var sess struct{ Token string }
				_ = json.Unmarshal(b, &sess)
				st, b = c.do(live().URL, "GET", "/api/v1/complainant/case", sess.Token, nil)
				if !check("read own case", st, b, 200) {
					continue
				}
				var id string
				if err := s.Core.DB.Raw(`SELECT id::text FROM cases WHERE reference = ?`, f.Reference).Scan(&id).Error; err != nil {
					c.fail("case id: %v", err)
				}
				mu.Lock()
				cases = append(cases, filed{f.Reference, sess.Token, id})
				earlier := pick(cases)
				mu.Unlock()
				st, b = c.do(live().URL, "GET", "/api/v1/complainant/case", earlier.token, nil)
				check("read an earlier case with its token", st, b, 200)
				if i%2 == g%2 {
					st, b = c.do(live().URL, "POST", "/api/v1/complainant/case/escalations", sess.Token,
						map[string]any{"body_id": dpa, "consent_scope": "identity_withheld"})
					if check("escalate", st, b, 201) {
						var ref struct{ ID string }
						_ = json.Unmarshal(b, &ref)
						mu.Lock()
						referrals = append(referrals, ref.ID)
						mu.Unlock()
					}
				}
			}
		}()
	}
	// Staff and a body: tokens of when they signed in, read on.
	wg.Add(1)
	go func() {
		defer wg.Done()
		login := func(email string) string {
			st, b := c.do(live().URL, "POST", "/api/v1/auth/token", "", map[string]string{"email": email, "password": teststack.DemoPassword})
			var tok struct {
				AccessToken string `json:"access_token"`
			}
			_ = json.Unmarshal(b, &tok)
			check("sign in "+email, st, b, 200)
			return tok.AccessToken
		}
		staff, body := login("supervisor@example.org"), login("regulator@example.org")
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			mu.Lock()
			var f filed
			if len(cases) > 0 {
				f = pick(cases)
			}
			var ref string
			if len(referrals) > 0 {
				ref = pick(referrals)
			}
			mu.Unlock()
			if f.id != "" {
				st, b := c.do(live().URL, "GET", "/api/v1/cases/"+f.id, staff, nil)
				check("staff read", st, b, 200)
			}
			if ref != "" {
				st, b := c.do(live().URL, "GET", "/api/v1/referrals/"+ref+"/dossier", body, nil)
				check("body's dossier", st, b, 200)
			}
			st, b := c.do(live().URL, "GET", escalation.KeySetPath, "", nil)
			check("key set", st, b, 200)
			if i%25 == 24 { // sign in again now and then: a token of the phase
				staff = login("supervisor@example.org")
			}
		}
	}()

	// The rotations: the signing key from one process then the other, the
	// token secret's roll-out one phase at a time. Before each step, and
	// after the last, each kind of call has answered a few times more: the
	// steps wait on the load itself, not on a time that a busy machine
	// would fill with fewer calls and an idle one with many.
	enough := map[string]int{"file": 4, "read own case": 4, "read an earlier case with its token": 4,
		"escalate": 2, "staff read": 1, "body's dossier": 1, "key set": 1}
	var kids []string
	for i := range len(phases) {
		done.waitFor(t, enough, c)
		by := []*teststack.Stack{s, rolled}[i%2]
		kid, err := by.Core.Escalation.RotateSigningKey(ctx)
		if err != nil {
			t.Errorf("rotate the signing key: %v", err)
		}
		kids = append(kids, kid)
		if i+1 < len(phases) {
			phase.Store(int32(i + 1))
		}
	}
	done.waitFor(t, enough, c)
	close(stop)
	wg.Wait()

	if c.fails.Load() > 0 {
		t.Errorf("%d of %d calls failed during the rotations:\n%s", c.fails.Load(), c.calls.Load(), strings.Join(c.errs, "\n"))
	}
	if len(cases) < 6 || len(referrals) < 3 {
		t.Fatalf("too little load to tell: %d cases, %d referrals", len(cases), len(referrals))
	}
	t.Logf("%d calls; %d cases filed, %d referrals signed; signing keys %v", c.calls.Load(), len(cases), len(referrals), kids)

	// After: every case readable on the last process, with its token and by
	// staff; every dossier verifies with the key set of after.
	end := rolled.With(t)
	staff := end.Login("supervisor@example.org")
	for _, f := range cases {
		if r := end.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: f.token}); r.Status != 200 {
			t.Errorf("case %s with its token: %d", f.ref, r.Status)
		}
		if r := end.Do(req{Method: "GET", Path: "/api/v1/cases/" + f.id, Token: staff}); r.Status != 200 {
			t.Errorf("case %s by staff: %d", f.ref, r.Status)
		}
	}
	keys := publishedKeys(t, end)
	if len(keys) != len(kids)+1 || keys[0].KID != kids[len(kids)-1] {
		t.Errorf("the key set after %d rotations: %+v", len(kids), keys)
	}
	regina := end.Login("regulator@example.org")
	used := map[string]int{}
	for _, id := range referrals {
		kid, doc, pdf := signedDossier(t, end, regina, id)
		used[kid]++
		verifyHeader(t, keys, doc)
		verifyHeader(t, keys, pdf)
	}
	t.Logf("dossiers by key: %v", used)
	noneSignedOutsidePeriod(t, s)
}

// TestPageFormsAcrossTokenSecretRotation: a page's form shown by a process
// before a rotation of the token secret (its CSRF token keyed by the old
// secret) is taken by a process that has the old secret as previous, and
// refused by one that has only the new secret.
func TestPageFormsAcrossTokenSecretRotation(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	fresh := randomSecret(t)
	rotated := s.Replica(func(c *config.Config) { c.JWTSecret, c.JWTSecretPrevious = fresh, c.JWTSecret })
	after := s.Replica(func(c *config.Config) { c.JWTSecret, c.JWTSecretPrevious = fresh, nil })
	noRedirect := &http.Client{Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// The sign-in form, as the process of before shows it.
	resp, err := noRedirect.Get(s.URL + "/login")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var nonce string
	for _, ck := range resp.Cookies() {
		if ck.Name == "redress_csrf" {
			nonce = ck.Value
		}
	}
	_, rest, _ := strings.Cut(string(page), `name="_csrf" value="`)
	token, _, _ := strings.Cut(rest, `"`)
	if nonce == "" || token == "" {
		t.Fatalf("no CSRF nonce (%q) or token (%q) on the sign-in page", nonce, token)
	}
	post := func(p *teststack.Stack) int {
		form := "_csrf=" + token + "&email=reviewer%40example.org&password=" + strings.ReplaceAll(teststack.DemoPassword, " ", "+")
		r, _ := http.NewRequest("POST", p.URL+"/login", strings.NewReader(form))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		r.AddCookie(&http.Cookie{Name: "redress_csrf", Value: nonce})
		resp, err := noRedirect.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if st := post(after); st != http.StatusForbidden {
		t.Errorf("a form of the old secret, sent to a process without it: %d, want 403", st)
	}
	if st := post(rotated); st != http.StatusSeeOther && st != http.StatusFound {
		t.Errorf("a form of the old secret, sent to a process with it as previous: %d, want a redirect (signed in)", st)
	}
}
