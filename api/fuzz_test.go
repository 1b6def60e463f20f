package api_test

import (
	"encoding/json"
	"testing"

	"github.com/redresshq/redress/internal/testenv/teststack"
)

// FuzzIntake posts arbitrary bodies to POST /api/v1/cases: every answer is a
// 201 or a 4xx problem, and a refused body writes nothing.
func FuzzIntake(f *testing.F) {
	valid, _ := json.Marshal(teststack.ValidCase())
	for _, seed := range []string{
		string(valid), `{}`, `[]`, `null`, `"x"`, `{"kind":"concern"}`, `{"rights":[1,2]}`,
		`{"anonymous":true,"contact":{"name":"\u0000"}}`, `{"decision_date":"2026-02-30"}`,
		`{"kind":"concern","ai_system_other":"x","informed_of_ai":"yes","description":"\ud800\udc00 long enough","rights":["other"],"anonymous":false,"contact":{"name":"n","preferred_channel":"post","address":"a"}}`,
		`{"ai_system_id":"00000000-0000-0000-0000-000000000000"}`, `{"related_reference":"RD-999-999-999"}`,
	} {
		f.Add([]byte(seed))
	}
	s := teststack.New(f, teststack.Options{})
	f.Fuzz(func(t *testing.T, body []byte) {
		var before, after int
		s.Core.DB.Raw(`SELECT count(*) FROM cases`).Scan(&before)
		r := s.With(t).Do(req{Method: "POST", Path: "/api/v1/cases", Body: body})
		s.Core.DB.Raw(`SELECT count(*) FROM cases`).Scan(&after)
		switch {
		case r.Status == 201:
			if after != before+1 {
				t.Fatalf("201 but %d cases written", after-before)
			}
		case r.Status >= 400 && r.Status < 500:
			if after != before {
				t.Fatalf("%d but a case was written", r.Status)
			}
			if r.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("%d without a problem document: %s", r.Status, r.Body)
			}
		default:
			t.Fatalf("status %d for %q: %s", r.Status, body, r.Body)
		}
	})
}
