package bridge

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"
)

// Attack 1: a JSON answer trickled a byte at a time, each byte well within
// the silence limit, never ended. The body must arrive whole within
// --body-timeout of its headers.
func TestHostileTrickledJSONBodyFakeTime(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rt := &fakeRT{h: plainServer(func(r *fakeReq) (int, http.Header, func(*io.PipeWriter)) {
			if r.msg.Method == "tools/call" && string(r.msg.ID) == "2" {
				return http.StatusOK, jsonHeader(), trickle(echo(r.msg.ID)+strings.Repeat(" ", 1<<20), time.Second, false)
			}
			return http.StatusOK, jsonHeader(), writeString(echo(r.msg.ID))
		})}
		h := startBubble(t, rt, Config{}) // the default BodyTimeout: 5 minutes
		h.send(initializeLine)
		h.answer("1", time.Minute)
		h.send(toolsCall(2, "trickled"))
		_, took := h.failure("2", time.Hour, "whole answer", "5m0s")
		if took != 5*time.Minute {
			t.Errorf("the trickled answer failed after %v, want exactly the 5m body timeout", took)
		}
		t.Logf("figure (a), fake time, default --body-timeout: the client had its error after %v", took)
		h.send(toolsCall(3, "fine"))
		if m, _ := h.answer("3", time.Minute); m.Result == nil {
			t.Errorf("the bridge no longer serves: %s", m.Raw)
		}
		h.stop()
	})
}
