import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';

/** Reader names become file names, so they are restricted to a safe alphabet. */
const READER_NAME = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const TEMP_SUFFIX = '.tmp';

export function isValidReaderName(name: string): boolean {
  return READER_NAME.test(name) && !name.endsWith(TEMP_SUFFIX);
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

export type LoadedCursor = { name: string; position: number } | { name: string; invalid: string };

/** Reads every cursor file in `cursorDir` and removes temp files a crash left behind. */
export async function loadCursors(cursorDir: string): Promise<LoadedCursor[]> {
  await mkdir(cursorDir, { recursive: true });
  const out: LoadedCursor[] = [];
  for (const name of (await readdir(cursorDir)).sort()) {
    const path = join(cursorDir, name);
    if (name.endsWith(TEMP_SUFFIX)) {
      await unlink(path).catch(() => undefined);
      continue;
    }
    if (!isValidReaderName(name)) continue;
    const text = await readFile(path, 'utf8');
    const m = /^(\d{1,16})\n?$/.exec(text);
    const position = m === null ? Number.NaN : Number(m[1]);
    if (Number.isSafeInteger(position)) out.push({ name, position });
    else out.push({ name, invalid: `unparsable cursor file content ${JSON.stringify(text.slice(0, 40))}` });
  }
  return out;
}

/**
 * Replaces the cursor of `name` atomically and durably: the new value goes to a temp file that is
 * fsynced, renamed over the old one, and the directory is fsynced so the rename itself survives.
 */
export async function writeCursor(cursorDir: string, name: string, position: number): Promise<void> {
  const path = join(cursorDir, name);
  const temp = path + TEMP_SUFFIX;
  const fh = await open(temp, 'w');
  try {
    await fh.writeFile(`${position}\n`);
    await fh.datasync();
  } finally {
    await fh.close();
  }
  await rename(temp, path);
  await syncDir(cursorDir);
}
