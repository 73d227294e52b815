package main

import (
	"io"
	"testing"
)

// BenchmarkNewBridgeCmd is what every start pays before the bridge runs:
// the root command and its flags (a host's command line builds no other).
func BenchmarkNewBridgeCmd(b *testing.B) {
	s := ioStreams{out: io.Discard, err: io.Discard}
	for b.Loop() {
		newBridgeCmd(s)
	}
}
