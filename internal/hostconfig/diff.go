package hostconfig

import (
	"fmt"
	"strings"
)

// Diff is a unified diff (three lines of context) from a to b, labelled
// with name; "" when they are equal. Line endings are not shown.
func Diff(name string, a, b []byte) string {
	x, y := lines(string(a)), lines(string(b))
	ops := diffLines(x, y)
	var out strings.Builder
	for _, h := range hunks(ops, 3) {
		if out.Len() == 0 {
			fmt.Fprintf(&out, "--- %s\n+++ %s (new)\n", name, name)
		}
		fmt.Fprintf(&out, "@@ -%s +%s @@\n", span(h.aStart, h.aLen), span(h.bStart, h.bLen))
		for _, o := range h.ops {
			out.WriteString(string(o.kind) + o.text + "\n")
		}
	}
	return out.String()
}

func lines(s string) []string {
	if s == "" {
		return nil
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	return strings.Split(strings.TrimSuffix(s, "\n"), "\n")
}

func span(start, n int) string {
	if n == 1 {
		return fmt.Sprint(start + 1)
	}
	if n == 0 {
		return fmt.Sprintf("%d,0", start)
	}
	return fmt.Sprintf("%d,%d", start+1, n)
}

type op struct {
	kind byte // ' ', '-', '+'
	text string
	a, b int // line indexes before the op in a and b
}

// diffLines: common prefix and suffix, and a longest common subsequence of
// the (small) changed middle.
func diffLines(x, y []string) []op {
	p := 0
	for p < len(x) && p < len(y) && x[p] == y[p] {
		p++
	}
	s := 0
	for s < len(x)-p && s < len(y)-p && x[len(x)-1-s] == y[len(y)-1-s] {
		s++
	}
	var ops []op
	for i := 0; i < p; i++ {
		ops = append(ops, op{' ', x[i], i, i})
	}
	ops = append(ops, lcs(x[p:len(x)-s], y[p:len(y)-s], p, p)...)
	for i := 0; i < s; i++ {
		ai, bi := len(x)-s+i, len(y)-s+i
		ops = append(ops, op{' ', x[ai], ai, bi})
	}
	return ops
}

func lcs(x, y []string, a0, b0 int) []op {
	n, m := len(x), len(y)
	t := make([][]int, n+1)
	for i := range t {
		t[i] = make([]int, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if x[i] == y[j] {
				t[i][j] = t[i+1][j+1] + 1
			} else {
				t[i][j] = max(t[i+1][j], t[i][j+1])
			}
		}
	}
	var ops []op
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && x[i] == y[j]:
			ops = append(ops, op{' ', x[i], a0 + i, b0 + j})
			i, j = i+1, j+1
		case i < n && (j == m || t[i+1][j] >= t[i][j+1]):
			ops = append(ops, op{'-', x[i], a0 + i, b0 + j})
			i++
		default:
			ops = append(ops, op{'+', y[j], a0 + i, b0 + j})
			j++
		}
	}
	return ops
}

type hunk struct {
	aStart, aLen, bStart, bLen int
	ops                        []op
}

// hunks groups changes with ctx lines of context around them.
func hunks(ops []op, ctx int) []hunk {
	var out []hunk
	for i := 0; i < len(ops); {
		if ops[i].kind == ' ' {
			i++
			continue
		}
		start := max(i-ctx, 0)
		end := i
		for end < len(ops) {
			if ops[end].kind != ' ' {
				end++
				continue
			}
			run := end
			for run < len(ops) && ops[run].kind == ' ' {
				run++
			}
			if run-end > 2*ctx || run == len(ops) {
				end = min(end+ctx, len(ops))
				break
			}
			end = run
		}
		h := hunk{aStart: ops[start].a, bStart: ops[start].b, ops: ops[start:end]}
		for _, o := range h.ops {
			if o.kind != '+' {
				h.aLen++
			}
			if o.kind != '-' {
				h.bLen++
			}
		}
		out = append(out, h)
		i = end
	}
	return out
}
