package probe

import (
	"fmt"
	"strings"
	"time"
)

// Text is the step as the command shows it on stderr: a mark (✓ passed,
// ✗ failed, · did not pass but nothing depends on it), its name and
// duration, then its findings, error and hint, indented. Every text in it
// is inert already (runner.go).
func (s *Step) Text() string {
	st := s
	var b strings.Builder
	mark := "✓"
	switch {
	case !st.OK && st.Required:
		mark = "✗"
	case !st.OK:
		mark = "·"
	}
	fmt.Fprintf(&b, "%s %-28s %s\n", mark, st.Name, showDuration(st.DurationMS))
	if st.Details != nil {
		for _, k := range st.Details.Keys() {
			fmt.Fprintf(&b, "    %s: %s\n", strings.ReplaceAll(k, "_", " "), showValue(st.Details.Get(k)))
		}
	}
	if st.Error != "" {
		fmt.Fprintf(&b, "    error: %s\n", st.Error)
	}
	if st.Hint != "" {
		fmt.Fprintf(&b, "    hint: %s\n", st.Hint)
	}
	return b.String()
}

func showDuration(ms int64) string {
	if ms < 10_000 {
		return fmt.Sprintf("%d ms", ms)
	}
	return fmt.Sprintf("%.1f s", float64(ms)/1000)
}

func showValue(v any) string {
	switch x := v.(type) {
	case bool:
		return map[bool]string{true: "yes", false: "no"}[x]
	case []string:
		if len(x) == 0 {
			return "none"
		}
		return strings.Join(x, ", ")
	case time.Time:
		return x.Local().Format("2006-01-02 15:04:05 MST") + " (" + untilText(x) + ")"
	}
	return fmt.Sprint(v)
}

// untilText says how far t is from now, in words.
func untilText(t time.Time) string {
	d := time.Until(t).Round(time.Minute)
	switch {
	case d < 0:
		return "expired " + (-d).String() + " ago"
	case d < time.Minute:
		return "in under a minute"
	case d > 72*time.Hour:
		return fmt.Sprintf("in %d days", int(d.Hours()/24))
	}
	return "in " + strings.TrimSuffix(d.String(), "0s")
}
