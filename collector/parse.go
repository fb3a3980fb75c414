package collector

import (
	"bytes"
	"io"
	"math"
	"os"
)

// The /proc parsers work on bytes read into one reused buffer: no regexp, no strings per line.

// nextLine splits b at its first newline.
func nextLine(b []byte) (line, rest []byte) {
	if i := bytes.IndexByte(b, '\n'); i >= 0 {
		return b[:i], b[i+1:]
	}
	return b, nil
}

// nextField returns the field of b that starts at or after i (fields are separated by spaces or
// tabs) and the index just after it; f is empty when there is none.
func nextField(b []byte, i int) (f []byte, next int) {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t') {
		i++
	}
	j := i
	for j < len(b) && b[j] != ' ' && b[j] != '\t' {
		j++
	}
	return b[i:j], j
}

// parseUint parses a decimal unsigned integer.
func parseUint(b []byte) (uint64, bool) {
	if len(b) == 0 {
		return 0, false
	}
	var n uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if n > (math.MaxUint64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// parseDecimal parses an unsigned decimal number such as "0.64" or "12".
func parseDecimal(b []byte) (float64, bool) {
	intPart, frac, hasDot := bytes.Cut(b, []byte{'.'})
	if len(intPart) == 0 {
		return 0, false
	}
	n, ok := parseUint(intPart)
	if !ok {
		return 0, false
	}
	v := float64(n)
	if hasDot {
		if len(frac) == 0 || len(frac) > 18 {
			return 0, false
		}
		f, ok := parseUint(frac)
		if !ok {
			return 0, false
		}
		v += float64(f) / math.Pow10(len(frac))
	}
	return v, true
}

// allDigits reports whether b is a non-empty run of ASCII digits.
func allDigits(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// readInto reads the whole file name into *buf (grown as needed) and returns the bytes read.
// /proc files report size 0, so it reads until EOF.
func readInto(name string, buf *[]byte) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	b := *buf
	if cap(b) == 0 {
		b = make([]byte, 0, 16<<10)
	}
	b = b[:0]
	for {
		if len(b) == cap(b) {
			b = append(b, 0)[:len(b)]
		}
		n, err := f.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			*buf = b
			return nil, err
		}
	}
	*buf = b
	return b, nil
}
