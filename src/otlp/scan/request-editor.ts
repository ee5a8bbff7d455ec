import { OtlpDecodeError } from '../decode-error.js';
import { SPAN_ID_BYTES, TRACE_ID_BYTES } from '../ids.js';
import { KeyFacts } from './key-facts.js';
import { Output, encodeStringAttribute } from './output.js';
import { severityNumberOf } from './opt-in.js';
import type { ScanPolicy } from './policy.js';
import { I64, LEN, VARINT, WireReader, tagOf } from './wire-reader.js';

/**
 * The one pass over an OTLP protobuf request that ingest (and the agent) make instead of decoding:
 * it checks the structure exactly as the full decoder would, counts items, enforces the count
 * limits, applies the validation rules and the opt-in filter, drops rejected items (and containers
 * left empty, as the model validator does), stamps resource (and data point) attributes, and
 * returns the edited bytes. Untouched messages are passed through as views of the input, so unknown
 * fields survive and the cost is one walk plus one copy.
 */
export type EditOutcome =
  | {
      kind: 'ok';
      /** The edited request (a new buffer with `headroomBytes` free bytes in front), or the input itself when nothing changed. */
      bytes: Uint8Array;
      /** Offset of the request in `bytes` (the headroom). */
      offset: number;
      accepted: number;
      rejected: number;
      /** Items left out by the opt-in filter (not rejections). */
      filtered: number;
      /** Rejected items per reason index of the policy, in order of first rejection. */
      rejectedBy: [reason: number, count: number][];
    }
  /** Undecodable body or nesting over the limit: 400. */
  | { kind: 'invalid'; message: string }
  /** More items than `maxItemsPerRequest`: 400. */
  | { kind: 'too-many-items'; message: string };

/** Edits one request of `policy.signal`. Never throws for bad input. */
export function editRequest(policy: ScanPolicy, body: Uint8Array, options: { headroomBytes?: number; accountId?: string } = {}): EditOutcome {
  const editor = new RequestEditor(policy, body, options.accountId);
  try {
    editor.run();
  } catch (err) {
    if (err instanceof TooManyItems) return { kind: 'too-many-items', message: err.message };
    if (err instanceof OtlpDecodeError) return { kind: 'invalid', message: err.message };
    if (err instanceof RangeError) return { kind: 'invalid', message: `invalid protobuf: ${err.message}` };
    throw err;
  }
  const headroom = options.headroomBytes ?? 0;
  const unchanged = !editor.changed;
  const bytes = unchanged && headroom === 0 ? body : editor.out.assemble(headroom);
  return {
    kind: 'ok',
    bytes,
    offset: unchanged && headroom === 0 ? 0 : headroom,
    accepted: editor.accepted,
    rejected: editor.rejected,
    filtered: editor.filtered,
    rejectedBy: editor.rejectedBy(),
  };
}

class TooManyItems extends Error {}

/** #attribute's `facts` for attribute lists no policy key is looked up in (scope, event, link, exemplar, nested). */
const NO_FACTS = null;

const T_RESOURCE = tagOf(1, LEN);
const T_CHILDREN = tagOf(2, LEN);
const T_REQUEST_ITEM = tagOf(1, LEN);

type DataKind = 'gauge' | 'sum' | 'histogram' | 'exponential' | 'summary';
const DATA_KIND_BY_TAG = new Map<number, DataKind>([
  [tagOf(5, LEN), 'gauge'],
  [tagOf(7, LEN), 'sum'],
  [tagOf(9, LEN), 'histogram'],
  [tagOf(10, LEN), 'exponential'],
  [tagOf(11, LEN), 'summary'],
]);
/** The attributes field of each data point kind. */
const POINT_ATTRIBUTES_FIELD: Record<DataKind, number> = { gauge: 7, sum: 7, histogram: 9, exponential: 1, summary: 7 };

/** Default attributes as encoded fields: resource ones, then data point ones by POINT_DEFAULTS_INDEX. */
interface EncodedDefaults {
  resource: readonly Uint8Array[];
  points: readonly (readonly Uint8Array[])[];
}
const ENCODED_DEFAULTS = new WeakMap<ScanPolicy, EncodedDefaults>();

/** The policy's default attributes, encoded on first use and shared by every request under it. */
function encodedDefaults(policy: ScanPolicy): EncodedDefaults {
  let encoded = ENCODED_DEFAULTS.get(policy);
  if (encoded === undefined) {
    encoded = {
      resource: policy.defaultResourceAttributes.map(([k, v]) => encodeStringAttribute(1, k, v)),
      points: (['gauge', 'histogram', 'exponential'] as const).map((kind) =>
        policy.defaultPointAttributes.map(([k, v]) => encodeStringAttribute(POINT_ATTRIBUTES_FIELD[kind], k, v)),
      ),
    };
    ENCODED_DEFAULTS.set(policy, encoded);
  }
  return encoded;
}

class RequestEditor {
  readonly policy: ScanPolicy;
  readonly body: Uint8Array;
  readonly r: WireReader;
  readonly out = new Output();
  readonly limits: ScanPolicy['limits'];
  changed = false;
  items = 0;
  accepted = 0;
  rejected = 0;
  filtered = 0;
  readonly #rejectCounts: number[];
  readonly #rejectOrder: number[] = [];

  /** Facts of the current resource's attributes and of the current item's attributes. */
  readonly resFacts: KeyFacts;
  readonly itemFacts: KeyFacts;
  /** Limit violation of what is being walked (reason index, -1 none). */
  violation = -1;
  /** Rule outcome of the current resource per resource key (has a non-empty value). */
  resourceViolation = -1;
  /** Limit violation of the current scope (-1 none): it takes all the scope's items. */
  scopeViolation = -1;
  /** Opt-in: the resource satisfies each condition. */
  readonly resourceOptIn: boolean[] = [];
  readonly #resourceStamp: Uint8Array[];
  /** The encoded default resource attributes, in policy order (see encodedDefaults). */
  readonly #resourceDefaults: readonly Uint8Array[];
  readonly #pointDefaults: readonly (readonly Uint8Array[])[];
  /** Log record severity_number and severity_text range of the last walked record. */
  severity = 0;
  severityTextStart = -1;
  severityTextEnd = -1;
  /** Current metric passes the opt-in name filter. */
  metricPasses = true;

  constructor(policy: ScanPolicy, body: Uint8Array, accountId: string | undefined) {
    this.policy = policy;
    this.body = body;
    this.r = new WireReader(body);
    this.limits = policy.limits;
    this.#rejectCounts = new Array<number>(policy.reasons.length).fill(0);
    this.resFacts = new KeyFacts(policy.resourceKeys, policy.setKeys);
    this.itemFacts = new KeyFacts(policy.itemKeys);
    const stamp: Uint8Array[] = [];
    for (const [k, v] of policy.setAttributes) stamp.push(encodeStringAttribute(1, k, v === ACCOUNT_PLACEHOLDER ? (accountId ?? '') : v));
    this.#resourceStamp = stamp;
    const defaults = encodedDefaults(policy);
    this.#resourceDefaults = defaults.resource;
    this.#pointDefaults = defaults.points;
  }

  rejectedBy(): [number, number][] {
    return this.#rejectOrder.map((reason) => [reason, this.#rejectCounts[reason] as number]);
  }

  #reject(reason: number): void {
    this.rejected++;
    if (this.#rejectCounts[reason] === 0) this.#rejectOrder.push(reason);
    this.#rejectCounts[reason] = (this.#rejectCounts[reason] as number) + 1;
  }

  #countItem(): void {
    if (++this.items > this.limits.maxItemsPerRequest) {
      throw new TooManyItems(
        `the request has more than ${this.limits.maxItemsPerRequest} items (limit maxItemsPerRequest); split it into smaller requests`,
      );
    }
  }

  /** Resources, scopes and metrics seen: bounded like items, so empty containers cannot flood a walk. */
  #entries = 0;

  #countEntry(): void {
    if (++this.#entries > this.limits.maxItemsPerRequest) {
      throw new TooManyItems(
        `the request has more than ${this.limits.maxItemsPerRequest} resources, scopes and metrics (limit maxItemsPerRequest); split it into smaller requests`,
      );
    }
  }

  // ---- request and containers ----

  run(): void {
    const r = this.r;
    while (r.pos < r.end) {
      const fieldStart = r.pos;
      const tag = r.tag();
      if (tag === T_REQUEST_ITEM) {
        const len = r.len();
        const start = r.pos;
        r.pos = start + len;
        this.#countEntry();
        this.#resourceContainer(fieldStart, start, start + len);
      } else {
        r.skip(tag);
        this.out.push(this.body.subarray(fieldStart, r.pos));
      }
    }
  }

  /**
   * ResourceSpans/Logs/Metrics: field 1 the resource (the last one wins, as in the decoder), field 2
   * the scopes, anything else passed through. The resource is walked first (its attributes decide
   * resource-level rules), then the fields are emitted in their original order.
   */
  #resourceContainer(fieldStart: number, start: number, end: number): void {
    const r = this.r;
    const parentEnd = r.end;
    r.pos = start;
    r.end = end;
    // Field ranges: [start, end, kind] with kind 0 other, 1 resource, 2 scope container.
    const fields: number[] = [];
    let resourceAt = -1;
    while (r.pos < end) {
      const s = r.pos;
      const tag = r.tag();
      if (tag === T_RESOURCE) {
        r.skipLen();
        resourceAt = fields.length;
        fields.push(s, r.pos, 1);
      } else if (tag === T_CHILDREN) {
        r.skipLen();
        this.#countEntry();
        fields.push(s, r.pos, 2);
      } else {
        r.skip(tag);
        fields.push(s, r.pos, 0);
      }
    }
    r.end = parentEnd;

    const facts = this.resFacts;
    facts.reset();
    this.resourceViolation = -1;
    let resourceContentStart = -1;
    let resourceContentEnd = -1;
    for (let f = 0; f < fields.length; f += 3) {
      if (fields[f + 2] !== 1) continue;
      // Every resource field is checked like the decoder reads it; only the last one counts.
      facts.reset();
      this.violation = -1;
      r.pos = fields[f] as number;
      r.end = fields[f + 1] as number;
      r.tag();
      const len = r.len();
      resourceContentStart = r.pos;
      resourceContentEnd = r.pos + len;
      this.#resource(resourceContentEnd);
      this.resourceViolation = this.violation;
      r.end = parentEnd;
    }
    this.#resourceOptIn();

    const stamping = this.#resourceStamp.length > 0 || this.#defaultsMissing();
    const mark = this.out.open();
    let kept = 0;
    let scopesChanged = false;
    for (let f = 0; f < fields.length; f += 3) {
      const s = fields[f] as number;
      const e = fields[f + 1] as number;
      const kind = fields[f + 2];
      if (kind === 1) {
        if (f !== resourceAt) {
          scopesChanged = true; // an earlier, ignored resource field is dropped
          continue;
        }
        if (stamping) this.#emitStampedResource(resourceContentStart, resourceContentEnd);
        else this.out.push(this.body.subarray(s, e));
      } else if (kind === 2) {
        r.pos = s;
        r.tag();
        const len = r.len();
        const outcome = this.#scopeContainer(s, r.pos, r.pos + len);
        if (outcome === DROPPED) scopesChanged = true;
        else {
          kept++;
          if (outcome === REBUILT) scopesChanged = true;
        }
      } else {
        this.out.push(this.body.subarray(s, e));
      }
    }
    r.pos = end;
    r.end = parentEnd;
    if (kept === 0) {
      this.out.rollback(mark);
      this.changed = true;
      return;
    }
    if (resourceAt === -1 && stamping) {
      // No resource field: the stamp creates one (it goes last; field order does not matter).
      this.#emitStampedResource(-1, -1);
    }
    if (!stamping && !scopesChanged) {
      this.out.rollback(mark);
      this.out.push(this.body.subarray(fieldStart, end));
      return;
    }
    this.out.close(mark, T_REQUEST_ITEM);
    this.changed = true;
  }

  /** Whether some default resource attribute is missing from the current resource. */
  #defaultsMissing(): boolean {
    for (const k of this.policy.defaultResourceKeys) if (!this.resFacts.has(k)) return true;
    return false;
  }

  /** The resource with set-keys removed, then the set and missing default attributes appended. */
  #emitStampedResource(contentStart: number, contentEnd: number): void {
    const out = this.out;
    const mark = out.open();
    if (contentStart !== -1) {
      const removed = this.resFacts.removed;
      let at = contentStart;
      for (let i = 0; i < removed.length; i += 2) {
        out.push(this.body.subarray(at, removed[i]));
        at = removed[i + 1] as number;
      }
      out.push(this.body.subarray(at, contentEnd));
    }
    for (const kv of this.#resourceStamp) out.push(kv);
    const defaults = this.#resourceDefaults;
    for (let i = 0; i < defaults.length; i++) {
      const k = this.policy.defaultResourceKeys[i] as number;
      if (contentStart !== -1 && this.resFacts.has(k)) continue;
      out.push(defaults[i] as Uint8Array);
    }
    out.close(mark, T_RESOURCE);
  }

  #resourceOptIn(): void {
    const p = this.policy;
    this.resourceOptIn.length = 0;
    for (let i = 0; i < p.optInResourceKeys.length; i++) {
      this.resourceOptIn.push(this.#valueEquals(this.resFacts, p.optInResourceKeys[i] as number, p.optInValues[i] as string));
    }
  }

  /**
   * ScopeSpans/Logs/Metrics: field 1 the scope, field 2 the items. The scope is checked first (its
   * limits apply to all its items), items are judged, then the container is emitted as it was when
   * every item stays, dropped when none does, else rebuilt from runs of kept fields.
   */
  #scopeContainer(fieldStart: number, start: number, end: number): number {
    const r = this.r;
    const parentEnd = r.end;
    r.pos = start;
    r.end = end;
    const signal = this.policy.signal;
    // [start, end, kind] per field: kind 0 other, 1 scope, 2 item.
    const fields: number[] = [];
    this.scopeViolation = -1;
    while (r.pos < end) {
      const s = r.pos;
      const tag = r.tag();
      if (tag === tagOf(1, LEN)) {
        const len = r.len();
        const e = r.pos + len;
        // Every scope field is checked (the decoder reads each); the last one counts.
        this.violation = -1;
        r.end = e;
        this.#scope(e);
        r.end = end;
        this.scopeViolation = this.violation;
        r.pos = e;
        fields.push(s, e, 0);
      } else if (tag === T_CHILDREN) {
        r.skipLen();
        // Counted as found, so a flood of tiny items stops the walk before it is collected.
        if (signal === 'metrics') this.#countEntry();
        else this.#countItem();
        fields.push(s, r.pos, 2);
      } else {
        r.skip(tag);
        fields.push(s, r.pos, 0);
      }
    }
    let items = 0;
    let kept = 0;
    let rebuilt = 0;
    for (let f = 0; f < fields.length; f += 3) {
      if (fields[f + 2] !== 2) continue;
      r.pos = fields[f] as number;
      r.tag();
      const len = r.len();
      const e = r.pos + len;
      const verdict = signal === 'metrics' ? this.#metric(r.pos, e) : this.#item(e);
      r.pos = e;
      items++;
      fields[f + 2] = verdict === KEEP ? 0 : verdict === REBUILD ? 3 : 4;
      if (verdict === KEEP) kept++;
      else if (verdict === REBUILD) rebuilt++;
    }
    r.end = parentEnd;
    if (kept + rebuilt === 0) return DROPPED;
    if (kept === items && rebuilt === 0) {
      this.out.push(this.body.subarray(fieldStart, end));
      return KEPT;
    }
    const mark = this.out.open();
    let runStart = -1;
    let runEnd = -1;
    for (let f = 0; f < fields.length; f += 3) {
      const s = fields[f] as number;
      const e = fields[f + 1] as number;
      const kind = fields[f + 2];
      if (kind === 0) {
        if (runStart === -1) runStart = s;
        runEnd = e;
        continue;
      }
      if (runStart !== -1) this.out.push(this.body.subarray(runStart, runEnd));
      runStart = -1;
      if (kind === 3) this.#emitMetric(s, e);
    }
    if (runStart !== -1) this.out.push(this.body.subarray(runStart, runEnd));
    this.out.close(mark, T_CHILDREN);
    return REBUILT;
  }

  // ---- items ----

  /** Judges one span or log record (already counted): KEEP, or DROP after counting the reason. */
  #item(end: number): number {
    const facts = this.itemFacts;
    facts.reset();
    this.violation = -1;
    if (this.policy.signal === 'traces') this.#span(end);
    else this.#logRecord(end);
    return this.#verdict(this.#optInItem());
  }

  /** Common end of an item's judgement: limits, then rules in order, then opt-in. */
  #verdict(optIn: boolean): number {
    const violation = this.violation !== -1 ? this.violation : this.scopeViolation !== -1 ? this.scopeViolation : this.resourceViolation;
    if (violation !== -1) {
      this.#reject(violation);
      return DROP;
    }
    for (const rule of this.policy.rules) {
      const ok = rule.onResource ? this.resFacts.has(rule.key) : this.itemFacts.has(rule.key);
      if (!ok) {
        this.#reject(rule.reason);
        return DROP;
      }
    }
    if (!optIn) {
      this.filtered++;
      return DROP;
    }
    this.accepted++;
    return KEEP;
  }

  #optInItem(): boolean {
    const optIn = this.policy.optIn;
    if (optIn === undefined) return true;
    const p = this.policy;
    if (p.signal === 'logs') {
      if (!optIn.logsEnabled) return false;
      if (optIn.minSeverityNumber !== undefined) {
        let n: number | undefined = this.severity;
        if (n <= 0) n = this.severityTextEnd === -1 ? undefined : severityNumberOf(this.#text(this.severityTextStart, this.severityTextEnd));
        if (n === undefined || n < optIn.minSeverityNumber) return false;
      }
    } else if (optIn.traceAttributes.length === 0) return false;
    for (let i = 0; i < p.optInItemKeys.length; i++) {
      if (this.resourceOptIn[i] === true) continue;
      if (!this.#valueEquals(this.itemFacts, p.optInItemKeys[i] as number, p.optInValues[i] as string)) return false;
    }
    return true;
  }

  /** The last occurrence of key `k` has a scalar value whose text is `expected`. */
  #valueEquals(facts: KeyFacts, k: number, expected: string): boolean {
    const s = facts.lastStart[k] as number;
    if (s === -1) return false;
    const text = scalarText(this.body, s, facts.lastEnd[k] as number);
    return text === expected;
  }

  #span(end: number): void {
    const r = this.r;
    const parentEnd = r.end;
    r.end = end;
    let events = 0;
    let links = 0;
    while (r.pos < end) {
      const tag = r.tag();
      switch (tag) {
        case tagOf(1, LEN):
          r.id(TRACE_ID_BYTES);
          break;
        case tagOf(2, LEN):
        case tagOf(4, LEN):
          r.id(SPAN_ID_BYTES);
          break;
        case tagOf(9, LEN):
          this.#attribute(this.itemFacts);
          break;
        case tagOf(11, LEN):
          if (++events > this.limits.maxEventsPerSpan) this.#violate(this.policy.limitReason.maxEventsPerSpan);
          this.#nested(this.#event);
          break;
        case tagOf(13, LEN):
          if (++links > this.limits.maxLinksPerSpan) this.#violate(this.policy.limitReason.maxLinksPerSpan);
          this.#nested(this.#link);
          break;
        case tagOf(15, LEN):
          this.#nested(this.#skipAll);
          break;
        default:
          r.skip(tag);
      }
    }
    r.end = parentEnd;
    this.#checkCount(this.itemFacts.count);
  }

  #event = (end: number): void => {
    const r = this.r;
    let n = 0;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(3, LEN)) {
        this.#attribute(NO_FACTS);
        n++;
      } else r.skip(tag);
    }
    this.#checkCount(n);
  };

  #link = (end: number): void => {
    const r = this.r;
    let n = 0;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(1, LEN)) r.id(TRACE_ID_BYTES);
      else if (tag === tagOf(2, LEN)) r.id(SPAN_ID_BYTES);
      else if (tag === tagOf(4, LEN)) {
        this.#attribute(NO_FACTS);
        n++;
      } else r.skip(tag);
    }
    this.#checkCount(n);
  };

  #skipAll = (end: number): void => {
    const r = this.r;
    while (r.pos < end) r.skip(r.tag());
  };

  #logRecord(end: number): void {
    const r = this.r;
    const parentEnd = r.end;
    r.end = end;
    this.severity = 0;
    this.severityTextStart = -1;
    this.severityTextEnd = -1;
    while (r.pos < end) {
      const tag = r.tag();
      switch (tag) {
        case tagOf(2, VARINT):
          this.severity = r.varint() | 0;
          break;
        case tagOf(3, LEN): {
          const len = r.len();
          this.severityTextStart = r.pos;
          this.severityTextEnd = r.pos + len;
          r.pos += len;
          break;
        }
        case tagOf(5, LEN): {
          const len = r.len();
          const e = r.pos + len;
          const pe = r.end;
          r.end = e;
          this.#anyValue(e, 1, true);
          r.end = pe;
          r.pos = e;
          break;
        }
        case tagOf(6, LEN):
          this.#attribute(this.itemFacts);
          break;
        case tagOf(9, LEN):
          r.id(TRACE_ID_BYTES);
          break;
        case tagOf(10, LEN):
          r.id(SPAN_ID_BYTES);
          break;
        default:
          r.skip(tag);
      }
    }
    r.end = parentEnd;
    this.#checkCount(this.itemFacts.count);
  }

  // ---- metrics ----

  /**
   * Judges one metric (content [start, end)): its data points are the items. Returns KEEP (emit as
   * is), REBUILD (points dropped or stamped, or ignored data fields to drop) or DROP (none left).
   * For REBUILD the point verdicts are kept for #emitMetric.
   */
  #metric(start: number, end: number): number {
    const r = this.r;
    const parentEnd = r.end;
    r.end = end;
    let dataFields = 0;
    let metadata = 0;
    let nameStart = -1;
    let nameEnd = -1;
    this.violation = -1;
    while (r.pos < end) {
      const tag = r.tag();
      if (DATA_KIND_BY_TAG.has(tag)) {
        r.skipLen();
        dataFields++;
      } else if (tag === tagOf(1, LEN)) {
        const len = r.len();
        nameStart = r.pos;
        nameEnd = r.pos + len;
        r.pos = nameEnd;
      } else if (tag === tagOf(12, LEN)) {
        this.#attribute(NO_FACTS);
        metadata++;
      } else r.skip(tag);
    }
    this.#checkCount(metadata);
    const metricViolation = this.violation;
    this.metricPasses = this.#metricNamePasses(nameStart, nameEnd);

    // Every data field is walked (checks and item counts, as the decoder reads them all); only the
    // points of the last one are judged: the decoder keeps the last member of the oneof.
    r.pos = start;
    let seen = 0;
    let result = { accepted: 0, changed: false };
    while (r.pos < end) {
      const tag = r.tag();
      const kind = DATA_KIND_BY_TAG.get(tag);
      if (kind === undefined) {
        r.skip(tag);
        continue;
      }
      const len = r.len();
      const e = r.pos + len;
      seen++;
      result = this.#data(kind, e, seen === dataFields ? metricViolation : CHECK_ONLY);
      r.pos = e;
    }
    r.pos = end;
    r.end = parentEnd;
    if (result.accepted === 0) return DROP;
    if (dataFields > 1 || result.changed) {
      this.#rebuilds.set(start, this.#points.slice());
      return REBUILD;
    }
    return KEEP;
  }

  #metricNamePasses(start: number, end: number): boolean {
    const optIn = this.policy.optIn;
    if (optIn === undefined) return true;
    const name = start === -1 ? '' : this.#text(start, end);
    for (const re of optIn.metricNames) if (re.test(name)) return true;
    return false;
  }

  /** UTF-8 text of body[start, end) (invalid sequences become U+FFFD, as in the decoder). */
  #text(start: number, end: number): string {
    return Buffer.from(this.body.buffer, this.body.byteOffset, this.body.byteLength).toString('utf8', start, end);
  }

  /** Point verdicts of the data field last judged: one entry per point, in order (see POINT_*). */
  readonly #points: number[] = [];
  /** Point verdicts of metrics to rebuild, by metric content start. */
  readonly #rebuilds = new Map<number, number[]>();

  /**
   * Walks a Gauge/Sum/Histogram/ExponentialHistogram/Summary ending at `end`. With `metricViolation`
   * CHECK_ONLY the points are only checked and counted; otherwise each is judged into #points.
   */
  #data(kind: DataKind, end: number, metricViolation: number): { accepted: number; changed: boolean } {
    const r = this.r;
    const parentEnd = r.end;
    r.end = end;
    const judge = metricViolation !== CHECK_ONLY;
    if (judge) this.#points.length = 0;
    let accepted = 0;
    let changed = false;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag !== tagOf(1, LEN)) {
        r.skip(tag);
        continue;
      }
      const len = r.len();
      const e = r.pos + len;
      this.#countItem();
      this.itemFacts.reset();
      this.violation = -1;
      r.end = e;
      this.#point(kind, e);
      r.end = end;
      r.pos = e;
      if (!judge) continue;
      if (this.violation === -1 && metricViolation !== -1) this.violation = metricViolation;
      const verdict = this.#verdict(this.metricPasses);
      if (verdict === KEEP) {
        accepted++;
        if (this.#pointNeedsDefaults()) {
          changed = true;
          this.#points.push(POINT_STAMP);
        } else this.#points.push(POINT_KEEP);
      } else {
        changed = true;
        this.#points.push(POINT_DROP);
      }
    }
    r.end = parentEnd;
    return { accepted, changed };
  }

  #pointNeedsDefaults(): boolean {
    for (const k of this.policy.defaultPointKeys) if (!this.itemFacts.has(k)) return true;
    return false;
  }

  #point(kind: DataKind, end: number): void {
    const r = this.r;
    const attributesTag = tagOf(POINT_ATTRIBUTES_FIELD[kind], LEN);
    const exemplarTag = EXEMPLAR_TAG[kind];
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === attributesTag) this.#attribute(this.itemFacts);
      else if (tag === exemplarTag) this.#nested(this.#exemplar);
      else if (kind === 'histogram' && (tag === tagOf(6, I64) || tag === tagOf(6, LEN) || tag === tagOf(7, I64) || tag === tagOf(7, LEN))) {
        r.repeatedFixed64(tag);
      } else if (kind === 'exponential' && (tag === tagOf(8, LEN) || tag === tagOf(9, LEN))) {
        this.#nested(this.#buckets);
      } else if (kind === 'summary' && tag === tagOf(6, LEN)) {
        this.#nested(this.#skipAll);
      } else r.skip(tag);
    }
    this.#checkCount(this.itemFacts.count);
  }

  #exemplar = (end: number): void => {
    const r = this.r;
    let n = 0;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(7, LEN)) {
        this.#attribute(NO_FACTS);
        n++;
      } else if (tag === tagOf(4, LEN)) r.id(SPAN_ID_BYTES);
      else if (tag === tagOf(5, LEN)) r.id(TRACE_ID_BYTES);
      else r.skip(tag);
    }
    this.#checkCount(n);
  };

  #buckets = (end: number): void => {
    const r = this.r;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(2, VARINT) || tag === tagOf(2, LEN)) r.repeatedVarint(tag);
      else r.skip(tag);
    }
  };

  /**
   * Emits a metric judged REBUILD (field [fieldStart, fieldEnd)): its other fields as they were, only
   * the last data field, and in it only the kept points (stamped ones with the default attributes).
   */
  #emitMetric(fieldStart: number, fieldEnd: number): void {
    const r = this.r;
    const out = this.out;
    const parentEnd = r.end;
    r.pos = fieldStart;
    r.end = fieldEnd;
    r.tag();
    const len = r.len();
    const contentStart = r.pos;
    const end = contentStart + len;
    const verdicts = this.#rebuilds.get(contentStart) ?? [];
    let dataFields = 0;
    while (r.pos < end) {
      const tag = r.tag();
      if (DATA_KIND_BY_TAG.has(tag)) dataFields++;
      r.skip(tag);
    }
    const mark = out.open();
    r.pos = contentStart;
    let seen = 0;
    while (r.pos < end) {
      const s = r.pos;
      const tag = r.tag();
      const kind = DATA_KIND_BY_TAG.get(tag);
      if (kind === undefined) {
        r.skip(tag);
        out.push(this.body.subarray(s, r.pos));
        continue;
      }
      const l = r.len();
      const e = r.pos + l;
      if (++seen === dataFields) this.#emitData(kind, tag, r.pos, e, verdicts);
      r.pos = e;
    }
    out.close(mark, T_CHILDREN);
    r.end = parentEnd;
  }

  #emitData(kind: DataKind, tag: number, start: number, end: number, verdicts: readonly number[]): void {
    const r = this.r;
    const out = this.out;
    const mark = out.open();
    const parentEnd = r.end;
    r.end = end;
    r.pos = start;
    const defaults = this.#pointDefaults[POINT_DEFAULTS_INDEX[kind]] as readonly Uint8Array[];
    let point = 0;
    while (r.pos < end) {
      const s = r.pos;
      const t = r.tag();
      if (t !== tagOf(1, LEN)) {
        r.skip(t);
        out.push(this.body.subarray(s, r.pos));
        continue;
      }
      const len = r.len();
      const contentStart = r.pos;
      const e = contentStart + len;
      r.pos = e;
      const verdict = verdicts[point++] ?? POINT_KEEP;
      if (verdict === POINT_DROP) continue;
      if (verdict === POINT_KEEP) {
        out.push(this.body.subarray(s, e));
        continue;
      }
      // Which defaults are missing: walk the point's attributes again (only stamped points pay this).
      this.itemFacts.reset();
      r.pos = contentStart;
      r.end = e;
      this.#point(kind, e);
      r.end = end;
      r.pos = e;
      const pm = out.open();
      out.push(this.body.subarray(contentStart, e));
      for (let i = 0; i < defaults.length; i++) {
        if (!this.itemFacts.has(this.policy.defaultPointKeys[i] as number)) out.push(defaults[i] as Uint8Array);
      }
      out.close(pm, tagOf(1, LEN));
    }
    r.end = parentEnd;
    out.close(mark, tag);
  }

  // ---- attributes ----

  /**
   * Walks one length-delimited message with `walk`, keeping every read inside it. The walks that
   * take more than `end` (attributes, AnyValues, data points, log bodies) repeat these five lines
   * inline on purpose: sharing them (a closure per field, or enter/leave methods on WireReader)
   * measured up to 10 % slower on a scan micro-bench (more calls for the JIT to inline per field).
   */
  #nested(walk: (end: number) => void): void {
    const r = this.r;
    const len = r.len();
    const e = r.pos + len;
    const parentEnd = r.end;
    r.end = e;
    walk(e);
    r.end = parentEnd;
    r.pos = e;
  }

  #violate(reason: number): void {
    if (this.violation === -1) this.violation = reason;
  }

  #checkCount(n: number): void {
    if (n > this.limits.maxAttributesPerItem) this.#violate(this.policy.limitReason.maxAttributesPerItem);
  }

  #resource(end: number): void {
    const r = this.r;
    const facts = this.resFacts;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(1, LEN)) this.#attribute(facts);
      else r.skip(tag);
    }
    this.#checkCount(facts.count);
  }

  #scope(end: number): void {
    const r = this.r;
    let n = 0;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(3, LEN)) {
        this.#attribute(NO_FACTS);
        n++;
      } else r.skip(tag);
    }
    this.#checkCount(n);
  }

  /** One attribute (a KeyValue field whose tag was just read), noted in `facts` when given. */
  #attribute(facts: KeyFacts | null): void {
    const r = this.r;
    const entryStart = r.tagAt;
    const len = r.len();
    const end = r.pos + len;
    const parentEnd = r.end;
    r.end = end;
    this.#keyValue(end, 1, facts, entryStart);
    r.end = parentEnd;
    r.pos = end;
  }

  /** A KeyValue at `depth`; returns nothing, records key/value ranges in facts. */
  #keyValue(end: number, depth: number, facts: KeyFacts | null, entryStart: number): void {
    const r = this.r;
    let keyStart = -1;
    let keyEnd = -1;
    let valueStart = -1;
    let valueEnd = -1;
    let known = false;
    while (r.pos < end) {
      const tag = r.tag();
      if (tag === tagOf(1, LEN)) {
        const len = r.len();
        keyStart = r.pos;
        keyEnd = r.pos + len;
        r.pos = keyEnd;
      } else if (tag === tagOf(2, LEN)) {
        const len = r.len();
        valueStart = r.pos;
        valueEnd = r.pos + len;
        const parentEnd = r.end;
        r.end = valueEnd;
        known = this.#anyValue(valueEnd, depth, false);
        r.end = parentEnd;
        r.pos = valueEnd;
      } else r.skip(tag);
    }
    if (keyEnd - keyStart > this.limits.maxAttributeKeyBytes) this.#violate(this.policy.limitReason.maxAttributeKeyBytes);
    if (facts !== null) {
      facts.count++;
      if (keyStart !== -1) facts.note(this.body, keyStart, keyEnd, valueStart, valueEnd, valueStart !== -1 && known, entryStart, end);
      else facts.note(this.body, 0, 0, valueStart, valueEnd, valueStart !== -1 && known, entryStart, end);
    }
  }

  /**
   * An AnyValue at `depth` (checked first, as the decoder does); returns whether it holds a known
   * member (an empty AnyValue does not satisfy a "required attribute" rule). `body` exempts a log
   * record's own body string from the value length limit.
   */
  #anyValue(end: number, depth: number, body: boolean): boolean {
    const r = this.r;
    if (depth > this.limits.maxAnyValueDepth) r.fail(`AnyValue nesting deeper than ${this.limits.maxAnyValueDepth} at offset ${r.pos}`);
    let known = false;
    while (r.pos < end) {
      const tag = r.tag();
      switch (tag) {
        case tagOf(1, LEN):
        case tagOf(7, LEN): {
          const len = r.len();
          if (len > this.limits.maxAttributeValueBytes && !(body && depth === 1)) this.#violate(this.policy.limitReason.maxAttributeValueBytes);
          r.pos += len;
          known = true;
          break;
        }
        case tagOf(2, VARINT):
        case tagOf(3, VARINT):
          r.varint();
          known = true;
          break;
        case tagOf(4, I64):
          r.fixed(8);
          known = true;
          break;
        case tagOf(5, LEN): {
          const len = r.len();
          const e = r.pos + len;
          const parentEnd = r.end;
          r.end = e;
          let n = 0;
          while (r.pos < e) {
            const t = r.tag();
            if (t === tagOf(1, LEN)) {
              const l = r.len();
              const ee = r.pos + l;
              const pe = r.end;
              r.end = ee;
              this.#anyValue(ee, depth + 1, false);
              r.end = pe;
              r.pos = ee;
              n++;
            } else r.skip(t);
          }
          r.end = parentEnd;
          this.#checkCount(n);
          known = true;
          break;
        }
        case tagOf(6, LEN): {
          const len = r.len();
          const e = r.pos + len;
          const parentEnd = r.end;
          r.end = e;
          let n = 0;
          while (r.pos < e) {
            const t = r.tag();
            if (t === tagOf(1, LEN)) {
              const entryStart = r.tagAt;
              const l = r.len();
              const ee = r.pos + l;
              const pe = r.end;
              r.end = ee;
              this.#keyValue(ee, depth + 1, NO_FACTS, entryStart);
              r.end = pe;
              r.pos = ee;
              n++;
            } else r.skip(t);
          }
          r.end = parentEnd;
          this.#checkCount(n);
          known = true;
          break;
        }
        default:
          r.skip(tag);
      }
    }
    return known;
  }
}

const KEEP = 1;
const DROP = 0;
const REBUILD = 2;
const KEPT = 1;
const DROPPED = 0;
const REBUILT = 2;
/** #data mode for data fields the decoder ignores (an earlier member of the oneof). */
const CHECK_ONLY = -2;
const POINT_DROP = 0;
const POINT_KEEP = 1;
const POINT_STAMP = 2;
const EXEMPLAR_TAG: Record<DataKind, number> = { gauge: tagOf(5, LEN), sum: tagOf(5, LEN), histogram: tagOf(8, LEN), exponential: tagOf(11, LEN), summary: -1 };
const POINT_DEFAULTS_INDEX: Record<DataKind, number> = { gauge: 0, sum: 0, summary: 0, histogram: 1, exponential: 2 };

/** Placeholder value in `setResourceAttributes` replaced by the request's account id. */
export const ACCOUNT_PLACEHOLDER = '\u0000account';

/** Scalar text of an AnyValue's bytes for opt-in equality: string, bool, int or double; else undefined. */
export function scalarText(buf: Uint8Array, start: number, end: number): string | undefined {
  const r = new WireReader(buf);
  r.pos = start;
  r.end = end;
  let text: string | undefined;
  while (r.pos < end) {
    const tag = r.tag();
    switch (tag) {
      case tagOf(1, LEN): {
        const len = r.len();
        text = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('utf8', r.pos, r.pos + len);
        r.pos += len;
        break;
      }
      case tagOf(2, VARINT):
        text = r.varint() !== 0 || r.wide ? 'true' : 'false';
        break;
      case tagOf(3, VARINT): {
        const s = r.pos;
        r.varint();
        text = BigInt.asIntN(64, readVarint64(buf, s)).toString();
        break;
      }
      case tagOf(4, I64):
        text = String(new DataView(buf.buffer, buf.byteOffset + r.pos, 8).getFloat64(0, true));
        r.pos += 8;
        break;
      case tagOf(5, LEN):
      case tagOf(6, LEN):
      case tagOf(7, LEN):
        r.skip(tag);
        text = undefined;
        break;
      default:
        r.skip(tag);
    }
  }
  return text;
}

function readVarint64(buf: Uint8Array, pos: number): bigint {
  let v = 0n;
  let shift = 0n;
  for (;;) {
    const b = buf[pos++] as number;
    v |= BigInt(b & 0x7f) << shift;
    if (b < 0x80) return v;
    shift += 7n;
  }
}

