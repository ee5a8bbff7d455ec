/**
 * The agent's opt-in rules (what a workload account lets leave for the hub), compiled for the
 * scanner. An empty include sends nothing: opting in is explicit. Several logs/traces attributes
 * must all match (AND), each on the item or its resource (last occurrence, scalar text); several
 * metric globs are alternatives (OR); `minSeverity` keeps log records at or above the level (a
 * record without a severity number falls back to its severity text; one with neither is dropped).
 */
export interface OptInInclude {
  metrics: { names: readonly string[] };
  logs: { attributes: Readonly<Record<string, string>>; minSeverity: string | number | null };
  traces: { attributes: Readonly<Record<string, string>> };
}

export interface OptIn {
  /** Metric name globs; empty = no metric passes. */
  metricNames: readonly RegExp[];
  /** False when neither log attributes nor a minimum severity are set: no log record passes. */
  logsEnabled: boolean;
  logAttributes: readonly [string, string][];
  minSeverityNumber: number | undefined;
  /** Trace attributes; empty = no span passes. */
  traceAttributes: readonly [string, string][];
}

/** OTLP SeverityNumber of the lowest level of each named range. */
const SEVERITY_BY_NAME: Readonly<Record<string, number>> = {
  TRACE: 1,
  DEBUG: 5,
  INFO: 9,
  WARN: 13,
  WARNING: 13,
  ERROR: 17,
  FATAL: 21,
};

/** The SeverityNumber a name (TRACE…FATAL, optionally with a 2–4 suffix) or a number stands for. */
export function severityNumberOf(severity: string | number): number | undefined {
  if (typeof severity === 'number') return Number.isInteger(severity) && severity >= 1 && severity <= 24 ? severity : undefined;
  const m = /^([A-Za-z]+)([2-4])?$/.exec(severity.trim());
  if (m === null) return undefined;
  const base = SEVERITY_BY_NAME[(m[1] ?? '').toUpperCase()];
  if (base === undefined) return undefined;
  return base + (m[2] === undefined ? 0 : Number(m[2]) - 1);
}

/** Compiles a glob with `*` (any run) and `?` (one character) into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (const c of glob) {
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else re += c.replace(/[\\^$.*+?()[\]{}|/-]/g, '\\$&');
  }
  return new RegExp(`${re}$`, 's');
}

/** Compiles an include; throws TypeError on an unknown minSeverity (a configuration error). */
export function compileOptIn(include: OptInInclude): OptIn {
  let minSeverityNumber: number | undefined;
  if (include.logs.minSeverity !== null) {
    minSeverityNumber = severityNumberOf(include.logs.minSeverity);
    if (minSeverityNumber === undefined) throw new TypeError(`opt-in filter: unknown minSeverity ${JSON.stringify(include.logs.minSeverity)}`);
  }
  const logAttributes = Object.entries(include.logs.attributes);
  return {
    metricNames: include.metrics.names.map(globToRegExp),
    logsEnabled: logAttributes.length > 0 || minSeverityNumber !== undefined,
    logAttributes,
    minSeverityNumber,
    traceAttributes: Object.entries(include.traces.attributes),
  };
}
