import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const KEY_BYTES = 32;

/**
 * Seals a secret with AES-256-GCM under the master key: base64 of iv (12 random bytes) + tag (16) +
 * ciphertext. `context` is authenticated data naming the slot the value belongs to (say
 * `secret:AKIA…`), so a sealed value copied into another slot of the file fails to open.
 */
export function sealSecret(masterKey: Buffer, plaintext: string, context: string): string {
  assertKey(masterKey);
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', masterKey, iv);
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64');
}

/** Opens a value sealed by {@link sealSecret}; undefined when the key, context or bytes are wrong. */
export function openSecret(masterKey: Buffer, sealed: string, context: string): string | undefined {
  assertKey(masterKey);
  const bytes = Buffer.from(sealed, 'base64');
  if (bytes.length < IV_BYTES + TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', masterKey, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

function assertKey(masterKey: Buffer): void {
  if (masterKey.length !== KEY_BYTES) throw new TypeError(`master key must be ${KEY_BYTES} bytes, got ${masterKey.length}`);
}
