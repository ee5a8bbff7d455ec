import { useMemo } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { DataTable, type Column } from '../components/data-table.js';
import { Async, Card } from '../components/states.js';
import { TimeChart, alignSeries } from '../components/time-chart.js';
import { TimeRangePicker } from '../components/time-range-picker.js';
import { QuotaBar } from '../components/quota-bar.js';
import { formatCount } from '../lib/format.js';
import { sumItems } from '../lib/history.js';
import { formatAgo, nsToMs } from '../lib/time.js';
import { useAccountStats } from '../lib/use-account-stats.js';
import { useAccountNames } from '../lib/use-account-names.js';
import { useQuery } from '../lib/use-query.js';

const ACCOUNT_COLUMNS: readonly Column[] = [
  'account',
  'plan',
  'status',
  ['spans', 'num'],
  ['data points', 'num'],
  ['log records', 'num'],
  ['rejected', 'num'],
  ['throttled', 'num'],
  ['denied', 'num'],
  'quota',
  'last seen',
];

/** `/accounts`: every account's ingestion health, a chart of accepted items per second, rows open the account. */
export function AccountsView() {
  const loc = useLocation();
  const { query } = useQuery();
  const { range, stats, history, refresh } = useAccountStats(query);
  const names = useAccountNames();
  const chart = useMemo(() => {
    const h = history.data;
    if (h === undefined) return null;
    return alignSeries(
      h.series.map((s) => ({
        label: names.get(s.accountId) ?? s.accountId,
        points: s.points.map((p) => ({ t: nsToMs(p.timeUnixNano) / 1000, v: sumItems(p.accepted) / h.stepSeconds })),
      })),
    );
  }, [history.data, names]);

  return (
    <>
      <div class="page-head">
        <h1>Accounts</h1>
        <TimeRangePicker range={range} onRefresh={refresh} />
      </div>
      <Card title="Accepted items per second">
        <Async state={history} what="ingestion history">
          {() => (chart === null ? null : <TimeChart name="accounts-accepted" x={chart.x} series={chart.series} unit="items/s" />)}
        </Async>
      </Card>
      <Card title="Ingestion since the hub started">
        <Async state={stats} what="account statistics" isEmpty={(d) => d.accounts.length === 0} empty="No account has sent anything yet.">
          {(d) => (
            <DataTable label="accounts" columns={ACCOUNT_COLUMNS}>
              {[...d.accounts]
                .sort((a, b) => a.accountId.localeCompare(b.accountId))
                .map((a) => {
                  const rejected = sumItems(a.rejected);
                  return (
                    <tr key={a.accountId} class="clickable" data-account={a.accountId} onClick={() => loc.route(`/accounts/${encodeURIComponent(a.accountId)}`)}>
                      <td>
                        <a href={`/accounts/${encodeURIComponent(a.accountId)}`}>{names.get(a.accountId) ?? a.accountId}</a>
                        {names.has(a.accountId) ? <div class="muted mono small">{a.accountId}</div> : null}
                      </td>
                      <td>{a.plan ?? '—'}</td>
                      <td>{a.status === 'revoked' ? <span class="status-error">revoked</span> : (a.status ?? '—')}</td>
                      <td class="num">{formatCount(a.accepted.spans)}</td>
                      <td class="num">{formatCount(a.accepted.dataPoints)}</td>
                      <td class="num">{formatCount(a.accepted.logRecords)}</td>
                      <td class={`num${rejected > 0 ? ' status-warn' : ''}`}>{formatCount(rejected)}</td>
                      <td class={`num${a.throttledRequests > 0 ? ' status-warn' : ''}`}>{formatCount(a.throttledRequests)}</td>
                      <td class={`num${a.deniedRequests > 0 ? ' status-error' : ''}`}>{formatCount(a.deniedRequests)}</td>
                      <td>
                        <QuotaBar quota={a.quota} compact />
                      </td>
                      <td class="nowrap">{formatAgo(a.lastSeenUnixNano)}</td>
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
