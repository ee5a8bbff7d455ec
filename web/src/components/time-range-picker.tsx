import { useState } from 'preact/hooks';
import { PRESETS, type TimeRange } from '../lib/time-range.js';
import { fromLocalInput, msToNs, toLocalInput } from '../lib/time.js';
import { useQuery, type QueryPatch } from '../lib/use-query.js';

/**
 * Preset windows or an absolute from/to; writes `range` or `since`/`until` into the URL (replacing
 * the history entry), together with `alsoSet` (the logs page drops its `before` page so).
 */
export function TimeRangePicker({ range, onRefresh, alsoSet }: { range: TimeRange; onRefresh: () => void; alsoSet?: QueryPatch }) {
  const { setQuery } = useQuery();
  const onChange = (patch: QueryPatch): void => setQuery({ ...patch, ...alsoSet }, { replace: true });
  const [custom, setCustom] = useState(range.preset === null);
  const [from, setFrom] = useState(toLocalInput(range.sinceMs));
  const [to, setTo] = useState(toLocalInput(range.untilMs));
  const [problem, setProblem] = useState<string | null>(null);

  const applyCustom = (): void => {
    const f = fromLocalInput(from);
    const t = fromLocalInput(to);
    if (f === null || t === null) return setProblem('give both times');
    if (f >= t) return setProblem('"from" must be before "to"');
    setProblem(null);
    onChange({ range: null, since: msToNs(f), until: msToNs(t) });
  };

  return (
    <div class="time-range" role="group" aria-label="time range">
      <select
        aria-label="time window"
        value={custom ? 'custom' : (range.preset ?? 'custom')}
        onChange={(e) => {
          const v = e.currentTarget.value;
          if (v === 'custom') {
            setCustom(true);
            setFrom(toLocalInput(range.sinceMs));
            setTo(toLocalInput(range.untilMs));
            return;
          }
          setCustom(false);
          onChange({ range: v, since: null, until: null });
        }}
      >
        {PRESETS.map((p) => (
          <option key={p.key} value={p.key}>
            {p.label}
          </option>
        ))}
        <option value="custom">Custom range…</option>
      </select>
      {custom ? (
        <>
          <label>
            from <input type="datetime-local" value={from} onInput={(e) => setFrom(e.currentTarget.value)} />
          </label>
          <label>
            to <input type="datetime-local" value={to} onInput={(e) => setTo(e.currentTarget.value)} />
          </label>
          <button type="button" onClick={applyCustom}>
            Apply
          </button>
          {problem === null ? null : <span class="field-error">{problem}</span>}
        </>
      ) : null}
      <button type="button" class="ghost" title="Reload with the newest data" onClick={onRefresh}>
        ↻ Refresh
      </button>
    </div>
  );
}
