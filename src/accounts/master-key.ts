import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError } from '../errors.js';

const KEY_BYTES = 32;

/** Parses `E2E_MASTER_KEY`: 64 hex characters, or base64 of exactly 32 bytes. */
export function parseMasterKey(value: string, source: string): Buffer {
  const text = value.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(text)) {
    const bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
    if (bytes.length === KEY_BYTES) return bytes;
  }
  throw new ConfigError(`${source}: master key must be 64 hex characters or base64 of 32 bytes`);
}

function readOrCreate(path: string, create: () => string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const value = create();
  try {
    // 'wx': two processes starting at once must not both write different keys.
    writeFileSync(path, value + '\n', { mode: 0o600, flag: 'wx' });
    return value;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return readFileSync(path, 'utf8');
    throw err;
  }
}

/**
 * The 32-byte key that encrypts every secret at rest: from `envValue` (E2E_MASTER_KEY) when given,
 * else `<dataDir>/master.key`, created with mode 0600 on first start.
 */
export function loadOrCreateMasterKey(dataDir: string, envValue?: string): Buffer {
  if (envValue !== undefined && envValue.trim() !== '') return parseMasterKey(envValue, 'E2E_MASTER_KEY');
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'master.key');
  return parseMasterKey(readOrCreate(path, () => randomBytes(KEY_BYTES).toString('hex')), path);
}

/** Shortest admin token accepted from the environment; shorter ones are guessable. */
const MIN_ADMIN_TOKEN_CHARS = 16;

/**
 * The console's bearer token: `envValue` (E2E_ADMIN_TOKEN) when given, else `<dataDir>/admin.token`,
 * created with mode 0600 on first start.
 */
export function loadOrCreateAdminToken(dataDir: string, envValue?: string): string {
  if (envValue !== undefined && envValue.trim() !== '') {
    const token = envValue.trim();
    if (token.length < MIN_ADMIN_TOKEN_CHARS) {
      throw new ConfigError(`E2E_ADMIN_TOKEN must be at least ${MIN_ADMIN_TOKEN_CHARS} characters`);
    }
    return token;
  }
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = join(dataDir, 'admin.token');
  const token = readOrCreate(path, () => randomBytes(32).toString('base64url')).trim();
  if (token.length < MIN_ADMIN_TOKEN_CHARS) throw new ConfigError(`${path}: admin token is shorter than ${MIN_ADMIN_TOKEN_CHARS} characters`);
  return token;
}
