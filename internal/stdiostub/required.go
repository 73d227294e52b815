//go:build required

package main

// Built with -tags required, the stub also links the packages mcpbridge must
// use (spf13/cobra, golang.org/x/oauth2, pkg/browser, zalando/go-keyring,
// and with them net/http and crypto/tls) and arms os/signal for SIGINT and
// SIGTERM as mcpbridge's main does. Their package initialization and the
// signal threads are then part of its start: the part of mcpbridge's start
// that comes before any of mcpbridge's own work (README, Performance).

import (
	"os"
	"os/signal"
	"syscall"

	_ "github.com/pkg/browser"
	_ "github.com/spf13/cobra"
	_ "github.com/zalando/go-keyring"
	_ "golang.org/x/oauth2"
	_ "net/http"
)

func init() {
	signal.Notify(make(chan os.Signal, 1), os.Interrupt, syscall.SIGTERM)
}
