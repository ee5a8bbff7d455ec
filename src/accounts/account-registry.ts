import { createHash, timingSafeEqual } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, E2eError } from '../errors.js';
import type { SigV4KeyInfo } from '../auth/index.js';
import { writeFileAtomicSync } from './atomic-write.js';
import { createAuditLog } from './audit-log.js';
import type { AuditLog } from './audit-log.js';
import { newAccessKeyId, newApiKey, newSecretAccessKey, newSessionToken } from './credential-ids.js';
import { openSecret, sealSecret } from './secret-box.js';

export type AccountStatus = 'active' | 'revoked';

/** An account as shown to admins: never a secret. */
export interface Account {
  readonly id: string;
  readonly name: string;
  readonly plan: string;
  readonly status: AccountStatus;
  readonly createdAt: string;
}

export interface CredentialInfo {
  readonly accessKeyId: string;
  readonly createdAt: string;
}

export interface KeyPair {
  accessKeyId: string;
  secretAccessKey: string;
}

export interface NewAccount extends KeyPair {
  account: Account;
  apiKey: string;
}

export interface SessionCredentials extends KeyPair {
  sessionToken: string;
  /** ISO 8601. */
  expiration: string;
}

export interface AccountChange {
  action: string;
  accountId: string | null;
}

export interface AccountRegistryOptions {
  dataDir: string;
  /** 32 bytes; see loadOrCreateMasterKey. */
  masterKey: Buffer;
  now?: () => Date;
  /** Long-term key pairs one account may hold at once (IAM allows 2; rotation needs at least 2). */
  maxCredentialsPerAccount?: number;
}

/** Who performed an admin action, for the audit log. */
export type Actor = string;

export interface AccountRegistry {
  /** Creates an account with a key pair and an API key. Throws E2eError E2E_BAD_REQUEST / E2E_CONFLICT. */
  add(input: { id: unknown; name?: unknown; plan?: unknown }, actor?: Actor): NewAccount;
  list(): Account[];
  get(id: string): Account | undefined;
  /** Access key ids (no secrets) of an account's long-term keys. */
  credentialsOf(id: string): CredentialInfo[];
  /** Changes name and/or plan. Throws E2E_NOT_FOUND / E2E_BAD_REQUEST. */
  update(id: string, changes: { name?: unknown; plan?: unknown }, actor?: Actor): Account;
  /** Revoked accounts fail SigV4 and API-key checks at once. Throws E2E_NOT_FOUND. */
  revoke(id: string, actor?: Actor): Account;
  restore(id: string, actor?: Actor): Account;
  /** Adds a new key pair; older ones keep working until deleted, like IAM. Throws E2E_NOT_FOUND / E2E_CONFLICT. */
  rotate(id: string, actor?: Actor): KeyPair;
  /** Deletes a long-term key and the sessions issued from it. Throws E2E_NOT_FOUND. */
  deleteCredential(id: string, accessKeyId: string, actor?: Actor): void;
  /** Replaces the API key; the old one stops working at once. Throws E2E_NOT_FOUND. */
  rotateApiKey(id: string, actor?: Actor): string;
  /** Hot path, O(1): what verifySigV4's lookupKey needs, including `revoked`. */
  lookupAccessKey(accessKeyId: string): SigV4KeyInfo | undefined;
  /** Hot path, O(1): the account owning this API key (revoked ones too: check `status`). */
  accountForApiKey(apiKey: string): Account | undefined;
  apiKeyOf(accountId: string): string | undefined;
  /**
   * Temporary credentials (`ASIA…` + session token) derived from a long-term key, persisted
   * encrypted so they survive a restart. Throws E2E_NOT_FOUND / E2E_FORBIDDEN / E2E_BAD_REQUEST.
   */
  issueSession(accessKeyId: string, ttlSeconds?: number): SessionCredentials;
  /** Re-reads accounts.json (changed by another process). Throws ConfigError when it cannot be read. */
  reload(): void;
  /** Called after every change; returns an unsubscribe function. */
  onChange(listener: (change: AccountChange) => void): () => void;
}

const ID_PATTERN = /^[a-z0-9-]{1,64}$/;
const PLAN_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_NAME_CHARS = 200;
const MIN_SESSION_SECONDS = 60;
// AWS GetSessionToken's upper bound (36 h).
const MAX_SESSION_SECONDS = 129_600;
const FILE_VERSION = 1;
const KEY_CHECK_PLAINTEXT = 'e2e-o11y accounts.json key check';

const sealed = z.string().min(1);
const fileSchema = z.object({
  version: z.literal(FILE_VERSION),
  keyCheck: sealed,
  accounts: z.array(
    z.object({
      id: z.string().regex(ID_PATTERN),
      name: z.string(),
      plan: z.string(),
      status: z.enum(['active', 'revoked']),
      createdAt: z.string(),
      apiKey: sealed,
      credentials: z.array(z.object({ accessKeyId: z.string(), secretAccessKey: sealed, createdAt: z.string() })),
    }),
  ),
  sessions: z.array(
    z.object({
      accessKeyId: z.string(),
      parentAccessKeyId: z.string(),
      accountId: z.string(),
      secretAccessKey: sealed,
      sessionToken: sealed,
      expiration: z.string(),
    }),
  ),
});
type RegistryFile = z.infer<typeof fileSchema>;

interface CredentialRecord {
  accessKeyId: string;
  secretAccessKey: string;
  sealedSecret: string;
  createdAt: string;
}

interface AccountRecord {
  id: string;
  name: string;
  plan: string;
  status: AccountStatus;
  createdAt: string;
  apiKey: string;
  sealedApiKey: string;
  credentials: CredentialRecord[];
}

interface SessionRecord {
  accessKeyId: string;
  parentAccessKeyId: string;
  accountId: string;
  secretAccessKey: string;
  sealedSecret: string;
  sessionToken: string;
  sealedToken: string;
  expiration: string;
}

interface State {
  accounts: AccountRecord[];
  sessions: SessionRecord[];
}

interface KeyEntry {
  accountId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiresAt?: Date;
}

// Contexts bind each sealed value to its slot (authenticated data of AES-GCM).
const ctx = {
  apiKey: (accountId: string) => `apiKey:${accountId}`,
  secret: (accessKeyId: string) => `secret:${accessKeyId}`,
  token: (accessKeyId: string) => `sessionToken:${accessKeyId}`,
};

function sha256(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

function badRequest(message: string): E2eError {
  return new E2eError('E2E_BAD_REQUEST', message);
}

function validateId(id: unknown): string {
  if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
    throw badRequest("account id must be 1-64 characters of a-z, 0-9 and '-' (e.g. a 12-digit AWS account id)");
  }
  return id;
}

function validateName(name: unknown, fallback: string): string {
  if (name === undefined || name === null) return fallback;
  if (typeof name !== 'string' || name.trim() === '' || name.length > MAX_NAME_CHARS || /[\u0000-\u001f]/.test(name)) {
    throw badRequest(`account name must be a non-empty string of at most ${MAX_NAME_CHARS} printable characters`);
  }
  return name.trim();
}

function validatePlan(plan: unknown, fallback: string): string {
  if (plan === undefined || plan === null) return fallback;
  if (typeof plan !== 'string' || !PLAN_PATTERN.test(plan)) {
    throw badRequest("plan must be 1-64 characters of letters, digits, '_', '.' and '-'");
  }
  return plan;
}

class Registry implements AccountRegistry {
  readonly #path: string;
  readonly #masterKey: Buffer;
  readonly #now: () => Date;
  readonly #maxCredentials: number;
  readonly #audit: AuditLog;
  readonly #listeners = new Set<(change: AccountChange) => void>();
  #state: State = { accounts: [], sessions: [] };
  #accounts = new Map<string, { record: AccountRecord; view: Account }>();
  #keys = new Map<string, KeyEntry>();
  #apiKeys = new Map<string, { hash: Buffer; accountId: string }>();

  constructor(options: AccountRegistryOptions) {
    if (options.masterKey.length !== 32) throw new ConfigError('master key must be 32 bytes');
    mkdirSync(options.dataDir, { recursive: true, mode: 0o700 });
    this.#path = join(options.dataDir, 'accounts.json');
    this.#masterKey = options.masterKey;
    this.#now = options.now ?? (() => new Date());
    this.#maxCredentials = options.maxCredentialsPerAccount ?? 10;
    this.#audit = createAuditLog(join(options.dataDir, 'audit.log'));
    this.#install(this.#load());
  }

  add(input: { id: unknown; name?: unknown; plan?: unknown }, actor: Actor = 'admin'): NewAccount {
    const id = validateId(input.id);
    const name = validateName(input.name, id);
    const plan = validatePlan(input.plan, 'default');
    if (this.#accounts.has(id)) throw new E2eError('E2E_CONFLICT', `account '${id}' already exists`);
    const createdAt = this.#now().toISOString();
    const apiKey = newApiKey();
    const credential = this.#newCredential(createdAt);
    const record: AccountRecord = {
      id,
      name,
      plan,
      status: 'active',
      createdAt,
      apiKey,
      sealedApiKey: sealSecret(this.#masterKey, apiKey, ctx.apiKey(id)),
      credentials: [credential],
    };
    this.#commit({ ...this.#state, accounts: [...this.#state.accounts, record] });
    this.#record(actor, 'account.add', id, { name, plan, accessKeyId: credential.accessKeyId });
    return {
      account: this.#view(id),
      apiKey,
      accessKeyId: credential.accessKeyId,
      secretAccessKey: credential.secretAccessKey,
    };
  }

  list(): Account[] {
    return [...this.#accounts.values()].map((a) => a.view);
  }

  get(id: string): Account | undefined {
    return this.#accounts.get(id)?.view;
  }

  credentialsOf(id: string): CredentialInfo[] {
    const entry = this.#accounts.get(id);
    if (entry === undefined) return [];
    return entry.record.credentials.map((c) => ({ accessKeyId: c.accessKeyId, createdAt: c.createdAt }));
  }

  update(id: string, changes: { name?: unknown; plan?: unknown }, actor: Actor = 'admin'): Account {
    const record = this.#require(id);
    const name = validateName(changes.name, record.name);
    const plan = validatePlan(changes.plan, record.plan);
    this.#replaceAccount({ ...record, name, plan });
    this.#record(actor, 'account.update', id, { name, plan });
    return this.#view(id);
  }

  revoke(id: string, actor: Actor = 'admin'): Account {
    return this.#setStatus(id, 'revoked', actor);
  }

  restore(id: string, actor: Actor = 'admin'): Account {
    return this.#setStatus(id, 'active', actor);
  }

  rotate(id: string, actor: Actor = 'admin'): KeyPair {
    const record = this.#require(id);
    if (record.credentials.length >= this.#maxCredentials) {
      throw new E2eError(
        'E2E_CONFLICT',
        `account '${id}' already has ${record.credentials.length} access keys (the limit); delete one first`,
      );
    }
    const credential = this.#newCredential(this.#now().toISOString());
    this.#replaceAccount({ ...record, credentials: [...record.credentials, credential] });
    this.#record(actor, 'credential.create', id, { accessKeyId: credential.accessKeyId });
    return { accessKeyId: credential.accessKeyId, secretAccessKey: credential.secretAccessKey };
  }

  deleteCredential(id: string, accessKeyId: string, actor: Actor = 'admin'): void {
    const record = this.#require(id);
    if (!record.credentials.some((c) => c.accessKeyId === accessKeyId)) {
      throw new E2eError('E2E_NOT_FOUND', `account '${id}' has no access key '${accessKeyId.slice(0, 32)}'`);
    }
    const next = { ...record, credentials: record.credentials.filter((c) => c.accessKeyId !== accessKeyId) };
    // Sessions die with the key they came from, so deleting a leaked key ends every use of it.
    const sessions = this.#state.sessions.filter((s) => s.parentAccessKeyId !== accessKeyId);
    this.#commit({ accounts: this.#state.accounts.map((a) => (a.id === id ? next : a)), sessions });
    this.#record(actor, 'credential.delete', id, { accessKeyId });
  }

  rotateApiKey(id: string, actor: Actor = 'admin'): string {
    const record = this.#require(id);
    const apiKey = newApiKey();
    this.#replaceAccount({ ...record, apiKey, sealedApiKey: sealSecret(this.#masterKey, apiKey, ctx.apiKey(id)) });
    this.#record(actor, 'apiKey.rotate', id, {});
    return apiKey;
  }

  lookupAccessKey(accessKeyId: string): SigV4KeyInfo | undefined {
    const key = this.#keys.get(accessKeyId);
    if (key === undefined) return undefined;
    const revoked = this.#accounts.get(key.accountId)?.view.status !== 'active';
    if (key.sessionToken === undefined) return { secretAccessKey: key.secretAccessKey, accountId: key.accountId, revoked };
    return {
      secretAccessKey: key.secretAccessKey,
      accountId: key.accountId,
      sessionToken: key.sessionToken,
      ...(key.expiresAt === undefined ? {} : { expiresAt: key.expiresAt }),
      revoked,
    };
  }

  accountForApiKey(apiKey: string): Account | undefined {
    const hash = sha256(apiKey);
    const entry = this.#apiKeys.get(hash.toString('hex'));
    if (entry === undefined || !timingSafeEqual(hash, entry.hash)) return undefined;
    return this.#accounts.get(entry.accountId)?.view;
  }

  apiKeyOf(accountId: string): string | undefined {
    return this.#accounts.get(accountId)?.record.apiKey;
  }

  issueSession(accessKeyId: string, ttlSeconds = 3600): SessionCredentials {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_SESSION_SECONDS || ttlSeconds > MAX_SESSION_SECONDS) {
      throw badRequest(`session duration must be an integer between ${MIN_SESSION_SECONDS} and ${MAX_SESSION_SECONDS} seconds`);
    }
    const parent = this.#keys.get(accessKeyId);
    if (parent === undefined) throw new E2eError('E2E_NOT_FOUND', `no access key '${accessKeyId.slice(0, 32)}'`);
    if (parent.sessionToken !== undefined) {
      throw new E2eError('E2E_FORBIDDEN', 'temporary credentials cannot issue further sessions; use a long-term access key');
    }
    const account = this.#accounts.get(parent.accountId);
    if (account === undefined || account.view.status !== 'active') {
      throw new E2eError('E2E_FORBIDDEN', `account '${parent.accountId}' is revoked`);
    }
    const nowMs = this.#now().getTime();
    const id = newAccessKeyId(true);
    const secretAccessKey = newSecretAccessKey();
    const sessionToken = newSessionToken();
    const expiration = new Date(nowMs + ttlSeconds * 1000).toISOString();
    const session: SessionRecord = {
      accessKeyId: id,
      parentAccessKeyId: accessKeyId,
      accountId: parent.accountId,
      secretAccessKey,
      sealedSecret: sealSecret(this.#masterKey, secretAccessKey, ctx.secret(id)),
      sessionToken,
      sealedToken: sealSecret(this.#masterKey, sessionToken, ctx.token(id)),
      expiration,
    };
    const live = this.#state.sessions.filter((s) => Date.parse(s.expiration) > nowMs);
    this.#commit({ ...this.#state, sessions: [...live, session] });
    this.#record(accessKeyId, 'session.issue', parent.accountId, { accessKeyId: id, parentAccessKeyId: accessKeyId, expiration });
    return { accessKeyId: id, secretAccessKey, sessionToken, expiration };
  }

  reload(): void {
    this.#install(this.#load());
    this.#emit({ action: 'reload', accountId: null });
  }

  onChange(listener: (change: AccountChange) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  #newCredential(createdAt: string): CredentialRecord {
    let accessKeyId = newAccessKeyId();
    // 80 random bits make a clash practically impossible; the loop makes it impossible.
    while (this.#keys.has(accessKeyId)) accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    return {
      accessKeyId,
      secretAccessKey,
      sealedSecret: sealSecret(this.#masterKey, secretAccessKey, ctx.secret(accessKeyId)),
      createdAt,
    };
  }

  #require(id: string): AccountRecord {
    const entry = this.#accounts.get(id);
    if (entry === undefined) throw new E2eError('E2E_NOT_FOUND', `no account '${String(id).slice(0, 64)}'`);
    return entry.record;
  }

  #view(id: string): Account {
    return (this.#accounts.get(id) as { view: Account }).view;
  }

  #setStatus(id: string, status: AccountStatus, actor: Actor): Account {
    const record = this.#require(id);
    if (record.status !== status) this.#replaceAccount({ ...record, status });
    this.#record(actor, status === 'revoked' ? 'account.revoke' : 'account.restore', id, {});
    return this.#view(id);
  }

  #replaceAccount(next: AccountRecord): void {
    this.#commit({ ...this.#state, accounts: this.#state.accounts.map((a) => (a.id === next.id ? next : a)) });
  }

  /** Persists first, then swaps: a failed write leaves memory and disk as they were. */
  #commit(next: State): void {
    writeFileAtomicSync(this.#path, JSON.stringify(this.#serialize(next), null, 2) + '\n', 0o600);
    this.#install(next);
  }

  #record(actor: Actor, action: string, accountId: string | null, details: Record<string, unknown>): void {
    this.#audit.append({ time: this.#now().toISOString(), actor, action, accountId, details });
    this.#emit({ action, accountId });
  }

  #emit(change: AccountChange): void {
    for (const listener of this.#listeners) {
      try {
        listener(change);
      } catch {
        // A listener's failure must not undo or block an admin action that is already durable.
      }
    }
  }

  #install(state: State): void {
    const accounts = new Map<string, { record: AccountRecord; view: Account }>();
    const keys = new Map<string, KeyEntry>();
    const apiKeys = new Map<string, { hash: Buffer; accountId: string }>();
    for (const record of state.accounts) {
      const view: Account = Object.freeze({
        id: record.id,
        name: record.name,
        plan: record.plan,
        status: record.status,
        createdAt: record.createdAt,
      });
      accounts.set(record.id, { record, view });
      const hash = sha256(record.apiKey);
      apiKeys.set(hash.toString('hex'), { hash, accountId: record.id });
      for (const c of record.credentials) keys.set(c.accessKeyId, { accountId: record.id, secretAccessKey: c.secretAccessKey });
    }
    for (const s of state.sessions) {
      keys.set(s.accessKeyId, {
        accountId: s.accountId,
        secretAccessKey: s.secretAccessKey,
        sessionToken: s.sessionToken,
        expiresAt: new Date(s.expiration),
      });
    }
    this.#state = state;
    this.#accounts = accounts;
    this.#keys = keys;
    this.#apiKeys = apiKeys;
  }

  #serialize(state: State): RegistryFile {
    return {
      version: FILE_VERSION,
      keyCheck: sealSecret(this.#masterKey, KEY_CHECK_PLAINTEXT, 'keyCheck'),
      accounts: state.accounts.map((a) => ({
        id: a.id,
        name: a.name,
        plan: a.plan,
        status: a.status,
        createdAt: a.createdAt,
        apiKey: a.sealedApiKey,
        credentials: a.credentials.map((c) => ({ accessKeyId: c.accessKeyId, secretAccessKey: c.sealedSecret, createdAt: c.createdAt })),
      })),
      sessions: state.sessions.map((s) => ({
        accessKeyId: s.accessKeyId,
        parentAccessKeyId: s.parentAccessKeyId,
        accountId: s.accountId,
        secretAccessKey: s.sealedSecret,
        sessionToken: s.sealedToken,
        expiration: s.expiration,
      })),
    };
  }

  #load(): State {
    let text: string;
    try {
      text = readFileSync(this.#path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { accounts: [], sessions: [] };
      throw err;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      throw new ConfigError(`${this.#path}: not valid JSON`);
    }
    const parsed = fileSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new ConfigError(`${this.#path}: unexpected content at '${issue?.path.join('.') ?? ''}': ${issue?.message ?? ''}`);
    }
    const file = parsed.data;
    const open = (value: string, context: string): string => {
      const plain = openSecret(this.#masterKey, value, context);
      if (plain === undefined) {
        throw new ConfigError(
          `${this.#path}: cannot decrypt with this master key; E2E_MASTER_KEY or master.key differs from the key that wrote the file (or the file was altered)`,
        );
      }
      return plain;
    };
    if (open(file.keyCheck, 'keyCheck') !== KEY_CHECK_PLAINTEXT) throw new ConfigError(`${this.#path}: key check failed`);
    const nowMs = this.#now().getTime();
    return {
      accounts: file.accounts.map((a) => ({
        id: a.id,
        name: a.name,
        plan: a.plan,
        status: a.status,
        createdAt: a.createdAt,
        apiKey: open(a.apiKey, ctx.apiKey(a.id)),
        sealedApiKey: a.apiKey,
        credentials: a.credentials.map((c) => ({
          accessKeyId: c.accessKeyId,
          secretAccessKey: open(c.secretAccessKey, ctx.secret(c.accessKeyId)),
          sealedSecret: c.secretAccessKey,
          createdAt: c.createdAt,
        })),
      })),
      // Expired sessions are dropped on load; they would be refused anyway.
      sessions: file.sessions
        .filter((s) => Date.parse(s.expiration) > nowMs)
        .map((s) => ({
          accessKeyId: s.accessKeyId,
          parentAccessKeyId: s.parentAccessKeyId,
          accountId: s.accountId,
          secretAccessKey: open(s.secretAccessKey, ctx.secret(s.accessKeyId)),
          sealedSecret: s.secretAccessKey,
          sessionToken: open(s.sessionToken, ctx.token(s.accessKeyId)),
          sealedToken: s.sessionToken,
          expiration: s.expiration,
        })),
    };
  }
}

/**
 * Accounts, their SigV4 key pairs, API keys and session credentials, persisted to
 * `<dataDir>/accounts.json` (atomic replace, mode 0600) with every secret sealed by AES-256-GCM under
 * the master key, and decrypted into memory for O(1) lookups on the ingest hot path. Every admin
 * action is appended to `<dataDir>/audit.log`. Throws ConfigError when the file cannot be read or
 * decrypted (wrong master key).
 */
export function createAccountRegistry(options: AccountRegistryOptions): AccountRegistry {
  return new Registry(options);
}
