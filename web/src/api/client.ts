import { currentSession, signOut } from './session.js';
import type { WhoAmI } from './types.js';

/** An answer of the console API other than 2xx, with the API's own code and message. */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
  }
}

interface ErrorBody {
  error?: { code?: unknown; message?: unknown };
}

async function toApiError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '');
  try {
    const body = JSON.parse(text) as ErrorBody;
    const code = typeof body.error?.code === 'string' ? body.error.code : `HTTP_${res.status}`;
    const message = typeof body.error?.message === 'string' ? body.error.message : `${res.status} ${res.statusText}`;
    return new ApiError(res.status, code, message);
  } catch {
    return new ApiError(res.status, `HTTP_${res.status}`, `${res.status} ${res.statusText}${text === '' ? '' : `: ${text.slice(0, 200)}`}`);
  }
}

async function request<T>(path: string, token: string, signal?: AbortSignal): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { headers: { authorization: `Bearer ${token}`, accept: 'application/json' }, signal: signal ?? null });
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, 'NETWORK', `the hub did not answer (${err instanceof Error ? err.message : String(err)})`);
  }
  if (!res.ok) throw await toApiError(res);
  return (await res.json()) as T;
}

/**
 * GET a console API path with the session's token. A 401 ends the session (the token was revoked
 * or is wrong) and the app shows the login page with the API's message.
 */
export async function apiGet<T>(path: string, signal?: AbortSignal): Promise<T> {
  const session = currentSession();
  if (session === null) throw new ApiError(401, 'E2E_UNAUTHENTICATED', 'not signed in');
  try {
    return await request<T>(path, session.token, signal);
  } catch (err) {
    if (err instanceof ApiError && err.status === 401 && currentSession()?.token === session.token) signOut(err.message);
    throw err;
  }
}

/** Checks a token: who it belongs to, or the API's reason for refusing it. */
export function whoAmI(token: string, signal?: AbortSignal): Promise<WhoAmI> {
  return request<WhoAmI>('/api/whoami', token, signal);
}

/** Builds `path?query` from the defined, non-empty values. */
export function withQuery(path: string, query: Record<string, string | number | boolean | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '' || v === false) continue;
    q.set(k, String(v));
  }
  const s = q.toString();
  return s === '' ? path : `${path}?${s}`;
}
