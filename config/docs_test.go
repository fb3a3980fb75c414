package config

import (
	"flag"
	"os"
	"strings"
	"testing"
)

var updateDocs = flag.Bool("update-docs", false, "rewrite the settings table in docs/configuration.md")

const (
	docsPath       = "../docs/configuration.md"
	tableBeginMark = "<!-- BEGIN SETTINGS TABLE: generated from config/config.go; regenerate with: go test ./config -run TestDocs -update-docs -->"
	tableEndMark   = "<!-- END SETTINGS TABLE -->"
)

// settingsTable renders the settings list as a markdown table.
func settingsTable() string {
	var b strings.Builder
	b.WriteString("| YAML key | Environment variable | Flag | Default | Meaning |\n")
	b.WriteString("|---|---|---|---|---|\n")
	def := Default()
	for i := range settings {
		s := &settings[i]
		d := "*(empty)*"
		if v := formatValue(s.field(&def)); v != "" {
			d = "`" + v + "`"
		}
		meaning := "*" + docType(s) + ".* " + s.help
		if s.rule != "" {
			meaning += " " + s.rule
		}
		cells := []string{"`" + s.key + "`", "`" + s.env() + "`", "`--" + s.flag() + "`", d, meaning}
		for j, c := range cells {
			cells[j] = strings.ReplaceAll(c, "|", `\|`)
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	return b.String()
}

func docType(s *setting) string {
	switch t := s.typeName(); t {
	case "int":
		return "Integer"
	case "number":
		return "Number"
	case "bool":
		return "Boolean"
	case "duration":
		return "Duration"
	case "list":
		return "List"
	case "string":
		return "String"
	default:
		return "Map"
	}
}

// TestDocsTable checks that docs/configuration.md lists exactly the settings of this package.
// Run with -update-docs to rewrite the table.
func TestDocsTable(t *testing.T) {
	data, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(data)
	before, rest, ok1 := strings.Cut(doc, tableBeginMark+"\n")
	_, after, ok2 := strings.Cut(rest, tableEndMark)
	if !ok1 || !ok2 {
		t.Fatalf("%s lacks the table markers %q and %q", docsPath, tableBeginMark, tableEndMark)
	}
	updated := before + tableBeginMark + "\n" + settingsTable() + tableEndMark + after
	if updated == doc {
		return
	}
	if *updateDocs {
		if err := os.WriteFile(docsPath, []byte(updated), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("updated %s", docsPath)
		return
	}
	t.Errorf("the settings table in %s is out of date; run: go test ./config -run TestDocs -update-docs", docsPath)
}

// TestDocsExample checks that every yaml block in docs/configuration.md loads: the first one
// (the example file) must be valid on its own.
func TestDocsExample(t *testing.T) {
	data, err := os.ReadFile(docsPath)
	if err != nil {
		t.Fatal(err)
	}
	rest := string(data)
	n := 0
	for {
		var block string
		var ok bool
		if _, rest, ok = strings.Cut(rest, "```yaml\n"); !ok {
			break
		}
		if block, rest, ok = strings.Cut(rest, "```"); !ok {
			t.Fatal("unterminated yaml block")
		}
		n++
		if _, err := load(t, block, nil); err != nil {
			t.Errorf("yaml block %d does not load:\n%s\nerror: %v", n, block, err)
		}
	}
	if n == 0 {
		t.Error("no yaml example found")
	}
}
