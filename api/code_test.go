package api_test

import (
	"strings"
	"testing"

	"github.com/redresshq/redress/internal/auth"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The one code: POST /api/v1/cases gives it with the reference and receipt;
// it alone opens the case, typed as people type it; every wrong code gets
// the same 401; the old pair keeps working; only a keyed hash is stored.
func TestComplainantOneCode(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	a := s.File(teststack.ValidCase())
	b := s.File(with(func(m map[string]any) { m["description"] = "A second, unrelated complaint about the chatbot." }))
	canon, err := auth.NormalizeCode(a.Code)
	if err != nil || canon != a.Code || len(a.Code) != 23 {
		t.Fatalf("POST /api/v1/cases gave code %q (%v), want XXXXX-XXXXX-XXXXX-XXXXX", a.Code, err)
	}
	if a.Code == b.Code {
		t.Fatalf("two cases share the code %s", a.Code)
	}

	session := func(body map[string]string) *teststack.Response {
		return s.Do(req{Method: "POST", Path: "/api/v1/complainant/session", Body: body})
	}
	caseOf := func(t *testing.T, r *teststack.Response) string {
		t.Helper()
		if r.Status != 201 {
			t.Fatalf("session: %d %s", r.Status, r.Body)
		}
		view := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case", Token: r.JSON(t)["token"].(string)})
		if view.Status != 200 {
			t.Fatalf("view: %d %s", view.Status, view.Body)
		}
		return view.JSON(t)["reference"].(string)
	}

	t.Run("the code opens its case, typed loosely", func(t *testing.T) {
		loose := strings.ToLower(strings.ReplaceAll(a.Code, "-", " "))
		loose = strings.NewReplacer("0", "o", "1", "l").Replace(loose)
		for _, typed := range []string{a.Code, loose, "  " + strings.ReplaceAll(a.Code, "-", "") + " "} {
			if got := caseOf(t, session(map[string]string{"code": typed})); got != a.Reference {
				t.Errorf("code %q opened %s, want %s", typed, got, a.Reference)
			}
		}
		if got := caseOf(t, session(map[string]string{"code": b.Code})); got != b.Reference {
			t.Errorf("b's code opened %s", got)
		}
	})

	t.Run("the old reference and receipt still work", func(t *testing.T) {
		if got := caseOf(t, session(map[string]string{"reference": a.Reference, "receipt": a.Receipt})); got != a.Reference {
			t.Errorf("the pair opened %s", got)
		}
	})

	t.Run("every wrong code gets one answer", func(t *testing.T) {
		other, _ := auth.NewCode()
		typo := []byte(a.Code)
		if typo[0] == 'Z' {
			typo[0] = 'Y'
		} else {
			typo[0] = 'Z'
		}
		wrong := map[string]string{
			"a code never issued":    other,
			"one character mistyped": string(typo),
			"too short":              a.Code[:17],
			"too long":               a.Code + "A",
			"not a code":             "hello, it's me",
			"the receipt as a code":  a.Receipt,
			"the reference":          a.Reference,
			"U is not in the code":   "UUUUU-UUUUU-UUUUU-UUUUU",
		}
		var first string
		for name, code := range wrong {
			r := session(map[string]string{"code": code})
			if r.Status != 401 {
				t.Fatalf("%s: %d %s", name, r.Status, r.Body)
			}
			m := r.JSON(t)
			delete(m, "request_id")
			got := string(mustJSON(t, m))
			if m["code"] != "invalid_code" {
				t.Errorf("%s: %s", name, got)
			}
			if first == "" {
				first = got
			} else if got != first {
				t.Errorf("401 differs for %s:\n%s\n%s", name, first, got)
			}
		}
	})

	t.Run("one way at a time", func(t *testing.T) {
		r := session(map[string]string{"code": a.Code, "reference": a.Reference, "receipt": a.Receipt})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"code"`) {
			t.Errorf("code and pair together: %d %s", r.Status, r.Body)
		}
		r = session(map[string]string{})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"code"`) {
			t.Errorf("nothing: %d %s", r.Status, r.Body)
		}
		r = session(map[string]string{"reference": a.Reference})
		if r.Status != 422 || !strings.Contains(string(r.Body), `"field":"receipt"`) {
			t.Errorf("a reference alone: %d %s", r.Status, r.Body)
		}
	})

	t.Run("only a keyed hash is stored", func(t *testing.T) {
		var n int64
		s.Core.DB.Raw(`SELECT count(*) FROM cases WHERE code_hash = ?`, auth.HashCode(s.Core.Config.ReceiptSecret, a.Code)).Scan(&n)
		if n != 1 {
			t.Errorf("%d cases have a's code hash", n)
		}
		var leaked int64
		s.Core.DB.Raw(`SELECT count(*) FROM cases c WHERE position(? in row_to_json(c)::text) > 0
			OR position(? in row_to_json(c)::text) > 0`, a.Code, strings.ReplaceAll(a.Code, "-", "")).Scan(&leaked)
		if leaked != 0 {
			t.Errorf("the code is stored in clear")
		}
	})

	t.Run("a retried filing gives the same code, and it works", func(t *testing.T) {
		key := map[string]string{"Idempotency-Key": "one-code-retry-1"}
		first := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: teststack.ValidCase(), Header: key})
		again := s.Do(req{Method: "POST", Path: "/api/v1/cases", Body: teststack.ValidCase(), Header: key})
		if first.Status != 201 || again.Status != 201 {
			t.Fatalf("%d %d", first.Status, again.Status)
		}
		code := again.JSON(t)["code"].(string)
		if code == "" || code != first.JSON(t)["code"] {
			t.Fatalf("replayed code %q differs from %v", code, first.JSON(t)["code"])
		}
		if got := caseOf(t, session(map[string]string{"code": code})); got != again.JSON(t)["reference"] {
			t.Errorf("replayed code opened %s", got)
		}
	})
}
