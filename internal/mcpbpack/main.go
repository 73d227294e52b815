package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run parses the flags, writes the bundle and prints its path.
func run(argv []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("mcpbpack", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var b bundle
	fs.StringVar(&b.Binary, "binary", "", "the built mcpbridge executable")
	fs.StringVar(&b.License, "license", "LICENSE", "the licence text to ship as LICENSE in the bundle")
	fs.StringVar(&b.GOOS, "os", "", "its GOOS: darwin, windows or linux")
	fs.StringVar(&b.GOARCH, "arch", "", "its GOARCH, e.g. amd64 or arm64")
	fs.StringVar(&b.Version, "version", "", "the release version, e.g. 1.2.3")
	fs.StringVar(&b.OutDir, "out", "dist", "the folder to write the bundle to")
	if err := fs.Parse(argv); err != nil {
		return 2
	}
	if b.Binary == "" || b.GOOS == "" || b.GOARCH == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "mcpbpack: give -binary, -os, -arch and -version (and no other arguments); see -h")
		return 2
	}
	out, err := b.write()
	if err != nil {
		fmt.Fprintf(stderr, "mcpbpack: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, out)
	return 0
}
