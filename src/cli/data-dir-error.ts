import { resolve } from 'node:path';

interface FsErrnoException extends Error {
  code?: string;
  path?: string;
}

const FS_CODES: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on the device',
  ENOTDIR: 'a path component is not a directory',
};

/**
 * A data directory the process cannot create or write (wrong owner, read-only mount, full disk):
 * one line naming the path and the setting, instead of a stack trace. Undefined for other errors.
 */
export function dataDirErrorMessage(err: unknown, dataDir: string, setting: string): string | undefined {
  if (!(err instanceof Error)) return undefined;
  const e = err as FsErrnoException;
  const reason = e.code === undefined ? undefined : FS_CODES[e.code];
  if (reason === undefined || typeof e.path !== 'string') return undefined;
  const root = resolve(dataDir);
  if (e.path !== root && !e.path.startsWith(`${root}/`)) return undefined;
  return `cannot use the data directory: ${e.path}: ${reason} (${e.code}); run as a user that may write ${root}, or set ${setting}`;
}
