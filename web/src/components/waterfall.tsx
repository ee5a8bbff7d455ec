import { useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import { HIDDEN_ACCOUNT, type Span } from '../api/types.js';
import { accountLabel, accountShort, colourMap, ERROR_COLOUR, HIDDEN_COLOUR } from '../lib/accounts.js';
import { formatNsDuration, niceStep } from '../lib/format.js';
import { ancestors, buildSpanTree, isErrorSpan, visibleRows, type SpanNode } from '../lib/span-tree.js';

const ROW_PX = 28;
const MAX_BODY_PX = 560;
/** Rows drawn above and below the visible window, so fast scrolling shows no blank rows. */
const OVERSCAN_ROWS = 12;
const INDENT_PX = 14;
const MAX_INDENT_LEVELS = 24;
const MAX_EVENT_MARKS = 50;

export interface WaterfallProps {
  spans: readonly Span[];
  names: ReadonlyMap<string, string>;
  selectedKey: string | null;
  onSelect: (key: string | null) => void;
}

/**
 * The cross-account waterfall: a span tree (nested by parent id, collapsible) against one time
 * axis, one colour per account (with a legend), errors in red *and* marked with ⚠ and the word
 * "error", other accounts' spans for a viewer drawn as grey hidden timing. Rows are windowed: only
 * the rows in view are in the DOM, so a trace of tens of thousands of spans stays responsive.
 */
export function Waterfall({ spans, names, selectedKey, onSelect }: WaterfallProps) {
  const tree = useMemo(() => buildSpanTree(spans), [spans]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(() => new Set());
  const rows = useMemo(() => visibleRows(tree, collapsed), [tree, collapsed]);
  const colours = useMemo(() => colourMap(rowsInTimeOrder(tree.byKey).map((n) => n.span.accountId)), [tree]);
  const body = useRef<HTMLDivElement>(null);
  const [scrollTop, setScrollTop] = useState(0);
  const [viewportPx, setViewportPx] = useState(MAX_BODY_PX);
  const errorCount = useMemo(() => spans.filter(isErrorSpan).length, [spans]);

  // A span selected from outside (a log line) may sit in a collapsed branch: open it and scroll to it.
  useLayoutEffect(() => {
    if (selectedKey === null || !tree.byKey.has(selectedKey)) return;
    const up = ancestors(tree, selectedKey);
    if (up.some((k) => collapsed.has(k))) {
      setCollapsed((c) => new Set([...c].filter((k) => !up.includes(k))));
      return;
    }
    const index = rows.findIndex((r) => r.key === selectedKey);
    const el = body.current;
    if (index < 0 || el === null) return;
    const top = index * ROW_PX;
    if (top < el.scrollTop || top + ROW_PX > el.scrollTop + el.clientHeight) el.scrollTop = Math.max(0, top - el.clientHeight / 2);
  }, [selectedKey, tree, rows, collapsed]);

  useEffect(() => {
    const el = body.current;
    if (el === null) return undefined;
    const ro = new ResizeObserver(() => setViewportPx(el.clientHeight || MAX_BODY_PX));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  const extent = Math.max(1, tree.extentNs);
  const step = niceStep(extent, 6);
  const ticks: number[] = [];
  for (let t = 0; t <= extent + step / 1e6; t += step) ticks.push(t);
  const pct = (ns: number): number => Math.min(100, Math.max(0, (ns / extent) * 100));

  const first = Math.max(0, Math.floor(scrollTop / ROW_PX) - OVERSCAN_ROWS);
  const last = Math.min(rows.length, Math.ceil((scrollTop + viewportPx) / ROW_PX) + OVERSCAN_ROWS);
  const shown = rows.slice(first, last);

  const toggle = (key: string): void =>
    setCollapsed((c) => {
      const next = new Set(c);
      if (next.has(key)) next.delete(key);
      else next.add(key);
      return next;
    });

  if (spans.length === 0) return <div class="state state-empty">No spans.</div>;

  return (
    <div class="waterfall" data-spans={spans.length} data-rows={rows.length}>
      <div class="wf-legend" aria-label="accounts">
        {[...colours].map(([id, colour]) => (
          <span class="legend-item" key={id} data-legend-account={id}>
            <span class={`swatch${id === HIDDEN_ACCOUNT ? ' swatch-hidden' : ''}`} style={{ background: colour }} aria-hidden="true" />
            {accountLabel(id, names)}
          </span>
        ))}
        {errorCount > 0 ? (
          <span class="legend-item legend-error">
            <span class="swatch" style={{ background: ERROR_COLOUR }} aria-hidden="true" />⚠ error ({errorCount})
          </span>
        ) : null}
        <span class="wf-summary muted">
          {spans.length} spans · {formatNsDuration(tree.extentNs)}
          {rows.length < spans.length ? ` · ${spans.length - rows.length} collapsed` : ''}
        </span>
        <span class="wf-tools">
          <button type="button" class="ghost small" onClick={() => setCollapsed(new Set())}>
            Expand all
          </button>
          <button type="button" class="ghost small" onClick={() => setCollapsed(new Set(tree.roots.filter((r) => r.children.length > 0).map((r) => r.key)))}>
            Collapse all
          </button>
        </span>
      </div>
      <div class="wf-head" aria-hidden="true">
        <div class="wf-label-col">Span</div>
        <div class="wf-axis">
          {ticks.map((t) => (
            <span class="wf-tick" key={t} style={{ left: `${pct(t)}%` }}>
              {formatNsDuration(t)}
            </span>
          ))}
        </div>
      </div>
      <div class="wf-body" ref={body} role="tree" aria-label="span tree" style={{ maxHeight: `${MAX_BODY_PX}px` }} onScroll={(e) => setScrollTop(e.currentTarget.scrollTop)}>
        <div class="wf-canvas" style={{ height: `${rows.length * ROW_PX}px` }}>
          <div class="wf-grid" aria-hidden="true">
            {ticks.map((t) => (
              <span key={t} style={{ left: `${pct(t)}%` }} />
            ))}
          </div>
          {shown.map((node, i) => (
            <Row
              key={node.key}
              node={node}
              top={(first + i) * ROW_PX}
              colour={colours.get(node.span.accountId) ?? HIDDEN_COLOUR}
              names={names}
              selected={node.key === selectedKey}
              collapsed={collapsed.has(node.key)}
              extent={extent}
              onSelect={() => onSelect(node.key === selectedKey ? null : node.key)}
              onToggle={() => toggle(node.key)}
            />
          ))}
        </div>
      </div>
    </div>
  );
}

function rowsInTimeOrder(byKey: ReadonlyMap<string, SpanNode>): SpanNode[] {
  return [...byKey.values()].sort((a, b) => a.startOffsetNs - b.startOffsetNs);
}

interface RowProps {
  node: SpanNode;
  top: number;
  colour: string;
  names: ReadonlyMap<string, string>;
  selected: boolean;
  collapsed: boolean;
  extent: number;
  onSelect: () => void;
  onToggle: () => void;
}

function Row({ node, top, colour, names, selected, collapsed, extent, onSelect, onToggle }: RowProps) {
  const { span } = node;
  const hidden = span.accountId === HIDDEN_ACCOUNT;
  const error = isErrorSpan(span);
  const left = (node.startOffsetNs / extent) * 100;
  const width = Math.max(0.15, (node.durationNs / extent) * 100);
  // The duration goes after the bar, or inside a bar that reaches the right edge, or before it.
  const place = left + width < 78 ? 'after' : width > 14 ? 'inside' : 'before';
  const title = hidden ? 'a span of another account: timing only' : `${span.serviceName ?? ''} ${span.name}`.trim();
  return (
    <div
      class={`wf-row${selected ? ' is-selected' : ''}${error ? ' is-error' : ''}${hidden ? ' is-hidden' : ''}`}
      style={{ top: `${top}px`, height: `${ROW_PX}px` }}
      role="treeitem"
      aria-level={node.depth + 1}
      aria-selected={selected}
      aria-expanded={node.children.length > 0 ? !collapsed : undefined}
      tabIndex={0}
      data-span-id={span.spanId}
      data-account={span.accountId}
      data-start-ns={span.startTimeUnixNano}
      data-error={error ? 'true' : 'false'}
      onClick={onSelect}
      onKeyDown={(e) => {
        if (e.key === 'Enter' || e.key === ' ') {
          e.preventDefault();
          onSelect();
        } else if ((e.key === 'ArrowLeft' && !collapsed) || (e.key === 'ArrowRight' && collapsed)) {
          if (node.children.length > 0) onToggle();
        }
      }}
    >
      <div class="wf-label-col wf-label" title={title}>
        <span class="wf-indent" style={{ width: `${Math.min(node.depth, MAX_INDENT_LEVELS) * INDENT_PX}px` }} />
        {node.children.length > 0 ? (
          <button
            type="button"
            class="wf-toggle"
            aria-label={collapsed ? `expand ${node.descendants} spans` : 'collapse'}
            onClick={(e) => {
              e.stopPropagation();
              onToggle();
            }}
          >
            {collapsed ? '▸' : '▾'}
          </button>
        ) : (
          <span class="wf-toggle-space" />
        )}
        <span class={`swatch${hidden ? ' swatch-hidden' : ''}`} style={{ background: colour }} aria-hidden="true" />
        {hidden ? (
          <span class="wf-name muted">hidden span</span>
        ) : (
          <>
            {error ? (
              <span class="wf-error-mark" title="status ERROR">
                ⚠<span class="sr-only"> error</span>
              </span>
            ) : null}
            <span class="wf-service">{span.serviceName ?? ''}</span>
            <span class="wf-name">{span.name}</span>
          </>
        )}
        <span class="wf-account muted">{accountShort(span.accountId, names)}</span>
        {collapsed ? <span class="wf-count">+{node.descendants}</span> : null}
      </div>
      <div class="wf-track">
        <span
          class={`wf-bar${error ? ' wf-bar-error' : ''}${hidden ? ' wf-bar-hidden' : ''}`}
          style={{ left: `${left}%`, width: `${width}%`, ...(hidden ? {} : { background: error ? ERROR_COLOUR : colour }) }}
        />
        {(span.events ?? []).slice(0, MAX_EVENT_MARKS).map((ev, i) => {
          const at = eventOffsetNs(span, ev.timeUnixNano);
          return at === null ? null : <span key={i} class="wf-event" title={ev.name ?? 'event'} style={{ left: `${((node.startOffsetNs + at) / extent) * 100}%` }} />;
        })}
        <span
          class={`wf-duration${error ? ' wf-duration-error' : ''}${place === 'inside' && !hidden ? ' wf-duration-inside' : ''}`}
          style={place === 'after' ? { left: `calc(${left + width}% + 4px)` } : place === 'inside' ? { right: `calc(${100 - left - width}% + 6px)` } : { right: `calc(${100 - left}% + 4px)` }}
        >
          {formatNsDuration(node.durationNs)}
          {error ? ' · error' : ''}
        </span>
      </div>
    </div>
  );
}

/** An event's time relative to its span's start, or null when the API gave no usable time. */
function eventOffsetNs(span: Span, time: string | undefined): number | null {
  if (time === undefined || !/^\d{1,20}$/.test(time) || time === '0') return null;
  return Number(BigInt(time) - BigInt(span.startTimeUnixNano));
}
