package module

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// Every exported name of a public package (what pkg.go.dev shows an
// importer: constructs/..., assertions/..., the sample stacks in apps/) has
// a doc comment, and every
// package a doc comment that opens with what it is, as go doc renders it.
func TestEveryPublicNameHasADocComment(t *testing.T) {
	root, err := Root()
	if err != nil {
		t.Fatal(err)
	}
	dirs := map[string]bool{}
	for _, top := range []string{"constructs", "assertions", "apps"} {
		err := filepath.WalkDir(filepath.Join(root, top), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if d.IsDir() && (d.Name() == "testdata" || d.Name() == "node_modules") {
				return filepath.SkipDir
			}
			if !d.IsDir() && strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, "_test.go") {
				dirs[filepath.Dir(p)] = true
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(dirs) < 10 {
		t.Fatalf("found only %d public packages", len(dirs))
	}
	for dir := range dirs {
		fset := token.NewFileSet()
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var files []*ast.File
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
				continue
			}
			f, err := parser.ParseFile(fset, filepath.Join(dir, e.Name()), nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
		rel, _ := filepath.Rel(root, dir)
		if files[0].Name.Name == "main" {
			continue
		}
		d, err := doc.NewFromFiles(fset, files, rel)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(d.Doc, "Package "+d.Name+" ") {
			t.Errorf("%s: the package doc must open with \"Package %s …\": %.60q", rel, d.Name, d.Doc)
		}
		// pkg.go.dev lists a package by its first sentence (go/doc's
		// Synopsis): one short sentence a reader can act on.
		if syn := d.Synopsis(d.Doc); len(syn) > 200 || !strings.HasSuffix(syn, ".") {
			t.Errorf("%s: the package doc's first sentence is %d characters (at most 200, ending with a period): %q", rel, len(syn), syn)
		}
		missing := func(kind, name, text string) {
			if ast.IsExported(name) && strings.TrimSpace(text) == "" {
				t.Errorf("%s: %s %s has no doc comment", rel, kind, name)
			}
		}
		for _, c := range d.Consts {
			for _, n := range c.Names {
				missing("const", n, c.Doc+constDoc(c.Decl, n))
			}
		}
		for _, v := range d.Vars {
			for _, n := range v.Names {
				missing("var", n, v.Doc+constDoc(v.Decl, n))
			}
		}
		for _, f := range d.Funcs {
			missing("func", f.Name, f.Doc)
		}
		for _, ty := range d.Types {
			missing("type", ty.Name, ty.Doc)
			for _, f := range ty.Funcs {
				missing("func", f.Name, f.Doc)
			}
			for _, m := range ty.Methods {
				missing("method", ty.Name+"."+m.Name, m.Doc)
			}
			for _, v := range ty.Vars {
				for _, n := range v.Names {
					missing("var", n, v.Doc+constDoc(v.Decl, n))
				}
			}
			for _, c := range ty.Consts {
				for _, n := range c.Names {
					missing("const", n, c.Doc+constDoc(c.Decl, n))
				}
			}
		}
	}
}

// constDoc is the doc or line comment of name's own spec in a grouped
// declaration, which go doc shows when the group has none.
func constDoc(decl *ast.GenDecl, name string) string {
	for _, s := range decl.Specs {
		vs, ok := s.(*ast.ValueSpec)
		if !ok {
			continue
		}
		for _, n := range vs.Names {
			if n.Name == name {
				return vs.Doc.Text() + vs.Comment.Text()
			}
		}
	}
	return ""
}
