/** A request target parsed without throwing: the URL (against a fixed base) and its path. */
export type ParsedTarget = { ok: true; url: URL; path: string } | { ok: false; message: string };

const BASE = 'http://request.invalid';
const MAX_ECHO_CHARS = 120;

/**
 * Parses `req.url` for routing. Never throws: a target that is not an absolute path (origin-form)
 * or an absolute URL (absolute-form), that resolves to another origin (`//host`, `/\host`), or
 * whose path has malformed percent-encoding (`%E0%A4%A`, `%zz`) gives `ok: false` and a message
 * for a 400. So every later `decodeURIComponent` of the path, or of a segment of it, succeeds.
 * Query strings need no check: URLSearchParams keeps malformed escapes as text.
 */
export function parseRequestTarget(target: string | undefined): ParsedTarget {
  const raw = target ?? '/';
  let url: URL;
  try {
    if (raw.startsWith('/')) {
      url = new URL(raw, BASE);
    } else if (/^https?:\/\//i.test(raw)) {
      const abs = new URL(raw);
      url = new URL(`${abs.pathname}${abs.search}`, BASE);
    } else {
      return { ok: false, message: `request target ${echo(raw)} is not a path` };
    }
  } catch {
    return { ok: false, message: `request target ${echo(raw)} is not a valid URL` };
  }
  if (url.origin !== BASE) return { ok: false, message: `request target ${echo(raw)} is not a path` };
  try {
    decodeURIComponent(url.pathname);
  } catch {
    return { ok: false, message: `malformed percent-encoding in path ${echo(url.pathname)}` };
  }
  return { ok: true, url, path: url.pathname };
}

function echo(s: string): string {
  return JSON.stringify(s.length > MAX_ECHO_CHARS ? `${s.slice(0, MAX_ECHO_CHARS)}…` : s);
}
