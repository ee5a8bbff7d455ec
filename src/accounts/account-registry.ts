import { createHash, timingSafeEqual } from 'node:crypto';
import { open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError, E2eError } from '../errors.js';
import type { SigV4KeyInfo } from '../auth/index.js';
import { createAuditLog } from './audit-log.js';
import type { AuditLog } from './audit-log.js';
import { ACCESS_KEY_ID_PATTERN, newAccessKeyId, newApiKey, newSecretAccessKey } from './credential-ids.js';
import { secureDataDir } from './data-dir.js';
import { deriveKeys } from './derived-keys.js';
import { readLegacyAccountsFile } from './legacy-accounts-file.js';
import type { LegacyAccountsFile } from './legacy-accounts-file.js';
import { openRegistryStore } from './registry-store.js';
import type { RegistrySnapshot, RegistryStore, RowChange } from './registry-store.js';
import {
  accountRowMac,
  addToDigest,
  credentialRowMac,
  digestHex,
  digestMac,
  macMatches,
  removeFromDigest,
  type AccountRow,
  type CredentialRow,
} from './row-mac.js';
import { sealContext } from './seal-context.js';
import { openSecret, sealSecret } from './secret-box.js';
import { Serial } from './serial.js';
import { createSessionCodec } from './session-codec.js';
import type { SessionCodec } from './session-codec.js';

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

/** What the integrity checks found; for `/metrics`. */
export interface RegistryIntegrity {
  /**
   * Rows refused at load because their MAC, their shape or their references did not verify: they
   * authenticate nothing (an account whose row is refused is held as revoked). Counted each start
   * while the rows remain, so it stays visible until an admin restores, revokes or deletes them.
   */
  readonly tamperedRows: number;
  /**
   * True when, at load, the set of rows differed from the one the hub last wrote (a row removed,
   * added, or put back in an older version): the per-row MACs cannot see that, the set digest can.
   * Reported once (error log + audit entry); the digest is then re-based on the rows found.
   */
  readonly rowSetAltered: boolean;
  /** Writes that failed since start (the admin action failed and changed nothing). */
  readonly writeErrors: number;
}

export interface AccountRegistryOptions {
  /** Holds `registry.duckdb` and `audit.log`; an `accounts.json` of earlier versions is migrated. */
  dataDir: string;
  /** 32 bytes; see loadOrCreateMasterKey. */
  masterKey: Buffer;
  now?: () => Date;
  /** Long-term key pairs one account may hold at once (IAM allows 2; rotation needs at least 2). */
  maxCredentialsPerAccount?: number;
  /** Integrity findings (error), migration (info); never secrets. */
  logger?: Logger;
  /** DuckDB memory_limit of the registry's own database; default 32MB. */
  memoryLimit?: string;
}

/** Who performed an admin action, for the audit log. */
export type Actor = string;

/**
 * Accounts, their SigV4 key pairs and API keys. Reads are synchronous and served from memory
 * (the ingest hot path); changes are written through to the database first and applied to memory
 * once committed, one at a time, so a failed write changes nothing and a change is visible to
 * ingest as soon as its promise resolves.
 */
export interface AccountRegistry {
  /** Creates an account with a key pair and an API key. Rejects with E2eError E2E_BAD_REQUEST / E2E_CONFLICT. */
  add(input: { id: unknown; name?: unknown; plan?: unknown }, actor?: Actor): Promise<NewAccount>;
  list(): Account[];
  get(id: string): Account | undefined;
  /** Access key ids (no secrets) of an account's long-term keys. */
  credentialsOf(id: string): CredentialInfo[];
  /** Changes name and/or plan. Rejects with E2E_NOT_FOUND / E2E_BAD_REQUEST. */
  update(id: string, changes: { name?: unknown; plan?: unknown }, actor?: Actor): Promise<Account>;
  /** Revoked accounts fail SigV4 and API-key checks at once. Rejects with E2E_NOT_FOUND. */
  revoke(id: string, actor?: Actor): Promise<Account>;
  /** Also re-signs an account whose row failed its integrity check (an admin's decision, audited). */
  restore(id: string, actor?: Actor): Promise<Account>;
  /** Adds a new key pair; older ones keep working until deleted, like IAM. Rejects with E2E_NOT_FOUND / E2E_CONFLICT. */
  rotate(id: string, actor?: Actor): Promise<KeyPair>;
  /**
   * Deletes a long-term key (and so every session issued from it); also removes a refused
   * (tampered) credential row that names this account. Rejects with E2E_NOT_FOUND.
   */
  deleteCredential(id: string, accessKeyId: string, actor?: Actor): Promise<void>;
  /** Replaces the API key; the old one stops working at once. Rejects with E2E_NOT_FOUND. */
  rotateApiKey(id: string, actor?: Actor): Promise<string>;
  /**
   * Hot path, O(1), no I/O: what verifySigV4's lookupKey needs, including `revoked`. A session key
   * (`ASIA…`) is known only together with its session token, which carries its claims.
   */
  lookupAccessKey(accessKeyId: string, sessionToken?: string): SigV4KeyInfo | undefined;
  /** Hot path, O(1): the account owning this API key (revoked ones too: check `status`). */
  accountForApiKey(apiKey: string): Account | undefined;
  apiKeyOf(accountId: string): string | undefined;
  /**
   * Temporary credentials (`ASIA…` + session token) for a long-term key. Stateless: nothing is
   * written; the token is sealed under a key derived from the master key, so sessions survive a
   * restart, and they die with their account or parent key (checked at every use).
   * Throws E2E_NOT_FOUND / E2E_FORBIDDEN / E2E_BAD_REQUEST.
   */
  issueSession(accessKeyId: string, ttlSeconds?: number): SessionCredentials;
  integrity(): RegistryIntegrity;
  /** Called after every change; returns an unsubscribe function. */
  onChange(listener: (change: AccountChange) => void): () => void;
  /** Waits for pending changes and closes the database. */
  close(): Promise<void>;
}

const ID_PATTERN = /^[a-z0-9-]{1,64}$/;
const PLAN_PATTERN = /^[A-Za-z0-9_.-]{1,64}$/;
const MAX_NAME_CHARS = 200;
const MIN_SESSION_SECONDS = 60;
// AWS GetSessionToken's upper bound (36 h).
const MAX_SESSION_SECONDS = 129_600;
const KEY_CHECK_PLAINTEXT = 'e2e-o11y registry key check';
const META = {
  keyCheck: 'key_check',
  digest: 'rows_digest',
  digestMac: 'rows_digest_mac',
  legacyImport: 'legacy_import_sha256',
} as const;

interface CredentialEntry {
  row: CredentialRow;
  mac: string;
  secretAccessKey: string;
}

interface AccountEntry {
  row: AccountRow;
  mac: string;
  /** Undefined only for a refused row whose sealed key does not open. */
  apiKey: string | undefined;
  /** The row failed its integrity check: held as revoked until an admin restores or revokes it. */
  refused: boolean;
  view: Account;
  credentials: Map<string, CredentialEntry>;
}

interface Refusal {
  table: 'accounts' | 'credentials';
  key: string;
  accountId: string | null;
  reason: string;
}

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

function validName(name: string): boolean {
  return name.trim() !== '' && name.length <= MAX_NAME_CHARS && !/[\u0000-\u001f]/.test(name);
}

function validateName(name: unknown, fallback: string): string {
  if (name === undefined || name === null) return fallback;
  if (typeof name !== 'string' || !validName(name)) {
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

function viewOf(row: AccountRow, refused: boolean): Account {
  return Object.freeze({
    id: row.id,
    // A refused row's columns are whatever someone wrote there: shown bounded, never trusted.
    name: refused ? row.name.slice(0, MAX_NAME_CHARS) : row.name,
    plan: refused ? row.plan.slice(0, 64) : row.plan,
    status: !refused && row.status === 'active' ? 'active' : 'revoked',
    createdAt: refused ? row.createdAt.slice(0, 40) : row.createdAt,
  });
}

async function fsyncDirectory(dir: string): Promise<void> {
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  }
}

class Registry implements AccountRegistry {
  readonly #store: RegistryStore;
  readonly #masterKey: Buffer;
  readonly #macKey: Buffer;
  readonly #sessions: SessionCodec;
  readonly #now: () => Date;
  readonly #maxCredentials: number;
  readonly #audit: AuditLog;
  readonly #logger: Logger | undefined;
  readonly #serial = new Serial();
  readonly #listeners = new Set<(change: AccountChange) => void>();
  readonly #accounts = new Map<string, AccountEntry>();
  readonly #keys = new Map<string, CredentialEntry>();
  /** sha256(apiKey) hex → account id. */
  readonly #apiKeys = new Map<string, { hash: Buffer; accountId: string }>();
  /** Credential rows in the database that were refused at load, by access key id. */
  readonly #refusedCredentials = new Map<string, { row: CredentialRow; mac: string }>();
  /** Sum of the MACs of every row in the database (see row-mac.ts). */
  #digest = 0n;
  #tamperedRows = 0;
  #rowSetAltered = false;
  #writeErrors = 0;
  #closed = false;

  constructor(options: AccountRegistryOptions, store: RegistryStore, audit: AuditLog) {
    this.#store = store;
    this.#masterKey = options.masterKey;
    const keys = deriveKeys(options.masterKey);
    this.#macKey = keys.rowMac;
    this.#sessions = createSessionCodec(keys);
    this.#now = options.now ?? (() => new Date());
    this.#maxCredentials = options.maxCredentialsPerAccount ?? 10;
    this.#audit = audit;
    this.#logger = options.logger;
  }

  // ---- reads (hot path: memory only) ----

  list(): Account[] {
    return [...this.#accounts.values()].map((a) => a.view);
  }

  get(id: string): Account | undefined {
    return this.#accounts.get(id)?.view;
  }

  credentialsOf(id: string): CredentialInfo[] {
    const entry = this.#accounts.get(id);
    if (entry === undefined) return [];
    return [...entry.credentials.values()].map((c) => ({ accessKeyId: c.row.accessKeyId, createdAt: c.row.createdAt }));
  }

  lookupAccessKey(accessKeyId: string, sessionToken?: string): SigV4KeyInfo | undefined {
    const key = this.#keys.get(accessKeyId);
    if (key !== undefined) {
      return { secretAccessKey: key.secretAccessKey, accountId: key.row.accountId, revoked: !this.#isActive(key.row.accountId) };
    }
    if (sessionToken === undefined || !accessKeyId.startsWith('ASIA')) return undefined;
    const claims = this.#sessions.open(sessionToken);
    // A token is bound to its own access key id: another session's token does not fit.
    if (claims === undefined || claims.accessKeyId !== accessKeyId) return undefined;
    // Dies with its parent key (deleted) and with its account (the parent names it).
    const parent = this.#keys.get(claims.parentAccessKeyId);
    if (parent === undefined || parent.row.accountId !== claims.accountId) return undefined;
    return {
      secretAccessKey: this.#sessions.secretFor(accessKeyId),
      accountId: claims.accountId,
      sessionToken,
      expiresAt: new Date(claims.expiresAtMs),
      revoked: !this.#isActive(claims.accountId),
    };
  }

  accountForApiKey(apiKey: string): Account | undefined {
    const hash = sha256(apiKey);
    const entry = this.#apiKeys.get(hash.toString('hex'));
    if (entry === undefined || !timingSafeEqual(hash, entry.hash)) return undefined;
    return this.#accounts.get(entry.accountId)?.view;
  }

  apiKeyOf(accountId: string): string | undefined {
    return this.#accounts.get(accountId)?.apiKey;
  }

  issueSession(accessKeyId: string, ttlSeconds = 3600): SessionCredentials {
    if (!Number.isInteger(ttlSeconds) || ttlSeconds < MIN_SESSION_SECONDS || ttlSeconds > MAX_SESSION_SECONDS) {
      throw badRequest(`session duration must be an integer between ${MIN_SESSION_SECONDS} and ${MAX_SESSION_SECONDS} seconds`);
    }
    const parent = this.#keys.get(accessKeyId);
    if (parent === undefined) {
      if (accessKeyId.startsWith('ASIA')) {
        throw new E2eError('E2E_FORBIDDEN', 'temporary credentials cannot issue further sessions; use a long-term access key');
      }
      throw new E2eError('E2E_NOT_FOUND', `no access key '${accessKeyId.slice(0, 32)}'`);
    }
    const accountId = parent.row.accountId;
    if (!this.#isActive(accountId)) throw new E2eError('E2E_FORBIDDEN', `account '${accountId}' is revoked`);
    const expiresAtMs = this.#now().getTime() + ttlSeconds * 1000;
    const minted = this.#sessions.mint({ parentAccessKeyId: accessKeyId, accountId, expiresAtMs });
    return {
      accessKeyId: minted.accessKeyId,
      secretAccessKey: minted.secretAccessKey,
      sessionToken: minted.sessionToken,
      expiration: new Date(expiresAtMs).toISOString(),
    };
  }

  integrity(): RegistryIntegrity {
    return { tamperedRows: this.#tamperedRows, rowSetAltered: this.#rowSetAltered, writeErrors: this.#writeErrors };
  }

  onChange(listener: (change: AccountChange) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  // ---- changes (serialised, written through) ----

  add(input: { id: unknown; name?: unknown; plan?: unknown }, actor: Actor = 'admin'): Promise<NewAccount> {
    return this.#change(async () => {
      const id = validateId(input.id);
      const name = validateName(input.name, id);
      const plan = validatePlan(input.plan, 'default');
      if (this.#accounts.has(id)) throw new E2eError('E2E_CONFLICT', `account '${id}' already exists`);
      const createdAt = this.#now().toISOString();
      const apiKey = newApiKey();
      const row: AccountRow = { id, name, plan, status: 'active', createdAt, apiKeySealed: sealSecret(this.#masterKey, apiKey, sealContext.apiKey(id)) };
      const mac = accountRowMac(this.#macKey, row);
      const credential = this.#newCredential(id, createdAt);
      await this.#write(
        [
          { kind: 'insertAccount', row, mac },
          { kind: 'insertCredential', row: credential.row, mac: credential.mac },
        ],
        { add: [mac, credential.mac], remove: [] },
      );
      const entry: AccountEntry = { row, mac, apiKey, refused: false, view: viewOf(row, false), credentials: new Map() };
      this.#accounts.set(id, entry);
      this.#indexApiKey(id, apiKey);
      this.#indexCredential(entry, credential);
      await this.#record(actor, 'account.add', id, { name, plan, accessKeyId: credential.row.accessKeyId });
      return { account: entry.view, apiKey, accessKeyId: credential.row.accessKeyId, secretAccessKey: credential.secretAccessKey };
    });
  }

  update(id: string, changes: { name?: unknown; plan?: unknown }, actor: Actor = 'admin'): Promise<Account> {
    return this.#change(async () => {
      const entry = this.#requireVerified(id);
      const name = validateName(changes.name, entry.row.name);
      const plan = validatePlan(changes.plan, entry.row.plan);
      await this.#replaceAccount(entry, { ...entry.row, name, plan });
      await this.#record(actor, 'account.update', id, { name, plan });
      return this.#view(id);
    });
  }

  revoke(id: string, actor: Actor = 'admin'): Promise<Account> {
    return this.#setStatus(id, 'revoked', actor);
  }

  restore(id: string, actor: Actor = 'admin'): Promise<Account> {
    return this.#setStatus(id, 'active', actor);
  }

  rotate(id: string, actor: Actor = 'admin'): Promise<KeyPair> {
    return this.#change(async () => {
      const entry = this.#require(id);
      if (entry.credentials.size >= this.#maxCredentials) {
        throw new E2eError('E2E_CONFLICT', `account '${id}' already has ${entry.credentials.size} access keys (the limit); delete one first`);
      }
      const credential = this.#newCredential(id, this.#now().toISOString());
      await this.#write([{ kind: 'insertCredential', row: credential.row, mac: credential.mac }], { add: [credential.mac], remove: [] });
      this.#indexCredential(entry, credential);
      await this.#record(actor, 'credential.create', id, { accessKeyId: credential.row.accessKeyId });
      return { accessKeyId: credential.row.accessKeyId, secretAccessKey: credential.secretAccessKey };
    });
  }

  deleteCredential(id: string, accessKeyId: string, actor: Actor = 'admin'): Promise<void> {
    return this.#change(async () => {
      const entry = this.#accounts.get(id);
      const live = entry?.credentials.get(accessKeyId);
      // A refused row can be removed under the account it names, even one that does not exist.
      const refused = this.#refusedCredentials.get(accessKeyId);
      const mac = live?.mac ?? (refused?.row.accountId === id ? refused.mac : undefined);
      if (mac === undefined) {
        if (entry === undefined) this.#require(id);
        throw new E2eError('E2E_NOT_FOUND', `account '${id}' has no access key '${accessKeyId.slice(0, 32)}'`);
      }
      await this.#write([{ kind: 'deleteCredential', accessKeyId }], { add: [], remove: [mac] });
      // Sessions need no clean-up: they are checked against their parent key at every use.
      entry?.credentials.delete(accessKeyId);
      this.#keys.delete(accessKeyId);
      this.#refusedCredentials.delete(accessKeyId);
      await this.#record(actor, 'credential.delete', id, { accessKeyId, ...(live === undefined ? { refusedRow: true } : {}) });
    });
  }

  rotateApiKey(id: string, actor: Actor = 'admin'): Promise<string> {
    return this.#change(async () => {
      const entry = this.#requireVerified(id);
      const apiKey = newApiKey();
      await this.#replaceAccount(entry, { ...entry.row, apiKeySealed: sealSecret(this.#masterKey, apiKey, sealContext.apiKey(id)) }, apiKey);
      await this.#record(actor, 'apiKey.rotate', id, {});
      return apiKey;
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#serial.run(() => Promise.resolve());
    await this.#store.close();
  }

  // ---- internals ----

  #isActive(accountId: string): boolean {
    return this.#accounts.get(accountId)?.view.status === 'active';
  }

  #change<T>(task: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new Error('account registry is closed'));
    return this.#serial.run(task);
  }

  #setStatus(id: string, status: AccountStatus, actor: Actor): Promise<Account> {
    return this.#change(async () => {
      const entry = this.#require(id);
      const wasRefused = entry.refused;
      if (entry.refused || entry.row.status !== status) {
        let row: AccountRow = { ...entry.row, status };
        let apiKey = entry.apiKey;
        if (entry.refused) {
          // Re-signing a row that failed its check: keep what is well-formed, reset what is not, and
          // replace an API key that no longer opens.
          row = {
            ...row,
            name: validName(row.name) ? row.name : id,
            plan: PLAN_PATTERN.test(row.plan) ? row.plan : 'default',
            createdAt: Number.isNaN(Date.parse(row.createdAt)) ? this.#now().toISOString() : row.createdAt,
          };
          if (apiKey === undefined) {
            apiKey = newApiKey();
            row.apiKeySealed = sealSecret(this.#masterKey, apiKey, sealContext.apiKey(id));
          }
        }
        await this.#replaceAccount(entry, row, apiKey);
      }
      await this.#record(actor, status === 'revoked' ? 'account.revoke' : 'account.restore', id, wasRefused ? { resignedRefusedRow: true } : {});
      return this.#view(id);
    });
  }

  async #replaceAccount(entry: AccountEntry, row: AccountRow, apiKey = entry.apiKey): Promise<void> {
    const mac = accountRowMac(this.#macKey, row);
    await this.#write([{ kind: 'updateAccount', row, mac }], { add: [mac], remove: [entry.mac] });
    if (entry.apiKey !== undefined && entry.apiKey !== apiKey) this.#apiKeys.delete(sha256(entry.apiKey).toString('hex'));
    entry.row = row;
    entry.mac = mac;
    entry.refused = false;
    entry.apiKey = apiKey;
    entry.view = viewOf(row, false);
    if (apiKey !== undefined) this.#indexApiKey(row.id, apiKey);
  }

  /** Writes `changes` and the updated set digest in one transaction; memory is updated by the caller after it commits. */
  async #write(changes: RowChange[], macs: { add: string[]; remove: string[] }): Promise<void> {
    let digest = this.#digest;
    for (const mac of macs.remove) digest = removeFromDigest(digest, mac);
    for (const mac of macs.add) digest = addToDigest(digest, mac);
    try {
      await this.#store.apply([...changes, ...this.#digestChanges(digest)]);
    } catch (err) {
      this.#writeErrors++;
      this.#logger?.error({ err, file: this.#store.path }, 'account registry write failed; the change was not applied');
      throw err;
    }
    this.#digest = digest;
  }

  #digestChanges(digest: bigint): RowChange[] {
    return [
      { kind: 'setMeta', key: META.digest, value: digestHex(digest) },
      { kind: 'setMeta', key: META.digestMac, value: digestMac(this.#macKey, digest) },
    ];
  }

  #newCredential(accountId: string, createdAt: string): CredentialEntry {
    let accessKeyId = newAccessKeyId();
    // 80 random bits make a clash practically impossible; the loop makes it impossible.
    while (this.#keys.has(accessKeyId) || this.#refusedCredentials.has(accessKeyId)) accessKeyId = newAccessKeyId();
    const secretAccessKey = newSecretAccessKey();
    const row: CredentialRow = { accessKeyId, accountId, secretSealed: sealSecret(this.#masterKey, secretAccessKey, sealContext.secret(accessKeyId)), createdAt };
    return { row, mac: credentialRowMac(this.#macKey, row), secretAccessKey };
  }

  #indexApiKey(accountId: string, apiKey: string): void {
    const hash = sha256(apiKey);
    this.#apiKeys.set(hash.toString('hex'), { hash, accountId });
  }

  #indexCredential(entry: AccountEntry, credential: CredentialEntry): void {
    entry.credentials.set(credential.row.accessKeyId, credential);
    this.#keys.set(credential.row.accessKeyId, credential);
  }

  #require(id: string): AccountEntry {
    const entry = this.#accounts.get(id);
    if (entry === undefined) throw new E2eError('E2E_NOT_FOUND', `no account '${String(id).slice(0, 64)}'`);
    return entry;
  }

  /**
   * An account whose row verified. Re-signing a refused row keeps its (untrusted) status, so only
   * revoke and restore, which set the status explicitly, may touch one.
   */
  #requireVerified(id: string): AccountEntry {
    const entry = this.#require(id);
    if (entry.refused) {
      throw new E2eError('E2E_CONFLICT', `account '${id}' failed its integrity check; revoke or restore it first (see the audit log)`);
    }
    return entry;
  }

  #view(id: string): Account {
    return this.#require(id).view;
  }

  async #record(actor: Actor, action: string, accountId: string | null, details: Record<string, unknown>): Promise<void> {
    try {
      await this.#audit.append({ time: this.#now().toISOString(), actor, action, accountId, details });
    } catch (err) {
      // The change is already durable; failing the request now would make the caller retry it.
      this.#logger?.error({ err, action, accountId }, 'audit log append failed');
    }
    for (const listener of this.#listeners) {
      try {
        listener({ action, accountId });
      } catch {
        // A listener's failure must not undo or block an admin action that is already durable.
      }
    }
  }

  // ---- start-up: key check, migration, verification of every row ----

  async start(dataDir: string): Promise<void> {
    let snapshot = await this.#store.load();
    const keyCheck = snapshot.meta.get(META.keyCheck);
    if (keyCheck !== undefined && openSecret(this.#masterKey, keyCheck, sealContext.keyCheck) !== KEY_CHECK_PLAINTEXT) {
      throw new ConfigError(
        `${this.#store.path}: cannot decrypt with this master key; E2E_MASTER_KEY or master.key differs from the key that wrote the registry`,
      );
    }
    const legacyPath = join(dataDir, 'accounts.json');
    const legacy = await readLegacyAccountsFile(legacyPath, this.#masterKey, this.#now().getTime());
    if (legacy !== undefined) {
      if (snapshot.meta.get(META.legacyImport) !== legacy.sha256) {
        if (snapshot.accounts.length > 0 || snapshot.credentials.length > 0) {
          throw new ConfigError(
            `${legacyPath} and ${this.#store.path} both hold accounts; move one of them out of the data directory (accounts.json is imported only into an empty registry)`,
          );
        }
        await this.#importLegacy(legacy, legacyPath);
        snapshot = await this.#store.load();
      }
      // Imported (now or by a start that stopped before this rename): keep the file only as a record.
      await rename(legacyPath, `${legacyPath}.migrated`);
      await fsyncDirectory(dataDir);
    }
    if (keyCheck === undefined) {
      await this.#store.apply([{ kind: 'setMeta', key: META.keyCheck, value: sealSecret(this.#masterKey, KEY_CHECK_PLAINTEXT, sealContext.keyCheck) }]);
    }
    await this.#install(snapshot);
  }

  async #importLegacy(legacy: LegacyAccountsFile, path: string): Promise<void> {
    const changes: RowChange[] = [];
    let digest = 0n;
    let credentials = 0;
    for (const a of legacy.accounts) {
      const row: AccountRow = { id: a.id, name: a.name, plan: a.plan, status: a.status, createdAt: a.createdAt, apiKeySealed: a.apiKeySealed };
      const mac = accountRowMac(this.#macKey, row);
      changes.push({ kind: 'insertAccount', row, mac });
      digest = addToDigest(digest, mac);
      for (const c of a.credentials) {
        const crow: CredentialRow = { accessKeyId: c.accessKeyId, accountId: a.id, secretSealed: c.secretSealed, createdAt: c.createdAt };
        const cmac = credentialRowMac(this.#macKey, crow);
        changes.push({ kind: 'insertCredential', row: crow, mac: cmac });
        digest = addToDigest(digest, cmac);
        credentials++;
      }
    }
    changes.push(
      ...this.#digestChanges(digest),
      { kind: 'setMeta', key: META.keyCheck, value: sealSecret(this.#masterKey, KEY_CHECK_PLAINTEXT, sealContext.keyCheck) },
      { kind: 'setMeta', key: META.legacyImport, value: legacy.sha256 },
    );
    // One transaction: a crash part-way leaves an empty registry and the file, and the next start retries.
    await this.#store.apply(changes);
    this.#logger?.info(
      { from: path, to: this.#store.path, accounts: legacy.accounts.length, credentials, droppedSessions: legacy.liveSessions },
      `account registry migrated from accounts.json; the file is renamed to accounts.json.migrated`,
    );
    if (legacy.liveSessions > 0) {
      this.#logger?.warn(
        { droppedSessions: legacy.liveSessions },
        'session credentials issued before the migration are not carried over; senders using them get 403 until they request a new session',
      );
    }
    await this.#audit
      .append({ time: this.#now().toISOString(), actor: 'hub', action: 'registry.migrate', accountId: null, details: { accounts: legacy.accounts.length, credentials } })
      .catch((err: unknown) => this.#logger?.error({ err }, 'audit log append failed'));
  }

  /** Verifies every row and builds the in-memory maps; refused rows are reported, never used. */
  async #install(snapshot: RegistrySnapshot): Promise<void> {
    const refusals: Refusal[] = snapshot.malformed.map((m) => ({ table: m.table, key: m.key, accountId: null, reason: 'columns are not text (schema altered)' }));
    let digest = 0n;
    const idCount = new Map<string, number>();
    for (const { row } of snapshot.accounts) idCount.set(row.id, (idCount.get(row.id) ?? 0) + 1);
    for (const { row, mac } of snapshot.accounts) {
      digest = addToDigest(digest, mac);
      const apiKey = ID_PATTERN.test(row.id) ? openSecret(this.#masterKey, row.apiKeySealed, sealContext.apiKey(row.id)) : undefined;
      let reason: string | undefined;
      if (!macMatches(mac, accountRowMac(this.#macKey, row))) reason = 'MAC does not match the row';
      else if ((idCount.get(row.id) ?? 0) > 1) reason = 'duplicate account id';
      else if (!ID_PATTERN.test(row.id) || (row.status !== 'active' && row.status !== 'revoked')) reason = 'malformed row';
      else if (apiKey === undefined) reason = 'sealed API key does not open';
      if (reason !== undefined) refusals.push({ table: 'accounts', key: row.id.slice(0, 64), accountId: row.id.slice(0, 64), reason });
      // Duplicates share an id: the first one stands for it (held revoked), the others stay in the file.
      if (this.#accounts.has(row.id)) continue;
      const refused = reason !== undefined;
      const entry: AccountEntry = { row, mac, apiKey, refused, view: viewOf(row, refused), credentials: new Map() };
      this.#accounts.set(row.id, entry);
      if (apiKey !== undefined) this.#indexApiKey(row.id, apiKey);
    }
    const keyCount = new Map<string, number>();
    for (const { row } of snapshot.credentials) keyCount.set(row.accessKeyId, (keyCount.get(row.accessKeyId) ?? 0) + 1);
    for (const { row, mac } of snapshot.credentials) {
      digest = addToDigest(digest, mac);
      const account = this.#accounts.get(row.accountId);
      const secret = openSecret(this.#masterKey, row.secretSealed, sealContext.secret(row.accessKeyId));
      let reason: string | undefined;
      if (!macMatches(mac, credentialRowMac(this.#macKey, row))) reason = 'MAC does not match the row';
      else if ((keyCount.get(row.accessKeyId) ?? 0) > 1) reason = 'duplicate access key id';
      else if (!ACCESS_KEY_ID_PATTERN.test(row.accessKeyId) || !row.accessKeyId.startsWith('AKIA')) reason = 'malformed row';
      else if (account === undefined) reason = 'its account does not exist';
      else if (secret === undefined) reason = 'sealed secret does not open';
      if (reason !== undefined || account === undefined || secret === undefined) {
        refusals.push({ table: 'credentials', key: row.accessKeyId.slice(0, 32), accountId: row.accountId.slice(0, 64), reason: reason ?? 'malformed row' });
        this.#refusedCredentials.set(row.accessKeyId, { row, mac });
        continue;
      }
      this.#indexCredential(account, { row, mac, secretAccessKey: secret });
    }
    this.#digest = digest;
    this.#tamperedRows = refusals.length;
    await this.#checkRowSet(snapshot, digest);
    for (const r of refusals) {
      this.#logger?.error(
        { file: this.#store.path, table: r.table, key: r.key, accountId: r.accountId, reason: r.reason },
        r.table === 'accounts'
          ? 'registry row failed its integrity check: the account is held as revoked until an admin restores or revokes it'
          : 'registry row failed its integrity check: the access key is refused (delete it with DELETE /api/accounts/{id}/credentials/{accessKeyId})',
      );
      await this.#audit
        .append({ time: this.#now().toISOString(), actor: 'hub', action: 'registry.tampered', accountId: r.accountId, details: { table: r.table, key: r.key, reason: r.reason } })
        .catch((err: unknown) => this.#logger?.error({ err }, 'audit log append failed'));
    }
  }

  async #checkRowSet(snapshot: RegistrySnapshot, digest: bigint): Promise<void> {
    const storedHex = snapshot.meta.get(META.digest);
    const storedMac = snapshot.meta.get(META.digestMac);
    const empty = snapshot.accounts.length === 0 && snapshot.credentials.length === 0 && snapshot.malformed.length === 0;
    const intact =
      storedHex === undefined || storedMac === undefined
        ? empty
        : storedHex === digestHex(digest) && macMatches(storedMac, digestMac(this.#macKey, digest));
    if (intact && storedHex !== undefined) return;
    if (!intact) {
      this.#rowSetAltered = true;
      this.#logger?.error(
        { file: this.#store.path, rows: snapshot.accounts.length + snapshot.credentials.length },
        'registry rows were added, removed or replaced by older versions outside the hub; rows that verify are used; see the audit log',
      );
      await this.#audit
        .append({ time: this.#now().toISOString(), actor: 'hub', action: 'registry.rowSetAltered', accountId: null, details: { accounts: snapshot.accounts.length, credentials: snapshot.credentials.length } })
        .catch((err: unknown) => this.#logger?.error({ err }, 'audit log append failed'));
    }
    // Re-base on the rows found, so later changes keep the digest exact (the finding is in the audit log).
    await this.#store.apply(this.#digestChanges(digest));
  }
}

/**
 * Opens the account registry in `<dataDir>/registry.duckdb` (mode 0600): accounts and long-term
 * key pairs, each row authenticated with HMAC-SHA256 under a key derived from the master key and
 * every secret sealed with AES-256-GCM under the master key. Every row is verified at start;
 * refused rows are logged, counted (`integrity()`) and written to the audit log. An
 * `accounts.json` of earlier versions is imported once and renamed `accounts.json.migrated`.
 * Rejects with ConfigError when the database cannot be opened (another hub holds it) or was written
 * under another master key.
 */
export async function openAccountRegistry(options: AccountRegistryOptions): Promise<AccountRegistry> {
  if (options.masterKey.length !== 32) throw new ConfigError('master key must be 32 bytes');
  await secureDataDir(options.dataDir, options.logger);
  const store = await openRegistryStore({
    path: join(options.dataDir, 'registry.duckdb'),
    ...(options.memoryLimit === undefined ? {} : { memoryLimit: options.memoryLimit }),
  });
  const registry = new Registry(options, store, createAuditLog(join(options.dataDir, 'audit.log')));
  try {
    await registry.start(options.dataDir);
  } catch (err) {
    await store.close();
    throw err;
  }
  return registry;
}
