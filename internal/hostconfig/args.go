package hostconfig

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"
)

// SplitArgs separates an install command line: its own flags (in own),
// the positional words, and the bridge's flags (in bridgeFlags) with their
// values; everything after "--" is the bridge's.
func SplitArgs(own, bridgeFlags *pflag.FlagSet, args []string) (mine, pos, bridgeArgs []string, help bool, err error) {
	for i := 0; i < len(args); i++ {
		a := args[i]
		name, _, hasValue := strings.Cut(strings.TrimLeft(a, "-"), "=")
		switch {
		case a == "--":
			return mine, pos, append(bridgeArgs, args[i+1:]...), help, nil
		case a == "-h" || a == "--help":
			help = true
		case !strings.HasPrefix(a, "-") || a == "-":
			pos = append(pos, a)
		case strings.HasPrefix(a, "--") && own.Lookup(name) != nil:
			mine = append(mine, a)
			if f := own.Lookup(name); f.NoOptDefVal == "" && !hasValue && i+1 < len(args) {
				mine, i = append(mine, args[i+1]), i+1
			}
		default:
			f := bridgeFlags.Lookup(name)
			if f == nil {
				return nil, nil, nil, false, fmt.Errorf("%s is neither an install flag nor a bridge flag (see mcpbridge --help)", a)
			}
			bridgeArgs = append(bridgeArgs, a)
			if f.NoOptDefVal == "" && !hasValue && i+1 < len(args) {
				bridgeArgs, i = append(bridgeArgs, args[i+1]), i+1
			}
		}
	}
	return mine, pos, bridgeArgs, help, nil
}
