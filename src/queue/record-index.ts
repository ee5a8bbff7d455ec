/**
 * Offsets (from the segment start) of the records of one segment, ascending. Eight bytes a record
 * keeps depthRecords() exact and lets seek() refuse positions that are not record boundaries.
 */
export class RecordIndex {
  #offsets = new Float64Array(64);
  #count = 0;

  get count(): number {
    return this.#count;
  }

  push(offset: number): void {
    if (this.#count === this.#offsets.length) {
      const grown = new Float64Array(this.#offsets.length * 2);
      grown.set(this.#offsets);
      this.#offsets = grown;
    }
    this.#offsets[this.#count++] = offset;
  }

  /** Index of the first offset >= `offset` (count when none). */
  #lowerBound(offset: number): number {
    let lo = 0;
    let hi = this.#count;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.#offsets[mid] as number) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Number of records starting at or after `offset`. */
  countFrom(offset: number): number {
    return this.#count - this.#lowerBound(offset);
  }

  has(offset: number): boolean {
    const i = this.#lowerBound(offset);
    return i < this.#count && this.#offsets[i] === offset;
  }

  /** Forgets the records at or after `offset` (a failed write rolled back). */
  truncateFrom(offset: number): void {
    this.#count = this.#lowerBound(offset);
  }

  /** The first record offset strictly after `offset`. */
  nextAfter(offset: number): number | undefined {
    const i = this.#lowerBound(offset + 1);
    return i < this.#count ? this.#offsets[i] : undefined;
  }
}
