/** Number and duration display. */

const intFmt = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });
const oneFmt = new Intl.NumberFormat('en', { maximumFractionDigits: 1 });
const twoFmt = new Intl.NumberFormat('en', { maximumFractionDigits: 2 });

export function formatCount(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  return intFmt.format(n);
}

/** Short form for axes and KPIs: 1.2k, 3.4M. */
export function formatCompact(n: number | null | undefined): string {
  if (n === null || n === undefined || !Number.isFinite(n)) return '—';
  const abs = Math.abs(n);
  if (abs >= 1e9) return `${oneFmt.format(n / 1e9)}G`;
  if (abs >= 1e6) return `${oneFmt.format(n / 1e6)}M`;
  if (abs >= 1e4) return `${oneFmt.format(n / 1e3)}k`;
  if (abs >= 100 || Number.isInteger(n)) return intFmt.format(n);
  return twoFmt.format(n);
}

/** A duration in milliseconds: `850 µs`, `12.3 ms`, `4.5 s`, `3 min 20 s`, `2 h 5 min`. */
export function formatDurationMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  if (ms < 0) return `-${formatDurationMs(-ms)}`;
  if (ms === 0) return '0';
  if (ms < 1) return `${intFmt.format(ms * 1000)} µs`;
  if (ms < 1000) return `${ms < 10 ? twoFmt.format(ms) : oneFmt.format(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${twoFmt.format(s)} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min ${Math.round(s - min * 60)} s`;
  const h = Math.floor(min / 60);
  return `${h} h ${min - h * 60} min`;
}

export function formatNsDuration(ns: number): string {
  return formatDurationMs(ns / 1e6);
}

export function formatPercent(ratio: number | null | undefined): string {
  if (ratio === null || ratio === undefined || !Number.isFinite(ratio)) return '—';
  return `${oneFmt.format(ratio * 100)} %`;
}

/** An attribute value or a log body (any JSON the API returns) as one line of text: strings as they are, structures as JSON. */
export function formatValue(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (v === null || v === undefined) return '';
  return JSON.stringify(v);
}

/** Tick step for an axis of `span` units with about `target` ticks: 1, 2 or 5 × 10^n. */
export function niceStep(span: number, target: number): number {
  if (!(span > 0) || !(target > 0)) return 1;
  const raw = span / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const norm = raw / mag;
  const nice = norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10;
  return nice * mag;
}
