package dashboard

import (
	"fmt"
	"math"
	"unicode/utf8"
)

// Charts are drawn on the server as SVG: shapes and text whose geometry Go
// computes here, and one template ("dash-chart") that writes them out. No
// script, no inline style (the CSP forbids both): presentation attributes
// only. Every bar carries its value and its series' name in text, and each
// series has its own pattern as well as its own colour, so nothing is told
// by colour alone; a table with the same numbers follows every chart.

// Chart is one drawn chart.
type Chart struct {
	ID            string // prefix of the ids inside it (title, desc, patterns)
	Title, Desc   string
	Width, Height int
	Patterns      []Pattern
	Lines         []Line
	Bars          []Bar
	Texts         []Text
}

// Pattern is a fill for a series: solid, hatched or dotted, in its colour.
type Pattern struct {
	ID, Color, Kind string // kind: solid | hatch | dots
}

// Line is an axis or a tick.
type Line struct{ X1, Y1, X2, Y2 float64 }

// Bar is one rectangle; Fill is "url(#pattern)".
type Bar struct {
	X, Y, W, H   float64
	Fill, Stroke string
}

// Text is a label; Anchor is start, middle or end.
type Text struct {
	X, Y   float64
	Anchor string
	Value  string
	Bold   bool
}

// series' colours: each has at least 4.5:1 contrast against white, so
// bars (3:1 needed) and any text in the colour are readable.
var seriesStyles = []struct{ color, kind string }{
	{"#1d4f91", "solid"}, // blue
	{"#8a4b00", "hatch"}, // brown
	{"#b00020", "dots"},  // red
}

const (
	chartWidth = 720.0
	inkColor   = "#1a1a1a"
)

// SeriesKey is a legend entry: a series' name and its pattern.
type SeriesKey struct {
	Name string
	Fill string
}

// HGroup is one labelled group of horizontal bars (a queue, a system, a clock).
type HGroup struct {
	Label string
	Bars  []HBar
}

// HBar is one bar: its length (in the chart's unit) and the text beside it.
type HBar struct {
	Series int
	Value  float64
	Text   string
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}

func (c *Chart) patterns(n int) {
	for i := 0; i < n && i < len(seriesStyles); i++ {
		c.Patterns = append(c.Patterns, Pattern{ID: fmt.Sprintf("%s-p%d", c.ID, i), Color: seriesStyles[i].color,
			Kind: seriesStyles[i].kind})
	}
}

func (c *Chart) fill(series int) (fill, stroke string) {
	i := series % len(seriesStyles)
	if seriesStyles[i].kind == "solid" {
		return seriesStyles[i].color, seriesStyles[i].color
	}
	return fmt.Sprintf("url(#%s-p%d)", c.ID, i), seriesStyles[i].color
}

// hbarChart draws groups of horizontal bars on one scale from 0 to max
// (max ≤ 0 takes the largest value), each bar followed by its text.
func hbarChart(id, title, desc, axis string, series int, groups []HGroup, max float64) *Chart {
	c := &Chart{ID: id, Title: title, Desc: desc, Width: int(chartWidth)}
	c.patterns(series)
	if max <= 0 {
		for _, g := range groups {
			for _, b := range g.Bars {
				max = math.Max(max, b.Value)
			}
		}
	}
	if max <= 0 {
		max = 1
	}
	const (
		labelW = 230.0
		left   = labelW + 10
		barMax = 320.0
		barH   = 18.0
		gap    = 4.0
		gGap   = 14.0
	)
	y := 10.0
	for _, g := range groups {
		top := y
		for _, b := range g.Bars {
			w := barMax * b.Value / max
			fill, stroke := c.fill(b.Series)
			if w > 0 {
				c.Bars = append(c.Bars, Bar{X: left, Y: y, W: w, H: barH, Fill: fill, Stroke: stroke})
			}
			c.Texts = append(c.Texts, Text{X: left + w + 6, Y: y + barH - 4, Anchor: "start", Value: b.Text})
			y += barH + gap
		}
		c.Texts = append(c.Texts, Text{X: labelW, Y: top + barH - 4, Anchor: "end", Value: truncate(g.Label, 30), Bold: true})
		y += gGap - gap
	}
	c.Lines = append(c.Lines, Line{left, 4, left, y})
	c.Texts = append(c.Texts, Text{X: left, Y: y + 16, Anchor: "start", Value: axis})
	c.Height = int(y + 26)
	return c
}

// Multiple is one series of a small-multiples column chart.
type Multiple struct {
	Label  string
	Counts []int64
}

// columnsChart draws one row of columns per series, all on one scale, each
// row named, each non-zero column carrying its value, the periods along
// the bottom.
func columnsChart(id, title, desc, axis string, periods []string, rows []Multiple) *Chart {
	c := &Chart{ID: id, Title: title, Desc: desc, Width: int(chartWidth)}
	c.patterns(1)
	var max int64 = 1
	for _, r := range rows {
		for _, n := range r.Counts {
			if n > max {
				max = n
			}
		}
	}
	const (
		left  = 40.0
		plotW = chartWidth - left - 60
		rowH  = 90.0
		barsH = 56.0
	)
	colW := plotW / float64(max64(len(periods), 1))
	fill, stroke := c.fill(0)
	y := 6.0
	for _, r := range rows {
		c.Texts = append(c.Texts, Text{X: left, Y: y + 12, Anchor: "start", Value: truncate(r.Label, 60), Bold: true})
		base := y + 18 + barsH
		for i, n := range r.Counts {
			x := left + float64(i)*colW
			if n > 0 {
				h := barsH * float64(n) / float64(max)
				c.Bars = append(c.Bars, Bar{X: x + colW*0.15, Y: base - h, W: colW * 0.7, H: h, Fill: fill, Stroke: stroke})
				c.Texts = append(c.Texts, Text{X: x + colW/2, Y: base - h - 3, Anchor: "middle", Value: fmt.Sprint(n)})
			}
		}
		c.Lines = append(c.Lines, Line{left, base, left + plotW, base})
		y += rowH
	}
	// Period labels, thinned so they do not overlap.
	step := int(math.Ceil(64 / colW))
	for i, p := range periods {
		if i%step == 0 {
			x := left + float64(i)*colW
			c.Lines = append(c.Lines, Line{x, y - rowH + 18 + barsH, x, y - rowH + 22 + barsH})
			c.Texts = append(c.Texts, Text{X: x, Y: y - rowH + 36 + barsH, Anchor: "start", Value: p})
		}
	}
	c.Texts = append(c.Texts, Text{X: left, Y: y - rowH + 56 + barsH, Anchor: "start", Value: axis})
	c.Height = int(y - rowH + 66 + barsH)
	return c
}

func max64(a, b int) int {
	if a > b {
		return a
	}
	return b
}
