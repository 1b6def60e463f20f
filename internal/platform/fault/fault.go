// Package fault is the vocabulary of errors the domain returns and the edge
// maps to HTTP (api/errors.go). Messages in a *Error are safe to show.
package fault

import (
	"errors"
	"fmt"
	"sort"
	"time"
)

// Kind classifies an error for the edge.
type Kind int

// Kinds of domain errors.
const (
	Invalid      Kind = iota + 1 // the input breaks a rule: 422 with field errors
	Malformed                    // the input cannot be read: 400
	NotFound                     // 404
	Conflict                     // 409: the state does not allow it
	Unauthorized                 // 401
	Forbidden                    // 403
	TooMany                      // 429
)

// FieldError names one bad field.
type FieldError struct {
	Field   string `json:"field"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is a domain error with a kind, a safe message and, for Invalid, field errors.
type Error struct {
	Kind    Kind
	Code    string // a stable machine code, e.g. "illegal_transition"
	Message string
	Fields  []FieldError
	// RetryAfter, for TooMany, is how long the client should wait; the
	// edge sends it as Retry-After (whole seconds, at least 1).
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if len(e.Fields) > 0 {
		return fmt.Sprintf("%s: %s (%d field errors)", e.Code, e.Message, len(e.Fields))
	}
	return e.Code + ": " + e.Message
}

// New returns an error of kind with a code and a safe message.
func New(kind Kind, code, msg string) *Error { return &Error{Kind: kind, Code: code, Message: msg} }

// As unwraps err into a *Error.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// FieldNames are the fields err names, in its order; nil if it is not a
// domain error.
func FieldNames(err error) []string {
	e, ok := As(err)
	if !ok {
		return nil
	}
	out := make([]string, 0, len(e.Fields))
	for _, f := range e.Fields {
		out = append(out, f.Field)
	}
	return out
}

// Is reports whether err is a domain error of kind.
func Is(err error, kind Kind) bool {
	e, ok := As(err)
	return ok && e.Kind == kind
}

// Fields collects field errors; Err returns nil when there are none.
type Fields struct{ list []FieldError }

// Add records a bad field.
func (f *Fields) Add(field, code, msg string) { f.list = append(f.list, FieldError{field, code, msg}) }

// Addf records a bad field with a formatted message.
func (f *Fields) Addf(field, code, format string, args ...any) {
	f.Add(field, code, fmt.Sprintf(format, args...))
}

// Has reports whether field already has an error.
func (f *Fields) Has(field string) bool {
	for _, e := range f.list {
		if e.Field == field {
			return true
		}
	}
	return false
}

// Err returns an Invalid error listing every field, sorted, or nil.
func (f *Fields) Err() error {
	if len(f.list) == 0 {
		return nil
	}
	list := append([]FieldError(nil), f.list...)
	sort.SliceStable(list, func(i, j int) bool { return list[i].Field < list[j].Field })
	return &Error{Kind: Invalid, Code: "validation_failed", Message: "The request has invalid fields.", Fields: list}
}

// Unsupported is an unsupported media type: 415.
const Unsupported Kind = 100

// TooLarge is content larger than its limit, such as an evidence file: 413.
const TooLarge Kind = 101

// RetrySeconds is RetryAfter in whole seconds, rounded up, at least 1.
func (e *Error) RetrySeconds() int {
	s := int((e.RetryAfter + time.Second - 1) / time.Second)
	return max(s, 1)
}

// Gone is something that existed and was erased: 410.
const Gone Kind = 102
