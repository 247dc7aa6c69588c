// A fault-injecting HTTP proxy for the sync tests, on 127.0.0.1 only, in front of server.js.
// Usage: node fault-proxy.js <upstream-port> [listen-port]
// Env: FAULT_SEED (default 1), FAULT_RATE (0..1, default 0.3), FAULT_MAX (at most this many
//      faults in all, default 2000), FAULT_SLOW_MS (default 4000: longer than the client's
//      timeout in the tests).
// Prints `listening <port>`. Faults are drawn from a seeded PRNG, so a run is reproducible in
// the order requests arrive. Admin (never faulted, not forwarded):
//   GET  /__proxy/stats              -> {"requests": n, "faults": {kind: n}}
//   POST /__proxy/config {"rate": r, "reset_stats": true, "hostile": mode|null}
//                                    -> change the fault rate (0 passes everything), zero counters,
//                                       answer every request in a hostile way (below) or stop
// Fault kinds:
//   drop_before  close the client connection without forwarding
//   drop_after   forward, let the server apply it, then close without answering
//   reset        TCP reset without forwarding
//   status_500 / status_503  answer an error without forwarding
//   slow         forward, then hold the answer FAULT_SLOW_MS (beyond the client timeout)
//   duplicate    forward the request twice, answer the second response
// Hostile modes (every request, nothing forwarded; a server that lies, not one that fails):
//   html         200 with a text/html page (a captive portal, a misconfigured gateway)
//   redirect     302 to /__stolen on this proxy (which counts any request that follows it,
//                with or without a bearer, in stats.followed / stats.followed_with_bearer)
//   drip         200 application/fhir+json headers, then one byte every 250 ms for a minute
'use strict';
const http = require('node:http');

const upstreamPort = Number(process.argv[2]);
const listenPort = Number(process.argv[3] || 0);
let seed = Number(process.env.FAULT_SEED || 1) >>> 0;
let rate = Number(process.env.FAULT_RATE || 0.3);
const maxFaults = Number(process.env.FAULT_MAX || 2000);
const slowMs = Number(process.env.FAULT_SLOW_MS || 4000);
const KINDS = ['drop_before', 'drop_after', 'reset', 'status_500', 'status_503', 'slow', 'duplicate'];

// mulberry32: small, seeded, good enough for choosing faults.
function random() {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

const stats = { requests: 0, forwarded: 0, faulted: 0, faults: {}, followed: 0, followed_with_bearer: 0 };
let hostile = null;

function hostileAnswer(req, res) {
  switch (hostile) {
    case 'html': {
      const body = Buffer.from('<html><body>Please sign in to the network</body></html>');
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-length': body.length });
      return res.end(body);
    }
    case 'redirect':
      res.writeHead(302, { location: '/__stolen' + req.url, 'content-length': 0 });
      return res.end();
    case 'drip': {
      res.writeHead(200, { 'content-type': 'application/fhir+json' });
      res.write('{');
      let n = 0;
      const t = setInterval(() => {
        if (req.socket.destroyed || ++n > 240) { clearInterval(t); return res.end('}'); }
        res.write(' ');
      }, 250);
      return;
    }
  }
}

function forward(req, body) {
  return new Promise((resolve, reject) => {
    stats.forwarded++;
    const up = http.request(
      { host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      }
    );
    up.on('error', reject);
    up.end(body);
  });
}

function answer(res, r) {
  const headers = { ...r.headers };
  delete headers['transfer-encoding'];
  headers['content-length'] = r.body.length;
  res.writeHead(r.status, headers);
  res.end(r.body);
}

function fail(res, status) {
  const body = Buffer.from(JSON.stringify({ resourceType: 'OperationOutcome',
    issue: [{ severity: 'error', code: 'transient', details: { text: 'injected fault' } }] }));
  res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': body.length });
  res.end(body);
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    const body = Buffer.concat(chunks);
    if (req.url.startsWith('/__proxy/')) {
      if (req.url === '/__proxy/config' && req.method === 'POST') {
        const c = JSON.parse(body.toString('utf8') || '{}');
        if (typeof c.rate === 'number') rate = c.rate;
        if ('hostile' in c) hostile = c.hostile;
        if (c.reset_stats) Object.assign(stats, { requests: 0, forwarded: 0, faulted: 0, faults: {}, followed: 0, followed_with_bearer: 0 });
      }
      return answer(res, { status: 200, headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify({ ...stats, rate, hostile })) });
    }
    if (req.url.startsWith('/__stolen')) {
      stats.followed++;
      if (req.headers.authorization) stats.followed_with_bearer++;
      return fail(res, 500);
    }
    stats.requests++;
    if (hostile) return hostileAnswer(req, res);
    let kind = null;
    if (stats.faulted < maxFaults && random() < rate) {
      kind = KINDS[Math.floor(random() * KINDS.length)];
      stats.faulted++;
      stats.faults[kind] = (stats.faults[kind] || 0) + 1;
    }
    try {
      switch (kind) {
        case 'drop_before':
          return req.socket.destroy();
        case 'reset':
          return req.socket.resetAndDestroy();
        case 'status_500':
          return fail(res, 500);
        case 'status_503':
          return fail(res, 503);
        case 'drop_after':
          await forward(req, body);
          return req.socket.destroy();
        case 'slow': {
          // The server applies it at once; the answer comes after the client's timeout. (A
          // request held back and applied LATE, after newer ones, is a reordering fault the
          // protocol does not claim to survive: docs/SYNC.md, "Limits".)
          const r = await forward(req, body);
          await new Promise((ok) => setTimeout(ok, slowMs));
          if (!req.socket.destroyed) answer(res, r);
          return;
        }
        case 'duplicate':
          await forward(req, body);
          return answer(res, await forward(req, body));
        default:
          return answer(res, await forward(req, body));
      }
    } catch (e) {
      fail(res, 502);
    }
  });
});

server.listen(listenPort, '127.0.0.1', () => {
  console.log('listening ' + server.address().port);
});
