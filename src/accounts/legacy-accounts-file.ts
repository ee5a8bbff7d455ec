import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ConfigError } from '../errors.js';
import { openSecret } from './secret-box.js';
import { sealContext } from './seal-context.js';

/** One account of the old `accounts.json`, with its sealed values as stored (they are copied as they are). */
export interface LegacyAccount {
  id: string;
  name: string;
  plan: string;
  status: 'active' | 'revoked';
  createdAt: string;
  apiKeySealed: string;
  credentials: { accessKeyId: string; secretSealed: string; createdAt: string }[];
}

export interface LegacyAccountsFile {
  /** SHA-256 of the file's bytes: marks the import in the new registry, so a retry after a crash is recognised. */
  sha256: string;
  accounts: LegacyAccount[];
  /** Unexpired sessions in the file; they are not carried over (sessions are stateless now). */
  liveSessions: number;
}

const KEY_CHECK_PLAINTEXT = 'e2e-o11y accounts.json key check';
const sealed = z.string().min(1);
const fileSchema = z.object({
  version: z.literal(1),
  keyCheck: sealed,
  accounts: z.array(
    z.object({
      id: z.string().regex(/^[a-z0-9-]{1,64}$/),
      name: z.string(),
      plan: z.string(),
      status: z.enum(['active', 'revoked']),
      createdAt: z.string(),
      apiKey: sealed,
      credentials: z.array(z.object({ accessKeyId: z.string(), secretAccessKey: sealed, createdAt: z.string() })),
    }),
  ),
  sessions: z.array(z.object({ expiration: z.string() }).loose()),
});

/**
 * Reads the registry file of earlier versions (`<dataDir>/accounts.json`: one JSON document,
 * secrets sealed under the master key), checking that every sealed value opens with this master
 * key, so a migration never imports what the hub could not use. Undefined when there is no file.
 * Throws ConfigError naming the file when it is unreadable, malformed or sealed under another key.
 */
export async function readLegacyAccountsFile(path: string, masterKey: Buffer, nowMs: number): Promise<LegacyAccountsFile | undefined> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new ConfigError(`${path}: not valid JSON`);
  }
  const parsed = fileSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(`${path}: unexpected content at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? ''}`);
  }
  const file = parsed.data;
  const check = (value: string, context: string, expected?: string): void => {
    const plain = openSecret(masterKey, value, context);
    if (plain === undefined || (expected !== undefined && plain !== expected)) {
      throw new ConfigError(
        `${path}: cannot decrypt with this master key; E2E_MASTER_KEY or master.key differs from the key that wrote the file (or the file was altered)`,
      );
    }
  };
  check(file.keyCheck, sealContext.keyCheck, KEY_CHECK_PLAINTEXT);
  const accounts = file.accounts.map((a): LegacyAccount => {
    check(a.apiKey, sealContext.apiKey(a.id));
    for (const c of a.credentials) check(c.secretAccessKey, sealContext.secret(c.accessKeyId));
    return {
      id: a.id,
      name: a.name,
      plan: a.plan,
      status: a.status,
      createdAt: a.createdAt,
      apiKeySealed: a.apiKey,
      credentials: a.credentials.map((c) => ({ accessKeyId: c.accessKeyId, secretSealed: c.secretAccessKey, createdAt: c.createdAt })),
    };
  });
  return {
    sha256: createHash('sha256').update(bytes).digest('hex'),
    accounts,
    liveSessions: file.sessions.filter((s) => Date.parse(s.expiration) > nowMs).length,
  };
}
