import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { malformedQuery, QueryReader } from '../../src/console/query-reader.js';

const reader = (q: string): QueryReader => new QueryReader(new URLSearchParams(q));

describe('QueryReader', () => {
  it('reads values and defaults, keeps the first problem', () => {
    const q = reader('limit=5&status=error&since=10&attr.order.id=ord-1&attr.x=1');
    assert.equal(q.int('limit', { min: 1, max: 10, def: 3 }), 5);
    assert.equal(q.int('other', { min: 1, max: 10, def: 3 }), 3);
    assert.equal(q.oneOf('status', ['error'] as const), 'error');
    assert.equal(q.nanos('since'), 10n);
    assert.deepEqual(q.prefixed('attr.', 10), { 'order.id': 'ord-1', x: '1' });
    assert.equal(q.error, undefined);
    const bad = reader('limit=50&status=x');
    bad.int('limit', { min: 1, max: 10, def: 3 });
    bad.oneOf('status', ['error'] as const);
    assert.equal(bad.error, 'limit must be between 1 and 10, got 50');
  });

  it('window: defaults to the last N seconds before now; refuses reversed and over-long windows', () => {
    const now = 1_000_000n * 1_000_000_000n;
    assert.deepEqual(reader('').window(now, 60, 3600), { since: now - 60_000_000_000n, until: now });
    const reversed = reader(`since=${now}&until=${now - 1n}`);
    reversed.window(now, 60, 3600);
    assert.equal(reversed.error, 'since must be before until');
    const long = reader(`since=${now - 3601n * 1_000_000_000n}`);
    long.window(now, 60, 3600);
    assert.match(long.error ?? '', /limited to 3600 seconds/);
  });

  it('property: any query string gives a value or a message, never a throw', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (name, value) => {
        const q = new QueryReader(new URLSearchParams([[name, value], ['limit', value], ['since', value]]));
        q.int('limit', { min: 1, max: 100, def: 1 });
        q.nanos('since');
        q.string(name, 10);
        q.prefixed('attr.', 2);
        q.window(0n, 10, 100);
        return q.error === undefined || q.error.length > 0;
      }),
    );
  });

  it('malformedQuery finds percent-encoding URLSearchParams would pass through', () => {
    assert.equal(malformedQuery('a=%zz'), 'malformed percent-encoding in the query string');
    assert.equal(malformedQuery('a=%E0%A4%A'), 'malformed percent-encoding in the query string');
    assert.equal(malformedQuery('a=%20b&c=d+e'), undefined);
  });
});
