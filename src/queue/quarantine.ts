import { open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PRIVATE_FILE_MODE, ensurePrivateDir, syncDir } from './private-files.js';

/** Copy windows: a damaged region can be as large as a segment. */
const COPY_CHUNK_BYTES = 1024 * 1024;
/** Entries looked at when summing what the quarantine already holds (it is bounded by maxBytes anyway). */
const MAX_ENTRIES_COUNTED = 10_000;

export interface QuarantineRequest {
  /** The damaged segment file and the region of it. */
  segmentPath: string;
  fileOffset: number;
  bytes: number;
  /** Logical position where the region starts. */
  position: number;
  reason: string;
  phase: 'open' | 'read';
  /** A handle on the segment file, positioned reads only. */
  source: FileHandle;
}

export type QuarantineResult =
  | { kind: 'copied'; file: string; copiedBytes: number }
  /** Already copied (found again at a later open): nothing written. */
  | { kind: 'existing'; file: string }
  | { kind: 'skipped'; error: string };

/**
 * Keeps copies of damaged bytes in `<queue dir>/quarantine/` (0700; files 0600): for each damaged
 * region `<segment>-<fileOffset>-<bytes>.bin` (the raw bytes) and `.json` beside it (segment,
 * offsets, position, size, reason, when). The queue never reads or deletes them: they are for the
 * operator (what was lost, and evidence of a failing disk). Bounded by `maxBytes`.
 */
export class Quarantine {
  readonly dir: string;
  readonly #maxBytes: number;
  #usedBytes: number | undefined;

  constructor(dir: string, maxBytes: number) {
    this.dir = dir;
    this.#maxBytes = maxBytes;
  }

  async copy(req: QuarantineRequest): Promise<QuarantineResult> {
    const name = `${basename(req.segmentPath, '.seg')}-${req.fileOffset}-${req.bytes}`;
    const binPath = join(this.dir, `${name}.bin`);
    await ensurePrivateDir(this.dir);
    const existing = await stat(binPath).catch(() => undefined);
    if (existing?.size === req.bytes) return { kind: 'existing', file: binPath };
    const used = await this.#used();
    if (used + req.bytes > this.#maxBytes) {
      return { kind: 'skipped', error: `quarantine full (${used} of maxQuarantineBytes ${this.#maxBytes} bytes used)` };
    }
    const out = await open(binPath, 'w', PRIVATE_FILE_MODE);
    let copied = 0;
    try {
      const chunk = Buffer.allocUnsafe(Math.min(COPY_CHUNK_BYTES, Math.max(1, req.bytes)));
      while (copied < req.bytes) {
        const want = Math.min(chunk.length, req.bytes - copied);
        const { bytesRead } = await req.source.read(chunk, 0, want, req.fileOffset + copied);
        if (bytesRead === 0) break; // the file is shorter than the region (cut short): keep what there is
        await out.write(chunk, 0, bytesRead, copied);
        copied += bytesRead;
      }
      await out.datasync();
    } finally {
      await out.close();
    }
    const meta = {
      segment: basename(req.segmentPath),
      fileOffset: req.fileOffset,
      bytes: req.bytes,
      copiedBytes: copied,
      position: req.position,
      reason: req.reason,
      phase: req.phase,
      detectedAt: new Date().toISOString(),
    };
    const metaHandle = await open(join(this.dir, `${name}.json`), 'w', PRIVATE_FILE_MODE);
    try {
      await metaHandle.writeFile(`${JSON.stringify(meta, null, 2)}\n`);
      await metaHandle.datasync();
    } finally {
      await metaHandle.close();
    }
    await syncDir(this.dir);
    this.#usedBytes = used + copied;
    return { kind: 'copied', file: binPath, copiedBytes: copied };
  }

  async #used(): Promise<number> {
    if (this.#usedBytes !== undefined) return this.#usedBytes;
    let total = 0;
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.bin')).slice(0, MAX_ENTRIES_COUNTED);
    for (const n of names) total += (await stat(join(this.dir, n)).catch(() => ({ size: 0 }))).size;
    this.#usedBytes = total;
    return total;
  }
}
