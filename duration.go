package livedash

import (
	"encoding/json"
	"strings"
	"time"
)

// Duration is a time.Duration that reads and writes JSON as a Go duration string ("90s", "5m",
// "1h30m"). When reading, a JSON number is taken as seconds.
type Duration time.Duration

// String returns the shortest Go duration text of d: "5m" rather than "5m0s".
func (d Duration) String() string {
	s := time.Duration(d).String()
	if strings.HasSuffix(s, "m0s") {
		s = s[:len(s)-2]
	}
	if strings.HasSuffix(s, "h0m") {
		s = s[:len(s)-2]
	}
	return s
}

// MarshalJSON writes d as a duration string.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(d.String()) }

// UnmarshalJSON reads a duration string or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*d = 0
			return nil
		}
		v, err := time.ParseDuration(s)
		if err != nil {
			return Errorf(EBadRequest, "invalid duration %q: use a number of seconds or a duration such as \"90s\", \"5m\", \"1h\"", s)
		}
		*d = Duration(v)
		return nil
	}
	var secs float64
	if err := json.Unmarshal(b, &secs); err != nil {
		return Errorf(EBadRequest, "invalid duration %s: use a number of seconds or a duration string", b)
	}
	*d = Duration(secs * float64(time.Second))
	return nil
}
