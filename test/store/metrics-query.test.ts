import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetricSeries } from '../../src/store/index.js';
import { openStoreFixture, type StoreFixture } from '../helpers/store-fixture.js';
import {
  attrs,
  expHistogramPoint,
  histogramPoint,
  item,
  metrics,
  metricsRequest,
  numberPoint,
  stampedResource,
  summaryPoint,
} from './builders.js';

const T0 = 1_700_000_000_000_000_000n;
const SECOND = 1_000_000_000n;
const A = '111111111111';
const B = '222222222222';

function find(series: MetricSeries[], name: string, accountId = A): MetricSeries {
  const s = series.find((x) => x.name === name && x.accountId === accountId);
  assert.ok(s, `series ${name} of ${accountId}`);
  return s;
}

describe('embedded store: metrics', () => {
  let dir: string;
  let store: StoreFixture;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'e2e-store-metrics-'));
    store = await openStoreFixture(dir);
    const resource = { resource: stampedResource(A, 'resource-source', 'shop') };
    await store.append(
      [
        item.metrics(
          A,
          metricsRequest(
            [
              // Points arrive newest first and with attribute keys in different orders: still one series.
              metrics.gauge(
                'orders_in_flight',
                [
                  numberPoint({ timeUnixNano: T0 + 2n * SECOND, asDouble: 3.5, attributes: attrs({ 'source.name': 'shop', region: 'eu' }) }),
                  numberPoint({ timeUnixNano: T0, asInt: 7n, attributes: attrs({ region: 'eu', 'source.name': 'shop' }) }),
                  numberPoint({ timeUnixNano: T0 + SECOND, asDouble: 5, attributes: attrs({ region: 'us', 'source.name': 'shop' }) }),
                ],
                '{order}',
              ),
              // No data point source.name: the resource's is used.
              metrics.sum('orders_total', [numberPoint({ timeUnixNano: T0, startTimeUnixNano: T0 - SECOND, asInt: 12n })], {
                isMonotonic: true,
                temporality: 2,
              }),
              metrics.histogram('order_latency', [
                histogramPoint({
                  timeUnixNano: T0,
                  count: 6n,
                  sum: 1.25,
                  min: 0.01,
                  max: 0.9,
                  bucketCounts: [1n, 2n, 3n],
                  explicitBounds: [0.1, 0.5],
                  attributes: attrs({ 'source.name': 'shop' }),
                }),
                // Histogram without sum: value is null.
                histogramPoint({ timeUnixNano: T0 + SECOND, count: 0n, attributes: attrs({ 'source.name': 'shop' }) }),
              ], 's', 1),
              metrics.exponentialHistogram('order_size', [
                expHistogramPoint({
                  timeUnixNano: T0,
                  count: 5n,
                  sum: 40,
                  scale: 2,
                  zeroCount: 1n,
                  zeroThreshold: 0.001,
                  positive: { offset: 3, bucketCounts: [1n, 3n] },
                  negative: { offset: -1, bucketCounts: [0n] },
                  attributes: attrs({ 'source.name': 'shop' }),
                }),
              ]),
              metrics.summary('order_value', [
                summaryPoint({
                  timeUnixNano: T0,
                  count: 4n,
                  sum: 100,
                  quantileValues: [
                    { quantile: 0.5, value: 20 },
                    { quantile: 0.99, value: 45 },
                  ],
                  attributes: attrs({ 'source.name': 'shop' }),
                }),
              ], 'EUR'),
            ],
            resource,
          ),
        ),
        item.metrics(
          B,
          metricsRequest(
            [metrics.gauge('orders_in_flight', [numberPoint({ timeUnixNano: T0 + 10n * SECOND, asDouble: 1, attributes: attrs({ 'source.name': 'billing', region: 'eu' }) })])],
            { resource: stampedResource(B, 'billing') },
          ),
        ),
      ],
    );
  });

  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('groups gauge points into series by name, account, source and attributes, points ascending', async () => {
    const series = await store.queryMetrics({ name: 'orders_in_flight', limit: 1000 });
    assert.deepEqual(series, [
      {
        name: 'orders_in_flight',
        type: 'gauge',
        unit: '{order}',
        accountId: A,
        sourceName: 'shop',
        attributes: { region: 'eu', 'source.name': 'shop' },
        points: [
          { timeUnixNano: T0.toString(), startTimeUnixNano: '0', value: 7 },
          { timeUnixNano: (T0 + 2n * SECOND).toString(), startTimeUnixNano: '0', value: 3.5 },
        ],
      },
      {
        name: 'orders_in_flight',
        type: 'gauge',
        unit: '{order}',
        accountId: A,
        sourceName: 'shop',
        attributes: { region: 'us', 'source.name': 'shop' },
        points: [{ timeUnixNano: (T0 + SECOND).toString(), startTimeUnixNano: '0', value: 5 }],
      },
      {
        name: 'orders_in_flight',
        type: 'gauge',
        unit: '',
        accountId: B,
        sourceName: 'billing',
        attributes: { region: 'eu', 'source.name': 'billing' },
        points: [{ timeUnixNano: (T0 + 10n * SECOND).toString(), startTimeUnixNano: '0', value: 1 }],
      },
    ]);
  });

  it('stores a sum with monotonicity, temporality and the resource source', async () => {
    const s = find(await store.queryMetrics({ name: 'orders_total', limit: 10 }), 'orders_total');
    assert.equal(s.type, 'sum');
    assert.equal(s.sourceName, 'resource-source');
    assert.equal(s.isMonotonic, true);
    assert.equal(s.temporality, 2);
    assert.deepEqual(s.attributes, {});
    assert.deepEqual(s.points, [{ timeUnixNano: T0.toString(), startTimeUnixNano: (T0 - SECOND).toString(), value: 12 }]);
  });

  it('stores histograms with buckets, and a null value when sum is absent', async () => {
    const s = find(await store.queryMetrics({ name: 'order_latency', limit: 10 }), 'order_latency');
    assert.equal(s.type, 'histogram');
    assert.equal(s.unit, 's');
    assert.equal(s.temporality, 1);
    assert.equal(s.isMonotonic, undefined);
    assert.deepEqual(s.points, [
      {
        timeUnixNano: T0.toString(),
        startTimeUnixNano: '0',
        value: 1.25,
        count: '6',
        sum: 1.25,
        min: 0.01,
        max: 0.9,
        bucketCounts: ['1', '2', '3'],
        explicitBounds: [0.1, 0.5],
      },
      { timeUnixNano: (T0 + SECOND).toString(), startTimeUnixNano: '0', value: null, count: '0', bucketCounts: [], explicitBounds: [] },
    ]);
  });

  it('stores exponential histograms and summaries', async () => {
    const all = await store.queryMetrics({ account: A, limit: 100 });
    const exp = find(all, 'order_size');
    assert.equal(exp.type, 'exponential_histogram');
    assert.deepEqual(exp.points, [
      {
        timeUnixNano: T0.toString(),
        startTimeUnixNano: '0',
        value: 40,
        count: '5',
        sum: 40,
        exponential: {
          scale: 2,
          zeroCount: '1',
          zeroThreshold: 0.001,
          positive: { offset: 3, bucketCounts: ['1', '3'] },
          negative: { offset: -1, bucketCounts: ['0'] },
        },
      },
    ]);
    const summary = find(all, 'order_value');
    assert.equal(summary.type, 'summary');
    assert.equal(summary.unit, 'EUR');
    assert.deepEqual(summary.points, [
      {
        timeUnixNano: T0.toString(),
        startTimeUnixNano: '0',
        value: 100,
        count: '4',
        sum: 100,
        quantiles: [
          { quantile: 0.5, value: 20 },
          { quantile: 0.99, value: 45 },
        ],
      },
    ]);
  });

  it('filters by account, name, since and until', async () => {
    const a = await store.queryMetrics({ account: A, limit: 100 });
    assert.deepEqual([...new Set(a.map((s) => s.accountId))], [A]);
    assert.deepEqual(
      [...new Set(a.map((s) => s.name))].sort(),
      ['order_latency', 'order_size', 'order_value', 'orders_in_flight', 'orders_total'],
    );
    const b = await store.queryMetrics({ account: B, name: 'orders_total', limit: 100 });
    assert.deepEqual(b, []);
    const window = await store.queryMetrics({ name: 'orders_in_flight', since: T0 + SECOND, until: T0 + 10n * SECOND, limit: 100 });
    assert.deepEqual(
      window.map((s) => [s.accountId, s.attributes['region'], s.points.map((p) => p.timeUnixNano)]),
      [
        [A, 'eu', [(T0 + 2n * SECOND).toString()]],
        [A, 'us', [(T0 + SECOND).toString()]],
      ],
    );
    assert.equal((await store.counts()).points, 9);
  });

  it('caps the total number of points at `limit`, keeping the newest', async () => {
    const capped = await store.queryMetrics({ name: 'orders_in_flight', limit: 2 });
    assert.deepEqual(
      capped.map((s) => [s.accountId, s.points.map((p) => p.timeUnixNano)]),
      [
        [A, [(T0 + 2n * SECOND).toString()]],
        [B, [(T0 + 10n * SECOND).toString()]],
      ],
    );
    assert.deepEqual(await store.queryMetrics({ limit: 0 }), []);
  });
});
