/**
 * Parser for the Prometheus text exposition format 0.0.4 and OpenMetrics 1.0 text.
 *
 * A scrape body is untrusted input from a workload: every failure (syntax, limits) becomes a
 * `ParseError`, never another exception, so a broken exporter can only cost its own scrape.
 * The parser is lenient where real exporters are sloppy (extra blanks, comments, families split
 * across the body) and strict where data would be misread (bad escapes, duplicate labels, bad
 * numbers, an OpenMetrics body cut short before `# EOF`).
 */

export type MetricType =
  | 'counter'
  | 'gauge'
  | 'histogram'
  | 'gaugehistogram'
  | 'summary'
  | 'untyped'
  | 'unknown'
  | 'info'
  | 'stateset';

export interface PromSample {
  /** The full sample name, e.g. `http_requests_total` or `latency_bucket`. */
  name: string;
  labels: Record<string, string>;
  value: number;
  /** Exposed timestamp in unix milliseconds (OpenMetrics seconds are converted). */
  timestampMs?: number;
}

export interface MetricFamily {
  /** The family name as declared by `# TYPE` (or the sample name for undeclared samples). */
  name: string;
  type: MetricType;
  help: string;
  unit: string;
  samples: PromSample[];
}

export type ExpositionFormat = 'prometheus' | 'openmetrics';

export interface ParseOptions {
  /** Which grammar to apply; pick from the response Content-Type with `formatFromContentType`. */
  format?: ExpositionFormat;
  /** A scrape with more samples than this is refused whole (Prometheus' `sample_limit`). Default 200 000. */
  maxSamples?: number;
  /** Longest label name or value in characters. Default 4096. */
  maxLabelLength?: number;
  /** Most labels on one sample. Default 128. */
  maxLabelsPerSample?: number;
}

/** The only error the parser throws. `line` is 1-based, 0 when the error is not about one line. */
export class ParseError extends Error {
  readonly line: number;
  constructor(message: string, line: number) {
    super(line > 0 ? `line ${line}: ${message}` : message);
    this.name = 'ParseError';
    this.line = line;
  }
}

export type ParseOutcome =
  | { ok: true; families: MetricFamily[]; sampleCount: number }
  | { ok: false; error: ParseError };

export const DEFAULT_MAX_SAMPLES = 200_000;
export const DEFAULT_MAX_LABEL_LENGTH = 4096;
export const DEFAULT_MAX_LABELS_PER_SAMPLE = 128;

const METRIC_TYPES: ReadonlySet<string> = new Set([
  'counter',
  'gauge',
  'histogram',
  'gaugehistogram',
  'summary',
  'untyped',
  'unknown',
  'info',
  'stateset',
]);

/** Sample-name suffixes each family type owns besides its bare name. */
const TYPE_SUFFIXES: Readonly<Record<MetricType, readonly string[]>> = {
  counter: ['_total', '_created'],
  histogram: ['_bucket', '_count', '_sum', '_created'],
  gaugehistogram: ['_bucket', '_gcount', '_gsum'],
  summary: ['_count', '_sum', '_created'],
  info: ['_info'],
  gauge: [],
  untyped: [],
  unknown: [],
  stateset: [],
};
const ALL_SUFFIXES = ['_total', '_created', '_bucket', '_count', '_sum', '_gcount', '_gsum', '_info'];

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The grammar a scrape response's Content-Type announces (anything not OpenMetrics is 0.0.4). */
export function formatFromContentType(contentType: string | undefined): ExpositionFormat {
  return contentType !== undefined && /^\s*application\/openmetrics-text/i.test(contentType) ? 'openmetrics' : 'prometheus';
}

/** Like `parsePrometheusText` but returns the error instead of throwing it. */
export function tryParsePrometheusText(text: string, options: ParseOptions = {}): ParseOutcome {
  try {
    const families = parsePrometheusText(text, options);
    let sampleCount = 0;
    for (const f of families) sampleCount += f.samples.length;
    return { ok: true, families, sampleCount };
  } catch (err) {
    if (err instanceof ParseError) return { ok: false, error: err };
    // Unreachable by design (the fuzz test holds it to that); kept so a bug costs one scrape only.
    return { ok: false, error: new ParseError(`internal parser error: ${String(err)}`, 0) };
  }
}

/** Parses a whole exposition body into families in order of first appearance. Throws only `ParseError`. */
export function parsePrometheusText(text: string, options: ParseOptions = {}): MetricFamily[] {
  const format = options.format ?? 'prometheus';
  const maxSamples = options.maxSamples ?? DEFAULT_MAX_SAMPLES;
  const maxLabelLength = options.maxLabelLength ?? DEFAULT_MAX_LABEL_LENGTH;
  const maxLabels = options.maxLabelsPerSample ?? DEFAULT_MAX_LABELS_PER_SAMPLE;
  const openMetrics = format === 'openmetrics';

  const families = new Map<string, MetricFamily>();
  const order: MetricFamily[] = [];
  const familyFor = (name: string): MetricFamily => {
    let f = families.get(name);
    if (f === undefined) {
      f = { name, type: openMetrics ? 'unknown' : 'untyped', help: '', unit: '', samples: [] };
      families.set(name, f);
      order.push(f);
    }
    return f;
  };
  // Declared families can be found by the base name a sample suffix strips to.
  const declared = new Set<string>();

  let sampleCount = 0;
  let sawEof = false;
  let lineNo = 0;
  let pos = 0;
  const len = text.length;
  while (pos < len) {
    let end = text.indexOf('\n', pos);
    if (end === -1) end = len;
    let line = text.slice(pos, end);
    pos = end + 1;
    lineNo++;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (sawEof) {
      if (line.trim() === '' && pos >= len) break;
      throw new ParseError('content after # EOF', lineNo);
    }
    if (line.trim() === '') {
      if (openMetrics && pos < len) throw new ParseError('empty line', lineNo);
      continue;
    }
    if (line.startsWith('#')) {
      const m = /^#[ \t]+(HELP|TYPE|UNIT)[ \t]+(\S+)(?:[ \t]+(.*))?$/.exec(line);
      if (line === '# EOF' || line.trimEnd() === '# EOF') {
        sawEof = true;
        continue;
      }
      if (m === null) continue; // a plain comment
      const keyword = m[1] as 'HELP' | 'TYPE' | 'UNIT';
      const name = unquoteName(m[2] ?? '', lineNo);
      const rest = m[3] ?? '';
      if (!isValidMetricName(name)) throw new ParseError(`invalid metric name ${JSON.stringify(name)}`, lineNo);
      const family = familyFor(name);
      declared.add(name);
      if (keyword === 'HELP') family.help = unescapeHelp(rest, openMetrics, lineNo);
      else if (keyword === 'UNIT') family.unit = rest.trim();
      else {
        const t = rest.trim().toLowerCase();
        if (!METRIC_TYPES.has(t)) throw new ParseError(`unknown metric type ${JSON.stringify(rest.trim())}`, lineNo);
        if (family.samples.length > 0 && family.type !== t) throw new ParseError(`TYPE for ${name} after its samples`, lineNo);
        family.type = t as MetricType;
      }
      continue;
    }
    const sample = parseSampleLine(line, lineNo, openMetrics, maxLabelLength, maxLabels);
    sampleCount++;
    if (sampleCount > maxSamples) throw new ParseError(`scrape has more than ${maxSamples} samples`, lineNo);
    const family = findFamily(sample.name, families, declared) ?? familyFor(sample.name);
    family.samples.push(sample);
  }
  if (openMetrics && !sawEof) throw new ParseError('OpenMetrics body does not end with # EOF', 0);
  return order;
}

/** The family a sample belongs to: its declared name, else the declared family its suffix strips to. */
function findFamily(sampleName: string, families: Map<string, MetricFamily>, declared: Set<string>): MetricFamily | undefined {
  if (declared.has(sampleName)) return families.get(sampleName);
  return suffixOwner(sampleName, families, declared);
}

function suffixOwner(sampleName: string, families: Map<string, MetricFamily>, declared: Set<string>): MetricFamily | undefined {
  for (const suffix of ALL_SUFFIXES) {
    if (!sampleName.endsWith(suffix) || sampleName.length === suffix.length) continue;
    const base = sampleName.slice(0, -suffix.length);
    const f = families.get(base);
    if (f !== undefined && declared.has(base) && TYPE_SUFFIXES[f.type].includes(suffix)) return f;
    // 0.0.4 counters are declared with their `_total` name; their `_created` series belongs to them.
    if (suffix === '_created') {
      const counter = families.get(`${base}_total`);
      if (counter !== undefined && declared.has(`${base}_total`) && counter.type === 'counter') return counter;
    }
  }
  return undefined;
}

function isValidMetricName(name: string): boolean {
  // Quoted (UTF-8) names are allowed by newer Prometheus; any non-empty string then.
  return name.length > 0 && name.length <= 1024;
}

/** `# TYPE "my.metric" gauge` may quote the name; unquote it. */
function unquoteName(raw: string, lineNo: number): string {
  if (!raw.startsWith('"')) {
    if (!METRIC_NAME.test(raw)) throw new ParseError(`invalid metric name ${JSON.stringify(raw)}`, lineNo);
    return raw;
  }
  const scanner = new Scanner(raw, lineNo);
  const name = scanner.quoted(Number.MAX_SAFE_INTEGER);
  if (!scanner.atEnd()) throw new ParseError('text after quoted metric name', lineNo);
  return name;
}

function unescapeHelp(raw: string, openMetrics: boolean, lineNo: number): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c !== '\\') {
      out += c;
      continue;
    }
    const n = raw[i + 1];
    i++;
    if (n === 'n') out += '\n';
    else if (n === '\\') out += '\\';
    else if (n === '"' && openMetrics) out += '"';
    else if (n === undefined) out += '\\';
    // 0.0.4 keeps unknown escapes literally; OpenMetrics forbids them.
    else if (openMetrics) throw new ParseError(`invalid escape \\${n} in HELP`, lineNo);
    else out += `\\${n}`;
  }
  return out;
}

/** Character scanner over one sample line. */
class Scanner {
  readonly #s: string;
  readonly #lineNo: number;
  pos = 0;
  constructor(s: string, lineNo: number) {
    this.#s = s;
    this.#lineNo = lineNo;
  }
  peek(): string | undefined {
    return this.#s[this.pos];
  }
  atEnd(): boolean {
    return this.pos >= this.#s.length;
  }
  fail(message: string): never {
    throw new ParseError(message, this.#lineNo);
  }
  skipBlanks(): number {
    const start = this.pos;
    while (this.#s[this.pos] === ' ' || this.#s[this.pos] === '\t') this.pos++;
    return this.pos - start;
  }
  expect(c: string): void {
    if (this.#s[this.pos] !== c) this.fail(`expected ${JSON.stringify(c)} at column ${this.pos + 1}`);
    this.pos++;
  }
  /** An identifier matching `first` then `rest` character classes. */
  ident(first: RegExp, rest: RegExp, what: string): string {
    const start = this.pos;
    const c = this.#s[this.pos];
    if (c === undefined || !first.test(c)) this.fail(`expected ${what} at column ${this.pos + 1}`);
    this.pos++;
    while (this.pos < this.#s.length && rest.test(this.#s[this.pos] ?? '')) this.pos++;
    return this.#s.slice(start, this.pos);
  }
  /** A double-quoted string with `\\`, `\"` and `\n` escapes, at most `maxLength` characters. */
  quoted(maxLength: number): string {
    this.expect('"');
    let out = '';
    for (;;) {
      const c = this.#s[this.pos];
      if (c === undefined) this.fail('unterminated quoted string');
      this.pos++;
      if (c === '"') break;
      if (c === '\\') {
        const n = this.#s[this.pos];
        this.pos++;
        if (n === 'n') out += '\n';
        else if (n === '\\') out += '\\';
        else if (n === '"') out += '"';
        else this.fail(`invalid escape in quoted string at column ${this.pos}`);
      } else out += c;
      if (out.length > maxLength) this.fail(`label longer than ${maxLength} characters`);
    }
    return out;
  }
  /** A run of non-blank characters. */
  token(): string {
    const start = this.pos;
    while (this.pos < this.#s.length && this.#s[this.pos] !== ' ' && this.#s[this.pos] !== '\t') this.pos++;
    return this.#s.slice(start, this.pos);
  }
}

const NAME_FIRST = /[a-zA-Z_:]/;
const NAME_REST = /[a-zA-Z0-9_:]/;
const LABEL_FIRST = /[a-zA-Z_]/;
const LABEL_REST = /[a-zA-Z0-9_]/;

function parseSampleLine(line: string, lineNo: number, openMetrics: boolean, maxLabelLength: number, maxLabels: number): PromSample {
  const s: Scanner = new Scanner(line, lineNo);
  let name = '';
  if (s.peek() !== '{') name = s.ident(NAME_FIRST, NAME_REST, 'metric name');
  const labels: Record<string, string> = Object.create(null) as Record<string, string>;
  let labelCount = 0;
  if (s.peek() === '{') {
    s.pos++;
    s.skipBlanks();
    while (s.peek() !== '}') {
      let labelName: string;
      if (s.peek() === '"') {
        const q = s.quoted(maxLabelLength);
        s.skipBlanks();
        // A quoted string not followed by `=` is the (UTF-8) metric name, allowed once.
        if (s.peek() !== '=') {
          if (name !== '') s.fail('metric name given twice');
          name = q;
          if (s.peek() === ',') {
            s.pos++;
            s.skipBlanks();
          }
          continue;
        }
        labelName = q;
      } else {
        labelName = s.ident(LABEL_FIRST, LABEL_REST, 'label name');
      }
      if (labelName.length > maxLabelLength) s.fail(`label name longer than ${maxLabelLength} characters`);
      s.skipBlanks();
      s.expect('=');
      s.skipBlanks();
      const value = s.quoted(maxLabelLength);
      if (Object.prototype.hasOwnProperty.call(labels, labelName)) s.fail(`duplicate label ${JSON.stringify(labelName)}`);
      labelCount++;
      if (labelCount > maxLabels) s.fail(`more than ${maxLabels} labels`);
      labels[labelName] = value;
      s.skipBlanks();
      if (s.peek() === ',') {
        s.pos++;
        s.skipBlanks();
      } else if (s.peek() !== '}') s.fail(`expected "," or "}" at column ${s.pos + 1}`);
    }
    s.pos++;
  }
  if (name === '') s.fail('sample without a metric name');
  if (s.skipBlanks() === 0) s.fail('expected a blank before the value');
  const value = parseNumber(s.token());
  if (value === undefined) s.fail('invalid sample value');
  const sample: PromSample = { name, labels: { ...labels }, value };
  s.skipBlanks();
  if (!s.atEnd() && s.peek() !== '#') {
    const tsText = s.token();
    let ts: number | undefined;
    if (openMetrics) {
      const seconds = parseNumber(tsText);
      ts = seconds === undefined || !Number.isFinite(seconds) ? undefined : Math.round(seconds * 1000);
    } else if (/^-?\d+$/.test(tsText)) ts = Number(tsText);
    if (ts === undefined || !Number.isSafeInteger(ts)) s.fail('invalid timestamp');
    sample.timestampMs = ts;
    s.skipBlanks();
  }
  if (!s.atEnd()) {
    // OpenMetrics exemplar (` # {trace_id="…"} 1.0 [ts]`): checked for shape, then dropped.
    if (s.peek() !== '#') s.fail(`unexpected text at column ${s.pos + 1}`);
    s.pos++;
    s.skipBlanks();
    if (s.peek() !== '{') s.fail('malformed exemplar');
  }
  return sample;
}

/** Go's ParseFloat as exporters use it: decimals, exponents, NaN and ±Inf (any case). */
function parseNumber(t: string): number | undefined {
  if (FLOAT.test(t)) return Number(t);
  const lower = t.toLowerCase();
  if (lower === 'nan') return Number.NaN;
  if (lower === '+inf' || lower === 'inf' || lower === '+infinity' || lower === 'infinity') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  return undefined;
}
