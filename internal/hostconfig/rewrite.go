package hostconfig

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Rewrite changes the command and arguments of the entry s, in place: its
// other fields (env, type, disabled…), their order and any comments inside
// the entry stay as they are. Arguments keep their layout: one a line when
// they were, else on one line.
func (d *Document) Rewrite(s Server, command string, args []string) ([]byte, error) {
	m := d.find(s.Path, s.Name)
	if m == nil || m.val.kind != '{' {
		return nil, fmt.Errorf("no entry %q in %s", s.Name, strings.Join(s.Path, "."))
	}
	holder, cmdKey := m.val, "command"
	if c := holder.get("command"); c != nil && c.val.kind == '{' { // Zed's older shape
		holder, cmdKey = c.val, "path"
	}
	c, a := holder.get(cmdKey), holder.get("args")
	if c == nil {
		return nil, fmt.Errorf("entry %q has no command; it is not a stdio server", s.Name)
	}
	edits := []edit{{c.val.start, c.val.end, quote(command)}}
	if a != nil {
		edits = append(edits, d.arrayEdits(a, args)...)
		return d.apply(edits), nil
	}
	edits = append(edits, d.insertMember(holder, "args", func(ind string) string {
		return d.encode(append([]string{}, args...), ind)
	})...)
	return d.apply(edits), nil
}

// arrayEdits turns the array member a into args. When args only drop
// elements (npx -y mcp-remote URL … becomes URL …) the dropped elements are
// cut out and everything else, comments included, stays; otherwise the
// array is written anew in its layout.
func (d *Document) arrayEdits(a *member, args []string) []edit {
	keep, ok := d.subsequence(a.val.elems, args)
	if !ok {
		return []edit{{a.val.start, a.val.end, d.array(a, args)}}
	}
	el := a.val.elems
	var edits []edit
	for i := 0; i < len(el); {
		if keep[i] {
			i++
			continue
		}
		j := i
		for j < len(el) && !keep[j] {
			j++
		}
		if j < len(el) { // up to the next kept element
			edits = append(edits, edit{el[i].start, el[j].start, ""})
		} else { // a run at the end: from the last kept element's end
			edits = append(edits, edit{el[i-1].end, el[j-1].end, ""})
		}
		i = j
	}
	return edits
}

// subsequence matches args, in order, to string elements; ok when every
// arg matched and at least the first element is kept.
func (d *Document) subsequence(elems []*node, args []string) ([]bool, bool) {
	keep := make([]bool, len(elems))
	n := 0
	for i, e := range elems {
		var s string
		if e.kind != '"' || json.Unmarshal(d.src[e.start:e.end], &s) != nil {
			return nil, false
		}
		if n < len(args) && s == args[n] {
			keep[i], n = true, n+1
		}
	}
	return keep, n == len(args) && len(args) > 0
}

// array renders args in place of the array member a, in a's layout.
func (d *Document) array(a *member, args []string) string {
	old := string(d.src[a.val.start:a.val.end])
	if !strings.ContainsAny(old, "\n") || len(args) == 0 {
		q := make([]string, len(args))
		for i, s := range args {
			q[i] = quote(s)
		}
		return "[" + strings.Join(q, ", ") + "]"
	}
	ind := d.lineIndent(a.keyStart) + d.unit()
	if len(a.val.elems) > 0 && d.ownLine(a.val.elems[0].start) {
		ind = d.lineIndent(a.val.elems[0].start)
	}
	trailing := len(a.val.elems) > 0 && d.src[d.skipSpace(a.val.elems[len(a.val.elems)-1].end)] == ','
	var b strings.Builder
	b.WriteString("[")
	for i, s := range args {
		b.WriteString(d.nl + ind + quote(s))
		if i < len(args)-1 || trailing {
			b.WriteString(",")
		}
	}
	b.WriteString(d.nl + d.closeIndentArray(a) + "]")
	return b.String()
}

func (d *Document) closeIndentArray(a *member) string {
	if d.ownLine(a.val.end - 1) {
		return d.lineIndent(a.val.end - 1)
	}
	return d.lineIndent(a.keyStart)
}
