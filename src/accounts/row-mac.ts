import { createHmac, timingSafeEqual } from 'node:crypto';

/** An account row as stored: every column, the sealed API key included. */
export interface AccountRow {
  id: string;
  name: string;
  plan: string;
  status: string;
  createdAt: string;
  apiKeySealed: string;
}

/** A long-term key pair row as stored. */
export interface CredentialRow {
  accessKeyId: string;
  accountId: string;
  secretSealed: string;
  createdAt: string;
}

/**
 * Unambiguous encoding of a list of strings: each as a 4-byte big-endian byte length and its UTF-8
 * bytes. The first element names the row type and version, so an account row's MAC can never verify
 * as a credential row's (or as a later version's) and no two field lists encode alike.
 */
function encode(fields: readonly string[]): Buffer {
  const parts: Buffer[] = [];
  for (const field of fields) {
    const bytes = Buffer.from(field, 'utf8');
    const length = Buffer.alloc(4);
    length.writeUInt32BE(bytes.length);
    parts.push(length, bytes);
  }
  return Buffer.concat(parts);
}

function hmacHex(key: Buffer, fields: readonly string[]): string {
  return createHmac('sha256', key).update(encode(fields)).digest('hex');
}

/** HMAC-SHA256 over every column of the row, its identity and status included (hex). */
export function accountRowMac(key: Buffer, row: AccountRow): string {
  return hmacHex(key, ['account/v1', row.id, row.name, row.plan, row.status, row.createdAt, row.apiKeySealed]);
}

export function credentialRowMac(key: Buffer, row: CredentialRow): string {
  return hmacHex(key, ['credential/v1', row.accessKeyId, row.accountId, row.secretSealed, row.createdAt]);
}

/** Constant-time comparison of a stored MAC (any string, possibly tampered) with the expected one. */
export function macMatches(stored: string, expected: string): boolean {
  const a = Buffer.from(stored, 'utf8');
  const b = Buffer.from(expected, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

const DIGEST_MODULUS = 1n << 256n;
const MAC_HEX = /^[0-9a-f]{64}$/;

/**
 * The set digest: the sum of every row's MAC modulo 2^256. Adding, replacing or removing one row
 * updates it in O(1) (add the new MAC, subtract the old), so a change still writes one row and the
 * digest, never the whole registry. A stored MAC that is not 64 hex digits counts as 0 (the row is
 * refused by its own check anyway).
 */
export function macValue(mac: string): bigint {
  return MAC_HEX.test(mac) ? BigInt(`0x${mac}`) : 0n;
}

export function addToDigest(digest: bigint, mac: string): bigint {
  return (digest + macValue(mac)) % DIGEST_MODULUS;
}

export function removeFromDigest(digest: bigint, mac: string): bigint {
  return (digest - macValue(mac) + DIGEST_MODULUS) % DIGEST_MODULUS;
}

export function digestHex(digest: bigint): string {
  return digest.toString(16).padStart(64, '0');
}

/**
 * MAC of the digest itself. The row MACs are stored in clear, so without this anybody could
 * recompute the sum after deleting a row or putting back an older (validly MAC'd) version of it.
 */
export function digestMac(key: Buffer, digest: bigint): string {
  return hmacHex(key, ['rows-digest/v1', digestHex(digest)]);
}
