import { useCallback } from 'preact/hooks';
import { useLocation } from 'preact-iso/router';

export type QueryPatch = Record<string, string | number | boolean | null | undefined>;

/**
 * The URL's query string as the view's state: filters live in the URL so that every view can be
 * bookmarked, shared and reloaded. `setQuery` merges a patch (null/''/false remove a key).
 */
export function useQuery(): { query: Record<string, string>; setQuery: (patch: QueryPatch, options?: { replace?: boolean; reset?: boolean }) => void } {
  const loc = useLocation();
  const setQuery = useCallback(
    (patch: QueryPatch, options: { replace?: boolean; reset?: boolean } = {}) => {
      const next = new URLSearchParams(options.reset === true ? '' : window.location.search);
      for (const [k, v] of Object.entries(patch)) {
        if (v === null || v === undefined || v === '' || v === false) next.delete(k);
        else next.set(k, String(v));
      }
      const s = next.toString();
      loc.route(`${window.location.pathname}${s === '' ? '' : `?${s}`}`, options.replace ?? false);
    },
    [loc],
  );
  return { query: loc.query, setQuery };
}
