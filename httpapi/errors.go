package httpapi

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"livedash"
)

// Error codes of the HTTP layer itself, beside the livedash codes.
const (
	codeCSRF             = "csrf"
	codeMethodNotAllowed = "method_not_allowed"
)

// statusOf is the one table from error code to HTTP status. Codes missing from it are 500.
var statusOf = map[string]int{
	livedash.EBadRequest:      http.StatusBadRequest,
	livedash.EUnauthenticated: http.StatusUnauthorized,
	livedash.EForbidden:       http.StatusForbidden,
	livedash.ENotFound:        http.StatusNotFound,
	livedash.EConflict:        http.StatusConflict,
	livedash.ERateLimited:     http.StatusTooManyRequests,
	livedash.ETooManyChannels: http.StatusTooManyRequests,
	livedash.ETooLarge:        http.StatusRequestEntityTooLarge,
	livedash.EUnavailable:     http.StatusServiceUnavailable,
	livedash.EInternal:        http.StatusInternalServerError,
	codeCSRF:                  http.StatusForbidden,
	codeMethodNotAllowed:      http.StatusMethodNotAllowed,
}

// errorBody is the "error" member of the error envelope.
type errorBody struct {
	Code           string            `json:"code"`
	Message        string            `json:"message"`
	Fields         map[string]string `json:"fields,omitempty"`          // bad_request: field → problem
	CurrentVersion *int64            `json:"current_version,omitempty"` // conflict on a stale version
}

// statusClientClosedRequest is nginx's 499: the client closed the request before the answer.
const statusClientClosedRequest = 499

// writeError writes err in the envelope {"error":{…}} with the status of its code. Errors that are
// not *livedash.Error are logged and reported as internal without their text.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	code := livedash.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	body := errorBody{Code: code, Message: livedash.ErrorMessage(err)}
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		// The client went away (a page closed or a view changed): nothing failed on our side.
		log.DebugContext(r.Context(), "request canceled by the client", "method", r.Method, "path", r.URL.Path)
		w.WriteHeader(statusClientClosedRequest)
		return
	}
	if status == http.StatusInternalServerError {
		log.ErrorContext(r.Context(), "request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if code == livedash.EBadRequest {
		if field, problem, ok := fieldOf(body.Message); ok {
			body.Fields = map[string]string{field: problem}
		}
	}
	if fe, ok := errors.AsType[*fieldsError](err); ok {
		body.Fields = fe.fields
	}
	if vc, ok := errors.AsType[*livedash.VersionConflict](err); ok {
		v := vc.Current
		body.CurrentVersion = &v
	}
	encode(w, status, map[string]errorBody{"error": body})
}

// fieldOf splits a validation message "field: problem" whose field is a path of identifiers
// (name, query.codes, widgets[2].title, points[0].value).
func fieldOf(msg string) (field, problem string, ok bool) {
	field, problem, ok = strings.Cut(msg, ": ")
	if !ok || field == "" || problem == "" {
		return "", "", false
	}
	for i := 0; i < len(field); i++ {
		c := field[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '.', c == '[', c == ']', c == '-':
		default:
			return "", "", false
		}
	}
	return field, problem, true
}

// fieldsError is a bad request naming the fields at fault, made by this package (decoding, query
// parameters).
type fieldsError struct {
	msg    string
	fields map[string]string
}

func (e *fieldsError) Error() string { return livedash.EBadRequest + ": " + e.msg }

// Unwrap makes ErrorCode and ErrorMessage see a bad request.
func (e *fieldsError) Unwrap() error {
	return &livedash.Error{Code: livedash.EBadRequest, Message: e.msg}
}

// badField returns a bad request about one field: "field: problem".
func badField(field, problem string) error {
	return &fieldsError{msg: field + ": " + problem, fields: map[string]string{field: problem}}
}

// errorf is livedash.Errorf, shorter.
func errorf(code, format string, args ...any) error { return livedash.Errorf(code, format, args...) }
