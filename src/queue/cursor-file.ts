import { open, readdir, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { crc32 } from './crc32.js';
import { PRIVATE_FILE_MODE, ensurePrivateDir, syncDir, tightenFileMode } from './private-files.js';

export { syncDir } from './private-files.js';

/** Reader names become file names, so they are restricted to a safe alphabet. */
const READER_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const TEMP_SUFFIX = '.tmp';
/** A cursor file is one short line; anything longer is damage, and is never read whole. */
const MAX_CURSOR_FILE_BYTES = 64;
/** Readers are a handful of configured exporters; a directory with more entries is not ours to load. */
export const MAX_CURSOR_FILES = 4096;
/** Format 2: "<position> <crc32 of name:position, 8 hex digits>\n". Format 1 (older releases): "<position>\n". */
const CURSOR_V2 = /^(\d{1,16}) ([0-9a-f]{8})\n$/;
const CURSOR_V1 = /^(\d{1,16})\n?$/;

export function isValidReaderName(name: string): boolean {
  return READER_NAME.test(name) && !name.endsWith(TEMP_SUFFIX);
}

function cursorChecksum(name: string, position: number): string {
  return crc32(Buffer.from(`${name}:${position}`)).toString(16).padStart(8, '0');
}

export type LoadedCursor = { name: string; position: number } | { name: string; invalid: string };

/**
 * Reads every cursor file in `cursorDir` (at most MAX_CURSOR_FILES, each at most 64 bytes), removes
 * temp files a crash left behind and tightens old files to 0600. A damaged file is reported as
 * invalid (its reader then restarts at the oldest record: re-reading, never skipping).
 */
export async function loadCursors(cursorDir: string): Promise<LoadedCursor[]> {
  await ensurePrivateDir(cursorDir);
  const out: LoadedCursor[] = [];
  const names = (await readdir(cursorDir)).sort();
  let files = 0;
  for (const name of names) {
    const path = join(cursorDir, name);
    if (name.endsWith(TEMP_SUFFIX)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (!isValidReaderName(name)) continue;
    if (++files > MAX_CURSOR_FILES) {
      out.push({ name, invalid: `more than ${MAX_CURSOR_FILES} cursor files; ignored` });
      continue;
    }
    const fh = await open(path, 'r');
    let text: string;
    try {
      await tightenFileMode(fh);
      const buf = Buffer.alloc(MAX_CURSOR_FILE_BYTES + 1);
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      if (bytesRead > MAX_CURSOR_FILE_BYTES) {
        out.push({ name, invalid: `cursor file over ${MAX_CURSOR_FILE_BYTES} bytes` });
        continue;
      }
      text = buf.subarray(0, bytesRead).toString('latin1');
    } finally {
      await fh.close();
    }
    out.push(parseCursor(name, text));
  }
  return out;
}

function parseCursor(name: string, text: string): LoadedCursor {
  const v2 = CURSOR_V2.exec(text);
  if (v2 !== null) {
    const position = Number(v2[1]);
    if (Number.isSafeInteger(position) && v2[2] === cursorChecksum(name, position)) return { name, position };
    return { name, invalid: `cursor checksum mismatch in ${JSON.stringify(text.slice(0, 40))}` };
  }
  const v1 = CURSOR_V1.exec(text);
  const position = v1 === null ? Number.NaN : Number(v1[1]);
  if (Number.isSafeInteger(position)) return { name, position };
  return { name, invalid: `unparsable cursor file content ${JSON.stringify(text.slice(0, 40))}` };
}

/**
 * Replaces the cursor of `name` atomically and durably: the new value goes to a temp file (0600)
 * that is fsynced, renamed over the old one, and the directory is fsynced so the rename survives.
 */
export async function writeCursor(cursorDir: string, name: string, position: number): Promise<void> {
  const path = join(cursorDir, name);
  const temp = path + TEMP_SUFFIX;
  const fh = await open(temp, 'w', PRIVATE_FILE_MODE);
  try {
    await fh.writeFile(`${position} ${cursorChecksum(name, position)}\n`);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  await syncDir(cursorDir);
}
