import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { CONSOLE_CSP, createStaticFiles } from '../../src/console/index.js';

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw GET (the path is sent exactly as given, no URL normalisation by a client). */
function get(base: string, path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<Got> {
  const u = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: Number(u.port), path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

async function serve(root: string): Promise<{ base: string; server: Server }> {
  const files = createStaticFiles({ root, maxTotalBytes: 1024 * 1024 });
  const server = createServer((req, res) => {
    void files.serve(req, res, new URL(req.url ?? '/', 'http://x').pathname);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('static files of the web console', () => {
  let parent: string;
  let dir: string;
  let base: string;
  let server: Server;
  const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-AbCd1234.js"></script></head><body><div id="app"></div></body></html>';
  const OUTSIDE = 'OUTSIDE-THE-BUILD-7f3a';
  const SECRET = 'NOT-A-WEB-FILE-91c2';
  const BUNDLE = `console.log(${JSON.stringify('x'.repeat(4000))});`;

  before(async () => {
    // The build sits in parent/build; parent/outside.html must never be reachable.
    parent = await mkdtemp(join(tmpdir(), 'e2e-web-'));
    dir = join(parent, 'build');
    await mkdir(join(dir, 'assets'), { recursive: true });
    await writeFile(join(dir, 'index.html'), INDEX);
    await writeFile(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    await writeFile(join(dir, 'assets', 'index-AbCd1234.js'), BUNDLE);
    await writeFile(join(dir, 'assets', 'index-EfGh5678.css'), 'body{margin:0}');
    await writeFile(join(dir, 'secret.key'), SECRET);
    await writeFile(join(parent, 'outside.html'), OUTSIDE);
    ({ base, server } = await serve(dir));
  });
  after(async () => {
    await new Promise((r) => server.close(r));
    await rm(parent, { recursive: true, force: true });
  });

  it('serves hashed bundles with their content type and a year-long immutable cache', async () => {
    const js = await get(base, '/assets/index-AbCd1234.js');
    assert.equal(js.status, 200);
    assert.equal(js.headers['content-type'], 'text/javascript; charset=utf-8');
    assert.equal(js.headers['cache-control'], 'public, max-age=31536000, immutable');
    assert.equal(js.body.toString(), BUNDLE);
    const css = await get(base, '/assets/index-EfGh5678.css');
    assert.equal(css.headers['content-type'], 'text/css; charset=utf-8');
    const svg = await get(base, '/favicon.svg');
    assert.equal(svg.headers['content-type'], 'image/svg+xml');
    assert.equal(svg.headers['cache-control'], 'public, max-age=3600', 'unhashed files are cached briefly');
  });

  it('answers every app URL with index.html (deep links work on reload), revalidated on each load', async () => {
    for (const path of ['/', '/processes', '/processes/order/instances/ord-17', '/traces/0af7651916cd43dd8448eb211c80319c?x=1', '/accounts/111111111111', '/index.html']) {
      const r = await get(base, path);
      assert.equal(r.status, 200, path);
      assert.equal(r.headers['content-type'], 'text/html; charset=utf-8', path);
      assert.equal(r.headers['cache-control'], 'no-cache', path);
      assert.equal(r.body.toString(), INDEX, path);
    }
  });

  it('sends a strict Content-Security-Policy and no-sniff on every answer', async () => {
    for (const path of ['/', '/assets/index-AbCd1234.js', '/assets/gone-12345678.js']) {
      const r = await get(base, path);
      assert.equal(r.headers['content-security-policy'], CONSOLE_CSP, path);
      assert.match(String(r.headers['content-security-policy']), /^default-src 'self'/);
      assert.equal(r.headers['x-content-type-options'], 'nosniff', path);
      assert.equal(r.headers['x-frame-options'], 'DENY', path);
    }
  });

  it('answers 404, never index.html, for a missing asset (so HTML is never run as a script)', async () => {
    for (const path of ['/assets/index-OldHash99.js', '/favicon.ico', '/robots.txt', '/assets/x']) {
      const r = await get(base, path);
      assert.equal(r.status, 404, path);
      assert.equal(r.headers['content-type'], 'text/plain; charset=utf-8', path);
    }
  });

  it('never serves files outside the build or of unknown types, whatever the path', async () => {
    for (const path of ['/../outside.html', '/%2e%2e/outside.html', '/..%2foutside.html', '/assets/../../outside.html', '/secret.key', '//etc/passwd']) {
      const r = await get(base, path);
      assert.ok(!r.body.toString().includes(OUTSIDE), path);
      assert.ok(!r.body.toString().includes(SECRET), path);
      assert.ok(r.status === 404 || (r.status === 200 && r.body.toString() === INDEX), `${path}: ${r.status}`);
    }
  });

  it('compresses text with gzip when the client accepts it, and says so', async () => {
    const plain = await get(base, '/assets/index-AbCd1234.js', { 'accept-encoding': 'identity' });
    assert.equal(plain.headers['content-encoding'], undefined);
    const gz = await get(base, '/assets/index-AbCd1234.js', { 'accept-encoding': 'gzip, deflate, br' });
    assert.equal(gz.headers['content-encoding'], 'gzip');
    assert.equal(gz.headers['vary'], 'accept-encoding');
    assert.ok(gz.body.length < BUNDLE.length / 4);
    assert.equal(gunzipSync(gz.body).toString(), BUNDLE);
    const refused = await get(base, '/assets/index-AbCd1234.js', { 'accept-encoding': 'gzip;q=0' });
    assert.equal(refused.headers['content-encoding'], undefined);
  });

  it('answers 304 to a matching If-None-Match and HEAD without a body', async () => {
    const first = await get(base, '/processes');
    const etag = String(first.headers['etag']);
    assert.match(etag, /^"[A-Za-z0-9_-]+"$/);
    const again = await get(base, '/processes', { 'if-none-match': etag });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
    const head = await get(base, '/assets/index-AbCd1234.js', {}, 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], String(BUNDLE.length));
    assert.equal(head.body.length, 0);
  });

  it('refuses other methods with 405', async () => {
    const r = await get(base, '/processes', {}, 'POST');
    assert.equal(r.status, 405);
    assert.equal(r.headers['allow'], 'GET, HEAD');
  });

  it('says clearly that the UI is not built when the directory is missing, and refuses a directory that is too large', async () => {
    const missing = await serve(join(dir, 'nope'));
    try {
      const r = await get(missing.base, '/processes');
      assert.equal(r.status, 503);
      assert.match(r.body.toString(), /not built.*npm run build/);
    } finally {
      await new Promise((r) => missing.server.close(r));
    }
    const big = await mkdtemp(join(tmpdir(), 'e2e-web-big-'));
    try {
      await writeFile(join(big, 'index.html'), INDEX);
      await writeFile(join(big, 'huge.js'), Buffer.alloc(2 * 1024 * 1024, 0x20));
      const s = await serve(big);
      try {
        const r = await get(s.base, '/');
        assert.equal(r.status, 503);
        assert.match(r.body.toString(), /more than 1048576 bytes/);
      } finally {
        await new Promise((r) => s.server.close(r));
      }
    } finally {
      await rm(big, { recursive: true, force: true });
    }
  });
});
