package analytics

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"livedash"
)

func describe(code string) (string, string) {
	switch code {
	case "host.cpu.percent":
		return "CPU", "percent"
	case "host.net.rx_bytes_per_s":
		return "Network receive", "bytes/s"
	}
	return "", ""
}

// feed sends one point per second from start, value f(i), one batch per point (as the collector
// does), and returns every insight with the index of the point that fired it.
type fired struct {
	i  int
	in Insight
}

func feed(e *Engine, clk *clock, code string, labels map[string]string, start time.Time, n int, f func(i int) float64) []fired {
	var out []fired
	for i := 0; i < n; i++ {
		t := start.Add(time.Duration(i) * time.Second)
		clk.Set(t)
		for _, in := range e.Observe("t1", []livedash.MetricPoint{{Code: code, Time: t, Value: f(i), Labels: labels}}) {
			out = append(out, fired{i, in})
		}
	}
	return out
}

var hostA = map[string]string{"host": "host-a"}

func TestNoiseInsideTheBandFiresNothing(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	clk := &clock{}
	e := New(Config{Now: clk.Now, Describe: describe})
	// 10 ± 2 (sd 20% of the mean, so the relative sd floor plays no part), 3 hours
	got := feed(e, clk, "host.cpu.percent", hostA, t0, 3*3600, func(int) float64 { return 10 + 2*rng.NormFloat64() })
	for _, f := range got {
		t.Errorf("insight on noise at point %d: %s", f.i, f.in.Message)
	}
	// and a spike shorter than Sustain fires nothing either
	got = feed(e, clk, "host.cpu.percent", hostA, t0.Add(3*time.Hour), 600, func(i int) float64 {
		if i >= 100 && i < 150 {
			return 80
		}
		return 10 + 2*rng.NormFloat64()
	})
	for _, f := range got {
		t.Errorf("insight on a 50 s spike at point %d: %s", f.i, f.in.Message)
	}
}

func TestStepChangeFiresOnceAfterSustain(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	clk := &clock{}
	e := New(Config{Now: clk.Now, Describe: describe, Sustain: time.Minute, Cooldown: 15 * time.Minute})
	const step = 600
	got := feed(e, clk, "host.cpu.percent", hostA, t0, step+45*60, func(i int) float64 {
		if i < step {
			return 30 + rng.NormFloat64()
		}
		return 90 + rng.NormFloat64()
	})
	if len(got) != 1 {
		for _, f := range got {
			t.Logf("point %d: %s", f.i, f.in.Message)
		}
		t.Fatalf("%d insights, want exactly 1", len(got))
	}
	f := got[0]
	if f.i != step+60 {
		t.Errorf("fired at point %d, want %d (step + Sustain)", f.i, step+60)
	}
	in := f.in
	if in.Kind != KindSustainedHigh || in.Severity != SeverityCritical || in.Tenant != "t1" ||
		in.Code != "host.cpu.percent" || in.Labels["host"] != "host-a" || in.ID == "" {
		t.Errorf("insight %+v", in)
	}
	if !in.Time.Equal(t0.Add((step + 60) * time.Second)) {
		t.Errorf("time %v", in.Time)
	}
	if !approx(in.Value, 90, 0.01) || !approx(in.Baseline, 30, 0.01) || in.ZScore < 10 {
		t.Errorf("value %v baseline %v z %v", in.Value, in.Baseline, in.ZScore)
	}
	if !strings.HasPrefix(in.Message, "CPU on host-a has been above 8") ||
		!strings.HasSuffix(in.Message, "% for 1 minute, 3x its usual level of 30%") {
		t.Errorf("message %q", in.Message)
	}
	if list := e.Insights("t1", 10); len(list) != 1 || list[0].ID != in.ID {
		t.Errorf("Insights = %+v", list)
	}
}

func TestMessageWording(t *testing.T) {
	clk := &clock{}
	e := New(Config{Now: clk.Now, Describe: describe, Sustain: 5 * time.Minute})
	got := feed(e, clk, "host.cpu.percent", hostA, t0, 200+301, func(i int) float64 {
		switch {
		case i < 200:
			return 29 + 2*float64(i%2) // 29, 31: usual level 30
		case i%2 == 0:
			return 90
		}
		return 90.5
	})
	if len(got) != 1 {
		t.Fatalf("%d insights, want 1", len(got))
	}
	if want := "CPU on host-a has been above 90% for 5 minutes, 3x its usual level of 30%"; got[0].in.Message != want {
		t.Errorf("message\n got %q\nwant %q", got[0].in.Message, want)
	}

	e = New(Config{Now: clk.Now, Describe: describe})
	eth0 := map[string]string{"host": "host-a", "iface": "eth0"}
	got = feed(e, clk, "host.net.rx_bytes_per_s", eth0, t0, 200+61, func(i int) float64 {
		if i < 200 {
			return 3<<20 + float64(i%2)*(64<<10)
		}
		return 12.7 * (1 << 20)
	})
	if len(got) != 1 {
		t.Fatalf("%d insights, want 1", len(got))
	}
	if want := "Network receive on host-a (iface eth0) has been at 12.7 MiB/s for 1 minute, 4.2x its usual level of 3 MiB/s"; got[0].in.Message != want {
		t.Errorf("message\n got %q\nwant %q", got[0].in.Message, want)
	}

	// a drop, for a code Describe does not know
	e = New(Config{Now: clk.Now, Describe: describe})
	got = feed(e, clk, "orders.per_min", nil, t0, 200+61, func(i int) float64 {
		if i < 200 {
			return 100 + float64(i%3)
		}
		return 0
	})
	if len(got) != 1 || got[0].in.Kind != KindSustainedLow ||
		got[0].in.Message != "orders.per_min has been at 0 for 1 minute, down from its usual 100" {
		t.Errorf("drop: %+v", got)
	}
}

func TestCooldown(t *testing.T) {
	clk := &clock{}
	// fire on the first out-of-band point, at most once per 5 minutes
	e := New(Config{Now: clk.Now, Describe: describe, Sustain: -1, Cooldown: 5 * time.Minute})
	spikes := map[int]bool{100: true, 200: true, 500: true}
	got := feed(e, clk, "host.cpu.percent", hostA, t0, 700, func(i int) float64 {
		if spikes[i] {
			return 100
		}
		return 9 + 2*float64(i%2)
	})
	var at []int
	for _, f := range got {
		at = append(at, f.i)
		if f.in.Kind != KindSpike || !strings.HasPrefix(f.in.Message, "CPU on host-a spiked to 100%, ") {
			t.Errorf("insight %q kind %s", f.in.Message, f.in.Kind)
		}
	}
	if len(at) != 2 || at[0] != 100 || at[1] != 500 {
		t.Errorf("fired at points %v, want [100 500] (200 is inside the cooldown)", at)
	}

	// sustained: a step up fires; the step back down 10 minutes later is inside the cooldown
	e = New(Config{Now: clk.Now, Describe: describe, Sustain: time.Minute, Cooldown: 15 * time.Minute})
	got = feed(e, clk, "host.cpu.percent", hostA, t0, 2400, func(i int) float64 {
		base := 29 + 2*float64(i%2)
		if i >= 300 && i < 900 {
			return base + 50
		}
		return base
	})
	if len(got) != 1 || got[0].i != 360 || got[0].in.Kind != KindSustainedHigh {
		for _, f := range got {
			t.Logf("point %d: %s %s", f.i, f.in.Kind, f.in.Message)
		}
		t.Errorf("%d insights, want one sustained_high at point 360", len(got))
	}
	// without the cooldown the way back down is an episode of its own
	e = New(Config{Now: clk.Now, Describe: describe, Sustain: time.Minute, Cooldown: -1})
	got = feed(e, clk, "host.cpu.percent", hostA, t0, 2400, func(i int) float64 {
		base := 29 + 2*float64(i%2)
		if i >= 300 && i < 900 {
			return base + 50
		}
		return base
	})
	if len(got) != 2 || got[1].in.Kind != KindSustainedLow || got[1].i != 960 {
		for _, f := range got {
			t.Logf("point %d: %s %s", f.i, f.in.Kind, f.in.Message)
		}
		t.Errorf("%d insights, want sustained_high then sustained_low at point 960", len(got))
	}
}

func TestFlatSeriesSmallChange(t *testing.T) {
	clk := &clock{}
	e := New(Config{Now: clk.Now})
	// a constant process count that moves by one: not an anomaly
	got := feed(e, clk, "host.procs.count", hostA, t0, 1000, func(i int) float64 {
		if i < 500 {
			return 137
		}
		return 138
	})
	if len(got) != 0 {
		t.Errorf("insight on a +1 change of a flat series: %s", got[0].in.Message)
	}
}
