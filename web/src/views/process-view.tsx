import { useRoute } from 'preact-iso/router';
import { withQuery } from '../api/client.js';
import type { ProcessInstance, ProcessSummary } from '../api/types.js';
import { AccountPath } from '../components/account-path.js';
import { StatusBadge } from '../components/badges.js';
import { FilterForm, SelectField } from '../components/filter-form.js';
import { ProcessOverview } from '../components/process-kpis.js';
import { DataTable, NewestOnly } from '../components/data-table.js';
import { Async, Card } from '../components/states.js';
import { StepChips } from '../components/step-chips.js';
import { TimeRangePicker } from '../components/time-range-picker.js';
import { formatDurationMs } from '../lib/format.js';
import { formatTime } from '../lib/time.js';
import { useTimeRange } from '../lib/time-range.js';
import { useAccountNames } from '../lib/use-account-names.js';
import { useApi } from '../lib/use-api.js';
import { useQuery, useQueryForm } from '../lib/use-query.js';

const MAX_INSTANCES = 200;
const STATUSES = [
  { value: '', label: 'any status' },
  { value: 'completed', label: 'completed' },
  { value: 'failed', label: 'failed' },
  { value: 'stuck', label: 'stuck' },
  { value: 'inFlight', label: 'in flight' },
];

/** `/processes/:name`: KPIs, charts, step funnel and the instance search (status, key, account, time). */
export function ProcessView() {
  const { params } = useRoute();
  const name = params['name'] ?? '';
  const { query, setQuery } = useQuery();
  const { range, refresh } = useTimeRange(query, '24h');
  const names = useAccountNames();
  const summary = useApi<{ processes: ProcessSummary[] }>(withQuery('/api/processes', { since: range.sinceNs, until: range.untilNs }));
  const instances = useApi<{ instances: ProcessInstance[] }>(
    withQuery(`/api/processes/${encodeURIComponent(name)}/instances`, {
      status: query['status'],
      key: query['key'],
      account: query['account'],
      since: range.sinceNs,
      until: range.untilNs,
      limit: MAX_INSTANCES,
    }),
  );
  const [form, setForm] = useQueryForm(query, (q) => ({ status: q['status'] ?? '', key: q['key'] ?? '', account: q['account'] ?? '' }));

  const p = summary.data?.processes.find((x) => x.name === name);
  return (
    <>
      <div class="page-head">
        <h1>
          <a href="/processes">Processes</a> / {name}
        </h1>
        <TimeRangePicker range={range} onRefresh={refresh} />
      </div>
      <Async state={summary} what={`process ${name}`}>
        {() =>
          p === undefined ? (
            <div class="state state-error" role="alert">
              No process named “{name}” is defined. <a href="/processes">See all processes</a>.
            </div>
          ) : (
            <Card title="Overview">
              <ProcessOverview p={p} range={range} />
            </Card>
          )
        }
      </Async>
      <Card title="Instances">
        <FilterForm label="instance search" onSubmit={() => setQuery({ status: form.status, key: form.key.trim(), account: form.account.trim() })}>
          <label>
            business key
            <input name="key" placeholder="e.g. ord-42" value={form.key} onInput={(e) => setForm({ ...form, key: e.currentTarget.value })} />
          </label>
          <SelectField label="status" name="status" value={form.status} options={STATUSES} onChange={(v) => setForm({ ...form, status: v })} />
          <label>
            account
            <input name="account" placeholder="account id" value={form.account} onInput={(e) => setForm({ ...form, account: e.currentTarget.value })} />
          </label>
        </FilterForm>
        <Async state={instances} what="instances" isEmpty={(d) => d.instances.length === 0} empty="No instances match in this time range.">
          {(d) => (
            <DataTable label="instances" columns={['business key', 'status', 'started', ['duration', 'num'], 'steps', 'accounts']} note={<NewestOnly shown={d.instances.length} limit={MAX_INSTANCES} />}>
              {d.instances.map((i) => (
                <tr key={i.key} data-instance={i.key}>
                  <td>
                    <a href={`/processes/${encodeURIComponent(name)}/instances/${encodeURIComponent(i.key)}`}>{i.key}</a>
                  </td>
                  <td>
                    <StatusBadge status={i.status} />
                  </td>
                  <td class="nowrap">{formatTime(i.startTimeUnixNano, false)}</td>
                  <td class="num">{formatDurationMs(i.durationMs)}</td>
                  <td>
                    <StepChips steps={i.steps} />
                  </td>
                  <td>
                    <AccountPath accounts={i.accounts} names={names} />
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
        </Async>
      </Card>
    </>
  );
}
