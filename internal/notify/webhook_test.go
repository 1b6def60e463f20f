package notify

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/sla"
)

var testSecret = []byte("whsec_0123456789abcdefghijklmnopqrstuv")

func TestSignAndVerify(t *testing.T) {
	body := []byte(`{"id":"e1","type":"redress.case.submitted"}`)
	now := time.Unix(1_800_000_000, 0)
	h := Sign(testSecret, now.Unix(), body)
	if !strings.HasPrefix(h, "t=1800000000,v1=") || len(h) != len("t=1800000000,v1=")+64 {
		t.Fatalf("header %q", h)
	}
	ok := func(err error) bool { return err == nil }
	for _, c := range []struct {
		name   string
		secret []byte
		header string
		body   []byte
		at     time.Time
		want   error
	}{
		{"as sent", testSecret, h, body, now, nil},
		{"4 minutes later", testSecret, h, body, now.Add(4 * time.Minute), nil},
		{"tampered body", testSecret, h, []byte(strings.Replace(string(body), "e1", "e2", 1)), now, ErrSignatureInvalid},
		{"other secret", []byte("another secret, another secret!!"), h, body, now, ErrSignatureInvalid},
		{"replayed an hour later", testSecret, h, body, now.Add(time.Hour), ErrSignatureExpired},
		{"from the future", testSecret, h, body, now.Add(-time.Hour), ErrSignatureExpired},
		{"timestamp changed", testSecret, strings.Replace(h, "t=1800000000", "t=1800000001", 1), body, now, ErrSignatureInvalid},
		{"second signature matches", testSecret, "t=1800000000,v1=" + strings.Repeat("ab", 32) + "," + h[len("t=1800000000,"):], body, now, nil},
		{"unknown scheme ignored", testSecret, h + ",v0=whatever", body, now, nil},
		{"spaces", testSecret, strings.ReplaceAll(h, ",", ", "), body, now, nil},
		{"empty", testSecret, "", body, now, ErrSignatureHeader},
		{"no signature", testSecret, "t=1800000000", body, now, ErrSignatureHeader},
		{"no timestamp", testSecret, h[len("t=1800000000,"):], body, now, ErrSignatureHeader},
		{"two timestamps", testSecret, "t=1800000000," + h, body, now, ErrSignatureHeader},
		{"short signature", testSecret, "t=1800000000,v1=abcd", body, now, ErrSignatureHeader},
		{"not hex", testSecret, "t=1800000000,v1=" + strings.Repeat("zz", 32), body, now, ErrSignatureHeader},
		{"no equals", testSecret, "t=1800000000,v1", body, now, ErrSignatureHeader},
		{"timestamp not a number", testSecret, strings.Replace(h, "t=1800000000", "t=soon", 1), body, now, ErrSignatureHeader},
	} {
		err := verifyAt(c.secret, c.header, c.body, 5*time.Minute, c.at)
		if !errors.Is(err, c.want) || ok(err) != (c.want == nil) {
			t.Errorf("%s: %v, want %v", c.name, err, c.want)
		}
	}
	// Verify itself uses the clock.
	if err := Verify(testSecret, Sign(testSecret, time.Now().Unix(), body), body, time.Minute); err != nil {
		t.Errorf("Verify now: %v", err)
	}
}

// FuzzVerify: the header parser never panics, accepts only a header carrying
// a valid signature of this body, and every header Sign makes verifies.
func FuzzVerify(f *testing.F) {
	body := []byte(`{"id":"e1"}`)
	f.Add(Sign(testSecret, 1_800_000_000, body), []byte(body), int64(1_800_000_000))
	f.Add("t=1800000000,v1=", []byte("x"), int64(0))
	f.Add("t=-9223372036854775808,v1="+strings.Repeat("0", 64), []byte{}, int64(-1))
	f.Add(",,,=,t==,v1==", []byte("{}"), int64(9_223_372_036))
	f.Add("t=1800000000,v1="+strings.Repeat("A", 64)+",v1=zz", []byte("{}"), int64(1))
	f.Fuzz(func(t *testing.T, header string, body []byte, ts int64) {
		now := time.Unix(1_800_000_000, 0)
		err := verifyAt(testSecret, header, body, 5*time.Minute, now)
		if err == nil {
			// It verified: the header must hold the right MAC for its own timestamp.
			var stamp int64
			found := false
			for _, part := range strings.Split(header, ",") {
				k, v, _ := strings.Cut(strings.TrimSpace(part), "=")
				if k == "t" {
					stamp, _ = strconv.ParseInt(v, 10, 64)
				}
			}
			want := Sign(testSecret, stamp, body)
			for _, part := range strings.Split(header, ",") {
				if strings.EqualFold(strings.TrimSpace(part), want[strings.Index(want, ",")+1:]) {
					found = true
				}
			}
			if !found {
				t.Fatalf("verified %q for %q without its signature", header, body)
			}
		} else if !errors.Is(err, ErrSignatureHeader) && !errors.Is(err, ErrSignatureExpired) &&
			!errors.Is(err, ErrSignatureInvalid) {
			t.Fatalf("unexpected error %v", err)
		}
		// Round trip: what Sign makes verifies at its own time, and not for another body.
		signed := Sign(testSecret, ts, body)
		if err := verifyAt(testSecret, signed, body, time.Minute, time.Unix(ts, 0)); err != nil {
			t.Fatalf("Sign(%d, %q) does not verify: %v", ts, body, err)
		}
		if err := verifyAt(testSecret, signed, append([]byte("x"), body...), time.Minute, time.Unix(ts, 0)); err == nil {
			t.Fatalf("a signature verified another body")
		}
	})
}

func TestMatches(t *testing.T) {
	for _, c := range []struct {
		filters []string
		subject string
		want    bool
	}{
		{nil, "redress.case.submitted", true},
		{[]string{"redress.case.submitted"}, "redress.case.submitted", true},
		{[]string{"redress.case.submitted"}, "redress.case.routed", false},
		{[]string{"redress.case.>"}, "redress.case.routed", true},
		{[]string{"redress.case.>"}, "redress.case", false},
		{[]string{"redress.case.>"}, "redress.sla.breached", false},
		{[]string{"redress.>"}, "redress.sla.breached", true},
		{[]string{"redress.*.breached"}, "redress.sla.breached", true},
		{[]string{"redress.*.breached"}, "redress.sla.warning", false},
		{[]string{"redress.case"}, "redress.case.submitted", false},
		{[]string{"redress.case.submitted.extra"}, "redress.case.submitted", false},
		{[]string{"redress.sla.warning", "redress.case.>"}, "redress.case.acknowledged", true},
	} {
		if got := Matches(c.filters, c.subject); got != c.want {
			t.Errorf("Matches(%q, %s) = %v", c.filters, c.subject, got)
		}
	}
}

func TestEndpointURLs(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://hooks.example.org/redress":    true,
		"https://hooks.example.org:8443/r?x=1": true,
		"http://127.0.0.1:9000/hook":           true,
		"http://localhost/hook":                true,
		"http://[::1]:9000/hook":               true,
		"http://hooks.example.org/redress":     false,
		"HTTPS://hooks.example.org/redress":    false,
		"https://user:pw@hooks.example.org/":   false,
		"https://hooks.example.org/#frag":      false,
		"https:///no-host":                     false,
		"ftp://hooks.example.org/":             false,
		"https://hooks.example.org/a b":        false,
		"http://127.0.0.1.example.org/":        false,
		"https://" + strings.Repeat("a", 2000): false,
		"hooks.example.org":                    false,
		"javascript:alert(1)":                  false,
	} {
		if got := checkEndpointURL(raw) == ""; got != ok {
			t.Errorf("%q accepted = %v, want %v (%s)", raw, got, ok, checkEndpointURL(raw))
		}
	}
}

func TestRuleAndPercent(t *testing.T) {
	// The rule of an SLA event, as the notifier reads it (sla.Rule.String).
	ruleText := func(rule string) (string, error) {
		d, err := decode[events.SLA](&events.Envelope{Type: events.SLAWarning, Data: json.RawMessage(`{"clock":"acknowledge"` + rule + `}`)})
		return d.Rule.String(), err
	}
	raw, _ := json.Marshal(sla.RuleAcknowledge)
	if got, err := ruleText(`,"rule":` + string(raw)); err != nil || got != "EU Whistleblowing Directive 2019/1937 art. 9(1)(b), 7 days" {
		t.Errorf("ruleText = %q, %v", got, err)
	}
	if got, err := ruleText(`,"rule":{"code":"policy_p1_triage"}`); err != nil || got != "policy_p1_triage" {
		t.Errorf("ruleText(code only) = %q, %v", got, err)
	}
	for _, rule := range []string{``, `,"rule":null`} {
		if got, err := ruleText(rule); err != nil || got != "" {
			t.Errorf("ruleText(%s) = %q, %v", rule, got, err)
		}
	}
	// A rule that is not one is unreadable data: the event is poison.
	for _, rule := range []string{`,"rule":"text"`, `,"rule":[1]`} {
		if got, err := ruleText(rule); !errors.Is(err, ErrPoison) {
			t.Errorf("ruleText(%s) = %q, %v", rule, got, err)
		}
	}
	for f, want := range map[float64]int{0.75: 75, 0.9: 90, 1: 100, 0.004: 0, 0: 0, -1: 0, 75: 0} {
		if got := percent(f); got != want {
			t.Errorf("percent(%v) = %d, want %d", f, got, want)
		}
	}
}

func TestRedactAndTruncate(t *testing.T) {
	got := redact("550 5.1.1 <Marie@Example.net>: mailbox marie@example.net unknown", "marie@example.net")
	if strings.Contains(strings.ToLower(got), "marie") || strings.Count(got, "[recipient]") != 2 {
		t.Errorf("redact = %q", got)
	}
	if got := truncate(strings.Repeat("é", 600)); len([]rune(got)) != 500 {
		t.Errorf("truncate kept %d runes", len([]rune(got)))
	}
}
