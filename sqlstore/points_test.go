package sqlstore

import (
	"testing"

	"livedash"
)

func TestSeriesIDOf(t *testing.T) {
	for _, labels := range []map[string]string{
		nil, {}, {"host": "a"}, {"b": "2", "a": "1"}, {"room": `kitchen, north`, "sensor": `a\b=c`},
		{"k1": "", "k2": ",", "k3": `\`, "k4": "=", "k5": "é", "k6": "x", "k7": "y", "k8": "z", "k9": "many"},
	} {
		want := seriesID("t1", "cpu", livedash.LabelsKey(labels))
		if got := seriesIDOf("t1", "cpu", labels); got != want {
			t.Errorf("seriesIDOf(%v) = %d, want %d", labels, got, want)
		}
		if want < 0 {
			t.Errorf("negative id %d", want)
		}
	}
	// The parts are separated: moving bytes between them changes the id.
	if seriesID("t1", "cpu", "") == seriesID("t", "1cpu", "") || seriesID("a", "b", "c=d") == seriesID("a", "bc", "=d") {
		t.Error("series ids do not separate their parts")
	}
	if seriesID("t1", "cpu", "") == seriesID("t2", "cpu", "") {
		t.Error("series ids do not depend on the tenant")
	}
}

func TestDedupeLast(t *testing.T) {
	rows := []pointRow{{1, 1, 1}, {1, 1, 2}, {1, 2, 3}, {2, 2, 4}, {2, 2, 5}, {2, 2, 6}}
	got := dedupeLast(rows)
	want := []pointRow{{1, 1, 2}, {1, 2, 3}, {2, 2, 6}}
	if len(got) != len(want) {
		t.Fatalf("dedupeLast = %v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("dedupeLast = %v, want %v", got, want)
		}
	}
}

// TestSeriesCollision: a series whose id is taken by another series is refused, not mixed in.
func TestSeriesCollision(t *testing.T) {
	eachBackend(t, func(t *testing.T, s *Store) {
		tn := newTenant(t, s)
		_, err := s.wdb.ExecContext(ctxT, s.d.rebind("INSERT INTO metric_series (id, tenant, code, labels_key, created_at) VALUES (?, ?, ?, ?, ?)"),
			seriesID(tn, "cpu", ""), tn, "not-cpu", "", 0)
		ok(t, err)
		err = s.WritePoints(ctxT, tn, []livedash.MetricPoint{{Code: "cpu", Time: t0, Value: 1}})
		if err == nil || livedash.ErrorCode(err) != livedash.EInternal {
			t.Fatalf("write to a colliding series: %v", err)
		}
	})
}
