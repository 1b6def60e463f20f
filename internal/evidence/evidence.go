// Package evidence is a case's evidence: files sealed at rest with their
// SHA-256, size and sniffed media type in the clear, added and never changed,
// checked against their hash on every read; reading an upload (ParseForm,
// Read) is here too. It owns the evidence table and publishes
// case.evidence_added. Adding a file to a case as a step of its work (the
// lock, the complainant's file resuming the case as a reply does) is
// internal/grievance's AddEvidence, which seals and stores through Service.
package evidence

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"github.com/redresshq/redress/internal/audit"
	"github.com/redresshq/redress/internal/cases"
	"github.com/redresshq/redress/internal/casework"
	"github.com/redresshq/redress/internal/events"
	"github.com/redresshq/redress/internal/outbox"
	"github.com/redresshq/redress/internal/platform/db"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/seal"
	"github.com/redresshq/redress/internal/platform/textcheck"
)

// Evidence: a file sealed at rest (content_enc), its filename and
// description sealed (meta_enc), and its SHA-256, size and sniffed media type
// in the clear so a dossier or a remedy can cite it and anyone holding the
// file can check it. Evidence is added, never changed or removed (a trigger
// refuses updates), and every read checks the content against its hash.

// MaxBytes is the largest evidence file: 25 MiB (the evidence
// table's size_bytes CHECK says the same).
const MaxBytes = 25 << 20

// MaxComplainant is how many files a complainant may add to one case.
const MaxComplainant = 20

const (
	maxEvidenceDescription = 2000
)

// Source says where a piece of evidence came from (evidence.source).
type Source string

// The sources of evidence.
const (
	SourceComplainant  Source = "complainant"
	SourceOrganisation Source = "organisation"
	SourceDeployer     Source = "deployer"
	SourceProvider     Source = "provider"
	SourceThirdParty   Source = "third_party"
)

// Sources are every Source.
var Sources = []Source{SourceComplainant, SourceOrganisation, SourceDeployer, SourceProvider, SourceThirdParty}

// ErrTampered means stored evidence no longer matches its hash, or
// its ciphertext does not open: it is never served.
var ErrTampered = errors.New("grievance: evidence failed its integrity check (tampering suspected)")

func purposeEvidenceContent(id string) string { return "evidence.content:" + id }
func purposeEvidenceMeta(id string) string    { return "evidence.meta:" + id }

// File is an uploaded file as read: its bytes, their SHA-256
// (computed while reading) and the media type sniffed from the bytes. Only
// Read makes one, so its hash is always that of its content.
type File struct {
	content   []byte
	sum       [sha256.Size]byte
	mediaType string
}

// Size is the file's size in bytes.
func (f *File) Size() int { return len(f.content) }

// SHA256 is the file's SHA-256 in hex.
func (f *File) SHA256() string { return hex.EncodeToString(f.sum[:]) }

// Read reads one file from r, hashing it as it goes: at most
// MaxBytes (413 file_too_large beyond). Read errors of r (a broken
// multipart body) are 400. An empty file is read; AddEvidence refuses it.
func Read(r io.Reader) (*File, error) {
	h := sha256.New()
	var buf bytes.Buffer
	n, err := io.Copy(io.MultiWriter(&buf, h), io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fault.New(fault.Malformed, "malformed_multipart", "The file could not be read from the body: "+casework.Clip(err.Error(), 120)+".")
	}
	if n > MaxBytes {
		return nil, &fault.Error{Kind: fault.TooLarge, Code: "file_too_large",
			Message: fmt.Sprintf("The file is larger than %d bytes (25 MiB), the most a piece of evidence may be.", MaxBytes),
			Fields: []fault.FieldError{{Field: "file", Code: "too_large",
				Message: fmt.Sprintf("must be at most %d bytes (25 MiB)", MaxBytes)}}}
	}
	f := &File{content: buf.Bytes(), mediaType: http.DetectContentType(buf.Bytes())}
	copy(f.sum[:], h.Sum(nil))
	return f, nil
}

// Input is one piece of evidence to add.
type Input struct {
	File        *File  // nil: the file part was missing
	Filename    string // as the client named it; any path is dropped
	Description string
	Source      Source // forced to complainant for a complainant
}

// Evidence is a piece of evidence as staff see it (never its content).
type Evidence struct {
	ID          uuid.UUID  `json:"id"`
	SHA256      string     `json:"sha256"`
	SizeBytes   int64      `json:"size_bytes"`
	MediaType   string     `json:"media_type"`
	Filename    string     `json:"filename"`
	Description string     `json:"description"`
	Source      Source     `json:"source"`
	AddedBy     *uuid.UUID `json:"added_by"` // null when the complainant added it
	CreatedAt   time.Time  `json:"created_at"`
	// Erased: the case's personal data was erased; Filename says so and
	// the file can no longer be downloaded.
	Erased bool `json:"erased,omitempty"`
}

// ComplainantEvidence is a file a complainant added, as they see it.
type ComplainantEvidence struct {
	ID          uuid.UUID `json:"id"`
	SHA256      string    `json:"sha256"`
	SizeBytes   int64     `json:"size_bytes"`
	MediaType   string    `json:"media_type"`
	Filename    string    `json:"filename"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"created_at"`
	Erased      bool      `json:"erased,omitempty"`
}

type evidenceMeta struct {
	Filename    string `json:"filename"`
	Description string `json:"description,omitempty"`
}

// cleanFilename is the name an uploaded file is stored and downloaded
// under: textcheck.FileName (the last element of a path, NFC, no control or
// bidirectional characters, bounded; "evidence" when nothing is left).
func cleanFilename(name string) string { return textcheck.FileName(name) }

// Validate checks an input, cleaning its filename and description.
func (in *Input) Validate() error {
	var f fault.Fields
	switch {
	case in.File == nil:
		f.Add("file", "required", "attach the file as a multipart part named file")
	case in.File.Size() == 0:
		f.Add("file", "empty", "the file is empty: attach a file with content")
	}
	in.Filename = cleanFilename(in.Filename)
	in.Description = strings.TrimSpace(in.Description)
	f.Text("description", in.Description, 0, maxEvidenceDescription)
	fault.OneOf(&f, "source", in.Source, Sources, true)
	return f.Err()
}

// Service keeps the evidence of cases.
type Service struct {
	db   *gorm.DB
	keys *seal.Keyring
}

// NewService returns the evidence service; keys seal the files and their
// names and descriptions.
func NewService(gdb *gorm.DB, keys *seal.Keyring) *Service { return &Service{db: gdb, keys: keys} }

// Sealed is a validated piece of evidence, sealed and ready to store.
type Sealed struct {
	Evidence
	sum                 [sha256.Size]byte
	metaEnc, contentEnc []byte
}

// Seal seals a validated input's file and metadata with the data key of
// case caseID. It is done before any transaction begins: 25 MiB takes a
// moment.
func (s *Service) Seal(caseID uuid.UUID, in Input, addedBy *uuid.UUID) (*Sealed, error) {
	e := &Sealed{Evidence: Evidence{ID: uuid.New(), SHA256: in.File.SHA256(), SizeBytes: int64(in.File.Size()),
		MediaType: in.File.mediaType, Filename: in.Filename, Description: in.Description, Source: in.Source, AddedBy: addedBy},
		sum: in.File.sum}
	sid := e.ID.String()
	meta, _ := json.Marshal(evidenceMeta{Filename: e.Filename, Description: e.Description})
	var err error
	if e.metaEnc, err = s.keys.SealCase(caseID, purposeEvidenceMeta(sid), meta); err != nil {
		return nil, err
	}
	if e.contentEnc, err = s.keys.SealCase(caseID, purposeEvidenceContent(sid), in.File.content); err != nil {
		return nil, err
	}
	return e, nil
}

// Store inserts sealed evidence with its entry in the case record (public)
// and its event, in the caller's transaction tx.
func (s *Service) Store(tx *gorm.DB, caseID uuid.UUID, by cases.Actor, e *Sealed) error {
	if err := insert(tx, caseID, e); err != nil {
		return err
	}
	e.CreatedAt = e.CreatedAt.UTC()
	data := events.EvidenceAdded{EvidenceID: e.ID, SHA256: e.SHA256, SizeBytes: e.SizeBytes, MediaType: e.MediaType,
		Source: string(e.Source), AuthorKind: by.Kind}
	if _, err := audit.Append(tx, audit.Event{CaseID: caseID, ActorKind: by.Kind, ActorID: by.ID,
		Action: "evidence.added", Public: true, Data: data}); err != nil {
		return err
	}
	_, err := outbox.Add(tx, events.CaseEvidenceAdded, caseID, data)
	return err
}

// evidenceRow is a row of evidence as the package reads it.
type evidenceRow struct {
	ID        uuid.UUID
	SHA256    []byte `gorm:"column:sha256"`
	SizeBytes int64
	MediaType string
	MetaEnc   []byte
	Source    Source
	AddedBy   *uuid.UUID
	CreatedAt time.Time
	// ContentEnc is read only to serve the file.
	ContentEnc []byte
}

func (s *Service) openEvidence(r evidenceRow) (Evidence, error) {
	var m evidenceMeta
	erased := false
	err := casework.MustOpenJSON(s.keys, purposeEvidenceMeta(r.ID.String()), r.MetaEnc, &m)
	if e := (*seal.ErasedError)(nil); errors.As(err, &e) {
		m, erased, err = evidenceMeta{Filename: e.Text()}, true, nil
	}
	if err != nil {
		return Evidence{}, fmt.Errorf("%w: evidence %s: %w", ErrTampered, r.ID, err)
	}
	return Evidence{ID: r.ID, SHA256: hex.EncodeToString(r.SHA256), SizeBytes: r.SizeBytes, MediaType: r.MediaType,
		Filename: m.Filename, Description: m.Description, Source: r.Source, AddedBy: r.AddedBy, CreatedAt: r.CreatedAt.UTC(),
		Erased: erased}, nil
}

// Of lists a case's evidence, oldest first, without content;
// complainantOnly keeps what the complainant added.
func (s *Service) Of(ctx context.Context, caseID uuid.UUID, complainantOnly bool) ([]Evidence, error) {
	var out []Evidence
	rd := db.ReadsOn(s.db.WithContext(ctx))
	s.QueueOf(rd, caseID, complainantOnly, &out)
	return out, rd.Run()
}

// QueueOf queues the read of a case's evidence into out, opened, oldest
// first; complainantOnly, the files the complainant added.
func (s *Service) QueueOf(rd *db.Reads, caseID uuid.UUID, complainantOnly bool, out *[]Evidence) {
	var rows []evidenceRow
	rd.Find(&rows, func(q *gorm.DB) *gorm.DB {
		q = q.Table(table).Select("id, sha256, size_bytes, media_type, meta_enc, source, added_by, created_at").
			Where("case_id = ?", caseID)
		if complainantOnly {
			q = q.Where(fromComplainant)
		}
		return q.Order("created_at, id")
	})
	rd.Then(func() error {
		*out = make([]Evidence, 0, len(rows))
		for _, r := range rows {
			e, err := s.openEvidence(r)
			if err != nil {
				return err
			}
			*out = append(*out, e)
		}
		return nil
	})
}

// List lists a case's evidence for staff (NotFound for no case).
func (s *Service) List(ctx context.Context, caseID uuid.UUID) ([]Evidence, error) {
	if _, err := casework.Status(s.db.WithContext(ctx), caseID); err != nil {
		return nil, err
	}
	return s.Of(ctx, caseID, false)
}

// ComplainantList lists the files the complainant added to their case.
func (s *Service) ComplainantList(ctx context.Context, caseID uuid.UUID) ([]ComplainantEvidence, error) {
	all, err := s.Of(ctx, caseID, true)
	if err != nil {
		return nil, err
	}
	out := make([]ComplainantEvidence, 0, len(all))
	for _, e := range all {
		out = append(out, ComplainantEvidence{ID: e.ID, SHA256: e.SHA256, SizeBytes: e.SizeBytes, MediaType: e.MediaType,
			Filename: e.Filename, Description: e.Description, CreatedAt: e.CreatedAt, Erased: e.Erased})
	}
	return out, nil
}

// Open returns a piece of evidence of the case with its content,
// after checking the content against the stored SHA-256 and size. Content
// that does not open or does not match is ErrTampered and is never
// returned.
func (s *Service) Open(ctx context.Context, caseID, evidenceID uuid.UUID) (*Evidence, []byte, error) {
	var rows []evidenceRow
	q := s.db.WithContext(ctx)
	if err := q.Table(table).Select("id, sha256, size_bytes, media_type, meta_enc, source, added_by, created_at, content_enc").
		Where("id = ? AND case_id = ?", evidenceID, caseID).Scan(&rows).Error; err != nil {
		return nil, nil, fmt.Errorf("grievance: evidence: %w", err)
	}
	if len(rows) == 0 {
		if _, err := casework.Status(q, caseID); err != nil {
			return nil, nil, err
		}
		return nil, nil, fault.New(fault.NotFound, "evidence_not_found", "This case has no evidence with that id.")
	}
	r := rows[0]
	e, err := s.openEvidence(r)
	if err != nil {
		return nil, nil, err
	}
	content, err := s.keys.Open(purposeEvidenceContent(r.ID.String()), r.ContentEnc)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: evidence %s of case %s: content does not open: %w", ErrTampered, r.ID, caseID, err)
	}
	sum := sha256.Sum256(content)
	if subtle.ConstantTimeCompare(sum[:], r.SHA256) != 1 || int64(len(content)) != r.SizeBytes {
		return nil, nil, fmt.Errorf("%w: evidence %s of case %s: content does not match its SHA-256 or size",
			ErrTampered, r.ID, caseID)
	}
	return &e, content, nil
}

// OpenComplainant is Open for the complainant: only a file they added
// themselves (as ComplainantList lists them); any other evidence of the case
// is NotFound to them.
func (s *Service) OpenComplainant(ctx context.Context, caseID, evidenceID uuid.UUID) (*Evidence, []byte, error) {
	e, content, err := s.Open(ctx, caseID, evidenceID)
	if err != nil {
		return nil, nil, err
	}
	if e.Source != SourceComplainant || e.AddedBy != nil {
		return nil, nil, fault.New(fault.NotFound, "evidence_not_found", "This case has no evidence with that id.")
	}
	return e, content, nil
}

// Belongs checks that every id names evidence of the case. It
// returns a 422 naming each id that does not (field[i]), and each repeated
// one, or nil. It reads through q: the caller's transaction, or the pool.
func (s *Service) Belongs(q *gorm.DB, caseID uuid.UUID, field string, ids []uuid.UUID) error {
	return s.BelongsToAny(q, []uuid.UUID{caseID}, field, ids)
}

// BelongsToAny is Belongs for evidence of any of cases (a systemic issue's
// remedy may cite evidence from any linked case).
func (s *Service) BelongsToAny(q *gorm.DB, linked []uuid.UUID, field string, ids []uuid.UUID) error {
	if len(ids) == 0 {
		return nil
	}
	var found []uuid.UUID
	if err := q.Table(table).Where("case_id IN ? AND id IN ?", linked, ids).
		Pluck("id", &found).Error; err != nil {
		return fmt.Errorf("grievance: evidence belongs: %w", err)
	}
	known := make(map[uuid.UUID]bool, len(found))
	for _, id := range found {
		known[id] = true
	}
	var f fault.Fields
	seen := make(map[uuid.UUID]bool, len(ids))
	for i, id := range ids {
		name := fmt.Sprintf("%s[%d]", field, i)
		switch {
		case !known[id]:
			f.Addf(name, "not_found", "no evidence of this case has id %s", id)
		case seen[id]:
			f.Addf(name, "duplicate", "%s is listed twice", id)
		}
		seen[id] = true
	}
	return f.Err()
}
