import { withQuery } from '../api/client.js';
import type { LogRow } from '../api/types.js';
import { FilterForm, SelectField } from '../components/filter-form.js';
import { LogTable } from '../components/log-table.js';
import { Async, Card } from '../components/states.js';
import { TimeRangePicker } from '../components/time-range-picker.js';
import { formatTime } from '../lib/time.js';
import { useTimeRange } from '../lib/time-range.js';
import { useAccountNames } from '../lib/use-account-names.js';
import { useApi } from '../lib/use-api.js';
import { useQuery, useQueryForm } from '../lib/use-query.js';

const PAGE_ROWS = 100;
const SEVERITIES = [
  { value: '', label: 'any severity' },
  { value: '5', label: 'DEBUG and above' },
  { value: '9', label: 'INFO and above' },
  { value: '13', label: 'WARN and above' },
  { value: '17', label: 'ERROR and above' },
  { value: '21', label: 'FATAL' },
];
const FIELDS = ['account', 'source', 'service', 'contains', 'minSeverity'] as const;
type Field = (typeof FIELDS)[number];

/**
 * `/logs`: search by time, severity, account, source, service and text, newest first. Paging is by
 * time: "older" asks for lines before the last one shown (`before=` in the URL, the API's `until`).
 */
export function LogsView() {
  const { query, setQuery } = useQuery();
  const { range, refresh } = useTimeRange(query, '1h');
  const names = useAccountNames();
  const pick = (q: Record<string, string>): Record<Field, string> => Object.fromEntries(FIELDS.map((f) => [f, q[f] ?? ''])) as Record<Field, string>;
  const [form, setForm] = useQueryForm(query, pick);
  const before = query['before'];
  const state = useApi<{ logs: LogRow[] }>(
    withQuery('/api/logs', { ...pick(query), since: range.sinceNs, until: before !== undefined && /^\d+$/.test(before) ? before : range.untilNs, limit: PAGE_ROWS }),
  );
  const field = (f: Field, label: string, placeholder = '') => (
    <label>
      {label}
      <input name={f} placeholder={placeholder} value={form[f]} onInput={(e) => setForm({ ...form, [f]: e.currentTarget.value })} />
    </label>
  );

  return (
    <>
      <div class="page-head">
        <h1>Logs</h1>
        <TimeRangePicker range={range} alsoSet={{ before: null }} onRefresh={refresh} />
      </div>
      <Card>
        <FilterForm label="log search" onSubmit={() => setQuery({ ...Object.fromEntries(FIELDS.map((f) => [f, form[f].trim()])), before: null })}>
          {field('contains', 'contains', 'text in the body')}
          <SelectField label="severity" name="minSeverity" value={form.minSeverity} options={SEVERITIES} onChange={(v) => setForm({ ...form, minSeverity: v })} />
          {field('account', 'account', 'account id')}
          {field('source', 'source', 'source.name')}
          {field('service', 'service', 'service.name')}
        </FilterForm>
      </Card>
      <Card
        title={before === undefined ? 'Newest lines' : `Lines before ${formatTime(before)}`}
        actions={
          before === undefined ? undefined : (
            <button type="button" class="ghost small" onClick={() => setQuery({ before: null })}>
              ⇤ Newest
            </button>
          )
        }
      >
        <Async state={state} what="logs" isEmpty={(d) => d.logs.length === 0} empty="No log lines match in this time range.">
          {(d) => {
            const last = d.logs[d.logs.length - 1];
            return (
              <>
                <LogTable logs={d.logs} names={names} />
                <div class="pager">
                  <span class="muted">{d.logs.length === 1 ? '1 line' : `${d.logs.length} lines`}</span>
                  {d.logs.length >= PAGE_ROWS && last !== undefined ? (
                    <button type="button" onClick={() => setQuery({ before: last.timeUnixNano })}>
                      Older →
                    </button>
                  ) : null}
                </div>
              </>
            );
          }}
        </Async>
      </Card>
    </>
  );
}
