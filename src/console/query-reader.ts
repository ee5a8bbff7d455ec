/**
 * Reads and checks query parameters of a console API request. Each reader returns a value (or the
 * given default) and remembers the first problem, so a handler reads everything and then answers
 * `400` with one clear message: `if (q.error !== undefined) return badRequest(q.error)`.
 */
export class QueryReader {
  readonly #params: URLSearchParams;
  #error: string | undefined;

  constructor(params: URLSearchParams) {
    this.#params = params;
  }

  get error(): string | undefined {
    return this.#error;
  }

  fail(message: string): void {
    this.#error ??= message;
  }

  /** A parameter's value; '' counts as absent, as an empty form field does. */
  string(name: string, maxChars = 1024): string | undefined {
    const all = this.#params.getAll(name);
    if (all.length > 1) {
      this.fail(`${name} is given ${all.length} times; give it once`);
      return undefined;
    }
    const v = all[0];
    if (v === undefined || v === '') return undefined;
    if (v.length > maxChars) {
      this.fail(`${name} is limited to ${maxChars} characters`);
      return undefined;
    }
    return v;
  }

  /** A unix-nanosecond time: decimal digits, as OTLP JSON writes times. */
  nanos(name: string): bigint | undefined {
    const v = this.string(name, 32);
    if (v === undefined) return undefined;
    if (!/^\d{1,19}$/.test(v) || BigInt(v) > (1n << 63n) - 1n) {
      this.fail(`${name} must be a unix time in nanoseconds (decimal digits, e.g. ${Date.now()}000000)`);
      return undefined;
    }
    return BigInt(v);
  }

  /** An integer within [min, max]; over the limit is an error, never silently clamped. */
  int(name: string, bounds: { min: number; max: number; def: number }): number;
  int(name: string, bounds: { min: number; max: number }): number | undefined;
  int(name: string, bounds: { min: number; max: number; def?: number }): number | undefined {
    const v = this.string(name, 32);
    if (v === undefined) return bounds.def;
    if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(Number(v))) {
      this.fail(`${name} must be an integer, got '${v}'`);
      return bounds.def;
    }
    const n = Number(v);
    if (n < bounds.min || n > bounds.max) {
      this.fail(`${name} must be between ${bounds.min} and ${bounds.max}, got ${n}`);
      return bounds.def;
    }
    return n;
  }

  /** One of a fixed set of values. */
  oneOf<T extends string>(name: string, values: readonly T[]): T | undefined {
    const v = this.string(name, 64);
    if (v === undefined) return undefined;
    if (!(values as readonly string[]).includes(v)) {
      this.fail(`${name} must be one of ${values.join(', ')}, got '${v}'`);
      return undefined;
    }
    return v as T;
  }

  /** Parameters named `<prefix><key>`, e.g. `attr.order.id=ord-1`; at most `max` of them. */
  prefixed(prefix: string, max: number, maxChars = 1024): Record<string, string> {
    const out: Record<string, string> = {};
    let n = 0;
    for (const [name, value] of this.#params) {
      if (!name.startsWith(prefix)) continue;
      const key = name.slice(prefix.length);
      if (key === '') {
        this.fail(`${prefix}<key>=<value> needs a key`);
        continue;
      }
      if (++n > max) {
        this.fail(`at most ${max} ${prefix}<key> filters`);
        break;
      }
      if (key.length > 256 || value.length > maxChars) {
        this.fail(`${name}: keys are limited to 256 characters and values to ${maxChars}`);
        continue;
      }
      if (Object.hasOwn(out, key)) {
        this.fail(`${name} is given more than once`);
        continue;
      }
      out[key] = value;
    }
    return out;
  }

  /** Fails when both ends of a window are given and `since` is not before `until`. */
  ordered(since: bigint | undefined, until: bigint | undefined): void {
    if (since !== undefined && until !== undefined && since >= until) this.fail('since must be before until');
  }

  /**
   * A time window `[since, until)`: defaults to the last `defaultSeconds` before `nowNs`; an empty
   * or reversed window, or one longer than `maxSeconds`, is an error.
   */
  window(nowNs: bigint, defaultSeconds: number, maxSeconds: number): { since: bigint; until: bigint } {
    const until = this.nanos('until') ?? nowNs;
    const since = this.nanos('since') ?? until - BigInt(defaultSeconds) * 1_000_000_000n;
    if (this.#error !== undefined) return { since, until };
    this.ordered(since, until);
    if (this.#error === undefined && until - since > BigInt(maxSeconds) * 1_000_000_000n) this.fail(`the window since..until is limited to ${maxSeconds} seconds`);
    return { since, until };
  }
}

/** Problem with the raw query string that URLSearchParams would silently paper over. */
export function malformedQuery(rawQuery: string): string | undefined {
  for (const part of rawQuery.split('&')) {
    try {
      decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return 'malformed percent-encoding in the query string';
    }
  }
  return undefined;
}
