import type { FileHandle } from 'node:fs/promises';

/**
 * Positional reads through one reusable window, so scanning or reading a segment never loads the
 * whole file: frames are parsed out of `chunkBytes`-sized windows, and only a frame larger than the
 * window gets a read of its own size.
 */
export class ChunkReader {
  readonly #fh: FileHandle;
  readonly #chunkBytes: number;
  #buf: Buffer = Buffer.alloc(0);
  #start = 0;
  #length = 0;

  constructor(fh: FileHandle, chunkBytes: number) {
    this.#fh = fh;
    this.#chunkBytes = chunkBytes;
  }

  /**
   * Makes file bytes [offset, offset + wantBytes) available, never reading past `limit` (the end of
   * the readable part of the file). When the window does not cover them, it is refilled from
   * `offset` with max(chunkBytes, wantBytes). Returns the buffer, where `offset` sits in it, and how
   * many bytes from there are loaded (fewer than wanted only when `limit` comes first).
   */
  async load(offset: number, wantBytes: number, limit: number): Promise<{ buf: Buffer; at: number; available: number }> {
    const end = Math.min(offset + wantBytes, limit);
    if (offset < this.#start || end > this.#start + this.#length) {
      const readBytes = Math.min(Math.max(this.#chunkBytes, wantBytes), limit - offset);
      if (this.#buf.length < readBytes) this.#buf = Buffer.allocUnsafe(Math.max(readBytes, this.#chunkBytes));
      let done = 0;
      while (done < readBytes) {
        const { bytesRead } = await this.#fh.read(this.#buf, done, readBytes - done, offset + done);
        if (bytesRead === 0) break; // the file is shorter than the caller believed
        done += bytesRead;
      }
      this.#start = offset;
      this.#length = done;
    }
    const at = offset - this.#start;
    return { buf: this.#buf, at, available: Math.min(this.#length - at, limit - offset) };
  }
}
