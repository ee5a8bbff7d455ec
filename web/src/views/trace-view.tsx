import { useMemo } from 'preact/hooks';
import { useRoute } from 'preact-iso/router';
import { withQuery } from '../api/client.js';
import type { LogRow, Trace } from '../api/types.js';
import { AccountPath } from '../components/account-path.js';
import { Async, ErrorBox, Loading } from '../components/states.js';
import { TracePanels } from '../components/trace-panels.js';
import { useAccountNames } from '../lib/use-account-names.js';
import { useApi } from '../lib/use-api.js';
import { spanExtent } from '../lib/span-tree.js';
import { compareNs } from '../lib/time.js';

/** Logs are searched from a little before the first span to a little after the last one. */
const LOG_MARGIN_NS = 60_000_000_000n;
const MAX_LOGS = 1000;

/** `/traces/:traceId`: the waterfall of one trace with its correlated logs. */
export function TraceView() {
  const { params } = useRoute();
  const traceId = (params['traceId'] ?? '').toLowerCase();
  const names = useAccountNames();
  const trace = useApi<Trace>(`/api/traces/${encodeURIComponent(traceId)}`);
  const logWindow = useMemo(() => {
    const extent = spanExtent(trace.data?.spans ?? []);
    if (extent === null) return null;
    return { since: (extent.startNs - LOG_MARGIN_NS).toString(), until: (extent.endNs + LOG_MARGIN_NS).toString() };
  }, [trace.data]);
  const logs = useApi<{ logs: LogRow[] }>(logWindow === null ? null : withQuery('/api/logs', { traceId, since: logWindow.since, until: logWindow.until, limit: MAX_LOGS }));
  // Only this trace's lines (a hub without the traceId filter answers every line in the window).
  const traceLogs = useMemo(() => (logs.data?.logs ?? []).filter((l) => l.traceId === traceId), [logs.data, traceId]);
  const accounts = useMemo(() => {
    const spans = [...(trace.data?.spans ?? [])].sort((a, b) => compareNs(a.startTimeUnixNano, b.startTimeUnixNano));
    return [...new Set(spans.map((s) => s.accountId))];
  }, [trace.data]);

  return (
    <>
      <div class="page-head">
        <h1>
          <a href="/traces">Traces</a> / <span class="mono">{traceId}</span>
        </h1>
        {trace.data === undefined ? null : (
          <span>
            path: <AccountPath accounts={accounts} names={names} />
          </span>
        )}
      </div>
      <Async state={trace} what={`trace ${traceId}`}>
        {(t) => (
          <TracePanels
            spans={t.spans}
            logs={logs.data === undefined ? undefined : traceLogs}
            names={names}
            logsState={logs.error !== undefined ? <ErrorBox error={logs.error} what="logs" /> : logs.data === undefined ? <Loading what="logs" /> : undefined}
          />
        )}
      </Async>
    </>
  );
}
