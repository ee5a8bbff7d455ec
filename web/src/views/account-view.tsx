import { useMemo } from 'preact/hooks';
import { useRoute } from 'preact-iso/router';
import { Kpi, KpiRow } from '../components/kpis.js';
import { QuotaBar } from '../components/quota-bar.js';
import { Async, Card, Empty } from '../components/states.js';
import { TimeChart, type ChartSeries } from '../components/time-chart.js';
import { TimeRangePicker } from '../components/time-range-picker.js';
import { ERROR_COLOUR } from '../lib/accounts.js';
import { formatCompact, formatCount } from '../lib/format.js';
import { ratesOf, rulesInWindow, sumItems, xOf } from '../lib/history.js';
import { formatAgo, formatTime } from '../lib/time.js';
import { useAccountStats } from '../lib/use-account-stats.js';
import { useAccountNames } from '../lib/use-account-names.js';
import { useQuery } from '../lib/use-query.js';


/** `/accounts/:id`: one account's health over time — rates, rejection rules, plan and quota, last seen. */
export function AccountView() {
  const { params } = useRoute();
  const id = params['id'] ?? '';
  const { query } = useQuery();
  const { range, stepSeconds, stats, history, refresh } = useAccountStats(query, id);
  const names = useAccountNames();
  const a = stats.data?.accounts.find((x) => x.accountId === id);

  const charts = useMemo(() => {
    const h = history.data;
    const pts = h?.series.find((s) => s.accountId === id)?.points ?? [];
    const step = h?.stepSeconds ?? stepSeconds;
    const accepted: ChartSeries[] = [
      { label: 'spans', values: ratesOf(pts, step, (p) => p.accepted.spans), colour: '#0072b2' },
      { label: 'data points', values: ratesOf(pts, step, (p) => p.accepted.dataPoints), colour: '#009e73' },
      { label: 'log records', values: ratesOf(pts, step, (p) => p.accepted.logRecords), colour: '#cc79a7' },
    ];
    const rejected: ChartSeries[] = [
      { label: 'rejected items', values: ratesOf(pts, step, (p) => sumItems(p.rejected)), colour: '#e69f00' },
      { label: 'throttled requests', values: ratesOf(pts, step, (p) => p.throttledRequests), colour: '#56b4e9' },
      { label: 'denied requests', values: ratesOf(pts, step, (p) => p.deniedRequests), colour: ERROR_COLOUR },
    ];
    return { x: xOf(pts), accepted, rejected };
  }, [history.data, id, stepSeconds]);
  const windowRules = useMemo(() => rulesInWindow(history.data, id), [history.data, id]);
  const rules = useMemo(() => {
    const total = new Map(Object.entries(a?.rejectedByRule ?? {}));
    const keys = [...new Set([...total.keys(), ...windowRules.keys()])].sort();
    return keys.map((k) => ({ rule: k, inWindow: windowRules.get(k) ?? 0, total: total.get(k) ?? 0 }));
  }, [a, windowRules]);

  const name = names.get(id);
  return (
    <>
      <div class="page-head">
        <h1>
          <a href="/accounts">Accounts</a> / {name === undefined ? id : `${name} (${id})`}
        </h1>
        <TimeRangePicker range={range} onRefresh={refresh} />
      </div>
      <Async state={stats} what="account statistics">
        {() =>
          a === undefined ? (
            <Empty>Account {id} has not sent anything since the hub started (or your token may not read it).</Empty>
          ) : (
            <Card title="Health">
              <KpiRow>
                <Kpi name="plan" label="usage plan" value={a.plan ?? '—'} />
                <Kpi name="status" label="status" value={a.status ?? '—'} tone={a.status === 'revoked' ? 'bad' : undefined} />
                <Kpi name="lastSeen" label="last seen" value={formatAgo(a.lastSeenUnixNano)} hint={formatTime(a.lastSeenUnixNano)} />
                <Kpi name="accepted" label="accepted items" value={formatCount(sumItems(a.accepted))} tone="good" />
                <Kpi name="rejected" label="rejected items" value={formatCount(sumItems(a.rejected))} tone={sumItems(a.rejected) > 0 ? 'warn' : undefined} />
                <Kpi name="throttled" label="throttled requests" value={formatCount(a.throttledRequests)} tone={a.throttledRequests > 0 ? 'warn' : undefined} />
                <Kpi name="denied" label="denied requests" value={formatCount(a.deniedRequests)} tone={a.deniedRequests > 0 ? 'bad' : undefined} />
              </KpiRow>
              <dl class="facts">
                <dt>quota</dt>
                <dd>
                  <QuotaBar quota={a.quota} />
                </dd>
              </dl>
            </Card>
          )
        }
      </Async>
      <Card title="Rates over time">
        <Async state={history} what="ingestion history">
          {() => (
            <div class="chart-pair">
              <div>
                <h3>Accepted per second</h3>
                <TimeChart name="account-accepted" x={charts.x} series={charts.accepted} unit="items/s" format={formatCompact} />
              </div>
              <div>
                <h3>Rejected, throttled and denied per second</h3>
                <TimeChart name="account-rejected" x={charts.x} series={charts.rejected} unit="per s" format={formatCompact} />
              </div>
            </div>
          )}
        </Async>
      </Card>
      <Card title="Rejections by rule">
        {rules.length === 0 ? (
          <Empty>Nothing was rejected by validation.</Empty>
        ) : (
          <table class="data" aria-label="rejections by rule">
            <thead>
              <tr>
                <th>rule</th>
                <th class="num">in this time range</th>
                <th class="num">since start</th>
              </tr>
            </thead>
            <tbody>
              {rules.map((r) => (
                <tr key={r.rule} data-rule={r.rule}>
                  <td class="mono">{r.rule}</td>
                  <td class="num">{formatCount(r.inWindow)}</td>
                  <td class="num">{formatCount(r.total)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </>
  );
}
