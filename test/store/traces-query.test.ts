import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStoreFixture, type StoreFixture } from '../helpers/store-fixture.js';
import { attrs, hex, item, span, spanEvent, spanLink, stampedResource, tracesRequest } from './builders.js';

const TRACE = '5b8efff798038103d269b633813fc60c';
const OTHER_TRACE = '00000000000000000000000000000001';

describe('embedded store: traces', () => {
  let dir: string;
  let store: StoreFixture;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e2e-store-traces-'));
    store = await openStoreFixture(dir);
    const root = span({
      name: 'POST /orders',
      traceId: hex(TRACE),
      spanId: hex('eee19b7ec3c1b174'),
      kind: 2,
      traceState: 'congo=t61rcWkgMzE',
      startTimeUnixNano: 1_700_000_000_000_000_000n,
      endTimeUnixNano: 1_700_000_000_900_000_000n,
      attributes: attrs({ 'http.method': 'POST', 'order.items': 3n, 'order.total': 12.5, retried: false }),
      status: { code: 2, message: 'payment declined' },
      events: [spanEvent({ name: 'exception', timeUnixNano: 1_700_000_000_500_000_000n, attributes: attrs({ 'exception.type': 'Declined' }) })],
    });
    const child = span({
      name: 'charge card',
      traceId: hex(TRACE),
      spanId: hex('eee19b7ec3c1b173'),
      parentSpanId: hex('eee19b7ec3c1b174'),
      kind: 3,
      startTimeUnixNano: 1_700_000_000_100_000_000n,
      endTimeUnixNano: 1_700_000_000_400_000_000n,
      links: [spanLink({ traceId: hex(OTHER_TRACE), spanId: hex('0000000000000002'), attributes: attrs({ why: 'batch' }) })],
    });
    // A span of the same trace from another account, stored in an earlier position of the batch.
    const remote = span({
      name: 'invoice',
      traceId: hex(TRACE),
      spanId: hex('1111111111111111'),
      parentSpanId: hex('eee19b7ec3c1b173'),
      startTimeUnixNano: 1_700_000_000_200_000_000n,
      endTimeUnixNano: 1_700_000_000_300_000_000n,
    });
    const unrelated = span({ name: 'other', traceId: hex(OTHER_TRACE), spanId: hex('0000000000000003') });
    await store.append(
      [
        item.traces('222222222222', tracesRequest([remote], { resource: stampedResource('222222222222', 'billing', 'invoicer') })),
        item.traces(
          '111111111111',
          tracesRequest([child, root, unrelated], { resource: stampedResource('111111111111', 'shop', 'checkout'), scopeName: 'shop-lib' }),
        ),
      ],
    );
  });

  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('returns every span of the trace, ordered by start time', async () => {
    const spans = await store.getTrace(TRACE);
    assert.deepEqual(
      spans.map((s) => s.name),
      ['POST /orders', 'charge card', 'invoice'],
    );
  });

  it('maps every field of a span', async () => {
    const [root, child, remote] = await store.getTrace(TRACE);
    assert.ok(root && child && remote);
    assert.deepEqual(
      { ...root },
      {
        traceId: TRACE,
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: '',
        name: 'POST /orders',
        kind: 2,
        startTimeUnixNano: '1700000000000000000',
        endTimeUnixNano: '1700000000900000000',
        accountId: '111111111111',
        sourceName: 'shop',
        serviceName: 'checkout',
        attributes: { 'http.method': 'POST', 'order.items': 3, 'order.total': 12.5, retried: false },
        status: { code: 2, message: 'payment declined' },
        events: [
          { timeUnixNano: '1700000000500000000', name: 'exception', attributes: { 'exception.type': 'Declined' }, droppedAttributesCount: 0 },
        ],
        links: [],
        resource: { 'source.name': 'shop', 'service.name': 'checkout', 'e2e.account.id': '111111111111' },
        scopeName: 'shop-lib',
        traceState: 'congo=t61rcWkgMzE',
      },
    );
    assert.equal(child.parentSpanId, 'eee19b7ec3c1b174');
    assert.deepEqual(child.status, {});
    assert.deepEqual(child.links, [
      { traceId: OTHER_TRACE, spanId: '0000000000000002', traceState: '', attributes: { why: 'batch' }, droppedAttributesCount: 0, flags: 0 },
    ]);
    assert.equal(remote.accountId, '222222222222');
    assert.equal(remote.sourceName, 'billing');
    assert.equal(remote.serviceName, 'invoicer');
  });

  it('accepts an upper-case trace id', async () => {
    assert.equal((await store.getTrace(TRACE.toUpperCase())).length, 3);
  });

  it('answers [] for an unknown or malformed trace id', async () => {
    assert.deepEqual(await store.getTrace('ffffffffffffffffffffffffffffffff'), []);
    assert.deepEqual(await store.getTrace("' OR 1=1 --"), []);
    assert.deepEqual(await store.getTrace('abc'), []);
    assert.deepEqual(await store.getTrace(''), []);
  });

  it('counts rows', async () => {
    assert.deepEqual(await store.counts(), { spans: 4, logs: 0, points: 0 });
  });
});

describe('embedded store: out-of-range values', () => {
  it('keeps fixed64 timestamps over the whole unsigned range and never fails a batch on odd values', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-store-range-'));
    const store = await openStoreFixture(dir);
    try {
      const max64 = (1n << 64n) - 1n;
      await store.append(
        [
          item.traces(
            '111111111111',
            tracesRequest([span({ name: 'far future', startTimeUnixNano: max64, endTimeUnixNano: max64, kind: 2 ** 40, flags: 2 ** 33 })], {
              resource: stampedResource('111111111111', 'shop'),
            }),
          ),
        ],
      );
      const [s] = await store.getTrace('0af7651916cd43dd8448eb211c80319c');
      assert.equal(s?.startTimeUnixNano, max64.toString());
      assert.equal(s?.endTimeUnixNano, max64.toString());
      // SpanKind is an int32 enum: the decoder keeps the low 32 bits of an over-long varint.
      assert.equal(s?.kind, 0);
    } finally {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
