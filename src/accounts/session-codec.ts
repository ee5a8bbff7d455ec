import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { DerivedKeys } from './derived-keys.js';
import { newAccessKeyId } from './credential-ids.js';

/** What a session token vouches for. */
export interface SessionClaims {
  /** The session's own access key id (`ASIA…`). */
  accessKeyId: string;
  /** The long-term key (`AKIA…`) that signed the request for this session. */
  parentAccessKeyId: string;
  accountId: string;
  expiresAtMs: number;
}

export interface MintedSession {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiresAtMs: number;
}

/**
 * Stateless session credentials: nothing is stored per session. The token is the claims sealed with
 * AES-256-GCM under a key derived from the master key (so only this hub, or one sharing its master
 * key, can make or read one, and any change to it fails to open); the secret access key is an HMAC
 * of the session's access key id under another derived key, so the hub recomputes it on use instead
 * of remembering it. Whether the parent key and the account still exist and are active is checked
 * by the caller at every use, so a session still dies with its account or its parent key.
 */
export interface SessionCodec {
  mint(claims: Omit<SessionClaims, 'accessKeyId'>): MintedSession;
  /** The claims of a token, or undefined when it is not one of ours (forged, altered, truncated, other key). */
  open(sessionToken: string): SessionClaims | undefined;
  /** The secret access key of a session access key id. */
  secretFor(accessKeyId: string): string;
}

const IV_BYTES = 12;
const TAG_BYTES = 16;
const AAD = Buffer.from('e2e-o11y session token v1', 'utf8');
const TOKEN_FORMAT = 1;
/** Far above a real token (~150 characters); bounds the work an attacker's header can cause. */
const MAX_TOKEN_CHARS = 1024;
const TOKEN_PATTERN = /^[A-Za-z0-9_-]+$/;

export function createSessionCodec(keys: DerivedKeys): SessionCodec {
  const secretFor = (accessKeyId: string): string =>
    // 30 bytes -> 40 base64 characters, the shape of an AWS secret access key.
    createHmac('sha256', keys.sessionSecret).update(`session-secret/v1\u0000${accessKeyId}`, 'utf8').digest().subarray(0, 30).toString('base64');

  return {
    mint(claims) {
      const accessKeyId = newAccessKeyId(true);
      const plaintext = JSON.stringify([TOKEN_FORMAT, accessKeyId, claims.parentAccessKeyId, claims.accountId, claims.expiresAtMs]);
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', keys.sessionToken, iv);
      cipher.setAAD(AAD);
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const sessionToken = Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
      return { accessKeyId, secretAccessKey: secretFor(accessKeyId), sessionToken, expiresAtMs: claims.expiresAtMs };
    },

    open(sessionToken) {
      if (sessionToken.length > MAX_TOKEN_CHARS || !TOKEN_PATTERN.test(sessionToken)) return undefined;
      const bytes = Buffer.from(sessionToken, 'base64url');
      // The decoder ignores the unused low bits of the last character, so several strings decode
      // to the same bytes; only the canonical one is the token (the string is what is compared).
      if (bytes.length <= IV_BYTES + TAG_BYTES || bytes.toString('base64url') !== sessionToken) return undefined;
      let plaintext: string;
      try {
        const decipher = createDecipheriv('aes-256-gcm', keys.sessionToken, bytes.subarray(0, IV_BYTES));
        decipher.setAAD(AAD);
        decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        plaintext = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        return undefined;
      }
      // Authenticated, so written by us; still checked, as a format change must not be misread.
      const value: unknown = JSON.parse(plaintext);
      if (!Array.isArray(value) || value.length !== 5 || value[0] !== TOKEN_FORMAT) return undefined;
      const [, accessKeyId, parentAccessKeyId, accountId, expiresAtMs] = value as unknown[];
      if (typeof accessKeyId !== 'string' || typeof parentAccessKeyId !== 'string' || typeof accountId !== 'string') return undefined;
      if (typeof expiresAtMs !== 'number' || !Number.isSafeInteger(expiresAtMs)) return undefined;
      return { accessKeyId, parentAccessKeyId, accountId, expiresAtMs };
    },

    secretFor,
  };
}
