import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomicSync } from './atomic-write.js';

/** A viewer token as listed: never the secret itself. */
export interface ViewerToken {
  id: string;
  name: string;
  accounts: string[];
  createdAt: string;
}

export type CreateTokenOutcome =
  | { ok: true; token: ViewerToken; secret: string }
  | { ok: false; reason: 'too-many'; message: string };

/**
 * Viewer tokens: minted by the admin, scoped to accounts, stored only as SHA-256 hashes. Kept behind
 * this interface so the storage can move (e.g. into the account registry's database) without the
 * console noticing.
 */
export interface ViewerTokenStore {
  create(input: { name: string; accounts: readonly string[] }): CreateTokenOutcome;
  list(): ViewerToken[];
  /** False when no token has this id. Effective for the next request. */
  delete(id: string): boolean;
  /** The token a presented bearer secret belongs to, or undefined. */
  verify(secret: string): ViewerToken | undefined;
}

/** Prefix of every viewer token, so a leaked one is recognisable (secret scanners, logs). */
export const VIEWER_TOKEN_PREFIX = 'e2ev_';

interface StoredToken extends ViewerToken {
  sha256: string;
}

function digest(secret: string): string {
  return createHash('sha256').update(secret, 'utf8').digest('hex');
}

export interface FileViewerTokenStoreOptions {
  dataDir: string;
  /** Bound on stored tokens: each one is kept in memory and rewritten with the file. */
  maxTokens?: number;
}

/**
 * The token store in `<dataDir>/viewer-tokens.json` (mode 0600, replaced atomically on every
 * change). Tokens are 32 random bytes, so an unsalted SHA-256 is enough: there is nothing to guess
 * or look up in a table, and the lookup by hash needs no constant-time compare (an attacker who
 * could time it would learn bits of a hash of a secret they do not have).
 */
export function createFileViewerTokenStore(options: FileViewerTokenStoreOptions): ViewerTokenStore {
  const file = join(options.dataDir, 'viewer-tokens.json');
  const maxTokens = options.maxTokens ?? 1000;
  const byHash = new Map<string, StoredToken>();
  for (const t of load(file)) byHash.set(t.sha256, t);

  const save = (): void => {
    writeFileAtomicSync(file, JSON.stringify({ version: 1, tokens: [...byHash.values()] }), 0o600);
  };
  const publicView = (t: StoredToken): ViewerToken => ({ id: t.id, name: t.name, accounts: [...t.accounts], createdAt: t.createdAt });

  return {
    create(input) {
      if (byHash.size >= maxTokens) return { ok: false, reason: 'too-many', message: `at most ${maxTokens} viewer tokens; delete unused ones first` };
      const secret = VIEWER_TOKEN_PREFIX + randomBytes(32).toString('base64url');
      const stored: StoredToken = {
        id: `vt-${randomBytes(8).toString('hex')}`,
        name: input.name,
        accounts: [...new Set(input.accounts)],
        createdAt: new Date().toISOString(),
        sha256: digest(secret),
      };
      byHash.set(stored.sha256, stored);
      try {
        save();
      } catch (err) {
        byHash.delete(stored.sha256);
        throw err;
      }
      return { ok: true, token: publicView(stored), secret };
    },
    list() {
      return [...byHash.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id)).map(publicView);
    },
    delete(id) {
      for (const [hash, t] of byHash) {
        if (t.id !== id) continue;
        byHash.delete(hash);
        try {
          save();
        } catch (err) {
          byHash.set(hash, t);
          throw err;
        }
        return true;
      }
      return false;
    },
    verify(secret) {
      if (!secret.startsWith(VIEWER_TOKEN_PREFIX)) return undefined;
      const t = byHash.get(digest(secret));
      return t === undefined ? undefined : publicView(t);
    },
  };
}

function load(file: string): StoredToken[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const parsed = JSON.parse(text) as { tokens?: unknown };
  if (!Array.isArray(parsed.tokens)) throw new Error(`${file}: not a viewer token file`);
  const out: StoredToken[] = [];
  for (const t of parsed.tokens as Partial<StoredToken>[]) {
    if (typeof t.id !== 'string' || typeof t.name !== 'string' || typeof t.sha256 !== 'string' || !Array.isArray(t.accounts) || typeof t.createdAt !== 'string') {
      throw new Error(`${file}: malformed token entry`);
    }
    out.push({ id: t.id, name: t.name, accounts: t.accounts.filter((a): a is string => typeof a === 'string'), createdAt: t.createdAt, sha256: t.sha256 });
  }
  return out;
}
