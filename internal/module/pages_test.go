package module_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"go/types"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/blueprints-cdk/blueprints/assertions"
	"github.com/blueprints-cdk/blueprints/internal/module"
)

// Each construct page (constructs/<name>/README.md) lists the construct's
// props, with their defaults, and the resources it exposes, generated from
// the doc comments of the package's Props type and of its construct types
// (those that embed constructs.Construct), so that the code stays the one
// home of each fact. `make diagrams` regenerates the tables.
func TestConstructPagesListPropsAndExposedResources(t *testing.T) {
	root, err := module.Root()
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob(filepath.Join(root, "constructs", "*", "README.md"))
	if err != nil || len(pages) == 0 {
		t.Fatalf("no construct pages (%v)", err)
	}
	for _, page := range pages {
		props, resources, err := tables(filepath.Dir(page))
		if err != nil {
			t.Fatal(err)
		}
		assertions.GeneratedBlock(t, page, "props", props)
		assertions.GeneratedBlock(t, page, "resources", resources)
	}
}

// tables renders the Props type and the construct types of the package in
// dir as Markdown tables.
func tables(dir string) (props, resources string, err error) {
	fset := token.NewFileSet()
	names, err := filepath.Glob(filepath.Join(dir, "*.go"))
	if err != nil {
		return "", "", err
	}
	var structs []*ast.TypeSpec
	for _, name := range names {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			return "", "", err
		}
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.TYPE {
				continue
			}
			for _, s := range g.Specs {
				if ts := s.(*ast.TypeSpec); ts.Name.IsExported() {
					if _, ok := ts.Type.(*ast.StructType); ok {
						structs = append(structs, ts)
					}
				}
			}
		}
	}
	sort.Slice(structs, func(i, j int) bool { return structs[i].Name.Name < structs[j].Name.Name })
	for _, ts := range structs {
		st := ts.Type.(*ast.StructType)
		switch {
		case ts.Name.Name == "Props":
			props = table("Prop", st, true)
		case embedsConstruct(st):
			resources += fmt.Sprintf("**`%s`**\n\n%s\n", ts.Name.Name, table("Field", st, false))
		}
	}
	if props == "" {
		return "", "", fmt.Errorf("%s: no Props type", dir)
	}
	return props, strings.TrimSuffix(resources, "\n"), nil
}

func embedsConstruct(st *ast.StructType) bool {
	for _, f := range st.Fields.List {
		if len(f.Names) == 0 && types.ExprString(f.Type) == "constructs.Construct" {
			return true
		}
	}
	return false
}

// table has a row per exported field: its name, type and doc comment (a
// field without one shares the comment above it, as in "Topic is …;
// TopicKey …"); with defaults, the comment's "Default: …" is a column.
func table(what string, st *ast.StructType, defaults bool) string {
	var b strings.Builder
	if defaults {
		fmt.Fprintf(&b, "| %s | Type | What it is | Default |\n| --- | --- | --- | --- |\n", what)
	} else {
		fmt.Fprintf(&b, "| %s | Type | What it is |\n| --- | --- | --- |\n", what)
	}
	doc := ""
	for _, f := range st.Fields.List {
		if f.Doc != nil {
			doc = strings.Join(strings.Fields(f.Doc.Text()), " ")
		}
		var names []string
		for _, n := range f.Names {
			if n.IsExported() {
				names = append(names, "`"+n.Name+"`")
			}
		}
		typ := types.ExprString(f.Type)
		if len(f.Names) == 0 {
			if typ == "constructs.Construct" {
				continue
			}
			names = []string{"*(embedded)*"}
		}
		if len(names) == 0 {
			continue
		}
		text, def := doc, ""
		if defaults {
			if i := strings.Index(text, "Default:"); i >= 0 {
				text, def = strings.TrimSpace(text[:i]), strings.TrimSpace(text[i+len("Default:"):])
			}
		}
		cells := []string{strings.Join(names, ", "), "`" + typ + "`", cell(text)}
		if defaults {
			cells = append(cells, cell(def))
		}
		fmt.Fprintf(&b, "| %s |\n", strings.Join(cells, " | "))
	}
	return b.String()
}

func cell(s string) string {
	if s == "" {
		return "—"
	}
	return strings.ReplaceAll(s, "|", `\|`)
}
