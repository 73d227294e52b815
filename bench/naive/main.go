// Command naive is the reference a bridge is measured against in the
// README's Performance section: the simplest Go pass-through one would
// write first, with net/http's default client, a goroutine per message
// and io.ReadAll for every answer. It speaks only JSON answers (what the
// benchmark's raw echo server sends) and is never shipped.
//
//	../shared/bench/compare.sh naive='/tmp/naive {URL}' …
package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: naive URL")
		os.Exit(2)
	}
	url := os.Args[1]
	var (
		outMu   sync.Mutex
		session sync.Map
		wg      sync.WaitGroup
	)
	out := bufio.NewWriter(os.Stdout)
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 64<<10), 64<<20)
	for in.Scan() {
		msg := bytes.Clone(in.Bytes())
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(msg))
			if err != nil {
				fmt.Fprintln(os.Stderr, "naive:", err)
				return
			}
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Accept", "application/json, text/event-stream")
			if id, ok := session.Load("id"); ok {
				req.Header.Set("Mcp-Session-Id", id.(string))
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				fmt.Fprintln(os.Stderr, "naive:", err)
				return
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if id := resp.Header.Get("Mcp-Session-Id"); id != "" {
				session.Store("id", id)
			}
			if err != nil || len(bytes.TrimSpace(body)) == 0 {
				return
			}
			outMu.Lock()
			out.Write(bytes.TrimSpace(body))
			out.WriteByte('\n')
			out.Flush()
			outMu.Unlock()
		}()
	}
	wg.Wait()
}
