package oauthflow

import (
	"errors"
	"slices"
	"testing"
)

func noEnv(string) string { return "" }

// TestOpenerCommandsPerOS: each OS's opener gets the URL as one argument,
// in its re-serialized form.
func TestOpenerCommandsPerOS(t *testing.T) {
	const u = "https://as.example/authorize?a=1&b=two%20words"
	for goos, want := range map[string][][]string{
		"linux":   {{"xdg-open", u}, {"x-www-browser", u}, {"www-browser", u}},
		"freebsd": {{"xdg-open", u}, {"x-www-browser", u}, {"www-browser", u}},
		"darwin":  {{"open", u}},
		"windows": {{"rundll32", "url.dll,FileProtocolHandler", u}},
		"plan9":   nil, // pkg/browser's turn
	} {
		got, err := openerCommands(goos, noEnv, u)
		if err != nil || !slices.EqualFunc(got, want, slices.Equal[[]string]) {
			t.Errorf("%s: %q, %v; want %q", goos, got, err, want)
		}
	}
}

// TestOpenerCommandsBROWSER: $BROWSER entries split on the OS list
// separator, %s substituted inside one argument, the URL never split.
func TestOpenerCommandsBROWSER(t *testing.T) {
	const u = "https://as.example/a?x=1;y=2"
	env := func(list string) func(string) string {
		return func(k string) string {
			if k == "BROWSER" {
				return list
			}
			return ""
		}
	}
	got, _ := openerCommands("linux", env("firefox --new-tab:chromium --app=%s::w3m"), u)
	want := [][]string{{"firefox", "--new-tab", u}, {"chromium", "--app=" + u}, {"w3m", u}}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("linux $BROWSER: %q, want %q", got, want)
	}
	got, _ = openerCommands("windows", env(`C:\Program Files\b.exe %s;edge`), u)
	want = [][]string{{`C:\Program`, `Files\b.exe`, u}, {"edge", u}}
	if !slices.EqualFunc(got, want, slices.Equal[[]string]) {
		t.Errorf("windows $BROWSER: %q, want %q", got, want)
	}
}

// TestOpenerRefusesWhatIsNotAWebPage: file:, javascript:, data:, plain
// text, UNC paths, ms-settings: and plain http to another machine never
// reach an opener, on any OS or through $BROWSER.
func TestOpenerRefusesWhatIsNotAWebPage(t *testing.T) {
	browserSet := func(k string) string {
		if k == "BROWSER" {
			return "/bin/echo"
		}
		return ""
	}
	for _, u := range []string{
		"file:///etc/passwd", "file://host/share/x.exe", "javascript:alert(1)", "data:text/html,<script>x</script>",
		"just some text", "calc.exe", `\\evil.example\share\payload.exe`, "//evil.example/share", "ms-settings:privacy",
		"search-ms:query=x&crumb=location:\\\\evil.example\\s", "http://evil.example/authorize",
		"https://as.example/a b", "https://as.example/\x1b]52;c;eA==\x07", "https://user:pw@as.example/", "-oProxyCommand=calc",
		"https://as.example/authorize#frag", "",
	} {
		for _, goos := range []string{"linux", "darwin", "windows", "plan9"} {
			for _, env := range []func(string) string{noEnv, browserSet} {
				cmds, err := openerCommands(goos, env, u)
				if err == nil || cmds != nil || !errors.Is(err, ErrNotOpenable) {
					t.Errorf("%s %q: %q, %v; want ErrNotOpenable", goos, u, cmds, err)
				}
			}
		}
		if err := OpenBrowser(u); !errors.Is(err, ErrNotOpenable) {
			t.Errorf("OpenBrowser(%q) = %v, want ErrNotOpenable", u, err)
		}
	}
	if _, err := openerCommands("linux", noEnv, "http://127.0.0.1:8080/authorize"); err != nil {
		t.Errorf("http to this machine refused: %v", err)
	}
}
