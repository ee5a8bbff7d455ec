import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileViewerTokenStore, redactAccounts, redactSpan, scopeAccounts, type Principal } from '../../src/access/index.js';
import type { SpanRow } from '../../src/store/types.js';

describe('file viewer token store', () => {
  it('stores hashes only, reloads from disk, deletes, and bounds the number of tokens', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'e2e-tokens-'));
    try {
      const store = createFileViewerTokenStore({ dataDir: dir, maxTokens: 2 });
      const a = store.create({ name: 'a', accounts: ['111', '111', '222'] });
      assert.ok(a.ok);
      assert.deepEqual(a.token.accounts, ['111', '222'], 'duplicates dropped');
      assert.deepEqual(store.verify(a.secret)?.id, a.token.id);
      assert.equal(store.verify(`${a.secret}x`), undefined);
      assert.equal(store.verify('not-a-token'), undefined);
      const b = store.create({ name: 'b', accounts: ['333'] });
      assert.ok(b.ok);
      const c = store.create({ name: 'c', accounts: ['333'] });
      assert.equal(c.ok, false);

      const file = join(dir, 'viewer-tokens.json');
      assert.equal((await stat(file)).mode & 0o777, 0o600);
      assert.ok(!(await readFile(file, 'utf8')).includes(a.secret));

      const reopened = createFileViewerTokenStore({ dataDir: dir });
      assert.equal(reopened.verify(a.secret)?.name, 'a');
      assert.equal(reopened.delete(a.token.id), true);
      assert.equal(reopened.verify(a.secret), undefined);
      assert.equal(reopened.delete(a.token.id), false);
      assert.deepEqual(
        createFileViewerTokenStore({ dataDir: dir }).list().map((t) => t.name),
        ['b'],
      );
      await writeFile(file, '{"tokens": "nope"}');
      assert.throws(() => createFileViewerTokenStore({ dataDir: dir }), /not a viewer token file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('redaction and scope', () => {
  const viewer: Principal = { role: 'viewer', tokenId: 't', name: 'v', accounts: ['111'] };
  const span: SpanRow = {
    traceId: 'a'.repeat(32),
    spanId: 'b'.repeat(16),
    parentSpanId: '',
    name: 'secret op',
    kind: 2,
    startTimeUnixNano: '1',
    endTimeUnixNano: '2',
    accountId: '222',
    sourceName: 'src',
    serviceName: 'svc',
    attributes: { k: 'v' },
    status: { code: 2 },
    events: [{}],
    links: [{}],
    resource: { r: 1 },
    scopeName: 'scope',
    traceState: 'ts',
  };
  it('keeps only ids and timing of another account’s span', () => {
    assert.deepEqual(redactSpan(viewer, span), {
      traceId: span.traceId,
      spanId: span.spanId,
      parentSpanId: '',
      name: '',
      kind: 0,
      startTimeUnixNano: '1',
      endTimeUnixNano: '2',
      accountId: 'hidden',
      sourceName: '',
      serviceName: '',
      attributes: {},
      status: {},
      events: [],
      links: [],
      resource: {},
      scopeName: '',
      traceState: '',
      hidden: true,
    });
    assert.equal(redactSpan(viewer, { ...span, accountId: '111' }).name, 'secret op');
    assert.equal(redactSpan({ role: 'admin' }, span), span);
  });
  it('collapses other accounts to one "hidden" and scopes queries', () => {
    assert.deepEqual(redactAccounts(viewer, ['222', '111', '333']), ['hidden', '111']);
    assert.deepEqual(scopeAccounts(viewer, undefined), { ok: true, account: undefined, accounts: ['111'] });
    assert.deepEqual(scopeAccounts(viewer, '222'), { ok: false, account: '222' });
    assert.deepEqual(scopeAccounts({ role: 'admin' }, undefined), { ok: true, account: undefined, accounts: undefined });
  });
});
