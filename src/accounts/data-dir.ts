import { chmod, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';

/**
 * Sets `path`'s permission bits to `mode` when it has any bit beyond it (a file left by an earlier
 * version, or restored from a backup without its modes). Returns the old mode when it changed it,
 * undefined when the file is missing or was already as strict.
 */
export async function restrictFileMode(path: string, mode: number): Promise<number | undefined> {
  let current: number;
  try {
    current = (await stat(path)).mode & 0o777;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  if ((current & ~mode) === 0) return undefined;
  await chmod(path, mode);
  return current;
}

/** Files in the data directory that hold keys, secrets or the audit trail: owner read/write only. */
export const SECRET_FILES = ['master.key', 'admin.token', 'audit.log', 'registry.duckdb', 'registry.duckdb.wal', 'accounts.json', 'accounts.json.migrated'];

const octal = (mode: number): string => `0${mode.toString(8)}`;

/**
 * Creates the data directory with mode 0700, or tightens an existing one to 0700, and the files
 * above to 0600, logging each change: the directory holds the master key, the admin token and the
 * sealed registry, and a mode that let other local users in is a finding the operator should see.
 */
export async function secureDataDir(dataDir: string, logger?: Logger): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const dirMode = await restrictFileMode(dataDir, 0o700);
  if (dirMode !== undefined) {
    logger?.warn({ dataDir, previousMode: octal(dirMode), mode: '0700' }, 'data directory was accessible to other users; mode tightened to 0700');
  }
  for (const name of SECRET_FILES) {
    const path = join(dataDir, name);
    const fileMode = await restrictFileMode(path, 0o600);
    if (fileMode !== undefined) {
      logger?.warn({ file: path, previousMode: octal(fileMode), mode: '0600' }, 'file in the data directory was accessible to other users; mode tightened to 0600');
    }
  }
}
