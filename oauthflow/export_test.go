package oauthflow

// SetDevicePollScaleForTest shortens the device grant's polling for the
// external tests (compiled into tests only).
func SetDevicePollScaleForTest(c *Config, scale float64) { c.devicePollScale = scale }
