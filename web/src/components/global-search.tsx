import { useState } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';
import { ApiError, apiGet } from '../api/client.js';
import type { ProcessSummary } from '../api/types.js';
import { tracePagePath } from '../lib/trace-id.js';

/**
 * One box for what an operator has at hand: a business key (`ord-1234`) opens that process
 * instance, a 32-hex trace id opens the trace.
 */
export function GlobalSearch() {
  const loc = useLocation();
  const [text, setText] = useState('');
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  const submit = async (): Promise<void> => {
    const q = text.trim();
    if (q === '') return;
    setProblem(null);
    const tracePage = tracePagePath(q);
    if (tracePage !== undefined) {
      loc.route(tracePage);
      return;
    }
    setBusy(true);
    try {
      const { processes } = await apiGet<{ processes: ProcessSummary[] }>('/api/processes');
      for (const p of processes) {
        try {
          await apiGet<unknown>(`/api/processes/${encodeURIComponent(p.name)}/instances/${encodeURIComponent(q)}`);
          loc.route(`/processes/${encodeURIComponent(p.name)}/instances/${encodeURIComponent(q)}`);
          setText('');
          return;
        } catch (err) {
          if (!(err instanceof ApiError && err.status === 404)) throw err;
        }
      }
      setProblem(processes.length === 0 ? 'no processes are defined' : `no ${processes.map((p) => p.name).join(' or ')} with key “${q}”`);
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="global-search"
      role="search"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <input
        type="search"
        name="q"
        aria-label="find a business key or trace id"
        placeholder="Find ord-… or a trace id"
        value={text}
        onInput={(e) => setText(e.currentTarget.value)}
      />
      <button type="submit" disabled={busy}>
        {busy ? '…' : 'Go'}
      </button>
      {problem === null ? null : (
        <div class="search-problem" role="alert">
          {problem}
        </div>
      )}
    </form>
  );
}
