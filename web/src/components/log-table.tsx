import type { LogRow } from '../api/types.js';
import { accountShort } from '../lib/accounts.js';
import { formatValue } from '../lib/format.js';
import { spanKey } from '../lib/span-tree.js';
import { formatTime } from '../lib/time.js';
import { SeverityBadge } from './badges.js';
import { DataTable, type Column } from './data-table.js';

const COLUMNS: readonly Column[] = ['time', 'severity', 'account', 'service', ['body', 'wide']];

export interface LogTableProps {
  logs: readonly LogRow[];
  names: ReadonlyMap<string, string>;
  /** Clicking a line that belongs to a span picks that span's key (traceId/spanId: the waterfall highlights it). */
  onPick?: (key: string) => void;
  /** traceId/spanId of the selected span: its lines are highlighted. */
  selectedKey?: string | null;
  showTrace?: boolean;
}

export function LogTable({ logs, names, onPick, selectedKey = null, showTrace = true }: LogTableProps) {
  return (
    <DataTable label="logs" class="logs" columns={showTrace ? [...COLUMNS, 'trace'] : COLUMNS}>
      {logs.map((l, i) => {
        const key = l.traceId && l.spanId ? spanKey(l.traceId, l.spanId) : null;
        const pickable = onPick !== undefined && key !== null;
        return (
          <tr
            key={`${l.timeUnixNano}-${i}`}
            class={`${pickable ? 'clickable' : ''}${key !== null && key === selectedKey ? ' is-selected' : ''}`}
            data-span-id={l.spanId ?? ''}
            onClick={pickable ? () => onPick(key) : undefined}
            title={pickable ? 'show this line’s span in the waterfall' : undefined}
          >
            <td class="nowrap mono">{formatTime(l.timeUnixNano)}</td>
            <td>
              <SeverityBadge text={l.severityText} number={l.severityNumber} />
            </td>
            <td class="nowrap">{accountShort(l.accountId, names)}</td>
            <td class="nowrap">{l.serviceName || l.sourceName}</td>
            <td class="body">{formatValue(l.body)}</td>
            {showTrace ? (
              <td class="nowrap">
                {l.traceId ? (
                  <a class="mono" href={`/traces/${l.traceId}`} onClick={(e) => e.stopPropagation()}>
                    {l.traceId.slice(0, 8)}…
                  </a>
                ) : (
                  <span class="muted">—</span>
                )}
              </td>
            ) : null}
          </tr>
        );
      })}
    </DataTable>
  );
}
