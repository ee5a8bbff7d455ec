/**
 * Request slots on a real server: released exactly once whatever happens to the request, its
 * response or its connection — the pipelined-and-abandoned case above all (issue 9 §1).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { createRequestSlots, type RequestSlots } from '../../src/http/index.js';
import { eventually } from '../helpers/test-hub.js';
import { writeAndAbandon } from '../helpers/raw-http.js';

type Handler = (req: IncomingMessage, res: ServerResponse) => Promise<void> | void;

async function serve(slots: RequestSlots, handler: Handler): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    slots.acquire(req, res);
    Promise.resolve()
      .then(() => handler(req, res))
      .catch(() => {
        if (res.headersSent) res.destroy();
        else res.writeHead(500).end();
      });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

const later = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const GET = 'GET / HTTP/1.1\r\nHost: x\r\n\r\n';

test('pipelined requests whose connection closes before their turn give their slots back', async () => {
  const slots = createRequestSlots({ max: 1000 });
  // Every answer is late, so most responses are still queued behind the first when the client goes.
  const s = await serve(slots, async (_req, res) => {
    await later(20);
    res.end('ok');
  });
  try {
    await Promise.all([
      writeAndAbandon(s.port, Buffer.from(GET.repeat(50)), 'destroy-on-first-byte'),
      writeAndAbandon(s.port, Buffer.from(GET.repeat(50)), 'end'),
      writeAndAbandon(s.port, Buffer.from(GET.repeat(50)), 'destroy-at-once'),
    ]);
    await eventually(async () => slots.inUse === 0, `all slots back (${slots.inUse} in use)`);
    await later(100);
    assert.equal(slots.inUse, 0, 'no slot given back twice');
  } finally {
    await s.close();
  }
});

test('a handler that throws, a destroyed response, an aborted body, a finished response: each releases once', async () => {
  const slots = createRequestSlots({ max: 10 });
  let seen = 0;
  const s = await serve(slots, async (req, res) => {
    seen++;
    if (req.url === '/throw') throw new Error('boom');
    if (req.url === '/destroy') return void res.destroy();
    if (req.url === '/body') {
      for await (const _ of req) void _;
      res.end('read');
      return;
    }
    res.end('ok');
  });
  try {
    for (const path of ['/throw', '/destroy', '/ok']) {
      await new Promise<void>((resolve) => {
        http.get({ port: s.port, host: '127.0.0.1', path, agent: false }, (r) => r.resume().on('end', resolve)).on('error', () => resolve());
      });
    }
    // A body that never finishes: the client goes away mid-upload.
    const c = net.connect({ port: s.port, host: '127.0.0.1' }, () => c.write('POST /body HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc'));
    await eventually(async () => seen === 4 && slots.inUse === 1, 'the upload holds one slot');
    c.destroy();
    await eventually(async () => slots.inUse === 0, `all slots back (${slots.inUse})`);
    await slots.idle();
    await later(100);
    assert.equal(slots.inUse, 0, 'no slot given back twice');
  } finally {
    await s.close();
  }
});

test('overLimit past max; saturatedFor once every slot was taken long enough; idle() waits for the last', async () => {
  let now = 1_000;
  const slots = createRequestSlots({ max: 2, now: () => now });
  const release: (() => void)[] = [];
  const s = await serve(slots, (_req, res) => {
    const over = slots.overLimit();
    if (over) return void res.writeHead(503).end();
    release.push(() => res.end('ok'));
  });
  try {
    const get = (): Promise<number> =>
      new Promise((resolve) => http.get({ port: s.port, host: '127.0.0.1', agent: false }, (r) => r.resume().on('end', () => resolve(r.statusCode ?? 0))));
    const first = [get(), get()];
    await eventually(async () => slots.inUse === 2, 'two slots taken');
    assert.equal(await get(), 503);
    assert.equal(slots.saturatedFor(5000), false);
    now += 5000;
    assert.equal(slots.saturatedFor(5000), true);
    let idle = false;
    void slots.idle().then(() => (idle = true));
    release.shift()!();
    assert.equal((await first[0]), 200);
    assert.equal(slots.saturatedFor(0), false);
    assert.equal(idle, false);
    release.shift()!();
    await first[1];
    await eventually(async () => idle, 'idle() resolved');
  } finally {
    await s.close();
  }
});
