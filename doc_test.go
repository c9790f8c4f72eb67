package weakref_test

import (
	"go/ast"
	"go/build"
	"go/doc"
	"go/doc/comment"
	"go/parser"
	"go/token"
	"regexp"
	"sort"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// The doc tests read the package as go doc and pkg.go.dev do: they parse
// its files with go/parser and let go/doc attach examples and resolve doc
// links. What go/doc cannot attach or resolve, a reader never sees.

// docPackage is the package documentation that go/doc computes from the
// package's files and its tests, with the files' positions.
type docPackage struct {
	fset     *token.FileSet
	pkg      *doc.Package
	files    []*ast.File // non-test files
	examples []*ast.FuncDecl
}

func loadDoc(t *testing.T) *docPackage {
	t.Helper()
	bp, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	d := &docPackage{fset: token.NewFileSet()}
	var all []*ast.File
	parse := func(names []string, test bool) {
		for _, name := range names {
			f, err := parser.ParseFile(d.fset, name, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, f)
			if !test {
				d.files = append(d.files, f)
				continue
			}
			for _, decl := range f.Decls {
				if fn, ok := decl.(*ast.FuncDecl); ok && fn.Recv == nil && isExampleName(fn.Name.Name) {
					d.examples = append(d.examples, fn)
				}
			}
		}
	}
	parse(bp.GoFiles, false)
	parse(bp.TestGoFiles, true)
	parse(bp.XTestGoFiles, true)
	// PreserveAST keeps the doc comments in the AST, for their positions.
	d.pkg, err = doc.NewFromFiles(d.fset, all, "github.com/goweakref/weakref", doc.PreserveAST)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// isExampleName reports whether go test treats a function of that name as
// an example: "Example", or "Example" followed by a non-lower-case rune.
func isExampleName(name string) bool {
	rest, ok := strings.CutPrefix(name, "Example")
	if !ok {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return rest == "" || !unicode.IsLower(r)
}

func (d *docPackage) pos(n ast.Node) token.Position { return d.fset.Position(n.Pos()) }

// TestDocExamples checks that every exported function, type and method
// has an example that go/doc attaches to it, so that pkg.go.dev shows one
// beside its doc, and that every example attaches to something and runs.
func TestDocExamples(t *testing.T) {
	d := loadDoc(t)
	decls := map[string]*ast.FuncDecl{}
	for _, fn := range d.examples {
		decls[fn.Name.Name] = fn
	}
	attached := map[string]bool{}
	note := func(exs []*doc.Example) {
		for _, ex := range exs {
			name := "Example" + ex.Name // Name includes the suffix
			attached[name] = true
			if ex.Output == "" && !ex.EmptyOutput {
				t.Errorf("%s: %s has no // Output: comment, so go test compiles it but never runs it",
					d.pos(decls[name]), name)
			}
		}
	}
	need := func(what string, decl ast.Node, exs []*doc.Example) {
		note(exs)
		if len(exs) == 0 {
			t.Errorf("%s: %s has no example that go/doc attaches to it", d.pos(decl), what)
		}
	}
	note(d.pkg.Examples)
	for _, f := range d.pkg.Funcs {
		need("func "+f.Name, f.Decl, f.Examples)
	}
	for _, typ := range d.pkg.Types {
		need("type "+typ.Name, typ.Decl, typ.Examples)
		for _, f := range typ.Funcs {
			need("func "+f.Name, f.Decl, f.Examples)
		}
		for _, m := range typ.Methods {
			need("method "+typ.Name+"."+m.Name, m.Decl, m.Examples)
		}
	}

	for _, fn := range d.examples {
		if !attached[fn.Name.Name] {
			t.Errorf("%s: %s attaches to nothing: go/doc shows an example only under "+
				"the package (Example, Example_suffix), a function (ExampleF), "+
				"a type (ExampleT) or a method (ExampleT_M), never a variable or constant",
				d.pos(fn), fn.Name.Name)
		}
	}
}

// docLinkLike matches the text of a doc link: [Name], [*Name],
// [Name.Method] or [pkg.Name], whose last name is capitalized.
var docLinkLike = regexp.MustCompile(`\[\*?(?:[\w./-]*\.)?\p{Lu}\w*\]`)

// TestDocLinks checks that every [Name] in the package's doc comments is a
// doc link that go/doc resolves. One that it does not resolve is printed
// as plain text with its brackets, and links nowhere.
func TestDocLinks(t *testing.T) {
	d := loadDoc(t)
	cp := d.pkg.Parser()
	check := func(what string, text string, cg *ast.CommentGroup, decl ast.Node) {
		for _, link := range unresolvedLinks(cp.Parse(text)) {
			where := d.pos(decl)
			if cg != nil {
				where = d.pos(cg)
				for _, c := range cg.List {
					if strings.Contains(c.Text, link) {
						where = d.pos(c)
						break
					}
				}
			}
			t.Errorf("%s: doc of %s: %s is not a doc link that go/doc resolves", where, what, link)
		}
	}
	for _, f := range d.files {
		if f.Doc != nil {
			check("package "+d.pkg.Name, d.pkg.Doc, f.Doc, f)
		}
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			check(strings.Join(v.Names, ", "), v.Doc, v.Decl.Doc, v.Decl)
		}
	}
	funcs := func(prefix string, fs []*doc.Func) {
		for _, f := range fs {
			check(prefix+f.Name, f.Doc, f.Decl.Doc, f.Decl)
		}
	}
	values(d.pkg.Consts)
	values(d.pkg.Vars)
	funcs("func ", d.pkg.Funcs)
	for _, typ := range d.pkg.Types {
		check("type "+typ.Name, typ.Doc, typ.Decl.Doc, typ.Decl)
		values(typ.Consts)
		values(typ.Vars)
		funcs("func ", typ.Funcs)
		funcs("method "+typ.Name+".", typ.Methods)
	}
}

// unresolvedLinks returns the texts like [Name] that the parsed comment
// leaves as plain text where a doc link could stand: between spaces,
// punctuation and line ends, as go/doc/comment requires of a doc link.
func unresolvedLinks(c *comment.Doc) []string {
	var found []string
	texts := func(ts []comment.Text) {
		var b strings.Builder
		for _, t := range ts {
			switch t := t.(type) {
			case comment.Plain:
				b.WriteString(string(t))
			case comment.Italic:
				b.WriteString(string(t))
			default: // *comment.Link, *comment.DocLink: resolved
				b.WriteString(" ")
			}
		}
		s := b.String()
		for _, m := range docLinkLike.FindAllStringIndex(s, -1) {
			if linkAdjacent(s[:m[0]], false) && linkAdjacent(s[m[1]:], true) {
				found = append(found, s[m[0]:m[1]])
			}
		}
	}
	var blocks func([]comment.Block)
	blocks = func(bs []comment.Block) {
		for _, b := range bs {
			switch b := b.(type) {
			case *comment.Paragraph:
				texts(b.Text)
			case *comment.Heading:
				texts(b.Text)
			case *comment.List:
				for _, item := range b.Items {
					blocks(item.Content)
				}
			}
			// *comment.Code is printed verbatim: brackets there are code.
		}
	}
	blocks(c.Content)
	sort.Strings(found)
	return found
}

// linkAdjacent reports whether s may stand next to a doc link: it is empty,
// or its rune next to the link is a space, a tab, a newline or punctuation.
func linkAdjacent(s string, after bool) bool {
	if s == "" {
		return true
	}
	var r rune
	if after {
		r, _ = utf8.DecodeRuneInString(s)
	} else {
		r, _ = utf8.DecodeLastRuneInString(s)
	}
	return unicode.IsPunct(r) || r == ' ' || r == '\t' || r == '\n'
}
