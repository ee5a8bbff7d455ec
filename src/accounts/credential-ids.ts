import { randomBytes } from 'node:crypto';

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function base32(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32.charAt((value >>> (bits - 5)) & 31);
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32.charAt((value << (5 - bits)) & 31);
  return out;
}

/** `AKIA` + 16 base32 characters for long-term keys, `ASIA…` for temporary ones, as AWS's. */
export function newAccessKeyId(temporary = false): string {
  return (temporary ? 'ASIA' : 'AKIA') + base32(randomBytes(10));
}

/** 40 characters of base64 (240 random bits), the shape of an AWS secret access key. */
export function newSecretAccessKey(): string {
  return randomBytes(30).toString('base64');
}

/** 43 url-safe characters (256 random bits). */
export function newApiKey(): string {
  return randomBytes(32).toString('base64url');
}

export const ACCESS_KEY_ID_PATTERN = /^A[KS]IA[A-Z2-7]{16}$/;
