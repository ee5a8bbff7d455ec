/** The pure parts of src/http: client keys, Host allowlists, request targets, fd budget, readiness. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  clientKey,
  createHostAllowlist,
  fitConnectionLimits,
  isHostEntry,
  notReady,
  parseRequestTarget,
  READY,
  readinessReport,
  softOpenFilesLimit,
} from '../../src/http/index.js';

test('clientKey: IPv4 as is, IPv4-mapped IPv6 as IPv4, IPv6 by its /64', () => {
  assert.equal(clientKey('127.0.0.2'), '127.0.0.2');
  assert.equal(clientKey('::ffff:10.1.2.3'), '10.1.2.3');
  assert.equal(clientKey('::FFFF:10.1.2.3'), '10.1.2.3');
  assert.equal(clientKey('2001:db8::1'), '2001:db8:0:0::/64');
  assert.equal(clientKey('2001:db8:0:0:ffff::9'), '2001:db8:0:0::/64');
  assert.equal(clientKey('2001:0db8:00aa:0001:1:2:3:4'), '2001:db8:aa:1::/64');
  assert.equal(clientKey('::1'), '0:0:0:0::/64');
  assert.equal(clientKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  assert.equal(clientKey('64:ff9b::1.2.3.4'), '64:ff9b:0:0::/64');
  assert.equal(clientKey(undefined), undefined);
  assert.equal(clientKey(''), undefined);
});

test('clientKey: any two spellings of addresses in one /64 give one key, different /64s different keys', () => {
  const group = fc.integer({ min: 0, max: 0xffff }).map((n) => n.toString(16));
  fc.assert(
    fc.property(fc.array(group, { minLength: 8, maxLength: 8 }), fc.array(group, { minLength: 4, maxLength: 4 }), (a, tail) => {
      const full = a.join(':');
      // The URL parser writes the canonical, compressed form (RFC 5952).
      const compressed = new URL(`http://[${full}]/`).hostname.slice(1, -1);
      const sibling = new URL(`http://[${[...a.slice(0, 4), ...tail].join(':')}]/`).hostname.slice(1, -1);
      const expected = `${a.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
      if (compressed.startsWith('::ffff:') || /\./.test(compressed)) return; // IPv4-mapped: keyed as IPv4
      assert.equal(clientKey(full), expected);
      assert.equal(clientKey(compressed), expected);
      if (!sibling.startsWith('::ffff:') && !/\./.test(sibling)) assert.equal(clientKey(sibling), expected);
      const other = [...a];
      other[3] = ((parseInt(a[3]!, 16) + 1) % 0x10000).toString(16);
      assert.notEqual(clientKey(other.join(':')), expected);
    }),
  );
});

test('host allowlist: names on any port, host:port exactly, case and trailing dot ignored, IPv6 in brackets', () => {
  assert.equal(createHostAllowlist([]), undefined);
  const allowed = createHostAllowlist(['Hub.Example.com', 'ingest.example.net:4318', '[2001:db8::1]', '[2001:db8::2]:443'])!;
  assert.equal(allowed('hub.example.com'), true);
  assert.equal(allowed('HUB.EXAMPLE.COM:8443'), true);
  assert.equal(allowed('hub.example.com.'), true);
  assert.equal(allowed('ingest.example.net:4318'), true);
  assert.equal(allowed('ingest.example.net'), false);
  assert.equal(allowed('ingest.example.net:4319'), false);
  assert.equal(allowed('[2001:db8::1]:4318'), true);
  assert.equal(allowed('[2001:db8::2]:443'), true);
  assert.equal(allowed('[2001:db8::2]'), false);
  assert.equal(allowed('evil.example.com'), false);
  assert.equal(allowed('hub.example.com.evil.org'), false);
  assert.equal(allowed('hub.example.com:x'), false);
  assert.equal(allowed(undefined), false);
  assert.equal(allowed(''), false);
  for (const bad of ['', ' ', 'a b', 'host:port', 'http://x', 'x/y', 'a@b', '[::1', '[::1]x']) {
    assert.equal(isHostEntry(bad), false, bad);
    assert.throws(() => createHostAllowlist([bad]), TypeError);
  }
});

test('request targets: never a throw; when accepted, the path and every segment of it decode', () => {
  fc.assert(
    fc.property(
      fc.oneof(
        fc.string({ maxLength: 40 }),
        fc.array(fc.constantFrom('/', '%', '%E0', '%A4', '%A', 'a', '%2F', '\\', '?', '#', '..', 'http://x', '//', '%C3%28', '%F0%9F%98%80', ' ', '\u00ff'), { maxLength: 12 }).map((p) => p.join('')),
      ),
      (target) => {
        const parsed = parseRequestTarget(target);
        if (!parsed.ok) {
          assert.ok(parsed.message.length < 300);
          return;
        }
        assert.ok(parsed.path.startsWith('/'));
        decodeURIComponent(parsed.path);
        for (const segment of parsed.path.split('/')) decodeURIComponent(segment);
      },
    ),
    { numRuns: 2000 },
  );
  assert.deepEqual(parseRequestTarget('/api/accounts/%E0%A4%A'), { ok: false, message: 'malformed percent-encoding in path "/api/accounts/%E0%A4%A"' });
  const ok = parseRequestTarget('/api/logs?limit=%zz&x=1');
  assert.ok(ok.ok);
  assert.equal(ok.path, '/api/logs');
  assert.equal(ok.url.searchParams.get('limit'), '%zz');
  const abs = parseRequestTarget('http://console:3000/api/stats?a=1');
  assert.ok(abs.ok && abs.path === '/api/stats' && abs.url.search === '?a=1');
  for (const bad of ['//evil/x', '/\\evil/x', '*', 'api/x', 'ftp://x/y', 'mailto:x']) assert.equal(parseRequestTarget(bad).ok, false, bad);
  assert.equal(parseRequestTarget(undefined).ok, true);
});

test('soft open-files limit from /proc/self/limits', () => {
  const text = (soft: string): string =>
    `Limit                     Soft Limit           Hard Limit           Units\nMax processes             95524                95524                processes\nMax open files            ${soft}                 1048576              files\n`;
  assert.equal(softOpenFilesLimit(() => text('1024')), 1024);
  assert.equal(softOpenFilesLimit(() => text('unlimited')), Number.MAX_SAFE_INTEGER);
  assert.equal(softOpenFilesLimit(() => 'nothing here'), undefined);
  assert.equal(
    softOpenFilesLimit(() => {
      throw new Error('ENOENT');
    }),
    undefined,
  );
  if (process.platform === 'linux') assert.ok((softOpenFilesLimit() ?? 0) > 0);
});

test('connection limits fitted to the descriptors left after the reserve: small servers kept whole, the big one lowered', () => {
  assert.deepEqual(fitConnectionLimits({ otlp: 8192, console: 256 }, undefined), { limits: { otlp: 8192, console: 256 } });
  assert.deepEqual(fitConnectionLimits({ otlp: 8192, console: 256 }, 20_000), { limits: { otlp: 8192, console: 256 } });
  const tight = fitConnectionLimits({ otlp: 8192, console: 256 }, 2048);
  assert.deepEqual(tight.limits, { otlp: 1280, console: 256 });
  assert.match(tight.warning ?? '', /soft RLIMIT_NOFILE 2048, 512 kept.*otlp 8192 → 1280/);
  // 0 means "as many as possible": the budget, without a warning.
  assert.deepEqual(fitConnectionLimits({ otlp: 0 }, 4096), { limits: { otlp: 3584 } });
  // A tiny limit still leaves every server something.
  const tiny = fitConnectionLimits({ otlp: 8192, console: 256 }, 256);
  assert.ok(tiny.limits['otlp']! >= 32 && tiny.limits['console']! >= 32, JSON.stringify(tiny.limits));
  fc.assert(
    fc.property(fc.dictionary(fc.constantFrom('a', 'b', 'c', 'd'), fc.integer({ min: 0, max: 100_000 }), { minKeys: 1 }), fc.integer({ min: 600, max: 1_000_000 }), (req, soft) => {
      const { limits } = fitConnectionLimits(req, soft);
      const sum = Object.values(limits).reduce((x, y) => x + y, 0);
      assert.ok(sum <= Math.max(soft - 512, 32 * Object.keys(req).length), `${sum} over the budget`);
      for (const [k, v] of Object.entries(req)) assert.ok(v === 0 || limits[k]! <= v, `${k} raised`);
    }),
  );
});

test('readiness: ready only when every check is; a throwing check is not ready with its error', () => {
  assert.deepEqual(readinessReport({ a: () => READY }), { status: 'ready', checks: { a: { ready: true, reasons: [] } } });
  const r = readinessReport({
    a: () => READY,
    b: () => notReady('draining'),
    c: () => {
      throw new Error('boom');
    },
  });
  assert.equal(r.status, 'not ready');
  assert.deepEqual(r.checks['b'], { ready: false, reasons: ['draining'] });
  assert.deepEqual(r.checks['c'], { ready: false, reasons: ['check failed: boom'] });
});
