import { withQuery } from '../api/client.js';
import type { ProcessSummary } from '../api/types.js';
import { ProcessOverview } from '../components/process-kpis.js';
import { Async, Card } from '../components/states.js';
import { TimeRangePicker } from '../components/time-range-picker.js';
import { useTimeRange } from '../lib/time-range.js';
import { useApi } from '../lib/use-api.js';
import { useQuery } from '../lib/use-query.js';

/** `/processes`: every defined business process with its KPIs, charts over time and step funnel. */
export function ProcessesView() {
  const { query } = useQuery();
  const { range, refresh } = useTimeRange(query, '24h', 30_000);
  const state = useApi<{ processes: ProcessSummary[] }>(withQuery('/api/processes', { since: range.sinceNs, until: range.untilNs }));
  return (
    <>
      <div class="page-head">
        <h1>Business processes</h1>
        <TimeRangePicker range={range} onRefresh={refresh} />
      </div>
      <Async
        state={state}
        what="processes"
        isEmpty={(d) => d.processes.length === 0}
        empty={
          <>
            No business processes are defined. Add a <code>processes:</code> section to the hub config (see the README), e.g. the demo's <code>order</code> process.
          </>
        }
      >
        {(d) =>
          d.processes.map((p) => (
            <Card
              key={p.name}
              id={`process-${p.name}`}
              title={
                <a href={`/processes/${encodeURIComponent(p.name)}`} data-process={p.name}>
                  {p.name}
                </a>
              }
              actions={<a href={`/processes/${encodeURIComponent(p.name)}`}>instances →</a>}
            >
              <ProcessOverview p={p} range={range} compact />
            </Card>
          ))
        }
      </Async>
    </>
  );
}
