package analytics

import (
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// word fills in an insight from the episode that fired: kind, severity and a sentence such as
// "CPU on host-a has been above 90% for 5 minutes, 3x its usual level of 30%".
func (e *Engine) word(in *Insight, f firing, seq uint64) {
	name, unit := in.Code, ""
	if e.cfg.Describe != nil {
		n, u := e.cfg.Describe(in.Code)
		if n != "" {
			name = n
		}
		unit = u
	}
	in.ID = insightID(f.at, seq)
	in.Time = time.Unix(0, f.at).UTC()
	in.Value, in.Baseline, in.ZScore = f.value, f.baseline, f.z
	switch {
	case f.dir > 0 && f.immediate:
		in.Kind = KindSpike
	case f.dir > 0:
		in.Kind = KindSustainedHigh
	case f.immediate:
		in.Kind = KindDrop
	default:
		in.Kind = KindSustainedLow
	}
	switch z, t := math.Abs(f.z), e.cfg.ZThreshold; {
	case z >= 2*t:
		in.Severity = SeverityCritical
	case z >= 1.5*t:
		in.Severity = SeverityWarning
	default:
		in.Severity = SeverityInfo
	}

	var b strings.Builder
	b.WriteString(subject(name, in.Labels))
	usual := formatValue(f.baseline, unit, roundApprox)
	dur := formatDuration(time.Duration(f.at - f.start))
	switch in.Kind {
	case KindSustainedHigh:
		if f.lo == f.hi {
			b.WriteString(" has been at " + formatValue(f.lo, unit, roundNearest))
		} else {
			b.WriteString(" has been above " + formatValue(f.lo, unit, roundDown))
		}
		b.WriteString(" for " + dur + ", " + upFrom(f.value, f.baseline, usual))
	case KindSpike:
		b.WriteString(" spiked to " + formatValue(f.last, unit, roundNearest) + ", ")
		b.WriteString(upFrom(f.value, f.baseline, usual))
	case KindSustainedLow:
		if f.lo == f.hi {
			b.WriteString(" has been at " + formatValue(f.hi, unit, roundNearest))
		} else {
			b.WriteString(" has been below " + formatValue(f.hi, unit, roundUp))
		}
		b.WriteString(" for " + dur + ", down from its usual " + usual)
	case KindDrop:
		b.WriteString(" dropped to " + formatValue(f.last, unit, roundNearest) + ", down from its usual " + usual)
	}
	in.Message = b.String()
}

// subject is "CPU on host-a", "Network receive on host-a (iface eth0)".
func subject(name string, labels map[string]string) string {
	s := name
	if h := labels["host"]; h != "" {
		s += " on " + h
	}
	var extra []string
	for _, k := range slices.Sorted(maps.Keys(labels)) {
		if k != "host" {
			extra = append(extra, k+" "+labels[k])
		}
	}
	if len(extra) > 0 {
		s += " (" + strings.Join(extra, ", ") + ")"
	}
	return s
}

func upFrom(value, baseline float64, usual string) string {
	if baseline > 0 && value/baseline >= 1.5 {
		return formatRatio(value/baseline) + "x its usual level of " + usual
	}
	return "up from its usual " + usual
}

func formatRatio(r float64) string {
	if r >= 10 {
		return strconv.FormatFloat(math.Round(r), 'f', 0, 64)
	}
	return trimZeros(strconv.FormatFloat(math.Round(r*10)/10, 'f', 1, 64))
}

type roundMode int

const (
	roundNearest roundMode = iota // 3 significant digits
	roundDown                     // 2 significant digits, toward -inf: "above 90%" for 90.7
	roundUp                       // 2 significant digits, toward +inf: "below 20%" for 19.2
	roundApprox                   // 2 significant digits, nearest: "its usual level of 30%" for 30.07
)

// formatValue writes v in unit for a person: "93.2%", "1.5 GiB", "12 MiB/s", "137", "40 ops/s".
func formatValue(v float64, unit string, mode roundMode) string {
	switch unit {
	case "percent":
		return formatNumber(v, mode) + "%"
	case "bytes", "bytes/s":
		suffixes := [...]string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
		i := 0
		for math.Abs(v) >= 1024 && i < len(suffixes)-1 {
			v /= 1024
			i++
		}
		s := formatNumber(v, mode) + " " + suffixes[i]
		if unit == "bytes/s" {
			s += "/s"
		}
		return s
	case "", "count", "load":
		return formatNumber(v, mode)
	}
	return formatNumber(v, mode) + " " + unit
}

func formatNumber(v float64, mode roundMode) string {
	if v == 0 || math.IsNaN(v) || math.IsInf(v, 0) {
		return strconv.FormatFloat(v, 'f', -1, 64)
	}
	sig := 2
	if mode == roundNearest {
		sig = 3
	}
	exp := int(math.Floor(math.Log10(math.Abs(v))))
	scale := math.Pow10(sig - 1 - exp)
	x := v * scale
	switch mode {
	case roundDown:
		x = math.Floor(x + 1e-9)
	case roundUp:
		x = math.Ceil(x - 1e-9)
	default:
		x = math.Round(x)
	}
	r := x / scale
	decimals := 0
	if r != 0 {
		decimals = max(0, sig-1-int(math.Floor(math.Log10(math.Abs(r)))))
	}
	return trimZeros(strconv.FormatFloat(r, 'f', decimals, 64))
}

func trimZeros(s string) string {
	if strings.IndexByte(s, '.') < 0 {
		return s
	}
	s = strings.TrimRight(s, "0")
	return strings.TrimSuffix(s, ".")
}

// formatDuration is "45 seconds", "1 minute", "5 minutes", "3 hours" (rounded down past a minute).
func formatDuration(d time.Duration) string {
	switch {
	case d < time.Minute:
		return plural(int(d.Round(time.Second)/time.Second), "second")
	case d < 2*time.Hour:
		return plural(int(d/time.Minute), "minute")
	}
	return plural(int(d/time.Hour), "hour")
}

func plural(n int, unit string) string {
	if n == 1 {
		return "1 " + unit
	}
	return strconv.Itoa(n) + " " + unit + "s"
}
