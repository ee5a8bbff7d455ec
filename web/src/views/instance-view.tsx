import { useRoute } from 'preact-iso/router';
import type { ProcessInstanceDetail } from '../api/types.js';
import { AccountPath } from '../components/account-path.js';
import { StatusBadge } from '../components/badges.js';
import { Kpi, KpiRow } from '../components/kpis.js';
import { Async, Card } from '../components/states.js';
import { StepChips } from '../components/step-chips.js';
import { TracePanels } from '../components/trace-panels.js';
import { formatDurationMs } from '../lib/format.js';
import { formatTime } from '../lib/time.js';
import { useAccountNames } from '../lib/use-account-names.js';
import { useApi } from '../lib/use-api.js';

/** `/processes/:name/instances/:key`: one business process instance end to end, across accounts and traces. */
export function InstanceView() {
  const { params } = useRoute();
  const name = params['name'] ?? '';
  const key = params['key'] ?? '';
  const names = useAccountNames();
  const state = useApi<ProcessInstanceDetail>(`/api/processes/${encodeURIComponent(name)}/instances/${encodeURIComponent(key)}`);
  return (
    <>
      <div class="page-head">
        <h1>
          <a href="/processes">Processes</a> / <a href={`/processes/${encodeURIComponent(name)}`}>{name}</a> / <span data-instance-key={key}>{key}</span>
        </h1>
      </div>
      <Async state={state} what={`${name} ${key}`}>
        {(i) => (
          <>
            <Card title={<>Instance {i.key}</>}>
              <KpiRow>
                <Kpi name="status" label="status" value={<StatusBadge status={i.status} />} />
                <Kpi name="duration" label="duration" value={formatDurationMs(i.durationMs)} />
                <Kpi name="spans" label="spans" value={String(i.spans.length)} />
                <Kpi name="traces" label={i.traceIds.length === 1 ? 'trace' : 'traces'} value={String(i.traceIds.length)} />
              </KpiRow>
              <dl class="facts">
                <dt>started</dt>
                <dd>{formatTime(i.startTimeUnixNano)}</dd>
                <dt>path</dt>
                <dd>
                  <AccountPath accounts={i.accounts} names={names} />
                </dd>
                <dt>steps</dt>
                <dd>
                  <StepChips steps={i.steps} />
                </dd>
                <dt>traces</dt>
                <dd>
                  {i.traceIds.map((t) => (
                    <a key={t} class="mono trace-link" href={`/traces/${t}`}>
                      {t}
                    </a>
                  ))}
                </dd>
              </dl>
            </Card>
            <TracePanels spans={i.spans} logs={i.logs} names={names} />
          </>
        )}
      </Async>
    </>
  );
}
