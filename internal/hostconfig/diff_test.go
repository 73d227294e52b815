package hostconfig

import "testing"

func TestDiff(t *testing.T) {
	a := "1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n"
	b := "1\n2\n3\n4\nfive\n6\n7\n8\n9\n10\neleven\n"
	want := "--- f\n+++ f (new)\n@@ -2,9 +2,10 @@\n 2\n 3\n 4\n-5\n+five\n 6\n 7\n 8\n 9\n 10\n+eleven\n"
	if got := Diff("f", []byte(a), []byte(b)); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	if got := Diff("f", []byte(a), []byte(a)); got != "" {
		t.Errorf("equal files: %q", got)
	}
	if got := Diff("f", nil, []byte("{}\n")); got != "--- f\n+++ f (new)\n@@ -0,0 +1 @@\n+{}\n" {
		t.Errorf("new file: %q", got)
	}
	if got := Diff("f", []byte("a\r\nb\r\n"), []byte("a\r\nc\r\n")); got != "--- f\n+++ f (new)\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n" {
		t.Errorf("CRLF: %q", got)
	}
}
