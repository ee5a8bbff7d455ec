import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { ConfigError } from '../errors.js';
import { createFailedAttemptLimiter } from './failed-attempt-limiter.js';

const BCRYPT_HASH = /^\$2[aby]\$\d{2}\$[./A-Za-z0-9]{53}$/;
// Compared against when the user is unknown, so an unknown user costs as much time as a known one.
const DUMMY_HASH = '$2b$10$FKEsl5MoRQchYSAr715coeWfdSCLiz0.luZYVFmYWPaWIlqh8YNkC';
/** Longest Authorization header considered; credentials are far shorter. */
const MAX_AUTHORIZATION_CHARS = 4096;

function schemeOf(hash: string): string {
  if (hash.startsWith('$apr1$')) return 'Apache MD5 ($apr1$)';
  if (hash.startsWith('{SHA}')) return 'SHA-1 ({SHA})';
  if (hash.startsWith('$1$')) return 'MD5-crypt ($1$)';
  if (hash.startsWith('$5$') || hash.startsWith('$6$')) return 'SHA-crypt';
  if (hash.startsWith('$2')) return 'malformed bcrypt';
  return 'crypt or plain text';
}

/**
 * Parses htpasswd text (`user:hash` lines, `#` comments). Only bcrypt (`$2y$`, `$2a$`, `$2b$`, as
 * `htpasswd -B` writes) is accepted: the other schemes are fast hashes that leak passwords when the
 * file leaks, so they stop start-up with a ConfigError naming the line.
 */
export function parseHtpasswd(text: string, source = 'htpasswd'): Map<string, string> {
  const users = new Map<string, string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === '' || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon <= 0) throw new ConfigError(`${source}:${i + 1}: expected 'user:hash'`);
    const user = line.slice(0, colon);
    const hash = line.slice(colon + 1);
    if (!BCRYPT_HASH.test(hash)) {
      throw new ConfigError(`${source}:${i + 1}: user '${user}' uses ${schemeOf(hash)}; only bcrypt ($2y$, $2a$, $2b$) is accepted (htpasswd -B)`);
    }
    if (users.has(user)) throw new ConfigError(`${source}:${i + 1}: user '${user}' appears twice`);
    users.set(user, hash);
  }
  return users;
}

export function loadHtpasswdFile(path: string): Map<string, string> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`${path}: cannot read htpasswd file (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
  }
  return parseHtpasswd(text, path);
}

export type BasicOutcome =
  | { ok: true; user: string }
  | { ok: false; status: 401 | 403 | 429; message: string; retryAfterSeconds?: number };

export interface BasicVerifier {
  verifyBasic(authorizationHeader: string | undefined, clientAddress: string): Promise<BasicOutcome>;
}

export interface BasicVerifierOptions {
  /** user -> bcrypt hash, from parseHtpasswd / loadHtpasswdFile. */
  users: ReadonlyMap<string, string>;
  /** Clock in ms. */
  now?: () => number;
  /** Failed attempts per client address per window before 429. */
  maxFailures?: number;
  failureWindowMs?: number;
  /**
   * bcrypt costs tens of milliseconds in JavaScript, far too slow for every ingest request, so a
   * verified user+password is remembered (as a SHA-256, never in clear) for this long. 0 disables.
   */
  cacheTtlMs?: number;
  /** Entries in that cache. */
  maxCacheEntries?: number;
}

/** Checks `Authorization: Basic …` against htpasswd users, with a per-address failed-attempt limit. */
export function createBasicVerifier(options: BasicVerifierOptions): BasicVerifier {
  const now = options.now ?? Date.now;
  const users = options.users;
  const cacheTtlMs = options.cacheTtlMs ?? 300_000;
  const maxCacheEntries = options.maxCacheEntries ?? 10_000;
  const limiter = createFailedAttemptLimiter({
    maxFailures: options.maxFailures ?? 10,
    windowMs: options.failureWindowMs ?? 60_000,
    now,
  });
  const verified = new Map<string, { user: string; hash: string; expiresMs: number }>();

  const deny = (address: string, message: string): BasicOutcome => {
    limiter.recordFailure(address);
    return { ok: false, status: 403, message };
  };

  return {
    async verifyBasic(authorizationHeader, clientAddress) {
      const gate = limiter.check(clientAddress);
      if (!gate.ok) {
        return {
          ok: false,
          status: 429,
          message: `Too many failed authentication attempts from this address; retry after ${gate.retryAfterSeconds} s`,
          retryAfterSeconds: gate.retryAfterSeconds,
        };
      }
      if (authorizationHeader === undefined || authorizationHeader.trim() === '') {
        return { ok: false, status: 401, message: 'Missing Authorization header; Basic credentials are required' };
      }
      if (authorizationHeader.length > MAX_AUTHORIZATION_CHARS) {
        return { ok: false, status: 401, message: 'Authorization header is too long' };
      }
      const m = /^Basic\s+([A-Za-z0-9+/]+={0,2})\s*$/i.exec(authorizationHeader);
      if (m === null) return { ok: false, status: 401, message: "Authorization header must be 'Basic <base64 of user:password>'" };
      const decoded = Buffer.from(m[1] as string, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon <= 0) return { ok: false, status: 401, message: "Basic credentials must be base64 of 'user:password'" };
      const user = decoded.slice(0, colon);
      const password = decoded.slice(colon + 1);
      const hash = users.get(user);
      if (hash === undefined) {
        await bcrypt.compare(password, DUMMY_HASH);
        return deny(clientAddress, 'Invalid user name or password');
      }
      const nowMs = now();
      const cacheKey = createHash('sha256').update(user).update('\0').update(password).digest('hex');
      const hit = verified.get(cacheKey);
      if (hit !== undefined && hit.expiresMs > nowMs && hit.user === user && hit.hash === hash) return { ok: true, user };
      if (!(await bcrypt.compare(password, hash))) return deny(clientAddress, 'Invalid user name or password');
      if (cacheTtlMs > 0) {
        if (verified.size >= maxCacheEntries) {
          const oldest = verified.keys().next();
          if (oldest.done !== true) verified.delete(oldest.value);
        }
        verified.set(cacheKey, { user, hash, expiresMs: nowMs + cacheTtlMs });
      }
      return { ok: true, user };
    },
  };
}
