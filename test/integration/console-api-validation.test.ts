/**
 * Bad input to the console API: every malformed, out-of-range or over-limit parameter is a 400 with a
 * message naming the problem (never a 500), unknown paths 404, wrong methods 405 with Allow, and a
 * missing or wrong token 401 with the message the console shows.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import fc from 'fast-check';
import { ORDER_PROCESS } from '../../src/demo/index.js';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';

const NOW = BigInt(Date.now()) * 1_000_000n;
const DAY = 86_400_000_000_000n;

/** [path, pattern the error message must match] */
const BAD: [string, RegExp][] = [
  ['/api/traces?limit=0', /limit must be between 1 and 1000, got 0/],
  ['/api/traces?limit=1001', /limit must be between 1 and 1000, got 1001/],
  ['/api/traces?limit=ten', /limit must be an integer, got 'ten'/],
  ['/api/traces?limit=1&limit=2', /limit is given 2 times/],
  ['/api/traces?minDurationMs=-1', /minDurationMs must be between 0 and/],
  ['/api/traces?minDurationMs=1.5', /minDurationMs must be an integer/],
  ['/api/traces?since=yesterday', /since must be a unix time in nanoseconds/],
  ['/api/traces?since=-5', /since must be a unix time in nanoseconds/],
  ['/api/traces?until=99999999999999999999', /until must be a unix time in nanoseconds/],
  [`/api/traces?since=${NOW}&until=${NOW - 1n}`, /since must be before until/],
  [`/api/traces?since=${NOW - 40n * DAY}&until=${NOW}`, /window since\.\.until is limited to 2678400 seconds/],
  ['/api/traces?status=ok', /status must be one of error, got 'ok'/],
  [`/api/traces?${Array.from({ length: 11 }, (_, i) => `attr.k${i}=v`).join('&')}`, /at most 10 attr\.<key> filters/],
  ['/api/traces?attr.=v', /attr\.<key>=<value> needs a key/],
  [`/api/traces?name=${'x'.repeat(1025)}`, /name is limited to 1024 characters/],
  ['/api/traces/not-a-trace-id', /trace id must be 32 hex characters/],
  ['/api/traces/%zz', /malformed percent-encoding in the path/],
  ['/api/logs?contains=%E0%A4%A', /malformed percent-encoding in the query string/],
  ['/api/logs?minSeverity=25', /minSeverity must be between 1 and 24/],
  ['/api/logs?minSeverity=0', /minSeverity must be between 1 and 24/],
  ['/api/logs?limit=1001', /limit must be between 1 and 1000/],
  ['/api/logs?traceId=xyz', /traceId must be 32 hex characters/],
  [`/api/logs?contains=${'a'.repeat(1025)}`, /contains is limited to 1024 characters/],
  ['/api/metrics?limit=100001', /limit must be between 1 and 100000/],
  ['/api/metrics?since=1.5', /since must be a unix time/],
  ['/api/processes?since=5&until=5', /since must be before until/],
  ['/api/processes/order/instances?status=done', /status must be one of completed, failed, stuck, inFlight, got 'done'/],
  ['/api/processes/order/instances?limit=1001', /limit must be between 1 and 1000/],
  [`/api/processes/order/instances/${'k'.repeat(513)}`, /a business key is 1-512 characters/],
  [`/api/processes/order/timeline?stepSeconds=1&since=${NOW - DAY}&until=${NOW}`, /gives 86400 points; at most 1000/],
  ['/api/processes/order/timeline?stepSeconds=0', /stepSeconds must be between 1 and/],
  ['/api/stats/history?stepSeconds=5', /stepSeconds must be between 10 and/],
  [`/api/stats/history?stepSeconds=10&since=${NOW - DAY}&until=${NOW}`, /gives 864[01] points; at most 1000/],
  ['/api/alerts?state=pending', /state must be one of firing, resolved/],
];

describe('console API input validation', { timeout: 60_000 }, () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub({ processes: [ORDER_PROCESS] });
  });
  after(() => t.close());

  for (const [path, message] of BAD) {
    it(`400 for ${path.length > 90 ? `${path.slice(0, 90)}…` : path}`, async () => {
      const r = await t.api(path);
      assert.equal(r.status, 400, JSON.stringify(r.json));
      assert.equal(r.json.error.code, 'E2E_BAD_REQUEST');
      assert.match(r.json.error.message, message);
    });
  }

  it('property: random query strings on every read route never get a 500', { timeout: 60_000 }, async () => {
    const routes = ['/api/traces', '/api/logs', '/api/metrics', '/api/metrics/names', '/api/processes', '/api/processes/order/instances', '/api/processes/order/timeline', '/api/stats/history', '/api/alerts'];
    const names = fc.constantFrom('since', 'until', 'limit', 'status', 'stepSeconds', 'minDurationMs', 'minSeverity', 'account', 'key', 'traceId', 'attr.order.id', 'attr.', 'name', 'service', 'contains', 'state');
    const values = fc.oneof(fc.string(), fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String), fc.constantFrom('', '0', '-1', '1e3', 'NaN', '%', '%zz', '%E0%A4%A', '9223372036854775807', '18446744073709551616'));
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.array(fc.tuple(names, values), { maxLength: 6 }), async (route, params) => {
        // Raw (not re-encoded) on purpose: malformed escapes must reach the server as sent.
        const query = params.map(([k, v]) => `${k}=${/^[\x21-\x7e]*$/.test(v) && !v.includes('#') ? v : encodeURIComponent(v)}`).join('&');
        const r = await t.api(`${route}?${query}`);
        assert.ok([200, 400, 404].includes(r.status), `${route}?${query} → ${r.status} ${JSON.stringify(r.json)}`);
      }),
      { numRuns: 150 },
    );
  });

  it('POST /api/tokens refuses malformed bodies with 400', async () => {
    const bodies: unknown[] = [
      [],
      'x',
      {},
      { name: 'n' },
      { name: '', accounts: ['111111111111'] },
      { name: 'n', accounts: [] },
      { name: 'n', accounts: ['UPPER'] },
      { name: 'n', accounts: [42] },
      { name: 'n', accounts: Array.from({ length: 101 }, (_, i) => `a${i}`) },
      { name: 'x'.repeat(201), accounts: ['a'] },
      { name: 'n', accounts: ['a'], admin: true },
    ];
    for (const body of bodies) {
      const r = await t.api('/api/tokens', { method: 'POST', body });
      assert.equal(r.status, 400, `${JSON.stringify(body)} → ${JSON.stringify(r.json)}`);
      assert.equal(r.json.error.code, 'E2E_BAD_REQUEST');
    }
    const res = await fetch(`${t.consoleUrl}/api/tokens`, { method: 'POST', headers: { authorization: `Bearer ${t.hub.adminToken}` }, body: '{"name":' });
    assert.equal(res.status, 400);
    assert.match(((await res.json()) as { error: { message: string } }).error.message, /not valid JSON/);
  });

  it('405 with Allow for a known path under another method; 404 for an unknown /api path', async () => {
    const r = await fetch(`${t.consoleUrl}/api/processes`, { method: 'POST', headers: { authorization: `Bearer ${t.hub.adminToken}` } });
    assert.equal(r.status, 405);
    assert.equal(r.headers.get('allow'), 'GET');
    const d = await fetch(`${t.consoleUrl}/api/tokens`, { method: 'PUT', headers: { authorization: `Bearer ${t.hub.adminToken}` } });
    assert.equal(d.status, 405);
    assert.equal(d.headers.get('allow'), 'GET, POST');
    const n = await t.api('/api/nothing-here');
    assert.equal(n.status, 404);
    assert.equal(n.json.error.code, 'E2E_NOT_FOUND');
  });

  it('401 with the console message for a missing or wrong token, before any routing', async () => {
    const variants: Record<string, string>[] = [{}, { authorization: 'Bearer wrong' }, { authorization: 'Basic abc' }];
    for (const headers of variants) {
      for (const path of ['/api/processes', '/api/does-not-exist', '/api/traces/%zz']) {
        const r = await fetch(`${t.consoleUrl}${path}`, { headers });
        assert.equal(r.status, 401);
        assert.equal(r.headers.get('www-authenticate'), 'Bearer');
        assert.deepEqual(await r.json(), { error: { code: 'E2E_UNAUTHENTICATED', message: 'the token is wrong or expired' } });
      }
    }
  });

  it('a raw request line with a malformed path is a 400, not a crash', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(`${t.consoleUrl}/api/processes/order/instances/%E0%A4%A`, { headers: { authorization: `Bearer ${t.hub.adminToken}` } }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      req.end();
    });
    assert.equal(status, 400);
    assert.equal((await t.api('/healthz')).status, 200, 'the console still answers');
  });
});
