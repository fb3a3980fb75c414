package livedash

import (
	"encoding/json"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestIDGenerator(t *testing.T) {
	var g IDGenerator
	seen := map[string]bool{}
	prev := ""
	for range 10000 {
		id := g.New(time.Now())
		if len(id) != 26 || strings.Trim(id, crockford) != "" {
			t.Fatalf("id %q is not 26 base32 characters", id)
		}
		if id <= prev || seen[id] {
			t.Fatalf("id %q after %q: not increasing", id, prev)
		}
		seen[id], prev = true, id
	}
	// The time part sorts with time; an earlier time never goes back.
	a := g.New(time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC))
	b := g.New(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC))
	if b <= a {
		t.Errorf("id for an earlier time %q sorts before %q", b, a)
	}
	// Another generator is independent: its ids carry their own time.
	var other IDGenerator
	if c := other.New(time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)); c >= a {
		t.Errorf("a new generator's id for 2020 %q does not sort before 2030's %q", c, a)
	}
	var zero [16]byte
	if got := encodeULID(zero); got != strings.Repeat("0", 26) {
		t.Errorf("encodeULID(0) = %q", got)
	}
	var ones [16]byte
	for i := range ones {
		ones[i] = 0xff
	}
	if got := encodeULID(ones); got != "7"+strings.Repeat("z", 25) {
		t.Errorf("encodeULID(max) = %q", got)
	}
}

func TestVersionConflict(t *testing.T) {
	var err error = &VersionConflict{Resource: "dashboard", ID: "d1", Current: 7}
	wrapped := errors.Join(errors.New("context"), err)
	if ErrorCode(wrapped) != EConflict {
		t.Errorf("code = %q", ErrorCode(wrapped))
	}
	if msg := ErrorMessage(err); !strings.Contains(msg, "current version is 7") {
		t.Errorf("message = %q", msg)
	}
	vc, ok := errors.AsType[*VersionConflict](wrapped)
	if !ok || vc.Current != 7 {
		t.Errorf("AsType = %v %v", vc, ok)
	}
}

func TestListOptionsNormalize(t *testing.T) {
	for _, tt := range []struct {
		in   int
		want int
		ok   bool
	}{{0, DefaultLimit, true}, {1, 1, true}, {MaxLimit + 1, MaxLimit, true}, {-1, 0, false}} {
		got, err := ListOptions{Limit: tt.in}.Normalize()
		if (err == nil) != tt.ok || (tt.ok && got.Limit != tt.want) {
			t.Errorf("Normalize(%d) = %d, %v", tt.in, got.Limit, err)
		}
	}
}

func TestDuration(t *testing.T) {
	for d, want := range map[Duration]string{
		Duration(5 * time.Minute): `"5m"`, Duration(time.Hour): `"1h"`, Duration(90 * time.Minute): `"1h30m"`,
		Duration(1500 * time.Millisecond): `"1.5s"`, 0: `"0s"`,
	} {
		b, _ := json.Marshal(d)
		if string(b) != want {
			t.Errorf("Marshal(%v) = %s, want %s", time.Duration(d), b, want)
		}
		var back Duration
		if err := json.Unmarshal(b, &back); err != nil || back != d {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	var d Duration
	if err := json.Unmarshal([]byte(`30`), &d); err != nil || d != Duration(30*time.Second) {
		t.Errorf("30 seconds: %v %v", d, err)
	}
	if err := json.Unmarshal([]byte(`"soon"`), &d); ErrorCode(err) != EBadRequest {
		t.Errorf("bad duration: %v", err)
	}
}

func TestLabelsKey(t *testing.T) {
	for _, tt := range []struct {
		labels map[string]string
		key    string
	}{
		{nil, ""},
		{map[string]string{"host": "a"}, "host=a"},
		{map[string]string{"z": "1", "a": "2", "m": ""}, "a=2,m=,z=1"},
		{map[string]string{"path": `C:\x,y=z`}, `path=C:\\x\,y=z`},
	} {
		if got := LabelsKey(tt.labels); got != tt.key {
			t.Errorf("LabelsKey(%v) = %q, want %q", tt.labels, got, tt.key)
		}
		back := ParseLabelsKey(tt.key)
		if len(back) != len(tt.labels) {
			t.Errorf("ParseLabelsKey(%q) = %v", tt.key, back)
		}
		for k, v := range tt.labels {
			if back[k] != v {
				t.Errorf("ParseLabelsKey(%q)[%q] = %q, want %q", tt.key, k, back[k], v)
			}
		}
	}
}

func TestSeriesPointJSON(t *testing.T) {
	b, err := json.Marshal([]SeriesPoint{{Time: 1700000000000, Value: 1.5}, {Time: 1700000012000, Value: -2}})
	if err != nil || string(b) != `[[1700000000000,1.5],[1700000012000,-2]]` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back []SeriesPoint
	if err := json.Unmarshal(b, &back); err != nil || len(back) != 2 || back[1] != (SeriesPoint{1700000012000, -2}) {
		t.Errorf("Unmarshal = %v, %v", back, err)
	}
}

func TestSeriesQueryNormalize(t *testing.T) {
	from := time.Date(2024, 1, 1, 0, 0, 0, 0, time.FixedZone("CET", 3600))
	q, err := SeriesQuery{Code: "cpu", From: from, To: from.Add(time.Hour)}.Normalize()
	if err != nil || q.Step != 12*time.Second || q.Agg != AggAvg || q.From.Location() != time.UTC {
		t.Errorf("Normalize = %+v, %v", q, err)
	}
	q, err = SeriesQuery{Code: "cpu", From: from, To: from.Add(7 * time.Second)}.Normalize()
	if err != nil || q.Step != 24*time.Millisecond {
		t.Errorf("Normalize short range: step %v, %v", q.Step, err)
	}
}

// fieldOf returns the field an EBadRequest message names ("widgets[0].query.codes: …").
func fieldOf(t *testing.T, err error) string {
	t.Helper()
	if ErrorCode(err) != EBadRequest {
		t.Fatalf("error %v, want bad_request", err)
	}
	field, _, _ := strings.Cut(ErrorMessage(err), ":")
	return field
}

func TestValidateNamesTheField(t *testing.T) {
	okWidget := Widget{Type: WidgetStat, Query: MetricQuery{Codes: []string{"cpu"}}, Position: GridPos{W: 1, H: 1}}
	for _, tt := range []struct {
		name  string
		err   error
		field string
	}{
		{"tenant id", Tenant{ID: "a b", Name: "x"}.Validate(), "id"},
		{"tenant name", Tenant{Name: ""}.Validate(), "name"},
		{"user email", User{Email: "x", DisplayName: "x", Roles: []string{RoleViewer}}.Validate(), "email"},
		{"user email with name", User{Email: "Ann <a@b.c>", DisplayName: "x", Roles: []string{RoleViewer}}.Validate(), "email"},
		{"user display name", User{Email: "a@b.c", DisplayName: "a\nb", Roles: []string{RoleViewer}}.Validate(), "display_name"},
		{"user roles", User{Email: "a@b.c", DisplayName: "x", Roles: []string{RoleViewer, RoleViewer}}.Validate(), "roles"},
		{"project status", Project{Name: "p", Status: "done"}.Validate(), "status"},
		{"project members", Project{Name: "p", Members: []string{"a", "a"}}.Validate(), "members"},
		{"dashboard name", Dashboard{Name: strings.Repeat("x", MaxNameLen+1)}.Validate(), "name"},
		{"dashboard layout", Dashboard{Name: "d", Layout: json.RawMessage(`"x"`)}.Validate(), "layout"},
		{"dashboard visibility", Dashboard{Name: "d", Visibility: "public"}.Validate(), "visibility"},
		{"widget type", Dashboard{Name: "d", Widgets: []Widget{okWidget, {Type: "pie"}}}.Validate(), "widgets[1].type"},
		{"widget codes", Dashboard{Name: "d", Widgets: []Widget{{Type: WidgetTimeseries, Position: GridPos{W: 1, H: 1}}}}.Validate(), "widgets[0].query.codes"},
		{"widget aggregation", Widget{Type: WidgetGauge, Query: MetricQuery{Codes: []string{"cpu"}, Aggregation: "p99"}, Position: GridPos{W: 1, H: 1}}.Validate(), "query.aggregation"},
		{"widget position", Widget{Type: WidgetText, Position: GridPos{X: -1, W: 1, H: 1}}.Validate(), "position"},
		{"widget options", Widget{Type: WidgetText, Options: json.RawMessage(`[]`), Position: GridPos{W: 1, H: 1}}.Validate(), "options"},
		{"metric code", MetricDefinition{Code: "has space"}.Validate(), "code"},
		{"point value", MetricPoint{Code: "cpu", Value: math.NaN()}.Validate(), "value"},
		{"point labels", MetricPoint{Code: "cpu", Labels: map[string]string{"": "x"}}.Validate(), "labels"},
		{"rule comparison", AlertRule{Name: "r", MetricCode: "cpu", Comparison: "~", Severity: SeverityInfo}.Validate(), "comparison"},
		{"rule severity", AlertRule{Name: "r", MetricCode: "cpu", Comparison: CompareGT, Severity: "fatal"}.Validate(), "severity"},
		{"rule threshold", AlertRule{Name: "r", MetricCode: "cpu", Comparison: CompareGT, Severity: SeverityInfo, Threshold: math.Inf(1)}.Validate(), "threshold"},
		{"rule roles", AlertRule{Name: "r", MetricCode: "cpu", Comparison: CompareGT, Severity: SeverityInfo, Recipients: Recipients{Roles: []string{"x"}}}.Validate(), "recipients.roles"},
		{"notification title", Notification{}.Validate(), "title"},
		{"notification severity", Notification{Title: "t", Severity: "loud"}.Validate(), "severity"},
		{"query agg", func() error {
			_, err := (SeriesQuery{Code: "c", From: time.Unix(0, 1), To: time.Unix(9, 0), Agg: "p50"}).Normalize()
			return err
		}(), "agg"},
		{"password", ValidatePassword("short"), "password"},
	} {
		if got := fieldOf(t, tt.err); got != tt.field {
			t.Errorf("%s: field %q, want %q (%v)", tt.name, got, tt.field, tt.err)
		}
	}
	for name, err := range map[string]error{
		"widget":       okWidget.Validate(),
		"text widget":  Widget{Type: WidgetText, Position: GridPos{W: 1, H: 1}}.Validate(),
		"user":         User{Email: "a@b.c", DisplayName: "A", Roles: slices.Clone(Roles)}.Validate(),
		"rule":         AlertRule{Name: "r", MetricCode: "cpu", Comparison: CompareLTE, Severity: SeverityWarning, For: Duration(time.Minute)}.Validate(),
		"notification": Notification{Title: "t"}.Validate(),
		"tenant":       Tenant{ID: "acme_1-x", Name: "Acme"}.Validate(),
	} {
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestDashboardCanView(t *testing.T) {
	d := Dashboard{Tenant: "t1", OwnerID: "u1", Visibility: VisibilityPrivate}
	if !d.CanView(Principal{UserID: "u1", Tenant: "t1"}) || d.CanView(Principal{UserID: "u2", Tenant: "t1"}) {
		t.Error("private dashboard visibility")
	}
	d.Visibility = VisibilityShared
	if !d.CanView(Principal{UserID: "u2", Tenant: "t1"}) || d.CanView(Principal{UserID: "u1", Tenant: "t2"}) {
		t.Error("shared dashboard visibility")
	}
}

func TestCompare(t *testing.T) {
	for _, tt := range []struct {
		cmp  string
		v    float64
		want bool
	}{
		{CompareGT, 11, true}, {CompareGT, 10, false}, {CompareGTE, 10, true}, {CompareLT, 9, true},
		{CompareLTE, 10, true}, {CompareLTE, 11, false}, {CompareEQ, 10, true}, {CompareNE, 10, false}, {"??", 10, false},
	} {
		if got := Compare(tt.cmp, tt.v, 10); got != tt.want {
			t.Errorf("Compare(%s, %v, 10) = %v", tt.cmp, tt.v, got)
		}
	}
}
