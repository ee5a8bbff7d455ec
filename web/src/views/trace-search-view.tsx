import { useLocation } from 'preact-iso/router';
import { withQuery } from '../api/client.js';
import type { TraceSummary } from '../api/types.js';
import { DataTable, NewestOnly, type Column } from '../components/data-table.js';
import { FilterForm } from '../components/filter-form.js';
import { Async, Card } from '../components/states.js';
import { TimeRangePicker } from '../components/time-range-picker.js';
import { accountShort } from '../lib/accounts.js';
import { formatDurationMs } from '../lib/format.js';
import { formatTime } from '../lib/time.js';
import { useTimeRange } from '../lib/time-range.js';
import { useAccountNames } from '../lib/use-account-names.js';
import { useApi } from '../lib/use-api.js';
import { useQuery, useQueryForm } from '../lib/use-query.js';
import { tracePagePath } from '../lib/trace-id.js';

const MAX_ATTR_FILTERS = 8;
const LIMIT = 100;
const TRACE_COLUMNS: readonly Column[] = ['started', 'root', ['duration', 'num'], ['spans', 'num'], ['errors', 'num'], 'accounts', 'trace id'];

interface Form {
  traceId: string;
  account: string;
  service: string;
  name: string;
  errorsOnly: boolean;
  minDurationMs: string;
  attrs: { key: string; value: string }[];
}

/** The form of the URL's search; the trace id is not in the URL, so it stays as typed. */
function formFromQuery(q: Record<string, string>, previous?: Form): Form {
  const attrs = Object.entries(q)
    .filter(([k]) => k.startsWith('attr.'))
    .map(([k, v]) => ({ key: k.slice(5), value: v }));
  return {
    traceId: previous?.traceId ?? '',
    account: q['account'] ?? '',
    service: q['service'] ?? '',
    name: q['name'] ?? '',
    errorsOnly: q['status'] === 'error',
    minDurationMs: q['minDurationMs'] ?? '',
    attrs: attrs.length === 0 ? [{ key: '', value: '' }] : attrs,
  };
}

/** `/traces`: search by account, service, span name, attributes, errors, duration and time. */
export function TraceSearchView() {
  const loc = useLocation();
  const { query, setQuery } = useQuery();
  const { range, refresh } = useTimeRange(query, '1h');
  const names = useAccountNames();
  const [form, setForm] = useQueryForm(query, formFromQuery);

  const apiQuery: Record<string, string> = { since: range.sinceNs, until: range.untilNs, limit: String(LIMIT) };
  for (const k of ['account', 'service', 'name', 'status', 'minDurationMs']) {
    const v = query[k];
    if (v !== undefined && v !== '') apiQuery[k] = v;
  }
  for (const [k, v] of Object.entries(query)) if (k.startsWith('attr.')) apiQuery[k] = v;
  const state = useApi<{ traces: TraceSummary[] }>(withQuery('/api/traces', apiQuery));

  const submit = (): void => {
    const id = form.traceId.trim();
    const tracePage = tracePagePath(id);
    if (tracePage !== undefined) return loc.route(tracePage);
    const patch: Record<string, string | null> = {
      account: form.account.trim(),
      service: form.service.trim(),
      name: form.name.trim(),
      status: form.errorsOnly ? 'error' : null,
      minDurationMs: form.minDurationMs.trim(),
    };
    for (const k of Object.keys(query)) if (k.startsWith('attr.')) patch[k] = null;
    for (const a of form.attrs) if (a.key.trim() !== '') patch[`attr.${a.key.trim()}`] = a.value;
    setQuery(patch);
  };
  const setAttr = (i: number, part: 'key' | 'value', v: string): void => setForm({ ...form, attrs: form.attrs.map((a, j) => (j === i ? { ...a, [part]: v } : a)) });

  return (
    <>
      <div class="page-head">
        <h1>Traces</h1>
        <TimeRangePicker range={range} onRefresh={refresh} />
      </div>
      <Card>
        <FilterForm label="trace search" onSubmit={submit}>
          <label>
            trace id
            <input name="traceId" class="mono" size={34} placeholder="32 hex characters" value={form.traceId} onInput={(e) => setForm({ ...form, traceId: e.currentTarget.value })} />
          </label>
          <label>
            account
            <input name="account" value={form.account} onInput={(e) => setForm({ ...form, account: e.currentTarget.value })} />
          </label>
          <label>
            service
            <input name="service" value={form.service} onInput={(e) => setForm({ ...form, service: e.currentTarget.value })} />
          </label>
          <label>
            span name
            <input name="name" value={form.name} onInput={(e) => setForm({ ...form, name: e.currentTarget.value })} />
          </label>
          <label>
            min duration (ms)
            <input name="minDurationMs" type="number" min={0} value={form.minDurationMs} onInput={(e) => setForm({ ...form, minDurationMs: e.currentTarget.value })} />
          </label>
          <label class="check">
            <input type="checkbox" name="errorsOnly" checked={form.errorsOnly} onChange={(e) => setForm({ ...form, errorsOnly: e.currentTarget.checked })} /> errors only
          </label>
          <fieldset class="attr-filters">
            <legend>attributes</legend>
            {form.attrs.map((a, i) => (
              <span class="attr-pair" key={i}>
                <input aria-label="attribute key" placeholder="order.id" value={a.key} onInput={(e) => setAttr(i, 'key', e.currentTarget.value)} />
                =
                <input aria-label="attribute value" placeholder="ord-42" value={a.value} onInput={(e) => setAttr(i, 'value', e.currentTarget.value)} />
                <button type="button" class="ghost small" aria-label="remove attribute filter" onClick={() => setForm({ ...form, attrs: form.attrs.filter((_, j) => j !== i) })}>
                  ✕
                </button>
              </span>
            ))}
            {form.attrs.length < MAX_ATTR_FILTERS ? (
              <button type="button" class="ghost small" onClick={() => setForm({ ...form, attrs: [...form.attrs, { key: '', value: '' }] })}>
                + attribute
              </button>
            ) : null}
          </fieldset>
        </FilterForm>
      </Card>
      <Card title="Results">
        <Async state={state} what="traces" isEmpty={(d) => d.traces.length === 0} empty="No traces match in this time range.">
          {(d) => (
            <DataTable label="traces" columns={TRACE_COLUMNS} note={<NewestOnly shown={d.traces.length} limit={LIMIT} />}>
              {d.traces.map((t) => (
                <tr key={t.traceId} class="clickable" data-trace={t.traceId} onClick={() => loc.route(`/traces/${t.traceId}`)}>
                  <td class="nowrap">{formatTime(t.startTimeUnixNano)}</td>
                  <td>
                    <span class="muted">{t.rootService}</span> {t.rootName}
                  </td>
                  <td class="num">{formatDurationMs(t.durationMs)}</td>
                  <td class="num">{t.spanCount}</td>
                  <td class="num">
                    {t.errorCount > 0 ? (
                      <span class="status-error">
                        <span aria-hidden="true">⚠ </span>
                        {t.errorCount}
                      </span>
                    ) : (
                      0
                    )}
                  </td>
                  <td>{t.accounts.map((a) => accountShort(a, names)).join(', ')}</td>
                  <td>
                    <a class="mono" href={`/traces/${t.traceId}`}>
                      {t.traceId.slice(0, 12)}…
                    </a>
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
