package cmdutil

import (
	"slices"
	"strings"
	"testing"

	"github.com/spf13/pflag"
)

// TestRepeatable: each value is kept as given, in order (commas and all),
// and the help of an unset one shows no default, as pflag's StringArray.
func TestRepeatable(t *testing.T) {
	var got, ours []string
	f := pflag.NewFlagSet("t", pflag.ContinueOnError)
	Repeatable(f, &got, "header", "a header")
	var theirs []string
	f.StringArrayVar(&theirs, "theirs", nil, "pflag's")
	Repeatable(f, &ours, "unset", "never given")
	if err := f.Parse([]string{"--header", "A: b, c", "--header=X: y", "--header", "", "--theirs", "A: b, c"}); err != nil {
		t.Fatal(err)
	}
	if want := []string{"A: b, c", "X: y", ""}; !slices.Equal(got, want) {
		t.Errorf("values %q, want %q", got, want)
	}
	if !slices.Equal(theirs, []string{"A: b, c"}) {
		t.Errorf("pflag's StringArray took %q", theirs)
	}
	usage := f.FlagUsages()
	for _, line := range strings.Split(usage, "\n") {
		if strings.Contains(line, "--unset") && strings.Contains(line, "default") {
			t.Errorf("an unset repeatable flag shows a default: %q", line)
		}
		if strings.Contains(line, "--header") && !strings.Contains(line, "--header stringArray") {
			t.Errorf("help names the type otherwise than StringArray does: %q", line)
		}
	}
	if ours != nil {
		t.Errorf("an unset flag holds %q", ours)
	}
}
