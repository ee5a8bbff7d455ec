import { chmod } from 'node:fs/promises';
import { resolve } from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { DuckDBConnection } from '@duckdb/node-api';
import { ConfigError } from '../errors.js';
import type { AccountRow, CredentialRow } from './row-mac.js';
import { Serial } from './serial.js';

/** A row as read back: every column as stored (possibly altered outside the hub), with its MAC. */
export interface Stored<R> {
  row: R;
  mac: string;
}

export interface RegistrySnapshot {
  meta: ReadonlyMap<string, string>;
  accounts: Stored<AccountRow>[];
  credentials: Stored<CredentialRow>[];
  /** Rows whose columns are not all strings (a changed schema or types): refused by the caller. */
  malformed: { table: 'accounts' | 'credentials'; key: string }[];
}

/** One change; a batch of them is written in one transaction. */
export type RowChange =
  | { kind: 'insertAccount'; row: AccountRow; mac: string }
  | { kind: 'updateAccount'; row: AccountRow; mac: string }
  | { kind: 'insertCredential'; row: CredentialRow; mac: string }
  | { kind: 'deleteCredential'; accessKeyId: string }
  | { kind: 'setMeta'; key: string; value: string };

/**
 * The registry's persistence: one DuckDB file with a table per row kind. A change writes only the
 * rows it touches (plus the set digest) in one transaction; DuckDB runs each statement on the libuv
 * threadpool, so neither the write nor its fsync holds the event loop.
 */
export interface RegistryStore {
  readonly path: string;
  load(): Promise<RegistrySnapshot>;
  apply(changes: readonly RowChange[]): Promise<void>;
  close(): Promise<void>;
}

export interface RegistryStoreOptions {
  path: string;
  /** DuckDB memory_limit; the registry is a few MiB even with 100,000 accounts. */
  memoryLimit?: string;
}

const SCHEMA = [
  // No primary key here: DuckDB updates a row of an indexed table much more slowly, and the set
  // digest in this table changes with every write. The registry is its only writer.
  'CREATE TABLE IF NOT EXISTS registry_meta (key VARCHAR NOT NULL, value VARCHAR NOT NULL)',
  `CREATE TABLE IF NOT EXISTS accounts (
     id VARCHAR PRIMARY KEY, name VARCHAR NOT NULL, plan VARCHAR NOT NULL, status VARCHAR NOT NULL,
     created_at VARCHAR NOT NULL, api_key_sealed VARCHAR NOT NULL, mac VARCHAR NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS credentials (
     access_key_id VARCHAR PRIMARY KEY, account_id VARCHAR NOT NULL, secret_sealed VARCHAR NOT NULL,
     created_at VARCHAR NOT NULL, mac VARCHAR NOT NULL)`,
];

function asStrings(values: readonly unknown[]): string[] | undefined {
  return values.every((v): v is string => typeof v === 'string') ? (values as string[]) : undefined;
}

/** A printable name for the key column of a malformed row (for the log; never a secret column). */
function keyOf(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' ? String(value) : '(not text)';
}

async function chmodIfPresent(path: string, mode: number): Promise<void> {
  try {
    await chmod(path, mode);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
}

/**
 * Paths open in this process. DuckDB's file lock keeps out other processes, but not a second open
 * in the same process (POSIX locks are per process), which would give two registries that do not
 * see each other's changes.
 */
const openPaths = new Set<string>();

export async function openRegistryStore(options: RegistryStoreOptions): Promise<RegistryStore> {
  const key = resolve(options.path);
  if (openPaths.has(key)) throw new ConfigError(`${options.path} is already open in this process (another hub on the same data directory?)`);
  openPaths.add(key);
  try {
    return await openDuckDb(options, key);
  } catch (err) {
    openPaths.delete(key);
    throw err;
  }
}

async function openDuckDb(options: RegistryStoreOptions, key: string): Promise<RegistryStore> {
  let instance: DuckDBInstance;
  try {
    // One thread: the registry's statements touch a handful of rows; more threads would only
    // compete with ingest for the CPU.
    instance = await DuckDBInstance.create(options.path, { memory_limit: options.memoryLimit ?? '32MB', threads: '1' });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new ConfigError(
      /lock/i.test(message)
        ? `${options.path} is in use by another process (is another hub running on this data directory?): ${message}`
        : `${options.path}: cannot open the account registry: ${message}`,
    );
  }
  let connection: DuckDBConnection | undefined;
  try {
    // DuckDB creates its files with the process umask; these hold sealed secrets, so owner only.
    await chmodIfPresent(options.path, 0o600);
    connection = await instance.connect();
    for (const statement of SCHEMA) await connection.run(statement);
    await chmodIfPresent(`${options.path}.wal`, 0o600);
    return new DuckDbRegistryStore(options.path, instance, connection, () => openPaths.delete(key));
  } catch (err) {
    connection?.closeSync();
    instance.closeSync();
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`${options.path}: cannot open the account registry: ${err instanceof Error ? err.message : String(err)}`);
  }
}

class DuckDbRegistryStore implements RegistryStore {
  readonly path: string;
  readonly #instance: DuckDBInstance;
  readonly #connection: DuckDBConnection;
  readonly #serial = new Serial();
  readonly #onClose: () => void;
  #closed = false;

  constructor(path: string, instance: DuckDBInstance, connection: DuckDBConnection, onClose: () => void) {
    this.path = path;
    this.#instance = instance;
    this.#connection = connection;
    this.#onClose = onClose;
  }

  load(): Promise<RegistrySnapshot> {
    return this.#serial.run(async () => {
      const c = this.#connection;
      const malformed: RegistrySnapshot['malformed'] = [];
      const meta = new Map<string, string>();
      for (const values of (await c.runAndReadAll('SELECT key, value FROM registry_meta')).getRowsJS()) {
        const s = asStrings(values);
        if (s !== undefined) meta.set(s[0] as string, s[1] as string);
      }
      const accounts = await this.#readRows(
        'SELECT id, name, plan, status, created_at, api_key_sealed, mac FROM accounts ORDER BY created_at, id',
        'accounts',
        64,
        malformed,
        (s) => {
          const [id, name, plan, status, createdAt, apiKeySealed] = s as [string, string, string, string, string, string];
          return { id, name, plan, status, createdAt, apiKeySealed };
        },
      );
      const credentials = await this.#readRows(
        'SELECT access_key_id, account_id, secret_sealed, created_at, mac FROM credentials ORDER BY created_at, access_key_id',
        'credentials',
        32,
        malformed,
        (s) => {
          const [accessKeyId, accountId, secretSealed, createdAt] = s as [string, string, string, string];
          return { accessKeyId, accountId, secretSealed, createdAt };
        },
      );
      return { meta, accounts, credentials, malformed };
    });
  }

  /**
   * The rows of a query whose columns are all text, the last one the row's MAC; any other row is
   * reported in `malformed` by its first column (cut to `keyChars`).
   */
  async #readRows<R>(
    sql: string,
    table: RegistrySnapshot['malformed'][number]['table'],
    keyChars: number,
    malformed: RegistrySnapshot['malformed'],
    toRow: (columns: string[]) => R,
  ): Promise<Stored<R>[]> {
    const out: Stored<R>[] = [];
    for (const values of (await this.#connection.runAndReadAll(sql)).getRowsJS()) {
      const s = asStrings(values);
      if (s === undefined) {
        malformed.push({ table, key: keyOf(values[0]).slice(0, keyChars) });
        continue;
      }
      out.push({ row: toRow(s), mac: s[s.length - 1] as string });
    }
    return out;
  }

  apply(changes: readonly RowChange[]): Promise<void> {
    if (this.#closed) return Promise.reject(new Error('account registry is closed'));
    return this.#serial.run(async () => {
      const c = this.#connection;
      await c.run('BEGIN TRANSACTION');
      try {
        for (const change of changes) await this.#applyOne(change);
        await c.run('COMMIT');
      } catch (err) {
        await c.run('ROLLBACK').catch(() => undefined);
        throw err;
      }
      // The WAL is re-created after each checkpoint, with the process umask.
      await chmodIfPresent(`${this.path}.wal`, 0o600);
    });
  }

  async #applyOne(change: RowChange): Promise<void> {
    const c = this.#connection;
    switch (change.kind) {
      case 'insertAccount': {
        const r = change.row;
        await c.run('INSERT INTO accounts VALUES ($id, $name, $plan, $status, $createdAt, $apiKeySealed, $mac)', { ...r, mac: change.mac });
        return;
      }
      case 'updateAccount': {
        const r = change.row;
        const result = await c.run(
          'UPDATE accounts SET name = $name, plan = $plan, status = $status, created_at = $createdAt, api_key_sealed = $apiKeySealed, mac = $mac WHERE id = $id',
          { ...r, mac: change.mac },
        );
        if (result.rowsChanged !== 1) throw new Error(`account registry: expected one row for account '${r.id}' in ${this.path}, found ${result.rowsChanged}`);
        return;
      }
      case 'insertCredential': {
        const r = change.row;
        await c.run('INSERT INTO credentials VALUES ($accessKeyId, $accountId, $secretSealed, $createdAt, $mac)', { ...r, mac: change.mac });
        return;
      }
      case 'deleteCredential':
        await c.run('DELETE FROM credentials WHERE access_key_id = $id', { id: change.accessKeyId });
        return;
      case 'setMeta': {
        const updated = await c.run('UPDATE registry_meta SET value = $value WHERE key = $key', { key: change.key, value: change.value });
        if (updated.rowsChanged === 0) await c.run('INSERT INTO registry_meta VALUES ($key, $value)', { key: change.key, value: change.value });
        return;
      }
    }
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    return this.#serial.run(async () => {
      try {
        this.#connection.closeSync();
        this.#instance.closeSync();
      } finally {
        this.#onClose();
      }
    });
  }
}
