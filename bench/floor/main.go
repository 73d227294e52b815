// Command floor is the least a stdio-to-HTTP bridge can do per message,
// the lower bound the README's Performance section measures mcpbridge
// against: one goroutine, one kept TCP connection, requests written by
// hand and answers read by Content-Length, no HTTP library, no limits, no
// concurrency (a pipelined client's requests go one at a time). It speaks
// only what the benchmark's raw echo server sends (JSON bodies, by
// Content-Length or chunked) and is never shipped.
//
//	../shared/bench/compare.sh floor='/tmp/floor {URL}' …
package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: floor http://HOST:PORT/PATH")
		os.Exit(2)
	}
	// run ends at the end of stdin, or at the first error.
	if err := run(os.Args[1]); !errors.Is(err, io.EOF) {
		fmt.Fprintln(os.Stderr, "floor:", err)
		os.Exit(1)
	}
}

func run(rawURL string) error {
	u, err := url.Parse(rawURL)
	if err != nil {
		return err
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		return err
	}
	in := bufio.NewReaderSize(os.Stdin, 64<<10)
	out := bufio.NewWriterSize(os.Stdout, 64<<10)
	answers := bufio.NewReaderSize(conn, 64<<10)
	var req bytes.Buffer
	session := ""
	for {
		line, err := in.ReadSlice('\n')
		if err != nil {
			return err
		}
		line = bytes.TrimRight(line, "\r\n")
		req.Reset()
		fmt.Fprintf(&req, "POST %s HTTP/1.1\r\nHost: %s\r\nAccept: application/json, text/event-stream\r\nContent-Type: application/json\r\n", u.Path, u.Host)
		if session != "" {
			fmt.Fprintf(&req, "Mcp-Session-Id: %s\r\n", session)
		}
		fmt.Fprintf(&req, "Content-Length: %d\r\n\r\n%s", len(line), line)
		if _, err := conn.Write(req.Bytes()); err != nil {
			return err
		}
		body, sid, err := answer(answers)
		if err != nil {
			return err
		}
		if sid != "" {
			session = sid
		}
		if len(body) == 0 {
			continue // 202 Accepted: a notification
		}
		out.Write(bytes.TrimRight(body, "\n"))
		out.WriteByte('\n')
		if err := out.Flush(); err != nil {
			return err
		}
	}
}

// answer reads one HTTP/1.1 answer: its body (by Content-Length, or
// chunked), and the session id it names.
func answer(r *bufio.Reader) (body []byte, session string, err error) {
	n, chunked := 0, false
	for first := true; ; first = false {
		h, err := r.ReadSlice('\n')
		if err != nil {
			return nil, "", err
		}
		if first {
			continue // the status line
		}
		if len(h) <= 2 {
			break
		}
		k, v, _ := bytes.Cut(bytes.TrimRight(h, "\r\n"), []byte(": "))
		switch string(bytes.ToLower(k)) {
		case "content-length":
			if n, err = strconv.Atoi(string(v)); err != nil {
				return nil, "", fmt.Errorf("content-length %q: %w", v, err)
			}
		case "mcp-session-id":
			session = string(v)
		case "transfer-encoding":
			chunked = string(v) == "chunked"
		}
	}
	if chunked {
		body, err = dechunk(r)
		return body, session, err
	}
	body = make([]byte, n)
	_, err = io.ReadFull(r, body)
	return body, session, err
}

// dechunk reads a chunked body (RFC 9112 §7.1), without trailers.
func dechunk(r *bufio.Reader) ([]byte, error) {
	var body []byte
	for {
		line, err := r.ReadSlice('\n')
		if err != nil {
			return nil, err
		}
		size, err := strconv.ParseInt(string(bytes.TrimRight(line, "\r\n")), 16, 64)
		if err != nil {
			return nil, fmt.Errorf("chunk size %q: %w", line, err)
		}
		if size == 0 {
			_, err = r.ReadSlice('\n') // the empty line after the last chunk
			return body, err
		}
		start := len(body)
		body = append(body, make([]byte, size+2)...) // the chunk and its CRLF
		if _, err := io.ReadFull(r, body[start:]); err != nil {
			return nil, err
		}
		body = body[:len(body)-2]
	}
}
