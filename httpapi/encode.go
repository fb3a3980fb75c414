package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"livedash"
)

// encode writes v as JSON with status.
func encode(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	if v == nil {
		return
	}
	_ = json.NewEncoder(w).Encode(v)
}

// decode reads the body as one JSON value of type T, refusing unknown fields, trailing data and
// bodies larger than limit. Errors are bad requests naming the field when one is known, or
// too_large.
func decode[T any](w http.ResponseWriter, r *http.Request, limit int64) (T, error) {
	var v T
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, limit))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&v); err != nil {
		return v, decodeError(err, limit)
	}
	if _, err := dec.Token(); err != io.EOF {
		if err != nil {
			return v, decodeError(err, limit)
		}
		return v, errorf(livedash.EBadRequest, "body must hold a single JSON value")
	}
	return v, nil
}

// decodeError turns an error of encoding/json into an API error.
func decodeError(err error, limit int64) error {
	if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
		return errorf(livedash.ETooLarge, "body is larger than %d bytes", limit)
	}
	if e, ok := errors.AsType[*livedash.Error](err); ok {
		return e // from a type's UnmarshalJSON, e.g. livedash.Duration
	}
	if errors.Is(err, io.EOF) {
		return errorf(livedash.EBadRequest, "body must be a JSON object")
	}
	if errors.Is(err, io.ErrUnexpectedEOF) {
		return errorf(livedash.EBadRequest, "body is not valid JSON: it ends too early")
	}
	if e, ok := errors.AsType[*json.SyntaxError](err); ok {
		return errorf(livedash.EBadRequest, "body is not valid JSON at byte %d: %s", e.Offset, e.Error())
	}
	if e, ok := errors.AsType[*json.UnmarshalTypeError](err); ok {
		if e.Field == "" {
			return errorf(livedash.EBadRequest, "body must be a JSON %s, not %s", jsonKind(e.Type.Kind().String()), e.Value)
		}
		return badField(e.Field, fmt.Sprintf("must be %s, not %s", jsonKind(e.Type.Kind().String()), e.Value))
	}
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		name = strings.Trim(name, `"`)
		return badField(name, "is not a known field")
	}
	return errorf(livedash.EBadRequest, "body is not valid: %s", strings.TrimPrefix(err.Error(), "json: "))
}

// jsonKind names a Go kind the way a JSON client thinks of it.
func jsonKind(kind string) string {
	switch kind {
	case "string":
		return "a string"
	case "bool":
		return "a boolean"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "a number"
	case "slice", "array":
		return "an array"
	case "map", "struct":
		return "an object"
	}
	return "a " + kind
}
