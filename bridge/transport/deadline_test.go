package transport

import (
	"errors"
	"io"
	"testing"
	"testing/synctest"
	"time"
)

// TestStoppedIdleBodyStaysOpen pins a bug found in review: once stopIdle
// lifted the limit (the GET stream), reads must not re-arm the timer.
func TestStoppedIdleBodyStaysOpen(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, w := io.Pipe()
		body := newIdleBody(r, 30*time.Millisecond)
		stopIdle(body)
		go func() {
			_, _ = w.Write([]byte("a"))
			advance(100 * time.Millisecond)
			_, _ = w.Write([]byte("b"))
		}()
		buf := make([]byte, 1)
		for _, want := range "ab" {
			if n, err := body.Read(buf); err != nil || n != 1 || rune(buf[0]) != want {
				t.Fatalf("read %q, %v; want %q", buf[:n], err, want)
			}
		}
		// And a body with a limit is cut when the server falls silent.
		r2, w2 := io.Pipe()
		defer w2.Close()
		limited := newIdleBody(r2, 30*time.Millisecond)
		if _, err := limited.Read(buf); !errors.Is(err, errBodyTimeout) {
			t.Fatalf("silent body: err = %v, want errBodyTimeout", err)
		}
	})
}

// advance lets d of fake time pass. It runs only in a synctest bubble
// (synctest.Wait panics anywhere else), so it never waits d for real; call
// it from one goroutine of the bubble at a time.
func advance(d time.Duration) {
	synctest.Wait()
	<-time.After(d)
}

// Silence between events starts no event clock on a stream without a
// silence limit (the GET stream), not even when the LF of a CRLF comes
// late; an event begun and left unfinished is cut at the limit.
func TestHostileEventClockStartsAtFirstByte(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		pr, pw := io.Pipe()
		body := newIdleBody(pr, time.Minute)
		stopIdle(body)
		ev := newSSEReader(body)
		go func() {
			_, _ = io.WriteString(pw, "data: x\r\n\r")
			advance(time.Hour) // the hostile server's pace
			_, _ = io.WriteString(pw, "\n")
			advance(time.Hour)
			_, _ = io.WriteString(pw, "data: y\n\n: a keep-alive\n")
			advance(time.Hour)
			_, _ = io.WriteString(pw, "data: never ends")
		}()
		for _, want := range []string{"x", "y"} {
			e, err := ev.next()
			if err != nil || string(e.bytes()) != want {
				t.Fatalf("next = %q, %v; want %q", e.bytes(), err, want)
			}
		}
		start := time.Now()
		if _, err := ev.next(); !errors.Is(err, errEventDeadline) {
			t.Fatalf("an unfinished event: err = %v, want errEventDeadline", err)
		}
		if d := time.Since(start); d != time.Hour+time.Minute {
			t.Errorf("the unfinished event was cut %v after the wait began, want 1h of silence and its 1m", d)
		}
		_ = body.Close()
		_ = pw.Close()
	})
}

// arrivedBody is a body httpclient says came whole with its headers, or
// did not.
type arrivedBody struct {
	io.ReadCloser
	arrived bool
}

func (b arrivedBody) Arrived() bool { return b.arrived }

// TestWholeBodyArrived: a body already in memory gets no time limit (its
// reads cannot wait); one still coming is cut at the limit.
func TestWholeBodyArrived(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		r, w := io.Pipe()
		defer w.Close()
		in := newWholeBody(arrivedBody{r, true}, time.Second)
		if _, timed := in.(*timedBody); timed {
			t.Errorf("a body in memory got a timer")
		}
		coming := newWholeBody(arrivedBody{r, false}, time.Second)
		_, err := coming.Read(make([]byte, 1))
		if !errors.Is(err, errBodyDeadline) {
			t.Errorf("a body still coming: %v, want errBodyDeadline", err)
		}
	})
}
