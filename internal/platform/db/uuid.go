package db

import (
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"
)

// RegisterUUID makes m encode a uuid.UUID argument as pgx's own UUID, in
// the binary format, with no detour. Without it pgx takes a uuid.UUID as a
// driver.Valuer: it formats it as text, fails to encode that text as a
// binary uuid (building an error), parses the text back and encodes the
// result: about a twentieth of the worker's CPU went to that under load
// (issue 18). A pointer is dereferenced first, as before; what a uuid.UUID
// encodes to does not change.
func RegisterUUID(m *pgtype.Map) {
	m.TryWrapEncodePlanFuncs = append([]pgtype.TryWrapEncodePlanFunc{tryWrapUUID}, m.TryWrapEncodePlanFuncs...)
}

// tryWrapUUID wraps a uuid.UUID as a pgtype.UUID.
func tryWrapUUID(value any) (pgtype.WrappedEncodePlanNextSetter, any, bool) {
	u, ok := value.(uuid.UUID)
	if !ok {
		return nil, nil, false
	}
	return &uuidEncodePlan{}, pgtype.UUID{Bytes: u, Valid: true}, true
}

// uuidEncodePlan is the plan tryWrapUUID wraps a uuid.UUID in.
type uuidEncodePlan struct{ next pgtype.EncodePlan }

func (p *uuidEncodePlan) SetNext(next pgtype.EncodePlan) { p.next = next }

func (p *uuidEncodePlan) Encode(value any, buf []byte) ([]byte, error) {
	return p.next.Encode(pgtype.UUID{Bytes: value.(uuid.UUID), Valid: true}, buf)
}
