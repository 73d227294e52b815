// Preloaded into the conformance suite's Node process (node --import) by
// conformance/run.sh: every server the suite starts without naming a host
// (its MCP servers, authorization servers, ...) listens on 127.0.0.1 instead
// of every interface. The suite still hands out http://localhost:PORT URLs,
// which resolve to 127.0.0.1.
//
// Node binds a host-less listen() at once, but looks a named host up first
// (a tick later), and the suite reads server.address() right after
// listen(0). So while our listen() runs, the lookup of the 127.0.0.1
// literal answers synchronously, and the bind stays synchronous too.
import dns from 'node:dns';
import net from 'node:net';

const LOOPBACK = '127.0.0.1';
let inListen = 0;

const lookup = dns.lookup;
dns.lookup = function (hostname, options, callback) {
  if (inListen > 0 && hostname === LOOPBACK) {
    const cb = typeof options === 'function' ? options : callback;
    const all = typeof options === 'object' && options !== null && options.all;
    if (typeof cb === 'function') {
      if (all) cb(null, [{ address: LOOPBACK, family: 4 }]);
      else cb(null, LOOPBACK, 4);
      return {};
    }
  }
  return lookup.apply(this, arguments);
};

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  const a0 = args[0];
  if (a0 !== null && typeof a0 === 'object' && !Array.isArray(a0)) {
    // listen(options[, cb]); a handle ({fd}, {_handle}) or a path is left alone.
    if (a0.host === undefined && a0.path === undefined && a0.fd === undefined && a0._handle === undefined && !('handle' in a0)) {
      args[0] = { ...a0, host: LOOPBACK };
    }
  } else if (a0 === undefined || typeof a0 === 'function') {
    // listen() or listen(cb): a random port
    args.splice(0, a0 === undefined ? 1 : 0, 0, LOOPBACK);
  } else if (typeof a0 === 'number' || (typeof a0 === 'string' && /^\d+$/.test(a0))) {
    // listen(port[, host][, backlog][, cb])
    if (typeof args[1] !== 'string') args.splice(1, 0, LOOPBACK);
  }
  inListen++;
  try {
    return listen.apply(this, args);
  } finally {
    inListen--;
  }
};
