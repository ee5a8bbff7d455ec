import type { ProcessSummary } from '../api/types.js';
import { formatCount, formatDurationMs } from '../lib/format.js';
import type { TimeRange } from '../lib/time-range.js';
import { SloBadge } from './badges.js';
import { Kpi, KpiRow } from './kpis.js';
import { ProcessTimelineCharts } from './process-timeline.js';

/** A process at a glance, as the processes list and the process page show it: KPIs, charts over `range`, step funnel. */
export function ProcessOverview({ p, range, compact = false }: { p: ProcessSummary; range: TimeRange; compact?: boolean }) {
  return (
    <div data-process-card={p.name}>
      <ProcessKpis p={p} />
      <div class="process-body">
        <div class="process-charts">
          <ProcessTimelineCharts name={p.name} range={range} compact={compact} />
        </div>
        <div class="process-funnel">
          <h3>Steps</h3>
          <StepFunnel p={p} />
        </div>
      </div>
    </div>
  );
}

function ProcessKpis({ p }: { p: ProcessSummary }) {
  return (
    <KpiRow>
      <Kpi name="instances" label="instances" value={formatCount(p.instances)} />
      <Kpi name="completed" label="completed" value={formatCount(p.completed)} tone="good" />
      <Kpi name="failed" label="failed" value={formatCount(p.failed)} tone={p.failed > 0 ? 'bad' : undefined} />
      <Kpi name="stuck" label="stuck" value={formatCount(p.stuck)} tone={p.stuck > 0 ? 'warn' : undefined} />
      <Kpi name="inFlight" label="in flight" value={formatCount(p.inFlight)} />
      <Kpi name="p50" label="p50 duration" value={formatDurationMs(p.durationMs.p50)} />
      <Kpi name="p95" label="p95 duration" value={formatDurationMs(p.durationMs.p95)} />
      <Kpi name="p99" label="p99 duration" value={formatDurationMs(p.durationMs.p99)} />
      <Kpi name="slo" label="SLO" value={<SloBadge met={p.slo.met} />} />
    </KpiRow>
  );
}

/** Per-step funnel: how many instances reached each step, and how many failed there. */
function StepFunnel({ p }: { p: ProcessSummary }) {
  const max = Math.max(1, p.instances, ...p.steps.map((s) => s.seen));
  return (
    <ol class="funnel" aria-label={`${p.name} steps`}>
      {p.steps.map((s) => (
        <li key={s.name} data-step={s.name}>
          <span class="funnel-name">{s.name}</span>
          <span class="funnel-bar" aria-hidden="true">
            <span class="funnel-seen" style={{ width: `${(100 * s.seen) / max}%` }} />
            <span class="funnel-failed" style={{ width: `${(100 * s.failed) / max}%` }} />
          </span>
          <span class="funnel-nums">
            <span data-step-seen={s.seen}>{formatCount(s.seen)} seen</span>
            {s.failed > 0 ? (
              <span class="status-error" data-step-failed={s.failed}>
                {' '}
                · <span aria-hidden="true">⚠</span> {formatCount(s.failed)} failed
              </span>
            ) : null}
          </span>
        </li>
      ))}
    </ol>
  );
}
