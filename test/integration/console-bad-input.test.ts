/**
 * Issue 9 §6: `/api/accounts/%E0%A4%A` answered 500. Malformed percent-encoding anywhere in a
 * console path now answers 400 with a clear message, before any route runs; the other
 * throw-on-bad-input spots of the console (request targets, query parameters, JSON bodies) answer
 * 400 too, and random request targets never get a 500.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startSigV4Fixture, type SigV4Fixture } from '../helpers/signed-client.js';
import { rawExchange } from '../helpers/raw-http.js';

let fx: SigV4Fixture;
let port: number;
let auth: string;
before(async () => {
  fx = await startSigV4Fixture();
  port = Number(new URL(fx.t.consoleUrl).port);
  auth = `Bearer ${fx.t.hub.adminToken}`;
});
after(async () => {
  await fx.close();
});

interface Answer {
  status: number;
  headers: string;
  body: string;
}

/** One raw request (any request target, byte for byte) on a new connection. */
async function raw(method: string, target: string, options: { body?: Buffer | string; headers?: Record<string, string> } = {}): Promise<Answer> {
  const body = options.body === undefined ? Buffer.alloc(0) : Buffer.from(options.body);
  const headers = { host: 'console', authorization: auth, 'content-length': String(body.length), connection: 'close', ...options.headers };
  const head = `${method} ${target} HTTP/1.1\r\n${Object.entries(headers).map(([k, v]) => `${k}: ${v}\r\n`).join('')}\r\n`;
  const text = await rawExchange(port, Buffer.concat([Buffer.from(head, 'latin1'), body]));
  const m = /^HTTP\/1\.1 (\d{3})[^\r]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)$/.exec(text);
  assert.ok(m, `an HTTP answer to ${method} ${target}: ${JSON.stringify(text.slice(0, 200))}`);
  return { status: Number(m[1]), headers: m[2]!, body: m[3]! };
}

function assertBadRequest(a: Answer, message: RegExp): void {
  assert.equal(a.status, 400, a.body);
  const body = JSON.parse(a.body) as { error: { code: string; message: string } };
  assert.equal(body.error.code, 'E2E_BAD_REQUEST');
  assert.match(body.error.message, message);
}

test('malformed percent-encoding in an account path: 400 naming the problem, never 500', async () => {
  assertBadRequest(await raw('GET', '/api/accounts/%E0%A4%A'), /malformed percent-encoding in the path/);
  assertBadRequest(await raw('POST', '/api/accounts/%E0%A4%A/revoke'), /malformed percent-encoding/);
  assertBadRequest(await raw('POST', '/api/accounts/%zz/credentials'), /malformed percent-encoding/);
  assertBadRequest(await raw('DELETE', '/api/accounts/acct-a/credentials/%C3%28'), /malformed percent-encoding/);
  assertBadRequest(await raw('GET', '/api/traces/%E0'), /malformed percent-encoding/);
  // Outside /api too.
  assertBadRequest(await raw('GET', '/%ff%fe'), /malformed percent-encoding in path "\/%ff%fe"/);
  // Without a token the API says nothing about the path (the router's contract): 401.
  assert.equal((await raw('GET', '/api/accounts/%E0%A4%A', { headers: { authorization: '' } })).status, 401);
  // Well-formed escapes still reach the route.
  assert.equal((await raw('GET', '/api/accounts/no%2Dsuch%20account')).status, 404);
  assert.equal((await raw('GET', '/api/accounts/acct%2Da')).status, 200);
});

test('request targets that are not a path: 400; absolute-form is served', async () => {
  assertBadRequest(await raw('GET', '//evil.example/api/stats'), /is not a path/);
  assertBadRequest(await raw('GET', '/\\evil.example/api/stats'), /is not a path/);
  assertBadRequest(await raw('OPTIONS', '*'), /is not a path/);
  const abs = await raw('GET', 'http://console/api/stats');
  assert.equal(abs.status, 200, abs.body);
});

test('bad query parameters: 400 naming the parameter or the malformed escape', async () => {
  assertBadRequest(await raw('GET', '/api/logs?limit=%zz'), /malformed percent-encoding in the query string/);
  assertBadRequest(await raw('GET', '/api/logs?since=%E0%A4%A'), /malformed percent-encoding in the query string/);
  assertBadRequest(await raw('GET', '/api/logs?contains=%E0%A4%A'), /malformed percent-encoding in the query string/);
  assertBadRequest(await raw('GET', '/api/logs?limit=1e3'), /limit must be an integer/);
  assertBadRequest(await raw('GET', '/api/logs?limit=-1'), /limit must be between/);
  assertBadRequest(await raw('GET', '/api/metrics?until=1.5'), /until/);
  assertBadRequest(await raw('GET', `/api/logs?contains=${'x'.repeat(1025)}`), /contains is limited to \d+ characters/);
  assert.equal((await raw('GET', '/api/logs?contains=%C3%A9t%C3%A9')).status, 200);
  assert.equal((await raw('GET', '/api/logs?account=%00&source=x')).status, 200);
});

test('bad JSON bodies on the admin API: 400 with the reason', async () => {
  assertBadRequest(await raw('POST', '/api/accounts', { body: '{"id":' }), /not valid JSON/);
  assertBadRequest(await raw('POST', '/api/accounts', { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) }), /not valid UTF-8/);
  assertBadRequest(await raw('POST', '/api/accounts', { body: `{"id":"x","name":"${'n'.repeat(70_000)}"}` }), /body over 65536 bytes/);
  assertBadRequest(await raw('POST', '/api/accounts', { body: '[1,2]' }), /body must be/);
  assertBadRequest(await raw('POST', '/api/accounts', { body: '{"id":1,"name":"x"}' }), /body must be/);
});

test('a JSON null body on POST /api/accounts: 400', async () => {
  assertBadRequest(await raw('POST', '/api/accounts', { body: 'null' }), /body must be/);
});

test('random request targets never get a 500 and the console keeps answering', { timeout: 120_000 }, async () => {
  const piece = fc.oneof(
    fc.constantFrom('/', '%', '%E0', '%A4', '%zz', '%2F', '..', '.', '?', '&', '=', '#', '\\', '@', ':', 'api', 'accounts', 'traces', 'logs', '%00', '%C3%28', '%F0%9F%98%80'),
    fc.string({ unit: fc.constantFrom(...'abcXYZ09-_~!$\'()*+,;'.split('')), maxLength: 6 }),
  );
  await fc.assert(
    fc.asyncProperty(fc.array(piece, { maxLength: 12 }), fc.constantFrom('GET', 'POST', 'DELETE'), async (pieces, method) => {
      const target = `/${pieces.join('')}`;
      const a = await raw(method, target);
      assert.ok(a.status < 500, `${method} ${target} → ${a.status} ${a.body}`);
    }),
    { numRuns: 300 },
  );
  assert.equal((await raw('GET', '/api/stats')).status, 200);
});
