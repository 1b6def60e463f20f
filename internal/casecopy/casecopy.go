// Package casecopy is the complainant's copy of their case (GDPR art. 15
// and 20): the whole case as they may read it, as JSON for other programs
// and as a PDF to read and print, in their language. It owns no table and
// decides nothing of what the complainant may read: that is the
// complainant's view (grievance.ForComplainant, with the referrals and the
// looks at their details the follow-up page shows); this package lays it
// out. The API (GET /api/v1/complainant/case/export) and the follow-up
// page (/follow-up/copy.pdf, /follow-up/copy.json) serve it.
package casecopy

import (
	"context"
	"encoding/json"
	"fmt"
	"github.com/redresshq/redress/internal/retention"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/access"
	"github.com/redresshq/redress/internal/escalation"
	"github.com/redresshq/redress/internal/grievance"
	"github.com/redresshq/redress/internal/platform/download"
	"github.com/redresshq/redress/internal/platform/fault"
)

// Format names the JSON's shape and its version; a change that removes or
// renames a field makes a new version.
const Format = "redress-case-export-v1"

// Formats are the files a copy comes as.
var Formats = []string{"json", "pdf"}

// Languages are the languages a copy is written in: the site's.
var Languages = []string{"en", "fr", "es", "ar"}

// Words are the catalogues' words in one language (frontend/locales): the
// PDF's headings and labels. The pages' translator is one.
type Words interface {
	T(id string, args ...any) string
	Has(id string) bool
}

// Copy is the JSON copy (redress-case-export-v1): the case as the
// complainant reads it (Case, the body of GET /api/v1/complainant/case),
// when it was made, and the PDF's language and time zone. Names are
// English, values codes; dates are RFC 3339 with their offset (UTC).
type Copy struct {
	Format      string    `json:"format"`
	GeneratedAt time.Time `json:"generated_at"`
	// Language is the language of the PDF; TimeZone the one its times are
	// shown in (the JSON's are UTC).
	Language string `json:"language"`
	TimeZone string `json:"time_zone"`
	Case     *Case  `json:"case"`
}

// Case is the case as its complainant reads it: their view (what they
// wrote, the timeline, messages, decision, remedies, appeal, feedback,
// their files listed), where it was referred, and who opened their details.
type Case struct {
	*grievance.ComplainantView
	Referrals []escalation.ComplainantReferral `json:"referrals"`
	Access    []access.ComplainantLook         `json:"access"`
	// Retention: the case's erasure and the complainant's latest request
	// for it (no legal holds: a refusal names its ground).
	Retention *retention.CaseState `json:"retention"`
}

// Sources are the services the copy is read from, and the words it is
// written with.
type Sources struct {
	Grievance  *grievance.Service
	Escalation *escalation.Service
	Access     *access.Service
	Retention  *retention.Service
	// TimeZone is the organisation's (nil: UTC): the PDF's times and the
	// days of the looks.
	TimeZone *time.Location
	// Words gives the words of a language (one of Languages).
	Words func(lang string) Words
	// Now is the clock (nil: time.Now).
	Now func() time.Time
}

// File is a copy to download.
type File struct {
	Name      string
	MediaType string
	Body      []byte
}

// Headers are the download's headers: an attachment named after the case's
// reference, never cached.
func (f *File) Headers() []download.Header {
	return []download.Header{
		{Name: "Content-Type", Value: f.MediaType},
		{Name: "Content-Disposition", Value: download.Attachment(f.Name)},
		{Name: "X-Content-Type-Options", Value: "nosniff"},
		{Name: "Cache-Control", Value: "private, no-store"},
	}
}

// Check refuses a format or a language that is not one of Formats or
// Languages (a language may be left out: the case's), naming the field.
func Check(format, lang string) error {
	var f fault.Fields
	f.OneOf("format", format, Formats, true)
	f.OneOf("lang", lang, Languages, false)
	return f.Err()
}

// Export makes the complainant's copy of case caseID in format, in lang
// (empty: the case's language, or English when it is not one of
// Languages), and records on the case record that a copy was taken.
func (s Sources) Export(ctx context.Context, caseID uuid.UUID, format, lang string) (*File, error) {
	if err := Check(format, lang); err != nil {
		return nil, err
	}
	c, err := s.Build(ctx, caseID, lang)
	if err != nil {
		return nil, err
	}
	f := &File{}
	switch format {
	case "json":
		f.Name, f.MediaType = c.Case.Reference+"-case.json", "application/json"
		if f.Body, err = json.MarshalIndent(c, "", "  "); err != nil {
			return nil, fmt.Errorf("casecopy: json: %w", err)
		}
	case "pdf":
		f.Name, f.MediaType = c.Case.Reference+"-case.pdf", "application/pdf"
		if s.Words == nil {
			return nil, fmt.Errorf("casecopy: no words to write the PDF with")
		}
		if f.Body, err = RenderPDF(c, s.Words(c.Language), s.zone()); err != nil {
			return nil, err
		}
	}
	if err := s.Grievance.Exported(ctx, caseID, format, c.Language); err != nil {
		return nil, err
	}
	return f, nil
}

// Read reads case caseID as its complainant reads it: GET
// /api/v1/complainant/case, and the copy.
func (s Sources) Read(ctx context.Context, caseID uuid.UUID) (*Case, error) {
	v, err := s.Grievance.ForComplainant(ctx, caseID)
	if err != nil {
		return nil, err
	}
	refs, err := s.Escalation.ForComplainant(ctx, caseID)
	if err != nil {
		return nil, err
	}
	// Who opened the complainant's details: roles and days, never names.
	looks, err := s.Access.ForComplainant(ctx, caseID, s.TimeZone)
	if err != nil {
		return nil, err
	}
	if looks == nil {
		looks = []access.ComplainantLook{}
	}
	var ret *retention.CaseState
	if s.Retention != nil {
		if ret, err = s.Retention.StateOf(ctx, caseID, false); err != nil {
			return nil, err
		}
	}
	return &Case{ComplainantView: v, Referrals: refs, Access: looks, Retention: ret}, nil
}

// Build reads the copy of case caseID in lang (empty: the case's).
func (s Sources) Build(ctx context.Context, caseID uuid.UUID, lang string) (*Copy, error) {
	c, err := s.Read(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if lang == "" {
		lang = LanguageOf(c.Filing.Language)
	}
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return &Copy{Format: Format, GeneratedAt: now().UTC().Truncate(time.Second), Language: lang,
		TimeZone: s.zone().String(), Case: c}, nil
}

func (s Sources) zone() *time.Location {
	if s.TimeZone == nil {
		return time.UTC
	}
	return s.TimeZone
}

// LanguageOf is the copy's language for a case filed in tag (a language
// tag such as fr or pt-BR): its language when the site speaks it, else
// English.
func LanguageOf(tag string) string {
	base, _, _ := strings.Cut(strings.ToLower(tag), "-")
	if slices.Contains(Languages, base) {
		return base
	}
	return Languages[0]
}
