import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Replaces `path` with `data` so that a crash leaves either the old or the new file, never a torn
 * one: write a temporary file (created with `mode`) beside it, fsync, rename over, fsync the directory.
 */
export function writeFileAtomicSync(path: string, data: string, mode = 0o600): void {
  const temp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const fd = openSync(temp, 'wx', mode);
  try {
    writeSync(fd, data);
    fsyncSync(fd);
  } catch (err) {
    closeSync(fd);
    unlinkSync(temp);
    throw err;
  }
  closeSync(fd);
  try {
    renameSync(temp, path);
  } catch (err) {
    unlinkSync(temp);
    throw err;
  }
  let dir: number | undefined;
  try {
    dir = openSync(dirname(path), 'r');
    fsyncSync(dir);
  } catch {
    // Some filesystems refuse fsync on a directory; the rename itself is still atomic.
  } finally {
    if (dir !== undefined) closeSync(dir);
  }
}
