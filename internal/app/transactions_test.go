package app_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// Transactions you can see (issue 17): a transaction is opened in one place,
// db.Transact, and handed on as an argument. This test reads the Go source
// and fails when:
//   - code outside internal/platform/db looks a transaction up in a context
//     (db.Conn, db.InTx: the hidden transaction this replaced);
//   - a function run by db.Transact uses the context Transact was given (the
//     ctx outside it), which does not carry the transaction: what it reaches
//     would run outside the transaction.
//
// What the source cannot show, a statement on the pool sent with the
// transaction's own context (tx.Statement.Context), db refuses at run time
// (db.ErrOutsideTransaction), so every test of the product checks it.
func TestTransactionsArePassedExplicitly(t *testing.T) {
	var problems []string
	fset := token.NewFileSet()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (strings.HasPrefix(d.Name(), ".") && path != "../.." || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") ||
			strings.Contains(filepath.ToSlash(path), "internal/platform/db/") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		problems = append(problems, hiddenTransactions(fset, f)...)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Error(p)
	}
}

// hiddenTransactions lists f's uses of db.Conn and db.InTx, and of a
// db.Transact's context inside the function it runs.
func hiddenTransactions(fset *token.FileSet, f *ast.File) []string {
	var out []string
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		sel, ok := call.Fun.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if pkg, ok := sel.X.(*ast.Ident); !ok || pkg.Name != "db" {
			return true
		}
		switch sel.Sel.Name {
		case "Conn", "InTx", "InTxContext":
			out = append(out, fmt.Sprintf("%s: db.%s looks the transaction up in a context; pass it as an argument",
				fset.Position(call.Pos()), sel.Sel.Name))
		case "Transact":
			if len(call.Args) != 3 {
				return true
			}
			ctx, ok1 := call.Args[0].(*ast.Ident)
			fn, ok2 := call.Args[2].(*ast.FuncLit)
			if !ok1 || !ok2 {
				return true
			}
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && id.Name == ctx.Name && id.Obj == ctx.Obj {
					out = append(out, fmt.Sprintf("%s: %s inside db.Transact's function does not carry the transaction; pass tx",
						fset.Position(id.Pos()), id.Name))
				}
				return true
			})
		}
		return true
	})
	return out
}

// The check sees what it is there to see, and passes what is right.
func TestHiddenTransactionDetector(t *testing.T) {
	src := `package p
func a(ctx context.Context) error {
	_ = db.Conn(ctx, s.db)
	return db.InTx(ctx, s.db, func(ctx context.Context) error { return nil })
}
func b(ctx context.Context) error {
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		s.other.Do(ctx, 1)
		return nil
	})
}
func c(ctx context.Context) error {
	s.other.Do(ctx, 1) // outside: fine
	return db.Transact(ctx, s.db, func(tx *gorm.DB) error {
		ctx := tx.Statement.Context // its own, visible: fine (db refuses the pool with it)
		return s.seal(ctx, tx)
	})
}
`
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "p.go", src, 0)
	if err != nil {
		t.Fatal(err)
	}
	got := hiddenTransactions(fset, f)
	want := []string{"p.go:3:6: db.Conn", "p.go:4:9: db.InTx", "p.go:8:14: ctx inside db.Transact"}
	if len(got) != len(want) {
		t.Fatalf("found %d, want %d: %q", len(got), len(want), got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("finding %d = %q, want it to start %q", i, got[i], want[i])
		}
	}
}
