import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStoreFixture, type StoreFixture } from '../helpers/store-fixture.js';
import { anyValue, attrs, hex, item, logRecord, logsRequest, stampedResource, type PlainAttr } from './builders.js';

const T0 = 1_700_000_000_000_000_000n;
const SECOND = 1_000_000_000n;

/** One log per AnyValue kind, a second apart, from account A / source "shop". */
const BODIES: [string, PlainAttr, unknown][] = [
  ['string', 'Order 42 PLACED by alice', 'Order 42 PLACED by alice'],
  ['bool', true, true],
  ['int', 42n, 42],
  ['big int', 9007199254740993n, '9007199254740993'],
  ['double', 2.5, 2.5],
  ['array', ['a', 1n, false], ['a', 1, false]],
  ['kvlist', { order: { id: 'o-7', lines: 2n } }, { order: { id: 'o-7', lines: 2 } }],
  ['bytes', new Uint8Array([1, 2, 3]), 'AQID'],
  ['empty', null, null],
];

describe('embedded store: logs', () => {
  let dir: string;
  let store: StoreFixture;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e2e-store-logs-'));
    store = await openStoreFixture(dir);
    const records = BODIES.map(([kind, body], i) =>
      logRecord({
        timeUnixNano: T0 + BigInt(i) * SECOND,
        body: anyValue(body),
        attributes: attrs({ kind }),
        severityNumber: 9 + i,
        severityText: `S${i}`,
      }),
    );
    // No body at all (not even an empty AnyValue) is stored as null too.
    records.push(logRecord({ timeUnixNano: T0 + 20n * SECOND, attributes: attrs({ kind: 'absent' }) }));
    await store.append(
      [
        item.logs('AAAAAAAAAAAA', logsRequest(records, { resource: stampedResource('AAAAAAAAAAAA', 'shop', 'checkout'), scopeName: 'log-lib' })),
        item.logs(
          'BBBBBBBBBBBB',
          logsRequest(
            [
              logRecord({
                // timeUnixNano 0: the observed time stands in.
                timeUnixNano: 0n,
                observedTimeUnixNano: T0 + 5n * SECOND + 1n,
                body: anyValue('billing says: order placed'),
                traceId: hex('5b8efff798038103d269b633813fc60c'),
                spanId: hex('eee19b7ec3c1b174'),
                eventName: 'invoice.created',
              }),
            ],
            { resource: stampedResource('BBBBBBBBBBBB', 'billing', 'invoicer') },
          ),
        ),
      ],
    );
  });

  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('stores each body kind in its plain JSON form', async () => {
    const logs = await store.queryLogs({ account: 'AAAAAAAAAAAA', limit: 100 });
    const byKind = new Map(logs.map((l) => [l.attributes['kind'], l.body]));
    for (const [kind, , expected] of BODIES) assert.deepEqual(byKind.get(kind), expected, kind);
    assert.equal(byKind.get('absent'), null);
  });

  it('maps every field and lists newest first', async () => {
    const logs = await store.queryLogs({ limit: 100 });
    assert.equal(logs.length, BODIES.length + 2);
    const times = logs.map((l) => BigInt(l.timeUnixNano));
    assert.deepEqual(times, [...times].sort((a, b) => (a < b ? 1 : a > b ? -1 : 0)));
    const billing = logs.find((l) => l.accountId === 'BBBBBBBBBBBB');
    assert.deepEqual(
      { ...billing },
      {
        timeUnixNano: (T0 + 5n * SECOND + 1n).toString(),
        observedTimeUnixNano: (T0 + 5n * SECOND + 1n).toString(),
        severityNumber: 9,
        severityText: 'INFO',
        body: 'billing says: order placed',
        accountId: 'BBBBBBBBBBBB',
        sourceName: 'billing',
        serviceName: 'invoicer',
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        attributes: {},
        resource: { 'source.name': 'billing', 'service.name': 'invoicer', 'e2e.account.id': 'BBBBBBBBBBBB' },
        eventName: 'invoice.created',
        scopeName: 'test-scope',
      },
    );
    const first = logs.find((l) => l.attributes['kind'] === 'string');
    assert.equal(first?.timeUnixNano, T0.toString());
    assert.equal(first?.observedTimeUnixNano, (T0 + SECOND / 2n).toString());
    assert.equal(first?.severityNumber, 9);
    assert.equal(first?.severityText, 'S0');
    assert.equal(first?.traceId, '');
    assert.equal(first?.scopeName, 'log-lib');
  });

  it('filters by account and by source', async () => {
    const a = await store.queryLogs({ account: 'AAAAAAAAAAAA', limit: 100 });
    assert.equal(a.length, BODIES.length + 1);
    assert.ok(a.every((l) => l.accountId === 'AAAAAAAAAAAA' && l.sourceName === 'shop'));
    const billing = await store.queryLogs({ source: 'billing', limit: 100 });
    assert.deepEqual(
      billing.map((l) => l.accountId),
      ['BBBBBBBBBBBB'],
    );
    assert.deepEqual(await store.queryLogs({ account: 'AAAAAAAAAAAA', source: 'billing', limit: 100 }), []);
  });

  it('matches `contains` case-insensitively against the body text', async () => {
    const placed = await store.queryLogs({ contains: 'order PLACED', limit: 100 });
    assert.deepEqual(
      placed.map((l) => l.body),
      ['billing says: order placed'],
    );
    const order = await store.queryLogs({ contains: 'ORDER', limit: 100 });
    assert.deepEqual(
      order.map((l) => l.attributes['kind'] ?? l.accountId).sort(),
      ['BBBBBBBBBBBB', 'kvlist', 'string'],
    );
    // Characters that are wildcards in LIKE are plain text here.
    assert.deepEqual(await store.queryLogs({ contains: '%', limit: 100 }), []);
    assert.deepEqual(await store.queryLogs({ contains: "'; DROP TABLE logs; --", limit: 100 }), []);
    assert.equal((await store.counts()).logs, BODIES.length + 2);
  });

  it('applies since (inclusive) and until (exclusive)', async () => {
    const window = await store.queryLogs({ account: 'AAAAAAAAAAAA', since: T0 + 2n * SECOND, until: T0 + 4n * SECOND, limit: 100 });
    assert.deepEqual(
      window.map((l) => l.attributes['kind']),
      ['big int', 'int'],
    );
    const late = await store.queryLogs({ since: T0 + 5n * SECOND, until: T0 + 5n * SECOND + 2n, limit: 100 });
    assert.deepEqual(
      late.map((l) => l.attributes['kind'] ?? l.accountId),
      ['BBBBBBBBBBBB', 'array'],
    );
  });

  it('returns at most `limit` rows, the newest', async () => {
    const two = await store.queryLogs({ limit: 2 });
    assert.deepEqual(
      two.map((l) => l.attributes['kind']),
      ['absent', 'empty'],
    );
    assert.deepEqual(await store.queryLogs({ limit: 0 }), []);
    await assert.rejects(store.queryLogs({ limit: -1 }), RangeError);
  });
});
