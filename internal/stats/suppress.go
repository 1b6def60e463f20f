package stats

// Grid is a table of counts with its margins, as it is published: for R
// rows and C columns of cells, Values has R+1 rows of C+1 values. The last
// column holds the row totals, the last row the column totals, and the corner
// the grand total. Hidden says which values are suppressed.
type Grid struct {
	Values [][]int64
	Hidden [][]bool
}

// Protect suppresses the cells of a table of counts (rows × columns, every
// row as long as the first) before it is published with its margins.
//
//   - Primary suppression: every value from 1 to threshold-1 — cell, row
//     total, column total or grand total — is hidden. Zero is shown: it is
//     not a count about anyone.
//   - Complementary suppression: a hidden value must not be recoverable from
//     the values shown. A row or column of the published table is a sum
//     (its cells add up to its total), so a line with exactly one hidden
//     value gives it away by subtraction: there the smallest non-zero value
//     shown in that line is hidden too (the line's total, when every other
//     cell is zero). Lines alone are not enough in two dimensions: hidden
//     values can be worked out by adding and subtracting whole rows and
//     columns whenever one of them is a bridge of the bipartite graph whose
//     vertices are the lines and whose edges are the hidden values (a value
//     is determined by the sums exactly when no cycle of hidden values runs
//     through it). For each bridge the smallest non-zero value that closes a
//     cycle through it is hidden too (a zero only when no non-zero value
//     can).
//
// Protect is deterministic: the same table gives the same Grid. It never
// reveals a value from 1 to threshold-1 and leaves no hidden value that the
// shown values and the sums determine. It does not defend against bounds
// (knowing that hidden values are non-negative may narrow one to a range).
func Protect(cells [][]int64, threshold int64) Grid {
	r := len(cells)
	c := 0
	if r > 0 {
		c = len(cells[0])
	}
	g := Grid{Values: make([][]int64, r+1), Hidden: make([][]bool, r+1)}
	for i := range g.Values {
		g.Values[i] = make([]int64, c+1)
		g.Hidden[i] = make([]bool, c+1)
	}
	for i, row := range cells {
		for j := 0; j < c; j++ {
			var v int64
			if j < len(row) {
				v = row[j]
			}
			g.Values[i][j] = v
			g.Values[i][c] += v
			g.Values[r][j] += v
			g.Values[r][c] += v
		}
	}
	for i := range g.Values {
		for j, v := range g.Values[i] {
			g.Hidden[i][j] = v > 0 && v < threshold
		}
	}
	for g.fixLine() || g.fixBridge() {
	}
	return g
}

type cell struct{ i, j int }

// lines lists every row and every column of the grid, each as its cells.
func (g Grid) lines() [][]cell {
	rows, cols := len(g.Values), len(g.Values[0])
	out := make([][]cell, 0, rows+cols)
	for i := 0; i < rows; i++ {
		l := make([]cell, cols)
		for j := range l {
			l[j] = cell{i, j}
		}
		out = append(out, l)
	}
	for j := 0; j < cols; j++ {
		l := make([]cell, rows)
		for i := range l {
			l[i] = cell{i, j}
		}
		out = append(out, l)
	}
	return out
}

// hideSmallest hides the candidate with the smallest non-zero value (the
// first such in candidate order on a tie), else the first candidate; it
// reports false when there is none.
func (g Grid) hideSmallest(cands []cell) bool {
	best := -1
	for k, x := range cands {
		v := g.Values[x.i][x.j]
		if v == 0 {
			continue
		}
		if best < 0 || v < g.Values[cands[best].i][cands[best].j] {
			best = k
		}
	}
	if best < 0 && len(cands) > 0 {
		best = 0
	}
	if best < 0 {
		return false
	}
	g.Hidden[cands[best].i][cands[best].j] = true
	return true
}

// fixLine finds the first line with exactly one hidden value and hides
// another value of that line.
func (g Grid) fixLine() bool {
	for _, l := range g.lines() {
		hidden := 0
		var shown []cell
		for _, x := range l {
			if g.Hidden[x.i][x.j] {
				hidden++
			} else {
				shown = append(shown, x)
			}
		}
		if hidden == 1 {
			return g.hideSmallest(shown)
		}
	}
	return false
}

// fixBridge finds a hidden value that no cycle of hidden values runs
// through, and hides the value that closes the cheapest cycle through it.
// Rows are vertices 0..R, columns R+1..R+1+C.
func (g Grid) fixBridge() bool {
	rows, cols := len(g.Values), len(g.Values[0])
	n := rows + cols
	adj := make([][]cell, n) // the hidden cells at each vertex
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			if g.Hidden[i][j] {
				adj[i] = append(adj[i], cell{i, j})
				adj[rows+j] = append(adj[rows+j], cell{i, j})
			}
		}
	}
	other := func(v int, x cell) int {
		if v < rows {
			return rows + x.j
		}
		return x.i
	}
	bridge, found := findBridge(n, adj, other)
	if !found {
		return false
	}
	// The two sides the bridge joins, once it is taken away.
	side := make([]int, n) // 0 unseen, 1 the row's side, 2 the column's side
	var walk func(v, mark int)
	walk = func(v, mark int) {
		side[v] = mark
		for _, x := range adj[v] {
			if w := other(v, x); x != bridge && side[w] == 0 {
				walk(w, mark)
			}
		}
	}
	walk(bridge.i, 1)
	walk(rows+bridge.j, 2)
	var cands []cell
	for i := 0; i < rows; i++ {
		for j := 0; j < cols; j++ {
			a, b := side[i], side[rows+j]
			if !g.Hidden[i][j] && a != 0 && b != 0 && a != b {
				cands = append(cands, cell{i, j})
			}
		}
	}
	if g.hideSmallest(cands) {
		return true
	}
	// Unreachable once every line has zero or two hidden values; hide
	// everything rather than publish a recoverable value.
	changed := false
	for i := range g.Hidden {
		for j := range g.Hidden[i] {
			if !g.Hidden[i][j] {
				g.Hidden[i][j], changed = true, true
			}
		}
	}
	return changed
}

// findBridge returns a bridge of the graph (Tarjan's low-link), the first in
// depth-first order from the lowest vertex.
func findBridge(n int, adj [][]cell, other func(int, cell) int) (cell, bool) {
	order := make([]int, n)
	low := make([]int, n)
	for v := range order {
		order[v] = -1
	}
	t := 0
	var out cell
	found := false
	var dfs func(v int, via cell, root bool)
	dfs = func(v int, via cell, root bool) {
		order[v], low[v] = t, t
		t++
		for _, x := range adj[v] {
			if found {
				return
			}
			if !root && x == via {
				continue
			}
			w := other(v, x)
			if order[w] < 0 {
				dfs(w, x, false)
				low[v] = min(low[v], low[w])
				if low[w] > order[v] && !found {
					out, found = x, true
				}
			} else {
				low[v] = min(low[v], order[w])
			}
		}
	}
	for v := 0; v < n && !found; v++ {
		if order[v] < 0 && len(adj[v]) > 0 {
			dfs(v, cell{}, true)
		}
	}
	return out, found
}
