package oauthflow

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestConfigDefaults: New fills in every documented default, and refuses
// a Config without its required settings.
func TestConfigDefaults(t *testing.T) {
	server, _ := url.Parse("https://mcp.example/mcp?k=v")
	f, err := New(Config{Server: server, HTTP: http.DefaultClient, Store: newMemStore()})
	if err != nil {
		t.Fatal(err)
	}
	c := f.cfg
	if c.CallbackHost != DefaultCallbackHost || c.CallbackPath != DefaultCallbackPath || c.AuthTimeout != DefaultAuthTimeout ||
		c.DevicePollInterval != DefaultDevicePollInterval || len(c.CallbackPorts) == 0 || c.Resource != "https://mcp.example/mcp" ||
		c.Log == nil || c.Notify == nil || c.Open == nil || c.Now == nil {
		t.Errorf("defaults not filled in: %+v", c)
	}
	if d := time.Since(c.Now()); d < 0 || d > time.Minute {
		t.Errorf("the default clock is %v off the wall clock", d)
	}
	for name, cfg := range map[string]Config{
		"no server": {HTTP: http.DefaultClient, Store: newMemStore()},
		"no HTTP":   {Server: server, Store: newMemStore()},
		"no store":  {Server: server, HTTP: http.DefaultClient},
	} {
		if _, err := New(cfg); err == nil {
			t.Errorf("%s: New succeeded", name)
		}
	}
}
