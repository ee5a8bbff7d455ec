import { useCallback, useEffect, useState } from 'preact/hooks';
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

/**
 * A search form's fields, taken from the URL and taken again whenever the URL changes (a submit,
 * back/forward, a link), so the form always shows the search on screen. `fromQuery` also gets the
 * form as it was, to keep a field the URL does not carry.
 */
export function useQueryForm<T>(query: Record<string, string>, fromQuery: (q: Record<string, string>, previous?: T) => T): [T, (form: T) => void] {
  const [form, setForm] = useState<T>(() => fromQuery(query));
  // Only a new query resets the form; `fromQuery` is a new closure on every render.
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(() => setForm((f) => fromQuery(query, f)), [query]);
  return [form, setForm];
}
