package config

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// EnvConfig is the environment variable naming the YAML config file (the --config flag wins).
const EnvConfig = EnvPrefix + "CONFIG"

// FieldError is one problem with one setting. Load and Validate return a *FieldError, or
// several joined with errors.Join; use errors.As to inspect them.
type FieldError struct {
	Key    string // setting name (YAML key), or the unknown key found in a config file
	Source string // where the value came from: `env LIVEDASH_ADDR="x"`, `flag --addr="x"`, "file livedash.yaml:3", "default"; empty when unknown
	Reason string // what is wrong
}

func (e *FieldError) Error() string {
	if e.Source == "" {
		return "config: " + e.Key + ": " + e.Reason
	}
	return "config: " + e.Key + " (" + e.Source + "): " + e.Reason
}

// source records where a setting's value came from.
type source struct {
	layer string // "file", "env" or "flag"
	where string // "path:line", "LIVEDASH_X" or "--x"
	raw   string // the text given (env and flag only)
}

// String names the source without its value (used in parse errors, whose reason quotes the value).
func (s source) String() string { return s.layer + " " + s.where }

// withValue names the source and, unless secret, the value given there (used in validation errors).
func (s source) withValue(secret bool) string {
	if s.layer == "file" || secret {
		return s.String()
	}
	return fmt.Sprintf("%s %s=%q", s.layer, s.where, s.raw)
}

// flagValue is the flag.Value of every setting. It only records the text; parsing happens
// afterwards so errors can name the setting and the source consistently.
type flagValue struct {
	def    string
	isBool bool
	set    bool
	raw    string
}

func (v *flagValue) String() string {
	if v == nil {
		return ""
	}
	if v.set {
		return v.raw
	}
	return v.def
}

func (v *flagValue) Set(s string) error {
	v.raw, v.set = s, true
	return nil
}

func (v *flagValue) IsBoolFlag() bool { return v.isBool }

// Load registers one flag per setting on fs (plus --config), parses args, and builds the
// configuration from, in increasing precedence: defaults, the YAML file named by --config or
// LIVEDASH_CONFIG, environment variables read through getenv, and the flags. The result is
// validated. Empty environment variables are ignored.
//
// A nil fs means a new ContinueOnError flag set; a nil getenv means os.Getenv. Positional
// arguments are refused. When args ask for help, the error is flag.ErrHelp (usage has been
// printed). Problems with settings are reported as *FieldError values, all at once.
func Load(fs *flag.FlagSet, args []string, getenv func(string) string) (Config, error) {
	if fs == nil {
		fs = flag.NewFlagSet("livedash", flag.ContinueOnError)
	}
	if getenv == nil {
		getenv = os.Getenv
	}

	def := Default()
	configPath := fs.String("config", "", "YAML config `file` (env "+EnvConfig+")")
	flags := make(map[string]*flagValue, len(settings))
	for i := range settings {
		s := &settings[i]
		v := &flagValue{def: formatValue(s.field(&def))}
		usage := fmt.Sprintf("%s (env %s)", s.help, s.env())
		if _, ok := s.field(&def).(*bool); ok {
			v.isBool = true
		} else {
			usage = fmt.Sprintf("%s (`%s`, env %s)", s.help, s.typeName(), s.env())
		}
		fs.Var(v, s.flag(), usage)
		flags[s.flag()] = v
	}

	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, flag.ErrHelp
		}
		return Config{}, fmt.Errorf("config: %w", err)
	}
	if fs.NArg() > 0 {
		return Config{}, unexpectedArg(args, fs.Args(), flags)
	}

	l := &loader{cfg: def, sources: make(map[string]source), failed: make(map[string]bool)}

	path, from := *configPath, "flag --config"
	if !flagSet(fs, "config") {
		path, from = getenv(EnvConfig), "env "+EnvConfig
	}
	if path != "" {
		if err := l.loadFile(path, from); err != nil {
			return Config{}, err
		}
	}

	for i := range settings {
		s := &settings[i]
		if raw := getenv(s.env()); raw != "" {
			l.setText(s, raw, source{layer: "env", where: s.env(), raw: raw})
		}
	}

	fs.Visit(func(f *flag.Flag) {
		if s := settingByKey[strings.ReplaceAll(f.Name, "-", "_")]; s != nil && flags[f.Name] != nil {
			raw := flags[f.Name].raw
			l.setText(s, raw, source{layer: "flag", where: "--" + f.Name, raw: raw})
		}
	})

	// Validate even after parse errors so that every problem is reported at once, but skip
	// settings that failed to parse: they still hold an earlier layer's value.
	errs := l.errs
	if err := l.cfg.validate(l.describe); err != nil {
		for _, e := range unjoin(err) {
			if fe, ok := e.(*FieldError); ok && l.failed[fe.Key] {
				continue
			}
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		return Config{}, joinErrors(errs)
	}
	return l.cfg, nil
}

// unjoin lists the errors joined in err.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	return []error{err}
}

func flagSet(fs *flag.FlagSet, name string) bool {
	found := false
	fs.Visit(func(f *flag.Flag) { found = found || f.Name == name })
	return found
}

// unexpectedArg explains a leftover positional argument. The usual cause is "--demo false":
// Go boolean flags only take a value as "--demo=false".
func unexpectedArg(args, rest []string, flags map[string]*flagValue) error {
	err := fmt.Errorf("config: unexpected argument %q", rest[0])
	if i := len(args) - len(rest) - 1; i >= 0 {
		name := strings.TrimLeft(args[i], "-")
		if v := flags[name]; v != nil && v.isBool && !strings.Contains(args[i], "=") {
			err = fmt.Errorf("%w: boolean flags take their value after \"=\", as in --%s=%s", err, name, rest[0])
		}
	}
	return err
}

func joinErrors(errs []error) error {
	if len(errs) == 1 {
		return errs[0]
	}
	return errors.Join(errs...)
}

// loader accumulates the configuration, where each setting came from, and parse errors.
type loader struct {
	cfg     Config
	sources map[string]source
	failed  map[string]bool // keys with a parse error
	errs    []error
}

func (l *loader) fail(key string, src source, reason string) {
	l.failed[key] = true
	l.errs = append(l.errs, &FieldError{Key: key, Source: src.String(), Reason: reason})
}

// describe names where key's value came from, for validation errors.
func (l *loader) describe(key string) (string, bool) {
	src, ok := l.sources[key]
	if !ok {
		return "default", false
	}
	s := settingByKey[key]
	return src.withValue(s != nil && s.secret), true
}

func (l *loader) setText(s *setting, raw string, src source) {
	if err := parseText(s.field(&l.cfg), raw); err != nil {
		l.fail(s.key, src, err.Error())
		return
	}
	l.sources[s.key] = src
}

func (l *loader) setNode(s *setting, n *yaml.Node, src source) {
	if err := parseNode(s.field(&l.cfg), n); err != nil {
		l.fail(s.key, src, err.Error())
		return
	}
	l.sources[s.key] = src
}

// loadFile applies a YAML config file. Unreadable or malformed files are returned as an error
// at once; problems with individual keys are collected in l.errs.
func (l *loader) loadFile(path, from string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("config: config file (from %s): %w", from, err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file
		}
		return fmt.Errorf("config: config file %s: %w", path, err)
	}
	var more yaml.Node
	if err := dec.Decode(&more); !errors.Is(err, io.EOF) {
		return fmt.Errorf("config: config file %s: must hold a single YAML document", path)
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = root.Content[0]
	}
	root = deref(root)
	if isNull(root) {
		return nil // only comments
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("config: config file %s: line %d: the top level must be a mapping of setting names to values", path, root.Line)
	}

	seen := make(map[string]int)
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		key := k.Value
		src := source{layer: "file", where: fmt.Sprintf("%s:%d", path, k.Line)}
		s := settingByKey[key]
		if s == nil {
			l.fail(key, src, unknownKey(key))
			continue
		}
		if line, dup := seen[key]; dup {
			l.fail(key, src, fmt.Sprintf("set twice (also on line %d)", line))
			continue
		}
		seen[key] = k.Line
		l.setNode(s, v, src)
	}
	return nil
}

// unknownKey explains an unknown YAML key, suggesting the setting that was probably meant.
func unknownKey(key string) string {
	const msg = "unknown setting"
	norm := strings.ToLower(strings.ReplaceAll(key, "-", "_"))
	norm = strings.TrimPrefix(norm, strings.ToLower(EnvPrefix))
	if s := settingByKey[norm]; s != nil {
		return fmt.Sprintf("%s; did you mean %q?", msg, s.key)
	}
	best, bestDist := "", 3
	for i := range settings {
		if d := editDistance(norm, settings[i].key); d < bestDist {
			best, bestDist = settings[i].key, d
		}
	}
	if best != "" {
		return fmt.Sprintf("%s; did you mean %q?", msg, best)
	}
	return msg + " (see docs/configuration.md for the list)"
}

// editDistance is the Levenshtein distance between a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

func deref(n *yaml.Node) *yaml.Node {
	for n != nil && n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool { return n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" }

func nodeKind(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	default:
		return "a single value"
	}
}

// parseNode stores the YAML value n into dst (a pointer to a Config field). It writes dst only on
// success. An empty (null) value means empty for strings, lists and channel_roles. Unlike env vars
// and flags, a duration must carry its unit ("30s"): a bare YAML number is refused.
func parseNode(dst any, n *yaml.Node) error {
	n = deref(n)
	switch d := dst.(type) {
	case *[]string:
		if isNull(n) {
			*d = nil
			return nil
		}
		if n.Kind != yaml.SequenceNode {
			return fmt.Errorf("must be a list, not %s (write [a, b] or one \"- item\" per line)", nodeKind(n))
		}
		items, err := nodeStrings(n)
		if err != nil {
			return err
		}
		*d = items
		return nil

	case *map[string][]string:
		if isNull(n) {
			*d = map[string][]string{}
			return nil
		}
		if n.Kind != yaml.MappingNode {
			return fmt.Errorf("must be a mapping of channel kind to roles, not %s (e.g. metrics: [admin, editor])", nodeKind(n))
		}
		m := make(map[string][]string, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			kind, v := n.Content[i].Value, deref(n.Content[i+1])
			if _, dup := m[kind]; dup {
				return fmt.Errorf("channel kind %q is listed twice", kind)
			}
			switch {
			case isNull(v):
				m[kind] = []string{}
			case v.Kind == yaml.SequenceNode:
				roles, err := nodeStrings(v)
				if err != nil {
					return fmt.Errorf("%s: %w", kind, err)
				}
				m[kind] = roles
			default:
				return fmt.Errorf("%s: must be a list of roles, not %s (e.g. %s: [admin])", kind, nodeKind(v), kind)
			}
		}
		*d = m
		return nil
	}

	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("must be a single value, not %s", nodeKind(n))
	}
	if isNull(n) {
		if d, ok := dst.(*string); ok {
			*d = ""
			return nil
		}
		return errors.New("has no value")
	}
	if d, ok := dst.(*time.Duration); ok {
		if _, err := strconv.ParseInt(n.Value, 10, 64); err == nil && n.Value != "0" {
			return fmt.Errorf("%s has no unit: write %q for seconds (see Go duration syntax)", n.Value, n.Value+"s")
		}
		v, err := parseDuration(n.Value, false)
		if err != nil {
			return err
		}
		*d = v
		return nil
	}
	return parseText(dst, n.Value)
}

func nodeStrings(n *yaml.Node) ([]string, error) {
	out := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		item = deref(item)
		if item.Kind != yaml.ScalarNode || isNull(item) {
			return nil, fmt.Errorf("item %d must be a string", i+1)
		}
		out = append(out, item.Value)
	}
	return out, nil
}

// parseText stores the env/flag text raw into dst (a pointer to a Config field), writing dst only
// on success. Lists are comma separated; channel roles use "kind=role|role;kind=role"; a bare
// integer duration means seconds.
func parseText(dst any, raw string) error {
	trimmed := strings.TrimSpace(raw)
	switch d := dst.(type) {
	case *string:
		*d = raw
	case *int:
		n, err := strconv.Atoi(trimmed)
		if err != nil {
			if errors.Is(err, strconv.ErrRange) {
				return fmt.Errorf("%q is out of range", raw)
			}
			return fmt.Errorf("%q is not an integer", raw)
		}
		*d = n
	case *float64:
		f, err := strconv.ParseFloat(trimmed, 64)
		if err != nil {
			return fmt.Errorf("%q is not a number", raw)
		}
		*d = f
	case *bool:
		b, err := strconv.ParseBool(trimmed)
		if err != nil {
			return fmt.Errorf("%q is not a boolean (use true, false, 1 or 0)", raw)
		}
		*d = b
	case *time.Duration:
		v, err := parseDuration(trimmed, true)
		if err != nil {
			return err
		}
		*d = v
	case *[]string:
		*d = splitList(raw, ",")
	case *map[string][]string:
		m, err := parseRoles(raw)
		if err != nil {
			return err
		}
		*d = m
	default:
		panic(fmt.Sprintf("config: unsupported field type %T", dst))
	}
	return nil
}

// parseDuration parses Go duration syntax; with bareSeconds, a bare integer is a number of seconds.
func parseDuration(s string, bareSeconds bool) (time.Duration, error) {
	if bareSeconds {
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			if n > int64(1<<63-1)/int64(time.Second) || n < -int64(1<<63-1)/int64(time.Second) {
				return 0, fmt.Errorf("%q is out of range", s)
			}
			return time.Duration(n) * time.Second, nil
		}
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		hint := `like "30s", "1m" or "1h30m"`
		if bareSeconds {
			hint += ", or a number of seconds"
		}
		if strings.HasSuffix(s, "d") {
			hint = `Go durations have no "d" unit; write days as hours, e.g. "168h" for 7 days`
		}
		return 0, fmt.Errorf("%q is not a duration (%s)", s, hint)
	}
	return d, nil
}

// splitList splits s on sep, trimming spaces and dropping empty items. It returns nil when empty.
func splitList(s, sep string) []string {
	var out []string
	for item := range strings.SplitSeq(s, sep) {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

// parseRoles parses "metrics=admin|editor;system=admin".
func parseRoles(s string) (map[string][]string, error) {
	m := make(map[string][]string)
	for _, part := range splitList(s, ";") {
		kind, roles, ok := strings.Cut(part, "=")
		if !ok {
			return nil, fmt.Errorf("%q has no \"=\" (write kind=role|role;kind=role, e.g. metrics=admin|editor;system=admin)", part)
		}
		kind = strings.TrimSpace(kind)
		if kind == "" {
			return nil, fmt.Errorf("%q has no channel kind before \"=\"", part)
		}
		if _, dup := m[kind]; dup {
			return nil, fmt.Errorf("channel kind %q is listed twice", kind)
		}
		m[kind] = splitList(roles, "|")
		if m[kind] == nil {
			m[kind] = []string{}
		}
	}
	return m, nil
}
