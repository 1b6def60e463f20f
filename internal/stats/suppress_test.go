package stats

import (
	"fmt"
	"math/big"
	"slices"
	"testing"
)

// hiddenCells lists the hidden values of g as (row, column) pairs.
func hiddenCells(g Grid) [][2]int {
	var out [][2]int
	for i := range g.Hidden {
		for j, h := range g.Hidden[i] {
			if h {
				out = append(out, [2]int{i, j})
			}
		}
	}
	return out
}

func TestProtect(t *testing.T) {
	cases := []struct {
		name   string
		cells  [][]int64
		hidden [][2]int
	}{
		{"every count 5 or more is shown", [][]int64{{10, 20}, {30, 40}}, nil},
		{"zero is shown", [][]int64{{0, 10}, {7, 8}}, nil},
		{"an all-zero table is shown", [][]int64{{0, 0}, {0, 0}}, nil},
		{"exactly the threshold is shown", [][]int64{{5, 5}, {5, 5}}, nil},
		{
			// 3 is hidden; its row would give it away (25 − 10 − 12), so
			// 10 is hidden too; its column (23 − 20) so 20; then 10's
			// column (40 − 30) so 30: a rectangle, which no sum undoes.
			"one small cell costs a rectangle",
			[][]int64{{3, 10, 12}, {20, 30, 40}},
			[][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}},
		},
		{
			// Row 0's total, 3, is under 5 as well; the column of row
			// totals then needs a second hidden value.
			"a small total is hidden",
			[][]int64{{1, 2}, {10, 10}},
			[][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}},
		},
		{
			// One row: the column totals repeat it, so each hidden cell's
			// column has two hidden values already; the rows need a second.
			"one row and its totals",
			[][]int64{{3, 7}},
			[][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}},
		},
		{
			// The complement is the smallest non-zero value shown, not a
			// zero (which protects nothing).
			"the complement is the smallest non-zero",
			[][]int64{{2, 0, 9, 6}, {8, 0, 9, 7}},
			[][2]int{{0, 0}, {0, 3}, {1, 0}, {1, 3}},
		},
		{
			// Found by FuzzProtect when only lines were checked: every line
			// had zero or two hidden values, yet adding and subtracting rows
			// and columns gave (2,2) back. Hiding (1,3), the 7, closes a
			// cycle through it.
			"lines alone are not enough",
			[][]int64{{0, 0, 0, 1, 0, 0}, {0, 0, 1, 7, 0, 1}, {0, 0, 1, 1, 0, 0}},
			[][2]int{{0, 3}, {0, 6}, {1, 2}, {1, 3}, {1, 5}, {2, 2}, {2, 3}, {2, 6}, {3, 2}, {3, 5}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			g := Protect(tc.cells, 5)
			if got := hiddenCells(g); !slices.Equal(got, tc.hidden) {
				t.Errorf("hidden %v, want %v\nvalues %v", got, tc.hidden, g.Values)
			}
			checkProtected(t, g, 5)
		})
	}
}

func TestProtectMargins(t *testing.T) {
	g := Protect([][]int64{{1, 2, 3}, {4, 5, 6}}, 5)
	want := [][]int64{{1, 2, 3, 6}, {4, 5, 6, 15}, {5, 7, 9, 21}}
	for i := range want {
		if !slices.Equal(g.Values[i], want[i]) {
			t.Fatalf("values %v, want %v", g.Values, want)
		}
	}
}

// A hidden value that only a bridge joins to the rest — two rectangles of
// hidden values linked by one — is worked out by adding and subtracting
// rows and columns, though every line has two hidden values.
func TestFixBridgeClosesACycle(t *testing.T) {
	cells := [][]int64{{10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}, {10, 10, 10, 10}}
	g := Protect(cells, 5) // nothing hidden
	for _, x := range [][2]int{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 2}, {2, 3}, {3, 2}, {3, 3}, {1, 2}} {
		g.Hidden[x[0]][x[1]] = true
	}
	if g.fixLine() {
		t.Fatal("every line already has two hidden values")
	}
	if d := determined(g); !slices.Contains(d, [2]int{1, 2}) {
		t.Fatalf("the bridge should be recoverable before the fix; determined %v", d)
	}
	if !g.fixBridge() {
		t.Fatal("no bridge found")
	}
	if !g.Hidden[0][2] {
		t.Errorf("the first cheapest closing value (0,2) is not hidden: %v", hiddenCells(g))
	}
	if g.fixBridge() {
		t.Errorf("a bridge is left: %v", hiddenCells(g))
	}
	checkProtected(t, g, 5)
}

// checkProtected checks the invariants of Protect on g.
func checkProtected(t *testing.T, g Grid, threshold int64) {
	t.Helper()
	rows, cols := len(g.Values), len(g.Values[0])
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if v := g.Values[i][j]; v > 0 && v < threshold && !g.Hidden[i][j] {
				t.Errorf("value %d at (%d,%d) is shown", v, i, j)
			}
		}
	}
	// The brief's rule: no line with exactly one hidden value.
	for _, l := range g.lines() {
		n := 0
		for _, x := range l {
			if g.Hidden[x.i][x.j] {
				n++
			}
		}
		if n == 1 {
			t.Errorf("a line has one hidden value: %v", l)
		}
	}
	// The general rule: the sums determine no hidden value.
	if d := determined(g); len(d) > 0 {
		t.Errorf("hidden values the sums give away: %v (hidden %v)", d, hiddenCells(g))
	}
}

// determined lists the hidden values that the published table's sums fix,
// found by linear algebra (independent of Protect's graph reasoning): the
// unknowns are the hidden values, the equations each line's sum; x_k is
// fixed exactly when e_k lies in the row space of the equations.
func determined(g Grid) [][2]int {
	rows, cols := len(g.Values), len(g.Values[0])
	var unknowns [][2]int
	index := map[[2]int]int{}
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if g.Hidden[i][j] {
				index[[2]int{i, j}] = len(unknowns)
				unknowns = append(unknowns, [2]int{i, j})
			}
		}
	}
	n := len(unknowns)
	if n == 0 {
		return nil
	}
	var m [][]*big.Rat
	eq := func(cells [][2]int, total [2]int) {
		row := make([]*big.Rat, n)
		for k := range row {
			row[k] = new(big.Rat)
		}
		for _, x := range cells {
			if k, ok := index[x]; ok {
				row[k].SetInt64(1)
			}
		}
		if k, ok := index[total]; ok {
			row[k].SetInt64(-1)
		}
		m = append(m, row)
	}
	for i := 0; i < rows; i++ {
		var cs [][2]int
		for j := 0; j < cols-1; j++ {
			cs = append(cs, [2]int{i, j})
		}
		eq(cs, [2]int{i, cols - 1})
	}
	for j := 0; j < cols; j++ {
		var cs [][2]int
		for i := 0; i < rows-1; i++ {
			cs = append(cs, [2]int{i, j})
		}
		eq(cs, [2]int{rows - 1, j})
	}
	// Reduced row echelon form.
	pivotOf := map[int]int{} // column → its pivot row
	r := 0
	for col := 0; col < n && r < len(m); col++ {
		p := -1
		for i := r; i < len(m); i++ {
			if m[i][col].Sign() != 0 {
				p = i
				break
			}
		}
		if p < 0 {
			continue
		}
		m[r], m[p] = m[p], m[r]
		inv := new(big.Rat).Inv(m[r][col])
		for k := range m[r] {
			m[r][k].Mul(m[r][k], inv)
		}
		for i := range m {
			if i == r || m[i][col].Sign() == 0 {
				continue
			}
			f := new(big.Rat).Set(m[i][col])
			for k := range m[i] {
				m[i][k].Sub(m[i][k], new(big.Rat).Mul(f, m[r][k]))
			}
		}
		pivotOf[col] = r
		r++
	}
	var out [][2]int
	for col, pr := range pivotOf {
		alone := true
		for k := 0; k < n; k++ {
			if k != col && m[pr][k].Sign() != 0 {
				alone = false
				break
			}
		}
		if alone {
			out = append(out, unknowns[col])
		}
	}
	slices.SortFunc(out, func(a, b [2]int) int {
		if a[0] != b[0] {
			return a[0] - b[0]
		}
		return a[1] - b[1]
	})
	return out
}

func TestDeterminedFindsASingleHiddenValue(t *testing.T) {
	g := Grid{Values: [][]int64{{3, 7, 10}, {3, 7, 10}}, Hidden: [][]bool{{true, false, false}, {false, false, false}}}
	if d := determined(g); !slices.Equal(d, [][2]int{{0, 0}}) {
		t.Errorf("determined %v", d)
	}
}

// FuzzProtect: whatever the table, no value from 1 to 4 is shown, no line
// has a single hidden value, the sums determine no hidden value, the
// margins add up, and the answer is the same twice.
func FuzzProtect(f *testing.F) {
	f.Add([]byte{2, 3, 3, 10, 12, 20, 30, 40})
	f.Add([]byte{1, 1, 3})
	f.Add([]byte("2A0001000017010011")) // lines alone are not enough
	f.Add([]byte{4, 4, 1, 0, 0, 9, 0, 2, 0, 0, 0, 0, 7, 1, 1, 1, 11, 0, 0, 3})
	f.Add([]byte{5, 5, 10, 10, 10, 10, 10, 10, 1, 10, 10, 10, 10, 10, 10, 10, 10, 10, 10, 2, 10, 10, 10, 10, 10, 10, 10})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 {
			return
		}
		rows, cols := int(data[0])%6+1, int(data[1])%6+1
		data = data[2:]
		cells := make([][]int64, rows)
		for i := range cells {
			cells[i] = make([]int64, cols)
			for j := range cells[i] {
				if k := i*cols + j; k < len(data) {
					cells[i][j] = int64(data[k] % 16) // mostly small: the hard cases
				}
			}
		}
		g := Protect(cells, 5)
		for i := 0; i < rows; i++ {
			var sum int64
			for j := 0; j < cols; j++ {
				sum += g.Values[i][j]
			}
			if sum != g.Values[i][cols] {
				t.Fatalf("row %d total %d, cells add to %d", i, g.Values[i][cols], sum)
			}
		}
		checkProtected(t, g, 5)
		if again := Protect(cells, 5); fmt.Sprint(again.Hidden) != fmt.Sprint(g.Hidden) {
			t.Fatal("Protect is not deterministic")
		}
	})
}
