package oauthflow

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"syscall"
)

// Binding the redirect: every address the redirect URI's host stands for
// is bound on the same port (RFC 8252 §7.3, §8.3), so that no other
// program can listen on one of them and receive the authorization code the
// browser sends there. "localhost" is 127.0.0.1 and ::1 (browsers try
// both); a loopback literal is itself; any other host is refused.

// loopbackAddrs are the addresses to bind for the redirect host.
func loopbackAddrs(host string) ([]string, error) {
	if strings.EqualFold(host, "localhost") {
		return []string{"127.0.0.1", "::1"}, nil
	}
	ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]"))
	if ip == nil || !ip.IsLoopback() {
		return nil, fmt.Errorf("the callback host %q is not this machine: use localhost or a loopback address (RFC 8252 §7.3)", host)
	}
	return []string{ip.String()}, nil
}

// portTries bounds how often port 0 is retried when the port the first
// address got is taken on another.
const portTries = 5

// bindAll binds every address on the first port of ports free on all of
// them (0: any port, the same on all).
func bindAll(addrs []string, ports []int) ([]net.Listener, error) {
	var errs []error
	for _, p := range ports {
		tries := 1
		if p == 0 {
			tries = portTries
		}
		for range tries {
			lns, err := bindPort(addrs, p)
			if err == nil {
				return lns, nil
			}
			errs = append(errs, err)
		}
	}
	return nil, fmt.Errorf("no port free on every loopback address %v for the sign-in callback (tried %v): %w", addrs, ports, errors.Join(errs...))
}

// bindPort binds each address on port (0: the port the first one got). An
// address the machine cannot have at all (::1 with IPv6 off: EADDRNOTAVAIL
// or EAFNOSUPPORT) is skipped — nobody can listen there either; a port in
// use on any address fails the whole port.
func bindPort(addrs []string, port int) ([]net.Listener, error) {
	var lns []net.Listener
	fail := func(err error) ([]net.Listener, error) {
		for _, ln := range lns {
			_ = ln.Close()
		}
		return nil, err
	}
	for _, a := range addrs {
		ln, err := net.Listen("tcp", net.JoinHostPort(a, strconv.Itoa(port)))
		switch {
		case err == nil:
			lns = append(lns, ln)
			if port == 0 {
				port = ln.Addr().(*net.TCPAddr).Port
			}
		case unassignable(err):
			continue
		default:
			return fail(err)
		}
	}
	if len(lns) == 0 {
		return fail(fmt.Errorf("none of %v can be bound on this machine", addrs))
	}
	return lns, nil
}

// unassignable reports an address this machine cannot bind at all.
func unassignable(err error) bool {
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return false
	}
	for _, e := range unassignableErrnos {
		if errno == e {
			return true
		}
	}
	return false
}
