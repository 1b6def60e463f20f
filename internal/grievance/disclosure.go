package grievance

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/evidence"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Disclosure of the organisation's evidence to the complainant (issue 16,
// item 1: the burden of proof). A person on staff chooses a piece of the
// organisation's evidence, gives the text the complainant is to read (or,
// for a plain-text file, takes the file's text) and names each passage of
// third parties' data to redact with the reason; Redress replaces each
// passage with [redacted] and refuses a passage it cannot find, so a typo
// never leaks what it meant to hide. The redacted text is what the
// complainant reads; the case record keeps who disclosed what, when, and how
// many passages were redacted for which reasons.

// RedactedMark replaces each redacted passage.
const RedactedMark = "[redacted]"

const (
	maxDisclosureText = 20000
	maxRedactions     = 100
)

// Redaction is one passage of third parties' data removed before disclosure.
type Redaction struct {
	Text   string `json:"text"`
	Reason string `json:"reason"`
}

// DisclosureRequest is POST /api/v1/cases/{id}/evidence/{evidence_id}/disclosure.
type DisclosureRequest struct {
	// Text is what the complainant is to read, before redaction; empty to
	// take the text of a plain-text evidence file.
	Text       string      `json:"text"`
	Redactions []Redaction `json:"redactions"`
}

// Disclosure is a disclosed piece of evidence as staff see it.
type Disclosure struct {
	ID          uuid.UUID   `json:"id"`
	EvidenceID  uuid.UUID   `json:"evidence_id"`
	Text        string      `json:"text"`
	Redactions  []Redaction `json:"redactions"`
	DisclosedBy uuid.UUID   `json:"disclosed_by"`
	DisclosedAt time.Time   `json:"disclosed_at"`
}

// DisclosedEvidence is a disclosed piece of the organisation's evidence as
// the complainant reads it: the redacted text, and why passages were
// redacted (never the passages).
type DisclosedEvidence struct {
	EvidenceID  uuid.UUID       `json:"evidence_id"`
	Filename    string          `json:"filename"`
	Description string          `json:"description"`
	Source      evidence.Source `json:"source"`
	SHA256      string          `json:"sha256"`
	Text        string          `json:"text"`
	// RedactionReasons say why each passage was redacted, in order.
	RedactionReasons []string  `json:"redaction_reasons"`
	DisclosedAt      time.Time `json:"disclosed_at"`
}

func purposeDisclosure(field, id string) string { return "disclosure." + field + ":" + id }

// redact applies rs to text: each passage replaced everywhere by
// RedactedMark, and a field error for a passage not found.
func redact(f *fault.Fields, text string, rs []Redaction) string {
	for i, r := range rs {
		if r.Text == "" || !strings.Contains(text, r.Text) {
			if !f.Has(fmt.Sprintf("redactions[%d].text", i)) {
				f.Add(fmt.Sprintf("redactions[%d].text", i), "passage_not_found",
					"is not in the text: copy the passage exactly, or nothing would be redacted")
			}
			continue
		}
		text = strings.ReplaceAll(text, r.Text, RedactedMark)
	}
	return text
}

// DiscloseEvidence records the disclosure of a piece of the organisation's
// evidence to the complainant, redacted by by. Staff must hold the case
// unless by.MayWorkAnyCase; the complainant's own files are theirs already and are
// not disclosed.
func (s *Service) DiscloseEvidence(ctx context.Context, caseID, evidenceID uuid.UUID, by cases.Actor, r DisclosureRequest) (*Disclosure, error) {
	if err := casework.StaffOnly(by); err != nil {
		return nil, err
	}
	e, content, err := s.ev.Open(ctx, caseID, evidenceID)
	if err != nil {
		return nil, err
	}
	var f fault.Fields
	if e.Source == evidence.SourceComplainant {
		return nil, fault.New(fault.Conflict, "complainants_own_evidence",
			"This file is the complainant's own: only the organisation's evidence is disclosed.")
	}
	body := strings.TrimSpace(r.Text)
	if body == "" {
		if !strings.HasPrefix(e.MediaType, "text/plain") || !utf8.Valid(content) {
			f.Add("text", "required", "give the text the complainant is to read: this file is not plain text")
		}
		body = strings.TrimSpace(string(content))
	}
	if !f.Has("text") {
		text(&f, "text", body, 1, maxDisclosureText)
	}
	if len(r.Redactions) > maxRedactions {
		f.Addf("redactions", "too_many", "give at most %d redactions (got %d)", maxRedactions, len(r.Redactions))
	} else {
		for i := range r.Redactions {
			text(&f, fmt.Sprintf("redactions[%d].text", i), r.Redactions[i].Text, 1, maxDisclosureText)
			r.Redactions[i].Reason = strings.TrimSpace(r.Redactions[i].Reason)
			text(&f, fmt.Sprintf("redactions[%d].reason", i), r.Redactions[i].Reason, 5, 500)
		}
	}
	if err := f.Err(); err != nil {
		return nil, err
	}
	redacted := redact(&f, body, r.Redactions)
	if err := f.Err(); err != nil {
		return nil, err
	}
	if strings.TrimSpace(strings.ReplaceAll(redacted, RedactedMark, "")) == "" {
		f.Add("redactions", "nothing_left", "the redactions leave nothing to read: disclose what can be disclosed")
		return nil, f.Err()
	}
	d := &Disclosure{ID: uuid.New(), EvidenceID: evidenceID, Text: redacted, Redactions: r.Redactions, DisclosedBy: *by.ID}
	if d.Redactions == nil {
		d.Redactions = []Redaction{}
	}
	sid := d.ID.String()
	textEnc, err := s.keys.SealCase(caseID, purposeDisclosure("text", sid), []byte(redacted))
	if err != nil {
		return nil, err
	}
	raw, _ := json.Marshal(d.Redactions)
	redEnc, err := s.keys.SealCase(caseID, purposeDisclosure("redactions", sid), raw)
	if err != nil {
		return nil, err
	}
	err = db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		if err := s.lockOpen(tx, caseID, by); err != nil {
			return err
		}
		var err error
		if d.DisclosedAt, err = insertDisclosure(tx, d.ID, caseID, evidenceID, textEnc, redEnc,
			len(d.Redactions), *by.ID); err != nil {
			return fmt.Errorf("grievance: insert disclosure: %w", err)
		}
		d.DisclosedAt = d.DisclosedAt.UTC()
		reasons := make([]string, 0, len(d.Redactions))
		for _, x := range d.Redactions {
			reasons = append(reasons, x.Reason)
		}
		_, err = audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
			Action: "evidence.disclosed", Public: true, Data: map[string]any{"disclosure_id": d.ID, "evidence_id": evidenceID,
				"sha256": e.SHA256, "redactions": len(d.Redactions), "redaction_reasons": reasons}})
		return err
	})
	if err != nil {
		return nil, err
	}
	return d, nil
}

// disclosedEvidence is what the complainant reads of the organisation's
// evidence: the latest disclosure of each piece, oldest piece first.
func (s *Service) disclosedEvidence(ctx context.Context, caseID uuid.UUID) ([]DisclosedEvidence, error) {
	rows, err := latestDisclosures(s.db.WithContext(ctx), caseID)
	if err != nil {
		return nil, fmt.Errorf("grievance: disclosures: %w", err)
	}
	if len(rows) == 0 {
		return []DisclosedEvidence{}, nil
	}
	all, err := s.ev.Of(ctx, caseID, false)
	if err != nil {
		return nil, err
	}
	byID := make(map[uuid.UUID]evidence.Evidence, len(all))
	for _, e := range all {
		byID[e.ID] = e
	}
	out := make([]DisclosedEvidence, 0, len(rows))
	for _, r := range rows {
		sid := r.ID.String()
		text, err := s.keys.OpenString(purposeDisclosure("text", sid), r.TextEnc)
		if err != nil {
			return nil, fmt.Errorf("grievance: open disclosure %s: %w", r.ID, err)
		}
		var rs []Redaction
		if err := s.openJSON(purposeDisclosure("redactions", sid), r.RedactionsEnc, &rs); err != nil {
			return nil, err
		}
		reasons := make([]string, 0, len(rs))
		for _, x := range rs {
			reasons = append(reasons, x.Reason)
		}
		e := byID[r.EvidenceID]
		out = append(out, DisclosedEvidence{EvidenceID: r.EvidenceID, Filename: e.Filename, Description: e.Description,
			Source: e.Source, SHA256: e.SHA256, Text: text, RedactionReasons: reasons, DisclosedAt: r.DisclosedAt.UTC()})
	}
	// Oldest evidence first, as the staff list shows it.
	pos := make(map[uuid.UUID]int, len(all))
	for i, e := range all {
		pos[e.ID] = i
	}
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && pos[out[j].EvidenceID] < pos[out[j-1].EvidenceID]; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out, nil
}

// disclosures lists every disclosure of a case for staff, newest first,
// with the passages redacted.
func (s *Service) disclosures(rd *db.Reads, caseID uuid.UUID, out *[]Disclosure) {
	var rows []disclosureRow
	disclosuresOf(rd, caseID, &rows)
	rd.Then(func() error {
		*out = make([]Disclosure, 0, len(rows))
		for _, r := range rows {
			sid := r.ID.String()
			d := Disclosure{ID: r.ID, EvidenceID: r.EvidenceID, DisclosedBy: r.DisclosedBy, DisclosedAt: r.DisclosedAt.UTC()}
			var err error
			if d.Text, err = s.keys.OpenString(purposeDisclosure("text", sid), r.TextEnc); err != nil {
				return fmt.Errorf("grievance: open disclosure %s: %w", r.ID, err)
			}
			if err := s.openJSON(purposeDisclosure("redactions", sid), r.RedactionsEnc, &d.Redactions); err != nil {
				return err
			}
			if d.Redactions == nil {
				d.Redactions = []Redaction{}
			}
			*out = append(*out, d)
		}
		return nil
	})
}
