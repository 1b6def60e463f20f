package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"strings"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/utils"
	"github.com/google/uuid"

	"github.com/redresshq/redress/internal/httpkit"
	"github.com/redresshq/redress/internal/platform/fault"
	"github.com/redresshq/redress/internal/platform/logx"
	"github.com/redresshq/redress/internal/platform/textcheck"
)

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string             `json:"type"`
	Title     string             `json:"title"`
	Status    int                `json:"status"`
	Detail    string             `json:"detail,omitempty"`
	Code      string             `json:"code"`
	Errors    []fault.FieldError `json:"errors,omitempty"`
	RequestID string             `json:"request_id,omitempty"`
}

// errorHandler is the one place where errors become HTTP responses.
func errorHandler(log *slog.Logger, uploads []httpkit.Upload) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		p := Problem{RequestID: logx.RequestID(c.UserContext())}
		f := httpkit.Explain(c, log, "request", err)
		p.Status = f.Status
		switch f.Cause {
		case httpkit.Domain:
			p.Code, p.Detail, p.Errors = f.Fault.Code, f.Fault.Message, f.Fault.Fields
		case httpkit.HTTP:
			p.Detail = f.HTTP.Message
			p.Code = strings.ToLower(strings.ReplaceAll(utils.StatusMessage(f.HTTP.Code), " ", "_"))
			if f.HTTP.Code == fiber.StatusRequestEntityTooLarge {
				p.Detail = httpkit.TooLargeDetail(c, uploads)
				// The body was not read: let the client finish sending it
				// and read this answer (internal/httpkit/linger.go).
				httpkit.LingerOnClose(c)
				p.Code = "payload_too_large"
			}
		case httpkit.Unavailable:
			p.Code = "unavailable"
			p.Detail = "Redress cannot reach its database just now. Nothing was saved; please try again in a moment."
		default:
			p.Code = "internal_error"
			p.Detail = "Something went wrong on our side. Nothing was saved; please try again."
		}
		if p.Status == 0 {
			p.Status = fiber.StatusInternalServerError
		}
		p.Title = utils.StatusMessage(p.Status)
		p.Type = "urn:redress:problem:" + p.Code
		if p.Status == fiber.StatusUnauthorized {
			c.Set(fiber.HeaderWWWAuthenticate, `Bearer realm="redress"`)
		}
		body, _ := json.Marshal(p)
		c.Set(fiber.HeaderContentType, "application/problem+json")
		return c.Status(p.Status).Send(body)
	}
}

// answer ends a handler that called one service: its error as is, else v
// as JSON with status.
func answer(c *fiber.Ctx, status int, v any, err error) error {
	if err != nil {
		return err
	}
	return c.Status(status).JSON(v)
}

// caseRequest reads the case's id from the path, then the JSON body into a T.
func caseRequest[T any](c *fiber.Ctx) (uuid.UUID, T, error) {
	var req T
	id, err := pathID(c)
	if err == nil {
		err = decodeJSON(c, &req)
	}
	return id, req, err
}

// caseChild reads the case's id and the id of one of its things (path
// parameter param, named what in the 422) from the path.
func caseChild(c *fiber.Ctx, param, what string) (uuid.UUID, uuid.UUID, error) {
	id, err := pathID(c)
	if err != nil {
		return uuid.Nil, uuid.Nil, err
	}
	child, err := namedParam(c, param, what)
	return id, child, err
}

// caseChildRequest is caseChild, then the JSON body into a T.
func caseChildRequest[T any](c *fiber.Ctx, param, what string) (uuid.UUID, uuid.UUID, T, error) {
	var req T
	id, child, err := caseChild(c, param, what)
	if err == nil {
		err = decodeJSON(c, &req)
	}
	return id, child, req, err
}

// answerItems answers a list as {"items": […]}, or the error that came
// instead.
func answerItems[T any](c *fiber.Ctx, items []T, err error) error {
	if err != nil {
		return err
	}
	return c.JSON(fiber.Map{"items": items})
}

// reasonBody is a request whose body is only a reason.
type reasonBody struct {
	Reason string `json:"reason"`
}

// decodeJSON reads the body into v strictly: JSON only, one object, no
// unknown fields; every failure names what is wrong.
func decodeJSON(c *fiber.Ctx, v any) error {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || (mt != fiber.MIMEApplicationJSON && !strings.HasSuffix(mt, "+json")) {
		return fault.New(fault.Unsupported, "unsupported_media_type", "Send the body as application/json.")
	}
	// The raw body, never decompressed: c.Body() would inflate a
	// Content-Encoding without any limit (a small gzip bomb fills memory).
	if enc := strings.TrimSpace(c.Get(fiber.HeaderContentEncoding)); enc != "" && !strings.EqualFold(enc, "identity") {
		return fault.New(fault.Unsupported, "unsupported_content_encoding",
			"Send the JSON body without Content-Encoding (no gzip, deflate or br).")
	}
	body := bytes.TrimLeft(c.Request().Body(), " \t\r\n")
	if len(body) == 0 {
		return fault.New(fault.Malformed, "empty_body", "The request body is empty; send a JSON object.")
	}
	if body[0] != '{' {
		return fault.New(fault.Malformed, "malformed_json", "The body must be a JSON object.")
	}
	if field, found := textcheck.JSON(body); found {
		return invalidText(field)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fault.New(fault.Malformed, "malformed_json", "The body must hold exactly one JSON object.")
	}
	return nil
}

// textGate is the input gate of every route of the table, after its
// credential is checked: a query parameter, a form field or a JSON string
// holding a control character, a lone surrogate or a direction override is a
// 422 invalid_text naming it (internal/platform/textcheck), before any
// handler reads it.
func textGate(c *fiber.Ctx) error {
	if field, found := textcheck.Request(c.Request()); found {
		return invalidText(field)
	}
	return c.Next()
}

func invalidText(field string) error {
	var f fault.Fields
	f.Add(field, textcheck.Code, textcheck.Message)
	return f.Err()
}

func jsonError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.Is(err, io.EOF):
		return fault.New(fault.Malformed, "empty_body", "The request body is empty; send a JSON object.")
	case errors.As(err, &syn):
		return fault.New(fault.Malformed, "malformed_json", fmt.Sprintf("The body is not valid JSON (at byte %d).", syn.Offset))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fault.New(fault.Malformed, "malformed_json", "The body ends before the JSON does.")
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return fault.New(fault.Malformed, "malformed_json", "The body must be a JSON object.")
		}
		var f fault.Fields
		f.Addf(field, "wrong_type", "must be %s", jsonType(typ.Type.Kind().String()))
		return f.Err()
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		var f fault.Fields
		f.Add(name, "unknown_field", "is not a field of this request")
		return f.Err()
	default:
		return fault.New(fault.Malformed, "malformed_json", "The body could not be read as JSON.")
	}
}

func jsonType(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "true or false"
	case "slice", "array":
		return "a list"
	case "struct", "map", "ptr":
		return "an object"
	case "int", "int64", "int32", "uint", "uint64", "uint32":
		return "a whole number"
	case "float64", "float32":
		return "a number"
	}
	return "of another type"
}
