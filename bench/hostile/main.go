// Command hostile measures what a hostile server (or client) costs a real
// mcpbridge process: its peak resident memory (VmHWM, Linux) under
//
//	big:   four concurrent answers of 250 MiB each (no Content-Length)
//	line:  a 1 GiB stdin line, then an ordinary request
//	many:  10,000 requests in flight at once
//
// and that every request still gets its one answer. The server is on
// 127.0.0.1; nothing leaves the machine.
//
//	go build -o /tmp/mcpbridge ./cmd/mcpbridge
//	go run ./bench/hostile -bridge /tmp/mcpbridge [-case big|line|many|all]
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"time"
)

func main() {
	bridge := flag.String("bridge", "mcpbridge", "the mcpbridge binary")
	which := flag.String("case", "all", "big, line, many or all")
	answerMiB := flag.Int("answer-mib", 250, "size of each large answer")
	lineMiB := flag.Int("line-mib", 1024, "size of the long stdin line")
	requests := flag.Int("requests", 10000, "requests in flight for the many case")
	flag.Parse()
	url := serve(*answerMiB, *requests)
	for _, c := range []string{"big", "line", "many"} {
		if *which != "all" && *which != c {
			continue
		}
		var in func(io.Writer)
		var want int
		switch c {
		case "big":
			in, want = func(w io.Writer) { requestsOf(w, 4, "big") }, 4
		case "line":
			in, want = func(w io.Writer) { longLine(w, *lineMiB) }, 2
		case "many":
			in, want = func(w io.Writer) { requestsOf(w, *requests, "small") }, *requests
		}
		start := time.Now()
		hwm, answers, errors := run(*bridge, url, in, want)
		fmt.Printf("%-5s peak RSS %6.1f MiB  answers %d (errors %d)  %.1f s\n", c, float64(hwm)/1024, answers, errors, time.Since(start).Seconds())
	}
}

// run starts the bridge, feeds it, waits for want answers and returns its
// VmHWM in KiB, read before it exits.
func run(bridge, url string, feed func(io.Writer), want int) (hwm int64, answers, errs int) {
	cmd := exec.Command(bridge, url, "--protocol", "legacy", "--silent")
	stdin, _ := cmd.StdinPipe()
	stdout, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	io.WriteString(stdin, `{"jsonrpc":"2.0","id":"init","method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"hostile","version":"1"}}}`+"\n")
	go feed(stdin)
	r := bufio.NewReaderSize(stdout, 1<<20)
	for answers < want+1 {
		n, isErr, err := readLine(r)
		if err != nil {
			log.Fatalf("stdout: %v after %d answers", err, answers)
		}
		if n > 0 {
			answers++
			if isErr {
				errs++
			}
		}
	}
	hwm = vmHWM(cmd.Process.Pid)
	stdin.Close()
	_ = cmd.Wait()
	return hwm, answers - 1, errs
}

// readLine consumes one stdout line without keeping it: its length and
// whether it is an error.
func readLine(r *bufio.Reader) (int, bool, error) {
	n, isErr := 0, false
	for {
		frag, err := r.ReadSlice('\n')
		if n == 0 && bytes.Contains(frag[:min(len(frag), 200)], []byte(`"error"`)) {
			isErr = true
		}
		n += len(frag)
		if err == nil {
			return n, isErr, nil
		}
		if err != bufio.ErrBufferFull {
			return n, isErr, err
		}
	}
}

func vmHWM(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return -1
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmHWM:"); ok {
			var kb int64
			fmt.Sscanf(strings.TrimSpace(v), "%d", &kb)
			return kb
		}
	}
	return -1
}

func requestsOf(w io.Writer, n int, name string) {
	bw := bufio.NewWriter(w)
	for i := range n {
		fmt.Fprintf(bw, `{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":%q}}`+"\n", i+1, name)
	}
	bw.Flush()
}

// longLine writes a request of size MiB without holding it, then an
// ordinary request.
func longLine(w io.Writer, mib int) {
	io.WriteString(w, `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"upload","arguments":{"blob":"`)
	chunk := bytes.Repeat([]byte("A"), 1<<20)
	for range mib {
		w.Write(chunk)
	}
	io.WriteString(w, `"}}}`+"\n")
	io.WriteString(w, `{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"small"}}`+"\n")
}

// serve starts the server: initialize, 202 to notifications, a large
// answer for "big", and for "small" an answer held until every request of
// the many case has arrived, or 500 ms (so that they pile up in the bridge).
func serve(answerMiB, many int) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	var arrived atomic.Int64
	all := make(chan struct{})
	pad := bytes.Repeat([]byte("x"), 1<<20)
	go http.Serve(ln, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.WriteHeader(http.StatusMethodNotAllowed)
			return
		}
		body, _ := io.ReadAll(io.LimitReader(r.Body, 4<<10))
		id := between(body, `"id":`, `,`)
		w.Header().Set("Content-Type", "application/json")
		switch {
		case id == "":
			w.WriteHeader(http.StatusAccepted)
		case bytes.Contains(body, []byte(`"initialize"`)):
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"protocolVersion":"2025-11-25","capabilities":{"tools":{}},"serverInfo":{"name":"hostile","version":"1"}}}`, id)
		case bytes.Contains(body, []byte(`"big"`)):
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"content":[{"type":"text","text":"`, id)
			for range answerMiB {
				w.Write(pad)
			}
			io.WriteString(w, `"}]}}`)
		default:
			if arrived.Add(1) == int64(many) {
				close(all)
			}
			select { // hold the answers so that the requests pile up
			case <-all:
			case <-time.After(500 * time.Millisecond):
			}
			fmt.Fprintf(w, `{"jsonrpc":"2.0","id":%s,"result":{"content":[]}}`, id)
		}
	}))
	return "http://" + ln.Addr().String() + "/mcp"
}

func between(b []byte, from, to string) string {
	i := bytes.Index(b, []byte(from))
	if i < 0 {
		return ""
	}
	rest := b[i+len(from):]
	j := bytes.IndexAny(rest, to+"}")
	if j < 0 {
		return ""
	}
	return string(rest[:j])
}
