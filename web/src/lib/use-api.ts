import { useCallback, useEffect, useState } from 'preact/hooks';
import { apiGet } from '../api/client.js';
import { useVisibleInterval } from './use-visible-interval.js';

export interface ApiState<T> {
  data: T | undefined;
  error: Error | undefined;
  loading: boolean;
  reload: () => void;
}

/**
 * Fetches `path` (null: nothing yet) and refetches when it changes; the previous answer stays on
 * screen while the next one loads, so charts do not flicker. `refreshMs` polls while mounted.
 */
export function useApi<T>(path: string | null, refreshMs?: number): ApiState<T> {
  const [state, setState] = useState<{ data: T | undefined; error: Error | undefined; loading: boolean; path: string | null }>({
    data: undefined,
    error: undefined,
    loading: path !== null,
    path,
  });
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    if (path === null) {
      setState({ data: undefined, error: undefined, loading: false, path });
      return undefined;
    }
    const ctl = new AbortController();
    setState((s) => ({ ...s, loading: true, ...(s.path === path ? {} : { error: undefined }) }));
    apiGet<T>(path, ctl.signal).then(
      (data) => {
        if (!ctl.signal.aborted) setState({ data, error: undefined, loading: false, path });
      },
      (err: unknown) => {
        if (ctl.signal.aborted) return;
        setState((s) => ({ data: s.path === path ? s.data : undefined, error: err instanceof Error ? err : new Error(String(err)), loading: false, path }));
      },
    );
    return () => ctl.abort();
  }, [path, tick]);

  useVisibleInterval(path === null ? undefined : refreshMs, reload, path);

  return { data: state.data, error: state.error, loading: state.loading, reload };
}
