package api_test

import (
	"bytes"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/testenv/teststack"
)

// The complainant's copy of their case (issue 19, item 3): the JSON has
// every part of the case as they see it — what they wrote, the messages both
// ways (roles, not staff), the decision with its reasons and explanation,
// the remedies and their answers — and the PDF is a PDF; each download is
// on the case record, not public. Another case's token exports only its
// own case; a bad format or language is a 422 naming it.
func TestComplainantExportsTheirCase(t *testing.T) {
	t.Parallel()
	s := teststack.New(t, teststack.Options{})
	rita := s.Reviewer()
	filed := teststack.NamedCase()
	f := claimed(t, s, filed, rita)
	me := s.ComplainantToken(f)
	path := "/api/v1/cases/" + f.ID

	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/messages", Token: me,
		Body: map[string]string{"body": "I attach nothing yet; the rota is on the wall."}}); r.Status != 201 {
		t.Fatalf("complainant message: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/messages", Token: rita,
		Body: map[string]string{"body": "Thank you. Which shifts were cut?", "visibility": "complainant"}}); r.Status != 201 {
		t.Fatalf("staff message: %d %s", r.Status, r.Body)
	}
	if r := s.Do(req{Method: "POST", Path: path + "/messages", Token: rita,
		Body: map[string]string{"body": "Internal: check the sick-leave flag.", "visibility": "internal"}}); r.Status != 201 {
		t.Fatalf("internal note: %d %s", r.Status, r.Body)
	}
	s.RecordAIDecision(rita, f.ID)
	decision := teststack.Decision("decision_overturned")
	if r := s.Do(req{Method: "POST", Path: path + "/decision", Token: rita, Body: decision}); r.Status != 200 {
		t.Fatalf("decide: %d %s", r.Status, r.Body)
	}
	r := s.Do(req{Method: "POST", Path: path + "/remedies", Token: rita, Body: bundle(true)})
	if r.Status != 201 {
		t.Fatalf("offer: %d %s", r.Status, r.Body)
	}
	rid := itemIDs(t, r)[0]
	if r := s.Do(req{Method: "POST", Path: "/api/v1/complainant/case/remedies/" + rid + "/response", Token: me,
		Body: map[string]any{"accept": true, "comment": "Yes, from next week please."}}); r.Status != 200 {
		t.Fatalf("accept: %d %s", r.Status, r.Body)
	}

	r = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/export?format=json", Token: me})
	if r.Status != 200 {
		t.Fatalf("export json: %d %s", r.Status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`+f.Reference+`-case.json"`) {
		t.Errorf("Content-Disposition %q", cd)
	}
	var out struct {
		Format      string    `json:"format"`
		GeneratedAt time.Time `json:"generated_at"`
		Language    string    `json:"language"`
		Case        struct {
			Reference string `json:"reference"`
			Filing    struct {
				Description       string  `json:"description"`
				DesiredOutcome    string  `json:"desired_outcome"`
				InformedOfAI      string  `json:"informed_of_ai"`
				DecisionReference *string `json:"decision_reference"`
				Contact           *struct{ Name, Email, Phone string }
			} `json:"filing"`
			Timeline []struct{ Action, Actor string }
			Messages []map[string]any
			Decision *struct {
				Outcome, Rationale string
				Explanation        *struct {
					MainFactors  []string `json:"main_factors"`
					HowToContest string   `json:"how_to_contest"`
				}
			}
			Remedies []struct {
				ID, Status, Description string
				Comment                 string `json:"complainant_comment"`
			}
			Appeal    map[string]any
			Feedback  map[string]any
			Evidence  []any
			Referrals []any
			Access    []any
		}
	}
	dec := json.NewDecoder(bytes.NewReader(r.Body))
	if err := dec.Decode(&out); err != nil {
		t.Fatalf("decode: %v\n%s", err, r.Body)
	}
	raw := string(r.Body)
	if out.Format != "redress-case-export-v1" || out.Language != "en" || out.GeneratedAt.IsZero() ||
		!strings.Contains(raw, `"generated_at": "`+out.GeneratedAt.UTC().Format(time.RFC3339)+`"`) {
		t.Errorf("head: format %q, language %q, generated_at %v", out.Format, out.Language, out.GeneratedAt)
	}
	c := out.Case
	if c.Reference != f.Reference {
		t.Errorf("reference %q, want %q", c.Reference, f.Reference)
	}
	// What they wrote, as they gave it.
	if c.Filing.Description != filed["description"] || c.Filing.DesiredOutcome != filed["desired_outcome"] ||
		c.Filing.InformedOfAI != "no" || c.Filing.DecisionReference == nil || *c.Filing.DecisionReference != filed["decision_reference"] {
		t.Errorf("filing: %+v", c.Filing)
	}
	if c.Filing.Contact == nil || c.Filing.Contact.Name != "Maria Lopez-Garcia" || c.Filing.Contact.Phone != "+34 612 345 678" {
		t.Errorf("contact details: %+v", c.Filing.Contact)
	}
	// Messages both ways, by role; never the internal note, never a staff id.
	var kinds []string
	for _, m := range c.Messages {
		kinds = append(kinds, m["author_kind"].(string))
		if _, ok := m["author_id"]; ok {
			t.Errorf("a message names its author: %v", m)
		}
	}
	if !slices.Contains(kinds, "complainant") || !slices.Contains(kinds, "staff") {
		t.Errorf("messages by %v, want both ways", kinds)
	}
	if strings.Contains(raw, "Internal: check") || strings.Contains(raw, "rita") {
		t.Error("the copy has the internal note or a staff name")
	}
	if !strings.Contains(raw, "Which shifts were cut?") || !strings.Contains(raw, "the rota is on the wall") {
		t.Error("the copy lacks a message")
	}
	// The decision with its reasons and explanation.
	if c.Decision == nil || c.Decision.Outcome != "decision_overturned" || c.Decision.Rationale != decision["rationale"] ||
		c.Decision.Explanation == nil || len(c.Decision.Explanation.MainFactors) != 2 || c.Decision.Explanation.HowToContest == "" {
		t.Errorf("decision: %+v", c.Decision)
	}
	// The remedies and the complainant's answer.
	var answered bool
	for _, rc := range c.Remedies {
		if rc.ID == rid && rc.Status == "accepted" && rc.Comment == "Yes, from next week please." {
			answered = true
		}
	}
	if len(c.Remedies) != 3 || !answered {
		t.Errorf("remedies: %+v", c.Remedies)
	}
	// The public record, and every other part, present.
	var actions []string
	for _, e := range c.Timeline {
		actions = append(actions, e.Action)
	}
	for _, want := range []string{"case.submitted", "message.sent", "case.decided"} {
		if !slices.Contains(actions, want) {
			t.Errorf("timeline %v lacks %s", actions, want)
		}
	}
	if c.Appeal == nil || c.Feedback == nil || c.Evidence == nil || c.Referrals == nil || c.Access == nil {
		t.Errorf("a part is missing: appeal %v, feedback %v, evidence %v, referrals %v, access %v",
			c.Appeal, c.Feedback, c.Evidence, c.Referrals, c.Access)
	}

	// The PDF, in the case's language and in another.
	for _, q := range []string{"format=pdf", "format=pdf&lang=ar"} {
		r := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/export?" + q, Token: me})
		if r.Status != 200 || !bytes.HasPrefix(r.Body, []byte("%PDF-")) || r.Header.Get("Content-Type") != "application/pdf" {
			t.Errorf("export %s: %d %q %.16q", q, r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="`+f.Reference+`-case.pdf"`) {
			t.Errorf("Content-Disposition %q", cd)
		}
	}

	// Each download is on the case record, not public: staff know a copy
	// was taken, and in which format; the complainant's timeline does not
	// show their own reads.
	var formats []string
	s.Core.DB.Raw(`SELECT data->>'format' FROM audit_entries WHERE case_id = ? AND action = 'case.exported'
		AND NOT public AND actor_kind = 'complainant' ORDER BY seq`, f.ID).Scan(&formats)
	if !slices.Equal(formats, []string{"json", "pdf", "pdf"}) {
		t.Errorf("case.exported entries %v, want json, pdf, pdf", formats)
	}
	entries, err := audit.Entries(s.Core.DB, uuid.MustParse(f.ID))
	if err != nil {
		t.Fatal(err)
	}
	if v := audit.Verify(uuid.MustParse(f.ID), entries); !v.Verified {
		t.Errorf("the case record does not verify after the exports: %+v", v)
	}

	// Another case's token exports that case, never this one.
	other := s.File(teststack.ValidCase())
	r = s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/export?format=json", Token: s.ComplainantToken(other)})
	if r.Status != 200 || !strings.Contains(string(r.Body), other.Reference) || strings.Contains(string(r.Body), f.Reference) ||
		strings.Contains(string(r.Body), "Maria Lopez-Garcia") {
		t.Errorf("another case's token: %d %.300s", r.Status, r.Body)
	}
	// No token, a staff token: no copy.
	for _, tok := range []string{"", rita} {
		if r := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/export?format=json", Token: tok}); r.Status != 401 {
			t.Errorf("token %.8q: %d %.200s", tok, r.Status, r.Body)
		}
	}

	// A missing or unknown format, an unknown language: 422 naming it.
	for q, field := range map[string]string{"": "format", "format=xml": "format", "format=JSON": "format",
		"format=pdf&lang=de": "lang"} {
		r := s.Do(req{Method: "GET", Path: "/api/v1/complainant/case/export?" + q, Token: me})
		if _, fields := problemFields(t, r); r.Status != 422 || !slices.Equal(fields, []string{field}) {
			t.Errorf("?%s: %d %s, want 422 naming %s", q, r.Status, r.Body, field)
		}
	}
}
