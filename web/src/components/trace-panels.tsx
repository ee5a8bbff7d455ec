import type { ComponentChildren } from 'preact';
import { useMemo, useState } from 'preact/hooks';
import type { LogRow, Span } from '../api/types.js';
import { spanKey } from '../lib/span-tree.js';
import { compareNs } from '../lib/time.js';
import { Card, Empty } from './states.js';
import { LogTable } from './log-table.js';
import { SpanDetails } from './span-details.js';
import { Waterfall } from './waterfall.js';

/**
 * The waterfall, the selected span's details and the correlated logs, wired together: clicking a
 * span opens its details; clicking a log line selects (and reveals) its span. Used by the trace
 * page and the process instance page.
 */
export function TracePanels({ spans, logs, names, logsState }: { spans: readonly Span[]; logs: readonly LogRow[] | undefined; names: ReadonlyMap<string, string>; logsState?: ComponentChildren }) {
  const [selected, setSelected] = useState<string | null>(null);
  const byKey = useMemo(() => new Map(spans.map((s) => [spanKey(s.traceId, s.spanId), s])), [spans]);
  const span = selected === null ? undefined : byKey.get(selected);
  // Oldest first, whatever order the API answered in: they read along the waterfall.
  const sortedLogs = useMemo(() => (logs === undefined ? undefined : [...logs].sort((a, b) => compareNs(a.timeUnixNano, b.timeUnixNano))), [logs]);
  return (
    <>
      <div class={`trace-layout${span === undefined ? '' : ' with-details'}`}>
        <Card title="Waterfall">
          <Waterfall spans={spans} names={names} selectedKey={selected} onSelect={setSelected} />
        </Card>
        {span === undefined ? null : <SpanDetails span={span} names={names} onClose={() => setSelected(null)} />}
      </div>
      <Card title={`Logs${sortedLogs === undefined ? '' : ` (${sortedLogs.length})`}`} id="logs">
        {logsState ??
          (sortedLogs === undefined || sortedLogs.length === 0 ? (
            <Empty>No logs correlated with these spans.</Empty>
          ) : (
            <LogTable logs={sortedLogs} names={names} selectedKey={selected} onPick={setSelected} />
          ))}
      </Card>
    </>
  );
}
