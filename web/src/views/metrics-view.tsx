import { useMemo } from 'preact/hooks';
import { ApiError, withQuery } from '../api/client.js';
import type { MetricSeries } from '../api/types.js';
import { FilterForm } from '../components/filter-form.js';
import { Async, Card, Empty, ErrorBox } from '../components/states.js';
import { TimeChart, alignSeries } from '../components/time-chart.js';
import { TimeRangePicker } from '../components/time-range-picker.js';
import { accountShort } from '../lib/accounts.js';
import { formatValue } from '../lib/format.js';
import { nsToMs } from '../lib/time.js';
import { useTimeRange } from '../lib/time-range.js';
import { useAccountNames } from '../lib/use-account-names.js';
import { useApi } from '../lib/use-api.js';
import { useQuery, useQueryForm } from '../lib/use-query.js';

/** More lines than this make a chart unreadable: the rest are listed, not drawn. */
const MAX_SERIES = 20;

function seriesLabel(s: MetricSeries, names: ReadonlyMap<string, string>): string {
  const attrs = Object.entries(s.attributes)
    .filter(([k]) => k !== 'source.name')
    .map(([k, v]) => `${k}=${formatValue(v)}`)
    .join(',');
  return `${accountShort(s.accountId, names)}/${s.sourceName}${attrs === '' ? '' : ` {${attrs}}`}`;
}

/** A point's plotted value: the value, or the mean for histograms and summaries. */
function plotted(p: MetricSeries['points'][number]): number | null {
  if (p.value !== null) return p.value;
  const count = p.count === undefined ? 0 : Number(p.count);
  return p.sum !== undefined && count > 0 ? p.sum / count : null;
}

/** Per-second increase between consecutive samples of a cumulative counter (a reset restarts it). */
function toRate(points: { t: number; v: number | null }[]): { t: number; v: number | null }[] {
  const out: { t: number; v: number | null }[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1]!;
    const b = points[i]!;
    if (a.v === null || b.v === null || b.t <= a.t) continue;
    out.push({ t: b.t, v: b.v >= a.v ? (b.v - a.v) / (b.t - a.t) : b.v / (b.t - a.t) });
  }
  return out;
}

/** `/metrics`: pick a metric name and chart it by account and source. */
export function MetricsView() {
  const { query, setQuery } = useQuery();
  const { range, refresh } = useTimeRange(query, '1h');
  const names = useAccountNames();
  const metricNames = useApi<{ names: string[] }>(withQuery('/api/metrics/names', { account: query['account'] }));
  const name = query['name'] ?? '';
  const state = useApi<{ series: MetricSeries[] }>(name === '' ? null : withQuery('/api/metrics', { name, account: query['account'], since: range.sinceNs, until: range.untilNs }));
  const [form, setForm] = useQueryForm(query, (q) => ({ name: q['name'] ?? '', account: q['account'] ?? '' }));

  const all = useMemo(() => state.data?.series ?? [], [state.data]);
  const first = all[0];
  const cumulative = first !== undefined && first.isMonotonic === true && first.temporality === 2;
  const rate = cumulative && query['raw'] !== '1';
  const chart = useMemo(
    () =>
      alignSeries(
        all.slice(0, MAX_SERIES).map((s) => {
          const pts = s.points.map((p) => ({ t: nsToMs(p.timeUnixNano) / 1000, v: plotted(p) })).sort((a, b) => a.t - b.t);
          return { label: seriesLabel(s, names), points: rate ? toRate(pts) : pts };
        }),
      ),
    [all, names, rate],
  );
  // Without the names endpoint (an older hub) the picker is a plain text box.
  const pickerMissing = metricNames.error instanceof ApiError && metricNames.error.status === 404;

  return (
    <>
      <div class="page-head">
        <h1>Metrics</h1>
        <TimeRangePicker range={range} onRefresh={refresh} />
      </div>
      <Card>
        <FilterForm label="metric search" submitLabel="Show" onSubmit={() => setQuery({ name: form.name.trim(), account: form.account.trim() })}>
          <label>
            metric
            {metricNames.data !== undefined && !pickerMissing ? (
              <select
                name="name"
                value={form.name}
                onChange={(e) => {
                  const v = e.currentTarget.value;
                  setForm({ ...form, name: v });
                  setQuery({ name: v, account: form.account.trim() });
                }}
              >
                <option value="">choose a metric…</option>
                {metricNames.data.names.map((n) => (
                  <option key={n} value={n}>
                    {n}
                  </option>
                ))}
              </select>
            ) : (
              <input name="name" placeholder="e.g. orders_total" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
            )}
          </label>
          <label>
            account
            <input name="account" placeholder="all accounts" value={form.account} onInput={(e) => setForm({ ...form, account: e.currentTarget.value })} />
          </label>
          {cumulative ? (
            <label class="check">
              <input type="checkbox" checked={rate} onChange={(e) => setQuery({ raw: e.currentTarget.checked ? null : '1' }, { replace: true })} /> per-second rate
            </label>
          ) : null}
        </FilterForm>
        {metricNames.error !== undefined && !pickerMissing ? <ErrorBox error={metricNames.error} what="metric names" /> : null}
      </Card>
      <Card title={name === '' ? 'Chart' : `${name}${first?.unit ? ` (${first.unit})` : ''}${rate ? ' — per second' : ''}`}>
        {name === '' ? (
          <Empty>Choose a metric to chart it by account and source.</Empty>
        ) : (
          <Async state={state} what={`metric ${name}`} isEmpty={(d) => d.series.length === 0} empty={`No samples of ${name} in this time range.`}>
            {() => (
              <>
                <TimeChart name={`metric-${name}`} x={chart.x} series={chart.series} height={320} zeroBased={rate} />
                {all.length > MAX_SERIES ? (
                  <p class="muted">
                    Drawing {MAX_SERIES} of {all.length} series; filter by account to see the others.
                  </p>
                ) : null}
                {first?.type === 'histogram' || first?.type === 'summary' ? <p class="muted">Histograms and summaries are drawn as their mean (sum / count).</p> : null}
              </>
            )}
          </Async>
        )}
      </Card>
    </>
  );
}
