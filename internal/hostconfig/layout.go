package hostconfig

import (
	"sort"
	"strings"
)

// edit replaces src[start:end] with text.
type edit struct {
	start, end int
	text       string
}

// apply returns the source with the edits made; edits do not overlap.
func (d *Document) apply(edits []edit) []byte {
	sort.Slice(edits, func(i, j int) bool { return edits[i].start < edits[j].start })
	out := make([]byte, 0, len(d.src)+256)
	at := 0
	for _, e := range edits {
		out = append(out, d.src[at:e.start]...)
		out = append(out, e.text...)
		at = e.end
	}
	return append(out, d.src[at:]...)
}

// insertMember adds "key": value as the object's last member, on a line of
// its own, indented like its siblings. A trailing comma after the last
// member stays a trailing comma after the new one; a comment at the end of
// the last member's line stays on that line.
func (d *Document) insertMember(obj *node, key string, render func(ind string) string) []edit {
	ind := d.memberIndent(obj)
	text := quote(key) + ": " + render(ind)
	closing := d.nl + d.closeIndent(obj)
	if len(obj.members) == 0 {
		inner := d.src[obj.start+1 : obj.end-1]
		if strings.TrimSpace(string(inner)) == "" {
			return []edit{{obj.start + 1, obj.end - 1, d.nl + ind + text + closing}}
		}
		return []edit{{obj.start + 1, obj.start + 1, d.nl + ind + text}}
	}
	after := obj.members[len(obj.members)-1].val.end
	if p := d.skipSpace(after); d.src[p] == ',' {
		at := d.lineEnd(p + 1)
		t := d.nl + ind + text + ","
		if at == obj.end-1 {
			t += closing
		}
		return []edit{{at, at, t}}
	}
	at := d.lineEnd(after)
	t := d.nl + ind + text
	if at == obj.end-1 {
		t += closing
	}
	return []edit{{after, after, ","}, {at, at, t}}
}

// skipSpace passes whitespace and comments from i.
func (d *Document) skipSpace(i int) int {
	for i < len(d.src) {
		switch c := d.src[i]; {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			i++
		case c == '/' && i+1 < len(d.src) && (d.src[i+1] == '/' || d.src[i+1] == '*'):
			i = commentEnd(d.src, i)
		default:
			return i
		}
	}
	return i
}

// lineEnd passes blanks and comments on the rest of i's line, stopping
// before the line break or at anything else.
func (d *Document) lineEnd(i int) int {
	for i < len(d.src) {
		c := d.src[i]
		switch {
		case c == ' ' || c == '\t':
			i++
		case c == '/' && i+1 < len(d.src) && d.src[i+1] == '/':
			for i < len(d.src) && d.src[i] != '\n' && !(d.src[i] == '\r' && i+1 < len(d.src) && d.src[i+1] == '\n') {
				i++
			}
			return i
		case c == '/' && i+1 < len(d.src) && d.src[i+1] == '*':
			end := commentEnd(d.src, i)
			if strings.ContainsAny(string(d.src[i:end]), "\r\n") {
				return i
			}
			i = end
		default:
			return i
		}
	}
	return i
}

// lineIndent is the blanks that start i's line.
func (d *Document) lineIndent(i int) string {
	start := i
	for start > 0 && d.src[start-1] != '\n' {
		start--
	}
	end := start
	for end < len(d.src) && (d.src[end] == ' ' || d.src[end] == '\t') {
		end++
	}
	return string(d.src[start:end])
}

// ownLine reports whether only blanks precede i on its line.
func (d *Document) ownLine(i int) bool {
	for j := i - 1; j >= 0 && d.src[j] != '\n'; j-- {
		if d.src[j] != ' ' && d.src[j] != '\t' {
			return false
		}
	}
	return true
}

// unit is one level of the file's indentation: what its first member on a
// line of its own is indented by, else the host's default.
func (d *Document) unit() string {
	if d.root != nil {
		base := d.lineIndent(d.root.start)
		for _, m := range d.root.members {
			if ind := d.lineIndent(m.keyStart); d.ownLine(m.keyStart) && len(ind) > len(base) && strings.HasPrefix(ind, base) {
				return ind[len(base):]
			}
		}
	}
	return d.host.Indent
}

// memberIndent is the indentation of a new member of obj: its siblings',
// or one level deeper than the object's line.
func (d *Document) memberIndent(obj *node) string {
	for _, m := range obj.members {
		if d.ownLine(m.keyStart) {
			return d.lineIndent(m.keyStart)
		}
	}
	return d.lineIndent(obj.start) + d.unit()
}

// closeIndent is the indentation of obj's closing brace on its own line.
func (d *Document) closeIndent(obj *node) string {
	if d.ownLine(obj.end - 1) {
		return d.lineIndent(obj.end - 1)
	}
	return d.lineIndent(obj.start)
}
