package livedash

import (
	"encoding/json"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Length limits of free-text fields, in characters.
const (
	MaxNameLen        = 200
	MaxDescriptionLen = 2000
	MaxBodyLen        = 10000
	MaxJSONLen        = 64 << 10 // bytes of a layout or options document
)

// invalid returns an EBadRequest error naming field: "field: problem".
func invalid(field, format string, args ...any) *Error {
	return &Error{Code: EBadRequest, Message: field + ": " + fmt.Sprintf(format, args...)}
}

// checkName requires a non-blank single-line string of at most max characters.
func checkName(field, s string, max int) error {
	if strings.TrimSpace(s) == "" {
		return invalid(field, "must not be empty")
	}
	if strings.ContainsFunc(s, unicode.IsControl) {
		return invalid(field, "must not contain control characters")
	}
	return checkText(field, s, max)
}

// checkText requires valid UTF-8 of at most max characters.
func checkText(field, s string, max int) error {
	if !utf8.ValidString(s) {
		return invalid(field, "must be valid UTF-8")
	}
	if n := utf8.RuneCountInString(s); n > max {
		return invalid(field, "must be at most %d characters (got %d)", max, n)
	}
	return nil
}

// checkJSONObject requires raw to be empty, null or a JSON object of at most MaxJSONLen bytes.
func checkJSONObject(field string, raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if len(raw) > MaxJSONLen {
		return invalid(field, "must be at most %d bytes", MaxJSONLen)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil || m == nil {
		return invalid(field, "must be a JSON object")
	}
	return nil
}

// isIdent reports whether s is 1..max characters of [A-Za-z0-9] and the given punctuation, starting
// with a letter or digit.
func isIdent(s string, max int, punct string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case i > 0 && strings.IndexByte(punct, c) >= 0:
		default:
			return false
		}
	}
	return true
}

// oneOf reports an EBadRequest error naming field unless v is one of allowed.
func oneOf(field, v string, allowed []string) error {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	if v == "" {
		return invalid(field, "must be one of %s", strings.Join(allowed, ", "))
	}
	return invalid(field, "unknown value %q (known: %s)", v, strings.Join(allowed, ", "))
}
