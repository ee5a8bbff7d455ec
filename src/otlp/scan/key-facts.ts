/**
 * What an attribute-list walk learned about the keys a policy looks for, without decoding anything:
 * for each key, whether its first occurrence holds a non-empty value (validation rules), where its
 * last occurrence's value is (opt-in equality), and — for resources — the byte ranges of every
 * entry carrying a key that is about to be replaced (stamping).
 */
export class KeyFacts {
  readonly keys: readonly Uint8Array[];
  /** Per key: 0 absent, 1 first occurrence empty, 2 first occurrence non-empty. */
  readonly first: Uint8Array;
  /** Per key: AnyValue range of the last occurrence (-1 when absent). */
  readonly lastStart: Int32Array;
  readonly lastEnd: Int32Array;
  /** Keys whose entries are removed (and re-added by the caller). */
  readonly removeKey: Uint8Array;
  /** Start/end pairs of the removed entries, in order. */
  readonly removed: number[] = [];
  /** Entries in the list. */
  count = 0;

  constructor(keys: readonly Uint8Array[], removeKeys: readonly number[] = []) {
    this.keys = keys;
    this.first = new Uint8Array(keys.length);
    this.lastStart = new Int32Array(keys.length);
    this.lastEnd = new Int32Array(keys.length);
    this.removeKey = new Uint8Array(keys.length);
    for (const k of removeKeys) this.removeKey[k] = 1;
    this.reset();
  }

  reset(): void {
    this.first.fill(0);
    this.lastStart.fill(-1);
    this.lastEnd.fill(-1);
    this.removed.length = 0;
    this.count = 0;
  }

  /** Records one entry with key bytes buf[keyStart, keyEnd) and value range [valueStart, valueEnd). */
  note(buf: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number, valueKnown: boolean, entryStart: number, entryEnd: number): void {
    const keys = this.keys;
    const len = keyEnd - keyStart;
    for (let k = 0; k < keys.length; k++) {
      const key = keys[k] as Uint8Array;
      if (key.length !== len) continue;
      let i = 0;
      while (i < len && key[i] === buf[keyStart + i]) i++;
      if (i !== len) continue;
      if (this.first[k] === 0) this.first[k] = valueKnown ? 2 : 1;
      this.lastStart[k] = valueStart;
      this.lastEnd[k] = valueEnd;
      if (this.removeKey[k] === 1) this.removed.push(entryStart, entryEnd);
      return;
    }
  }

  has(k: number): boolean {
    return this.first[k] === 2;
  }
}
