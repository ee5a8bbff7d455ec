import { withQuery } from '../api/client.js';
import type { Alert } from '../api/types.js';
import { DataTable } from '../components/data-table.js';
import { Async, Card } from '../components/states.js';
import { formatAgo, formatTime, msToNs } from '../lib/time.js';
import { useApi } from '../lib/use-api.js';
import { useQuery } from '../lib/use-query.js';

/** An alert's console link as an in-app path when it points at this console, else as given. */
function linkOf(url: string): { href: string; external: boolean } {
  try {
    const u = new URL(url, window.location.origin);
    if (u.origin === window.location.origin) return { href: `${u.pathname}${u.search}`, external: false };
    if (u.protocol === 'http:' || u.protocol === 'https:') return { href: u.toString(), external: true };
  } catch {
    // fall through: not a URL
  }
  return { href: '', external: true };
}

const isoToNs = (iso: string | null): string | null => {
  if (iso === null) return null;
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? msToNs(ms) : null;
};

/** `/alerts`: firing (and, on request, resolved) alerts of the hub's process and account rules. */
export function AlertsView() {
  const { query, setQuery } = useQuery();
  const stateFilter = query['state'] === 'resolved' || query['state'] === 'all' ? query['state'] : 'firing';
  const state = useApi<{ alerts: Alert[] }>(withQuery('/api/alerts', { state: stateFilter === 'all' ? undefined : stateFilter }), 15_000);
  return (
    <>
      <div class="page-head">
        <h1>Alerts</h1>
        <div class="segmented" role="group" aria-label="alert state">
          {(['firing', 'resolved', 'all'] as const).map((s) => (
            <button key={s} type="button" class={stateFilter === s ? 'active' : ''} aria-pressed={stateFilter === s} onClick={() => setQuery({ state: s === 'firing' ? null : s }, { replace: true })}>
              {s}
            </button>
          ))}
        </div>
      </div>
      <Card>
        <Async state={state} what="alerts" isEmpty={(d) => d.alerts.length === 0} empty={stateFilter === 'firing' ? 'No alert is firing.' : 'No alerts.'}>
          {(d) => (
            <DataTable label="alerts" columns={['state', 'alert', 'summary', 'labels', 'since', 'ended', '']}>
              {d.alerts.map((a, i) => {
                const link = linkOf(a.generatorURL);
                return (
                  <tr key={`${a.name}-${a.startsAt}-${i}`} data-alert={a.name} data-state={a.state}>
                    <td>
                      {a.state === 'firing' ? (
                        <span class="badge badge-failed">
                          <span aria-hidden="true">▲</span> firing
                        </span>
                      ) : (
                        <span class="badge badge-completed">
                          <span aria-hidden="true">✓</span> resolved
                        </span>
                      )}
                    </td>
                    <td>
                      <strong>{a.name}</strong>
                    </td>
                    <td>{a.summary}</td>
                    <td>
                      {Object.entries(a.labels).map(([k, v]) => (
                        <span key={k} class="label-chip">
                          {k}={v}
                        </span>
                      ))}
                    </td>
                    <td class="nowrap" title={a.startsAt}>
                      {formatAgo(isoToNs(a.startsAt))}
                    </td>
                    <td class="nowrap">{a.endsAt === null || a.state === 'firing' ? '—' : formatTime(isoToNs(a.endsAt), false)}</td>
                    <td>
                      {link.href === '' ? null : link.external ? (
                        <a href={link.href} target="_blank" rel="noopener noreferrer">
                          open ↗
                        </a>
                      ) : (
                        <a href={link.href}>open →</a>
                      )}
                    </td>
                  </tr>
                );
              })}
            </DataTable>
          )}
        </Async>
      </Card>
    </>
  );
}
