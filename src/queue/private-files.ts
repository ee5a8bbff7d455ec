import { chmod, mkdir, open, stat, type FileHandle } from 'node:fs/promises';

/** Queue files hold tenants' data: owner only. */
export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

/** Creates `dir` (and parents) when missing and tightens its mode to 0700 when it is looser. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  const { mode } = await stat(dir);
  if ((mode & 0o777) !== PRIVATE_DIR_MODE) await chmod(dir, PRIVATE_DIR_MODE);
}

/** Tightens an open file's mode to 0600 when it is looser (files written by older releases were 0644). */
export async function tightenFileMode(fh: FileHandle): Promise<void> {
  const { mode } = await fh.stat();
  if ((mode & 0o077) !== 0) await fh.chmod(mode & 0o700 & PRIVATE_FILE_MODE);
}

/** fsyncs a directory so that creates, renames and deletes in it survive a crash. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
