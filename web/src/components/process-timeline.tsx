import { useMemo } from 'preact/hooks';
import { withQuery } from '../api/client.js';
import type { ProcessTimeline } from '../api/types.js';
import { ERROR_COLOUR } from '../lib/accounts.js';
import { formatDurationMs } from '../lib/format.js';
import { nsToMs } from '../lib/time.js';
import { stepSecondsFor, type TimeRange } from '../lib/time-range.js';
import { useApi } from '../lib/use-api.js';
import { Async } from './states.js';
import { TimeChart } from './time-chart.js';

/** Instances over time (by start) and their p95 duration, from `/api/processes/{name}/timeline`. */
export function ProcessTimelineCharts({ name, range, compact = false }: { name: string; range: TimeRange; compact?: boolean }) {
  const stepSeconds = stepSecondsFor(range, compact ? 60 : 120);
  const state = useApi<ProcessTimeline>(withQuery(`/api/processes/${encodeURIComponent(name)}/timeline`, { since: range.sinceNs, until: range.untilNs, stepSeconds }));
  const charts = useMemo(() => {
    const pts = state.data?.points ?? [];
    const x = pts.map((p) => nsToMs(p.timeUnixNano) / 1000);
    return {
      x,
      counts: [
        { label: 'completed', values: pts.map((p) => p.completed), colour: '#009e73' },
        { label: 'failed', values: pts.map((p) => p.failed), colour: ERROR_COLOUR },
        { label: 'stuck', values: pts.map((p) => p.stuck), colour: '#e69f00' },
        { label: 'in flight', values: pts.map((p) => p.inFlight), colour: '#56b4e9', dash: [4, 3] },
      ],
      p95: [{ label: 'p95 duration', values: pts.map((p) => p.p95DurationMs), colour: '#332288' }],
    };
  }, [state.data]);
  return (
    <Async state={state} what="timeline">
      {() => (
        <div class={compact ? 'chart-pair compact' : 'chart-pair'}>
          <div>
            <h3>Instances by start time</h3>
            <TimeChart name={`${name}-instances`} x={charts.x} series={charts.counts} height={compact ? 160 : 220} unit="instances" />
          </div>
          <div>
            <h3>p95 duration</h3>
            <TimeChart name={`${name}-p95`} x={charts.x} series={charts.p95} height={compact ? 160 : 220} format={formatDurationMs} />
          </div>
        </div>
      )}
    </Async>
  );
}
