import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTestHub, type TestHub } from '../helpers/test-hub.js';

/** The hub's console port serving the built web app (dist/web, made by `npm run build`) beside its API. */
describe('console port: the web app beside the API', () => {
  let t: TestHub;
  before(async () => {
    t = await startTestHub();
  });
  after(() => t.close());

  it('serves the built app at / and at every app URL, with a strict CSP and no inline script', async () => {
    for (const path of ['/', '/processes/order/instances/ord-17', '/traces/0af7651916cd43dd8448eb211c80319c', '/accounts/111111111111', '/logs?contains=x']) {
      const res = await fetch(`${t.consoleUrl}${path}`);
      assert.equal(res.status, 200, `${path} (is the web app built? npm run build)`);
      assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
      assert.match(res.headers.get('content-security-policy') ?? '', /^default-src 'self'(;|$)/);
      const html = await res.text();
      assert.match(html, /<div id="app"><\/div>/);
      const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
      assert.ok(scripts.length > 0, 'the page loads its bundle');
      for (const [, attrs, body] of scripts) {
        assert.match(attrs ?? '', /\bsrc="\/assets\/[^"]+\.js"/, 'scripts come from files');
        assert.equal((body ?? '').trim(), '', 'no inline script');
      }
      assert.ok(!/\sstyle="/.test(html) && !/<style/.test(html), 'no inline styles');
    }
  });

  it('serves the bundles the page names, as JavaScript and CSS cached for a year', async () => {
    const html = await (await fetch(`${t.consoleUrl}/`)).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    assert.ok(assets.some((a) => a.endsWith('.js')) && assets.some((a) => a.endsWith('.css')), assets.join(','));
    for (const a of assets) {
      const res = await fetch(`${t.consoleUrl}${a}`);
      assert.equal(res.status, 200, a);
      assert.equal(res.headers.get('content-type'), a.endsWith('.js') ? 'text/javascript; charset=utf-8' : 'text/css; charset=utf-8');
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.ok((await res.arrayBuffer()).byteLength > 1000);
    }
  });

  it('keeps /metrics for Prometheus and hands it to the app only for a browser asking for HTML', async () => {
    for (const accept of [undefined, '*/*', 'application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1']) {
      const res = await fetch(`${t.consoleUrl}/metrics`, { headers: accept === undefined ? {} : { accept } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type') ?? '', /^text\/plain/, `Accept: ${accept ?? '(none)'}`);
      assert.match(await res.text(), /^# HELP /m);
    }
    const browser = await fetch(`${t.consoleUrl}/metrics?name=orders_total`, { headers: { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' } });
    assert.equal(browser.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(await browser.text(), /<div id="app">/);
  });

  it('leaves /api/*, /healthz and /readyz to the API: JSON errors, never the app', async () => {
    const unknown = await fetch(`${t.consoleUrl}/api/no-such-route`, { headers: { authorization: `Bearer ${t.hub.adminToken}` } });
    assert.equal(unknown.status, 404);
    assert.match(unknown.headers.get('content-type') ?? '', /^application\/json/);
    const noToken = await fetch(`${t.consoleUrl}/api/stats`);
    assert.equal(noToken.status, 401);
    assert.match(noToken.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await (await fetch(`${t.consoleUrl}/healthz`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${t.consoleUrl}/readyz`)).status, 200);
  });

  it('answers 404 for a missing asset instead of the page', async () => {
    const res = await fetch(`${t.consoleUrl}/assets/index-00000000.js`);
    assert.equal(res.status, 404);
  });
});
