import type { WhoAmI } from './types.js';

/**
 * The signed-in token. Kept in sessionStorage (gone with the tab) unless the operator asks to be
 * remembered on this device (localStorage). Never put in a URL, so it cannot leak through
 * history, logs or the Referer header.
 */
const KEY = 'e2e-o11y.token';

export interface Session {
  token: string;
  who: WhoAmI;
}

type Listener = () => void;

let current: Session | null = null;
/** Why the last session ended (a refused token), shown on the login page. */
let endedBecause: string | null = null;
const listeners = new Set<Listener>();

function notify(): void {
  for (const l of listeners) l();
}

export function storedToken(): string | null {
  return sessionStorage.getItem(KEY) ?? localStorage.getItem(KEY);
}

/** Whether the stored token is kept across browser restarts ("Remember on this device"). */
export function isRemembered(): boolean {
  return localStorage.getItem(KEY) !== null;
}

export function currentSession(): Session | null {
  return current;
}

export function signIn(session: Session, remember: boolean): void {
  current = session;
  endedBecause = null;
  sessionStorage.setItem(KEY, session.token);
  if (remember) localStorage.setItem(KEY, session.token);
  else localStorage.removeItem(KEY);
  notify();
}

/** Forgets the token; `reason` (e.g. the API's 401 message) is shown on the login page. */
export function signOut(reason: string | null = null): void {
  current = null;
  endedBecause = reason;
  sessionStorage.removeItem(KEY);
  localStorage.removeItem(KEY);
  notify();
}

export function signOutReason(): string | null {
  return endedBecause;
}

export function subscribe(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
