import type { Span } from '../api/types.js';

/** One row of the waterfall: a span, its depth in the tree and how many spans hang below it. */
export interface SpanNode {
  /** traceId/spanId: an instance's spans come from several traces. */
  key: string;
  span: Span;
  children: SpanNode[];
  depth: number;
  descendants: number;
  startOffsetNs: number;
  durationNs: number;
}

export interface SpanTree {
  roots: SpanNode[];
  byKey: Map<string, SpanNode>;
  /** Earliest start (ns string) and the whole extent in ns. */
  startNs: string;
  extentNs: number;
}

export const spanKey = (traceId: string, spanId: string): string => `${traceId}/${spanId}`;

const cmpStart = (a: SpanNode, b: SpanNode): number => a.startOffsetNs - b.startOffsetNs || a.span.name.localeCompare(b.span.name);

/**
 * Nests spans by parent id. A span whose parent is absent (another trace's root, a parent that was
 * not sent, or a step whose trace context was lost on a queue) becomes a root. Siblings and roots
 * are ordered by start time, so a depth-first walk reads in time order along each branch.
 */
export function buildSpanTree(spans: readonly Span[]): SpanTree {
  const extent = spanExtent(spans);
  const base = extent?.startNs ?? 0n;
  const byKey = new Map<string, SpanNode>();
  for (const s of spans) {
    const st = BigInt(s.startTimeUnixNano);
    const en = BigInt(s.endTimeUnixNano);
    const key = spanKey(s.traceId, s.spanId);
    byKey.set(key, { key, span: s, children: [], depth: 0, descendants: 0, startOffsetNs: Number(st - base), durationNs: Math.max(0, Number(en - st)) });
  }
  const roots: SpanNode[] = [];
  for (const node of byKey.values()) {
    const parentId = node.span.parentSpanId;
    const parent = parentId === '' ? undefined : byKey.get(spanKey(node.span.traceId, parentId));
    if (parent === undefined || parent === node) roots.push(node);
    else parent.children.push(node);
  }
  roots.sort(cmpStart);
  // Iterative walk: a hostile or broken trace can nest deeper than the call stack.
  const stack: SpanNode[] = [...roots].reverse();
  const order: SpanNode[] = [];
  const seen = new Set<SpanNode>();
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    order.push(node);
    node.children.sort(cmpStart);
    for (let i = node.children.length - 1; i >= 0; i--) {
      const child = node.children[i]!;
      child.depth = node.depth + 1;
      stack.push(child);
    }
  }
  // Parent cycles (a → b → a) are unreachable from any root: show them as roots rather than lose them.
  for (const node of byKey.values()) {
    if (!seen.has(node)) {
      node.children = [];
      roots.push(node);
      order.push(node);
    }
  }
  for (let i = order.length - 1; i >= 0; i--) {
    const node = order[i]!;
    node.descendants = node.children.reduce((n, c) => n + 1 + c.descendants, 0);
  }
  return { roots, byKey, startNs: base.toString(), extentNs: extent === null ? 0 : Number(extent.endNs - extent.startNs) };
}

/** The earliest start and the latest end of `spans` (unix ns), or null when there are none. */
export function spanExtent(spans: readonly Span[]): { startNs: bigint; endNs: bigint } | null {
  let min: bigint | null = null;
  let max: bigint | null = null;
  for (const s of spans) {
    const st = BigInt(s.startTimeUnixNano);
    const en = BigInt(s.endTimeUnixNano);
    if (min === null || st < min) min = st;
    if (max === null || en > max) max = en;
  }
  return min === null || max === null ? null : { startNs: min, endNs: max };
}

/** The rows to show: a depth-first walk that skips the children of collapsed spans. */
export function visibleRows(tree: SpanTree, collapsed: ReadonlySet<string>): SpanNode[] {
  const out: SpanNode[] = [];
  const stack: SpanNode[] = [...tree.roots].reverse();
  while (stack.length > 0) {
    const node = stack.pop()!;
    out.push(node);
    if (collapsed.has(node.key)) continue;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]!);
  }
  return out;
}

/** The spans on the way from a root to `key`, so a selected span deep in a collapsed branch can be shown. */
export function ancestors(tree: SpanTree, key: string): string[] {
  const out: string[] = [];
  let node = tree.byKey.get(key);
  const guard = new Set<string>();
  while (node !== undefined && node.span.parentSpanId !== '' && !guard.has(node.key)) {
    guard.add(node.key);
    const parentKey = spanKey(node.span.traceId, node.span.parentSpanId);
    if (!tree.byKey.has(parentKey)) break;
    out.push(parentKey);
    node = tree.byKey.get(parentKey);
  }
  return out;
}

export const SPAN_KINDS = ['unspecified', 'internal', 'server', 'client', 'producer', 'consumer'];
export const STATUS_CODES = ['unset', 'ok', 'error'];

export function isErrorSpan(s: Span): boolean {
  return s.status?.code === 2;
}
