import { hkdfSync } from 'node:crypto';

/**
 * Keys derived from the master key with HKDF-SHA256, one per purpose, so that no key is used for
 * two jobs (the master key itself only seals secrets with AES-256-GCM, as before). Changing the
 * master key changes all of them: rows no longer verify and sessions no longer open.
 */
export interface DerivedKeys {
  /** HMAC-SHA256 key authenticating every registry row (see row-mac.ts). */
  readonly rowMac: Buffer;
  /** AES-256-GCM key sealing stateless session tokens. */
  readonly sessionToken: Buffer;
  /** HMAC-SHA256 key deriving a session's secret access key from its access key id. */
  readonly sessionSecret: Buffer;
}

const SALT = Buffer.from('e2e-o11y registry', 'utf8');

function derive(masterKey: Buffer, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, SALT, Buffer.from(purpose, 'utf8'), 32));
}

export function deriveKeys(masterKey: Buffer): DerivedKeys {
  if (masterKey.length !== 32) throw new TypeError(`master key must be 32 bytes, got ${masterKey.length}`);
  return Object.freeze({
    rowMac: derive(masterKey, 'row-mac v1'),
    sessionToken: derive(masterKey, 'session-token v1'),
    sessionSecret: derive(masterKey, 'session-secret v1'),
  });
}
