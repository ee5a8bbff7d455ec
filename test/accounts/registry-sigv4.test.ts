/**
 * The registry as verifySigV4's key source: long-term and session keys it issues verify, and its
 * revocation, key deletion and session expiry (injected clock) are enforced by the verifier.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import { Sha256 } from '@aws-crypto/sha256-js';
import { openAccountRegistry } from '../../src/accounts/index.js';
import type { AccountRegistry } from '../../src/accounts/index.js';
import { verifySigV4 } from '../../src/auth/index.js';
import type { SigV4Outcome, SigV4Request } from '../../src/auth/index.js';

const body = new TextEncoder().encode('payload');

async function sign(creds: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }, at: Date): Promise<SigV4Request> {
  const signer = new SignatureV4({ credentials: creds, region: 'eu-central-1', service: 'execute-api', sha256: Sha256 });
  const r = await signer.sign(
    { method: 'POST', protocol: 'https:', hostname: 'hub', path: '/v1/logs', query: {}, headers: { host: 'hub' }, body },
    { signingDate: at },
  );
  return { method: 'POST', rawPath: '/v1/logs', headers: { ...r.headers }, body };
}

function verify(registry: AccountRegistry, req: SigV4Request, now: Date): SigV4Outcome {
  return verifySigV4(req, {
    region: 'eu-central-1',
    service: 'execute-api',
    maxSkewSeconds: 300,
    now,
    lookupKey: (id, token) => registry.lookupAccessKey(id, token),
  });
}

test('registry keys and sessions verify; revoke, delete and expiry are enforced', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'e2e-registry-sigv4-'));
  try {
    let nowMs = Date.parse('2025-06-10T12:00:00Z');
    const now = () => new Date(nowMs);
    const registry = await openAccountRegistry({ dataDir, masterKey: randomBytes(32), now });
    const acct = await registry.add({ id: '123456789012', name: 'Orders' });

    const longTerm = await sign(acct, now());
    assert.deepEqual(verify(registry, longTerm, now()), { ok: true, accountId: '123456789012', accessKeyId: acct.accessKeyId, temporary: false });

    const session = registry.issueSession(acct.accessKeyId, 900);
    const temp = await sign(session, now());
    assert.deepEqual(verify(registry, temp, now()), { ok: true, accountId: '123456789012', accessKeyId: session.accessKeyId, temporary: true });

    await registry.revoke('123456789012');
    for (const req of [longTerm, temp]) {
      const o = verify(registry, req, now());
      assert.ok(!o.ok && o.status === 403 && /revoked/.test(o.message));
    }
    await registry.restore('123456789012');
    assert.equal(verify(registry, longTerm, now()).ok, true);

    nowMs += 901_000;
    const late = await sign(session, now());
    const expired = verify(registry, late, now());
    assert.ok(!expired.ok && /security token included in the request is expired/.test(expired.message));

    const second = await registry.rotate('123456789012');
    await registry.deleteCredential('123456789012', acct.accessKeyId);
    const deleted = verify(registry, await sign(acct, now()), now());
    assert.ok(!deleted.ok && /security token included in the request is invalid/.test(deleted.message));
    assert.equal(verify(registry, await sign(second, now()), now()).ok, true);
    const orphan = verify(registry, await sign(session, now()), now());
    assert.ok(!orphan.ok && /security token included in the request is invalid/.test(orphan.message), 'a session dies with its parent key');
    await registry.close();
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
});
