import { chmod, mkdir, open, readdir, stat, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * The raw bytes of stored items, outside DuckDB: one append-only file per time slice holding each
 * queue record's payload (the stamped protobuf request) as it was queued. DuckDB's rows keep only
 * an item's offset and length in its slice's file. Measured: blobs in DuckDB cost 2.5 µs per item
 * and most of its memory (WAL, checkpoint, buffers); a file append costs a copy.
 *
 * Consistency with the DuckDB transaction that commits the rows and the queue cursor: payloads are
 * written and fdatasynced first, then the rows commit. A crash in between leaves unreferenced bytes
 * at the end of a file (harmless, never read); rows never point at bytes that were not durable.
 */
export class PayloadFiles {
  readonly #dir: string;
  readonly #files = new Map<number, { handle: FileHandle; end: number }>();

  private constructor(dir: string) {
    this.#dir = dir;
  }

  static async open(dir: string): Promise<PayloadFiles> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await chmod(dir, 0o700).catch(() => undefined);
    return new PayloadFiles(dir);
  }

  #path(slice: number): string {
    return join(this.#dir, `s${slice}.bin`);
  }

  async #file(slice: number): Promise<{ handle: FileHandle; end: number }> {
    let f = this.#files.get(slice);
    if (f === undefined) {
      const handle = await open(this.#path(slice), 'a+', 0o600);
      f = { handle, end: (await handle.stat()).size };
      this.#files.set(slice, f);
    }
    return f;
  }

  /** Appends the payloads to the slice's file; returns the file offset of each. Not yet durable. */
  async append(slice: number, payloads: readonly Uint8Array[]): Promise<number[]> {
    const f = await this.#file(slice);
    const offsets: number[] = [];
    let at = f.end;
    for (const p of payloads) {
      offsets.push(at);
      at += p.byteLength;
    }
    let written = 0;
    const total = at - f.end;
    while (written < total) {
      // 'a+' appends at the end whatever the position argument: the offsets above are the file's.
      const { bytesWritten } = await f.handle.writev(written === 0 ? [...payloads] : [Buffer.concat(payloads).subarray(written)]);
      if (bytesWritten === 0) throw new Error('payload file write made no progress');
      written += bytesWritten;
    }
    f.end = at;
    return offsets;
  }

  /** Makes what `append` wrote to the slice durable. */
  async sync(slice: number): Promise<void> {
    await this.#files.get(slice)?.handle.datasync();
  }

  /** After a failed batch: the end goes back so the bytes are overwritten by the next append. */
  async truncate(slice: number, end: number): Promise<void> {
    const f = this.#files.get(slice);
    if (f === undefined) return;
    await f.handle.truncate(end);
    f.end = end;
  }

  /** Where the next append to the slice's file goes. */
  async endOf(slice: number): Promise<number> {
    return (await this.#file(slice)).end;
  }

  /** Slices that have a payload file. */
  async slices(): Promise<number[]> {
    const names = await readdir(this.#dir).catch(() => []);
    return names.map((n) => /^s(\d+)\.bin$/.exec(n)?.[1]).filter((v): v is string => v !== undefined).map(Number);
  }

  /** Reads [offset, offset + length) of the slice's file; ranges are coalesced by the caller. */
  async read(slice: number, offset: number, length: number): Promise<Uint8Array> {
    const f = await this.#file(slice);
    const out = Buffer.allocUnsafe(length);
    let got = 0;
    while (got < length) {
      const { bytesRead } = await f.handle.read(out, got, length - got, offset + got);
      if (bytesRead === 0) break; // past the end: the caller decodes what it has (nothing)
      got += bytesRead;
    }
    return out.subarray(0, got);
  }

  async drop(slice: number): Promise<void> {
    const f = this.#files.get(slice);
    this.#files.delete(slice);
    await f?.handle.close();
    await unlink(this.#path(slice)).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
  }

  async totalBytes(): Promise<number> {
    let total = 0;
    for (const name of await readdir(this.#dir).catch(() => [])) total += await stat(join(this.#dir, name)).then((s) => s.size).catch(() => 0);
    return total;
  }

  async close(): Promise<void> {
    for (const f of this.#files.values()) await f.handle.close();
    this.#files.clear();
  }
}
