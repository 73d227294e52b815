package httpclient

import (
	"slices"
	"testing"
)

func TestCAFiles(t *testing.T) {
	t.Setenv(EnvCAFile, "")
	if got := CAFiles([]string{"a.pem"}, true); !slices.Equal(got, []string{"a.pem"}) {
		t.Errorf("unset: %q", got)
	}
	t.Setenv(EnvCAFile, "/etc/corp.pem")
	if got := CAFiles([]string{"a.pem"}, false); !slices.Equal(got, []string{"a.pem", "/etc/corp.pem"}) {
		t.Errorf("set: %q", got)
	}
	if got := CAFiles(nil, true); !slices.Equal(got, []string{"/etc/corp.pem (NODE_EXTRA_CA_CERTS)"}) {
		t.Errorf("labelled: %q", got)
	}
}
