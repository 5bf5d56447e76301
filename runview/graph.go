package runview

import (
	"fmt"
	"slices"
	"sort"

	"memepipe/pipeline"
)

// Graph is a DAG laid out in layers, left to right, for an SVG: a task's
// layer is the length of the longest dependency path into it, so every
// edge points right; within a layer tasks are ordered by the mean position
// of their upstreams (one barycentre pass), which untangles most fan-in
// and fan-out shapes of data pipelines.
type Graph struct {
	Width, Height int
	Nodes         []Node
	Edges         []Edge
}

// Node is a task's box.
type Node struct {
	Name       string
	X, Y, W, H int
	State      pipeline.State
	Layer      int
}

// Edge is a dependency, drawn as a cubic curve from the upstream's right
// side to the downstream's left side.
type Edge struct {
	From, To string
	Path     string // SVG path data
}

// Geometry of the layout, in SVG user units.
const (
	NodeW  = 168
	NodeH  = 34
	gapX   = 56
	gapY   = 14
	margin = 8
)

// Layout lays dag out; states colours the nodes (missing: no state).
func Layout(dag *pipeline.DAG, states map[string]pipeline.State) Graph {
	if dag == nil || len(dag.Tasks) == 0 {
		return Graph{}
	}
	deps := map[string][]string{}
	index := map[string]int{}
	for i, t := range dag.Tasks {
		index[t.Name] = i
		deps[t.Name] = t.DependsOn
	}
	layer := map[string]int{}
	var depth func(n string, seen map[string]bool) int
	depth = func(n string, seen map[string]bool) int {
		if l, ok := layer[n]; ok {
			return l
		}
		if seen[n] { // a cycle (an invalid DAG): break it
			return 0
		}
		seen[n] = true
		l := 0
		for _, d := range deps[n] {
			if _, known := index[d]; known {
				l = max(l, depth(d, seen)+1)
			}
		}
		layer[n] = l
		return l
	}
	nLayers := 0
	for _, t := range dag.Tasks {
		nLayers = max(nLayers, depth(t.Name, map[string]bool{})+1)
	}
	layers := make([][]string, nLayers)
	for _, t := range dag.Tasks {
		layers[layer[t.Name]] = append(layers[layer[t.Name]], t.Name)
	}
	pos := map[string]float64{}
	for li, names := range layers {
		if li > 0 {
			bary := map[string]float64{}
			for _, n := range names {
				sum, k := 0.0, 0
				for _, d := range deps[n] {
					if p, ok := pos[d]; ok {
						sum += p
						k++
					}
				}
				if k > 0 {
					bary[n] = sum / float64(k)
				} else {
					bary[n] = float64(index[n])
				}
			}
			sort.SliceStable(names, func(a, b int) bool { return bary[names[a]] < bary[names[b]] })
		}
		for i, n := range names {
			pos[n] = float64(i)
		}
	}
	tallest := 0
	for _, names := range layers {
		tallest = max(tallest, len(names))
	}
	g := Graph{
		Width:  2*margin + nLayers*NodeW + (nLayers-1)*gapX,
		Height: 2*margin + tallest*NodeH + (tallest-1)*gapY,
	}
	at := map[string]Node{}
	for li, names := range layers {
		// Centre each layer vertically.
		off := (tallest - len(names)) * (NodeH + gapY) / 2
		for i, n := range names {
			nd := Node{Name: n, Layer: li, W: NodeW, H: NodeH, State: states[n],
				X: margin + li*(NodeW+gapX), Y: margin + off + i*(NodeH+gapY)}
			at[n] = nd
		}
	}
	for _, t := range dag.Tasks {
		g.Nodes = append(g.Nodes, at[t.Name])
	}
	for _, t := range dag.Tasks {
		for _, d := range t.DependsOn {
			from, ok := at[d]
			if !ok {
				continue
			}
			to := at[t.Name]
			x1, y1 := from.X+from.W, from.Y+from.H/2
			x2, y2 := to.X, to.Y+to.H/2
			mid := (x1 + x2) / 2
			g.Edges = append(g.Edges, Edge{From: d, To: t.Name,
				Path: fmt.Sprintf("M%d,%d C%d,%d %d,%d %d,%d", x1, y1, mid, y1, mid, y2, x2-4, y2)})
		}
	}
	slices.SortStableFunc(g.Edges, func(a, b Edge) int { return index[a.To] - index[b.To] })
	return g
}
